"""Memory while streaming an attachment download, against the size of the file.

Seeds a database (a temporary SQLite file, or --database-url) with one task holding a SIZE MiB
attachment, in a child process, so the measuring process never held the file. Then, in a fresh
process, downloads it through the real route (Flask test client, unbuffered) and reads the body
chunk by chunk, sampling the resident set size after every chunk and tracing Python allocations.
For contrast it then loads the whole blob the naive way (the ORM attribute).

    .venv/bin/python bench/attachments.py [--size-mb 20] [--database-url postgresql+psycopg://…]
"""
import argparse
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MIB = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_app(database_url: str):
    from config import TestConfig

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        MAX_ATTACHMENT_MB = 1024
        ATTACHMENT_RECORD_MAX_MB = 4096

    from app import create_app

    return create_app(BenchConfig)


def payload(size: int) -> bytes:
    """A PDF-looking file of `size` bytes (the type check reads the head; the rest is filler)."""
    head = b"%PDF-1.7\n% bench filler follows\n"
    block = hashlib.sha256(b"palisade").digest() * 2048  # 64 KiB of non-repeating-looking bytes
    body = (block * (size // len(block) + 1))[: size - len(head) - 6]
    return head + body + b"\n%%EOF"


def seed(database_url: str, size: int) -> None:
    from werkzeug.datastructures import FileStorage

    from app.attachments.services import add_attachment
    from app.extensions import db
    from app.models import Role
    from tests import factories

    app = make_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        coordinator = factories.user(role=Role.COORDINATOR, email="bench@example.org")
        group = factories.working_group(created_by=coordinator, members=[coordinator])
        task = factories.task(working_group=group, assignee=coordinator)
        data = payload(size)
        attachment = add_attachment(coordinator, task, FileStorage(io.BytesIO(data), "bench.pdf"))
        db.session.commit()
        print(f"seeded task {task.id} attachment {attachment.id} ({len(data) / MIB:.1f} MiB, "
              f"sha256 {hashlib.sha256(data).hexdigest()[:12]})")


def measure(database_url: str) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Attachment
    from app.models import User

    app = make_app(database_url)
    with app.app_context():
        attachment = db.session.scalar(sa.select(Attachment))
        user = db.session.scalar(sa.select(User).where(User.email == "bench@example.org"))
        url = f"/attachments/tasks/{attachment.object_id}/{attachment.id}"
        size, sha = attachment.size, attachment.sha256
        client = app.test_client()
        with client.session_transaction() as session:
            from app.models import utcnow
            now = utcnow().timestamp()
            session.update({"_user_id": user.get_id(), "_fresh": True, "started_at": now, "seen_at": now,
                            "fresh_at": now})
        db.session.remove()

    client.get("/")  # warm up imports, templates and the connection pool
    base_rss = rss_bytes()
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    assert response.status_code == 200, response.status_code
    digest, received, chunks, peak_rss = hashlib.sha256(), 0, 0, base_rss
    for chunk in response.response:
        digest.update(chunk)
        received += len(chunk)
        chunks += 1
        peak_rss = max(peak_rss, rss_bytes())
    response.close()
    elapsed = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert received == size and digest.hexdigest() == sha, "download differs from the stored file"

    with app.app_context():
        tracemalloc.start()
        whole = db.session.scalar(sa.select(Attachment)).content  # the naive way: the whole blob at once
        _, naive_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(whole) == size

    print(f"file size:                    {size / MIB:8.1f} MiB")
    print(f"streamed in:                  {chunks:8d} chunks, {elapsed:.2f} s ({size / MIB / elapsed:.0f} MiB/s)")
    print(f"tracemalloc peak (streaming): {traced_peak / MIB:8.2f} MiB  ({traced_peak / size:.1%} of the file)")
    print(f"RSS growth (streaming):       {(peak_rss - base_rss) / MIB:8.2f} MiB  "
          f"({(peak_rss - base_rss) / size:.1%} of the file)")
    print(f"tracemalloc peak (whole blob):{naive_peak / MIB:8.2f} MiB  ({naive_peak / size:.1%} of the file)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--phase", choices=("all", "seed", "measure"), default="all")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.phase == "seed":
        seed(args.database_url, args.size_mb * MIB)
        return
    if args.phase == "measure":
        measure(args.database_url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        for phase in ("seed", "measure"):
            subprocess.run([sys.executable, __file__, "--phase", phase, "--size-mb", str(args.size_mb),
                            "--database-url", url], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
