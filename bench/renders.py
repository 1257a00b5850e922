"""Documents off the web workers, rendered once, renderer warm at start: measured on a served Palisade.

Starts the stack of docs/deploy.md on the demo data (gunicorn -c gunicorn.conf.py with 2 workers, one
background worker, SQLite) and prints, each against a baseline from the same run:
  1. first PDF after start ÷ a warm one (initiative status reports, each a different document);
  2. second download of an unchanged executive report ÷ the first (render cache);
  3. list page p99 while 4 clients download PDFs ÷ p99 idle; done twice: PDFs that the cache can serve,
     and PDFs that must all be rendered (PDF_CACHE_MAX_AGE_HOURS=0: nothing is kept for the next reader).

    .venv/bin/python bench/renders.py [--samples 200]
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load import PASSWORD, hidden_fields, wait_for  # noqa: E402

ACCOUNT = "coordinator@niro.example.gov"


def start(workdir: Path, port: int, **extra) -> list[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(SECRET_KEY="bench-renders-secret-key-0123456789abcdef", PYTHONPATH=str(ROOT),
               DATABASE_URL=f"sqlite:///{workdir / 'palisade.sqlite'}", HUEY_SQLITE_PATH=str(workdir / "huey.sqlite"),
               GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", GUNICORN_ACCESS_LOG="",
               LOGIN_FAILURE_IP_LIMIT="100000", PDF_RATE_LIMIT="10000/minute")
    env.update({k: str(v) for k, v in extra.items()})
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    if not (workdir / "palisade.sqlite").exists():
        subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(flask + ["seed-demo", "--password", PASSWORD], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    log = open(workdir / "stack.log", "ab")
    processes = [subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                  env=env, stdout=log, stderr=log, start_new_session=True),
                 subprocess.Popen(flask + ["worker"], cwd=ROOT, env=env, stdout=log, stderr=log,
                                  start_new_session=True)]
    try:
        wait_for(f"http://127.0.0.1:{port}")
    except BaseException:
        stop(processes)
        raise
    time.sleep(3)  # let both web workers and the background worker finish booting (and warming)
    return processes


def stop(processes) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)


def session(base: str) -> requests.Session:
    client = requests.Session()
    _, fields = hidden_fields(client.get(base + "/auth/login").text, "login")
    fields.update(email=ACCOUNT, password=PASSWORD)
    client.post(base + "/auth/login", data=fields).raise_for_status()
    return client


def download(client: requests.Session, url: str) -> float:
    """Seconds until the PDF is in hand (following the progress page like a browser would)."""
    started = time.perf_counter()
    answer = client.get(url, allow_redirects=False, timeout=120)
    while answer.status_code == 303:
        status = answer.headers["Location"]
        state = client.get(status + ".json").json() if not status.endswith(".pdf") else {}
        while not state.get("download_url") and state.get("status") not in ("failed", "expired"):
            time.sleep(0.1)
            state = client.get(status + ".json").json()
        answer = client.get(state.get("download_url") or status, allow_redirects=False, timeout=120)
    assert answer.content.startswith(b"%PDF"), (url, answer.status_code)
    return time.perf_counter() - started


def p99_of_list(client: requests.Session, base: str, samples: int) -> float:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        client.get(base + "/agreements/").raise_for_status()
        times.append(time.perf_counter() - started)
    return statistics.quantiles(times, n=100)[98]


def list_under_pdf_load(base: str, samples: int, urls: list[str]) -> tuple[float, int]:
    stop_flag = threading.Event()
    done = [0]

    def downloader(i):
        client = session(base)
        n = i
        while not stop_flag.is_set():
            download(client, urls[n % len(urls)])
            done[0] += 1
            n += 4

    threads = [threading.Thread(target=downloader, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    p99 = p99_of_list(session(base), base, samples)
    stop_flag.set()
    for thread in threads:
        thread.join(timeout=180)
    return p99, done[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--port", type=int, default=8631)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="palisade-renders-"))
    base = f"http://127.0.0.1:{args.port}"

    processes = start(workdir, args.port)
    try:
        client = session(base)
        reports = sorted(set(re.findall(r'href="(/initiatives/\d+/status-report\.pdf)"',
                                        client.get(base + "/initiatives/?per_page=100").text)))
        if len(reports) < 4:
            reports = [f"/initiatives/{i}/status-report.pdf" for i in range(1, 8)]
        first = download(client, base + reports[0])
        warm = statistics.median(download(client, base + url) for url in reports[1:6])
        print(f"first PDF after start {first * 1000:7.0f} ms, warm {warm * 1000:7.0f} ms  "
              f"ratio {first / warm:5.2f}  (goal <= 1.2)")

        cold = download(client, base + "/reports/executive.pdf")
        again = statistics.median(download(client, base + "/reports/executive.pdf") for _ in range(5))
        print(f"executive report first {cold * 1000:7.0f} ms, unchanged again {again * 1000:7.0f} ms  "
              f"ratio {again / cold:5.3f}  (goal <= 0.05)")

        idle = p99_of_list(client, base, args.samples)
        cached_urls = [base + "/reports/executive.pdf", base + "/risks/register.pdf"]
        busy, n = list_under_pdf_load(base, args.samples, cached_urls)
        print(f"list p99 idle {idle * 1000:6.0f} ms; while 4 clients download the executive report and the "
              f"register ({n} downloads) {busy * 1000:6.0f} ms  ratio {busy / idle:5.2f}  (goal <= 1.5)")
    finally:
        stop(processes)

    processes = start(workdir, args.port, PDF_CACHE_MAX_AGE_HOURS=0)
    try:
        client = session(base)
        idle = p99_of_list(client, base, args.samples)
        every_render = [base + url for url in reports] + [base + "/reports/executive.pdf", base + "/risks/register.pdf"]
        busy, n = list_under_pdf_load(base, args.samples, every_render)
        print(f"list p99 idle {idle * 1000:6.0f} ms; while 4 clients download documents that must each be "
              f"rendered ({n} renders) {busy * 1000:6.0f} ms  ratio {busy / idle:5.2f}  (goal <= 1.5)")
    finally:
        stop(processes)


if __name__ == "__main__":
    main()
