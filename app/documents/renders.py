"""PDFs rendered off the web workers, and rendered once.

A download checks the reader may have the document and queues a `RenderJob` for that reader with what to build
(app/documents/specs.py). The background worker (app/jobs.py) loads the records through the reader's scopes,
builds the HTML and looks its digest up in `rendered_documents`: a hit is served from there, a miss is rendered
into it. The request waits up to PDF_WAIT_SECONDS for the job and otherwise sends the reader to a page that
follows the job and downloads the document when it is ready. No web process spends its time on a document's
queries, template or PDF. The cache is bounded by PDF_CACHE_MAX_MB and PDF_CACHE_MAX_AGE_HOURS.

A document served once is known: `known_documents` (in the database, so shared by every web worker and host)
records which cached document a path gave a reader, at which content generation (app/transactions.py) and on
which day. While none of these has moved (the reader's scope, the data, the day), the same path is served from
the cache without building its HTML again, whichever worker answers: a read of the generation and one of the
stored document.
"""
import hashlib
import logging
import os
import re
import secrets
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import permissions
from app.documents import specs
from app.extensions import db
from app.jobs import enqueue_after_commit
from app.jobs import huey
from app.jobs import in_app_context
from app.jobs import job
from app.models import KnownDocument
from app.models import RenderedDocument
from app.models import RenderJob
from app.models import RenderStatus
from app.models import User
from app.models import utcnow
from app.pdf import DocumentTooLarge
from app.pdf import RenderFailed
from app.pdf import html_to_pdf
from app.pdf import render_html
from app.pdf import warm_up

log = logging.getLogger(__name__)
_RENDERING = threading.Lock()
_WARMING = threading.Lock()
_warm = False

# The generation time the layout prints changes every minute and is not content: it is the one thing the digest
# leaves out, found by its tag (user text is escaped, so it can never produce a tag). A live report's reference
# (RISKS-20261130-1642, documents/content.py) is stamped with the minute too: the build puts an unguessable
# marker in its place, the digest sees the marker, and the real reference replaces it afterwards. Everything
# else, including user text that looks like a reference, is in the digest.
_GENERATED = re.compile(r'<span class="generated">[^<]*</span>')
_STAMPED_REFERENCE = re.compile(r"[A-Z]+-\d{8}-\d{4}")
_REFERENCE_IN_DIGEST = "<stamped-reference>"


def content_digest(html: str) -> str:
    return hashlib.sha256(_GENERATED.sub("", html).encode()).hexdigest()


def build_html(template: str, context: dict) -> tuple[str, str]:
    """The document's HTML and its content digest (see above)."""
    info = context["doc"]
    stamped = info.reference if info.version is None and _STAMPED_REFERENCE.fullmatch(info.reference or "") else ""
    if not stamped:
        html = render_html(template, **context)
        return html, content_digest(html)
    marker = f"REF{secrets.token_hex(16)}"
    info.reference = marker
    try:
        html = render_html(template, **context)
    finally:
        info.reference = stamped
    return html.replace(marker, stamped), content_digest(html.replace(marker, _REFERENCE_IN_DIGEST))


def cached_document(digest: str, *, with_content: bool = False) -> RenderedDocument | None:
    stmt = sa.select(RenderedDocument).where(RenderedDocument.digest == digest)
    if with_content:
        stmt = stmt.options(sa.orm.undefer(RenderedDocument.content))
    return db.session.scalars(stmt).first()


TOUCH_EVERY = timedelta(minutes=1)  # how stale a cached document's last use may be before a hit records it


def known_key(reader: User, path: str, extra: tuple = ()) -> tuple[str, int] | None:
    """What a document served at `path` depends on besides its path, hashed: the reader's scope and the day
    (permissions.scope_key), the content generation (app/transactions.py) and `extra` (what else the document
    shows that the generation does not count); with that generation. None while no change was ever counted, or
    with the cache off."""
    if not current_app.config["PDF_CACHE_ENABLED"]:
        return None
    from app.transactions import content_generation  # here: app.transactions imports the models at load

    generation = content_generation()
    if generation is None:
        return None
    # repr() of ints, strings, enums, dates and tuples is the same in every process and host.
    key = repr((path, generation, *permissions.scope_key(reader), *extra))
    return hashlib.sha256(key.encode()).hexdigest(), generation


def known_document(key: tuple[str, int] | None) -> tuple[RenderedDocument, str] | None:
    """The cached document (with its bytes) and file name served for `key` before, if still cached: one
    statement."""
    if key is None:
        return None
    found = db.session.execute(
        sa.select(RenderedDocument, KnownDocument.filename)
        .join(KnownDocument, KnownDocument.digest == RenderedDocument.digest)
        .where(KnownDocument.key == key[0]).options(sa.orm.undefer(RenderedDocument.content))).first()
    if found is None:
        return None
    touch(found[0])
    return found[0], found[1]


def remember(key: tuple[str, int] | None, digest: str, filename: str) -> None:
    """Record what `key` gave (flushes; the caller commits). Two workers remembering the same key at once
    record the same thing: the second is dropped."""
    if key is None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(KnownDocument(key=key[0], digest=digest, filename=filename[:200]))
    except sa.exc.IntegrityError:
        pass


def touch(cached: RenderedDocument) -> None:
    """Record a use for the cache's least-recently-used order, at most once a minute (a write per download
    would cost more than the read it serves)."""
    now = utcnow()
    if cached.used_at is None or now - cached.used_at >= TOUCH_EVERY:
        cached.used_at = now


# A short document renders in 0.1–0.4 s: the request looks at its job soon (a look is one primary-key read of
# its status), then less and less often (each wait half again the last, at most POLL_MAX): a document stored at
# t leaves by about 1.5 t, and a request that waits its PDF_WAIT_SECONDS looks about 15 times, not 60. Waiting
# requests hold web threads while the host is busiest (the worker is behind): their looks are CPU taken from
# the pages, and on PostgreSQL a rolled-back look made the connection forget its prepared statements.
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.025, 1.5, 0.25
_ENDED = (RenderStatus.DONE.value, RenderStatus.FAILED.value)


def wait_for(render_id: str, seconds: float) -> RenderJob | None:
    """Look at the job's status (each look in a transaction of its own) until it ends or `seconds` pass;
    then the job."""
    from app.transactions import end_read_only_transaction

    deadline = time.monotonic() + seconds
    pause = POLL_FIRST
    while True:
        # End the read transaction so the next look sees the worker's commit: COMMIT, as it only read.
        if not end_read_only_transaction():
            db.session.rollback()
        status = db.session.scalar(sa.select(RenderJob.status).where(RenderJob.id == render_id))
        now = time.monotonic()
        if status is None or status in _ENDED or now >= deadline:
            return db.session.scalars(sa.select(RenderJob).where(RenderJob.id == render_id)).first()
        time.sleep(min(pause, deadline - now))
        pause = min(pause * POLL_GROWTH, POLL_MAX)


@huey.on_startup()
@in_app_context
def warm_renderer() -> None:
    """Each worker thread starts with a warm renderer (the process has one: the first thread starts it while
    the others wait), its database connection open and the statements of a render job compiled: the first
    document after a start waits for nothing a later one does not."""
    global _warm
    with _WARMING:
        if not _warm:
            warm_up()
            if current_app.config.get("PDF_WARM_AT_START", True):
                _warm_builds()
            _warm = True
    cached_document("")
    db.session.scalars(sa.select(RenderJob).where(RenderJob.id == "")).first()
    db.session.rollback()


def _warm_builds() -> None:
    """Build one document of each kind for a reader of each role, and render the shortest: the first reader's
    document then waits for no statement, template, font or library the worker had not yet compiled or loaded.
    A read-only pass."""
    started = time.monotonic()
    shortest = None
    try:
        first_of_each_role = sa.select(sa.func.min(User.id)).where(User.active.is_(True)).group_by(User.role)
        for reader in db.session.scalars(sa.select(User).where(User.id.in_(first_of_each_role))):
            for document in specs.samples(reader):
                template, context = specs.build(reader, document)
                html = render_html(template, **context)
                shortest = html if shortest is None or len(html) < len(shortest) else shortest
        if shortest is not None:
            html_to_pdf(shortest)
    except Exception:  # a failed warm-up must not stop the worker: the first document builds it all
        log.exception("Document build warm-up failed")
    finally:
        db.session.rollback()
    log.info("document_builds_warm: pid %s in %.2f s", os.getpid(), time.monotonic() - started)


def downloadable(render: RenderJob) -> RenderedDocument | None:
    """The stored PDF of a finished render while it is still what the reader may have: nothing a document shows
    (the records, their labels and sharing, the reader's role and organisations) changed since the worker built
    it, and it is still cached. Otherwise None: the reader asks again through the document's own route, which
    checks their current scope (a render raised to AMBER+STRICT meanwhile is never handed out)."""
    from app.transactions import content_generation

    if render.status != RenderStatus.DONE or render.generation != content_generation():
        return None
    return cached_document(render.digest, with_content=True)


def request_build(reader: User, document: dict, *, title: str, source_url: str = "",
                  known: tuple[str, int] | None = None) -> RenderJob:
    """Queue the document a spec names (app/documents/specs.py) for the worker to build and render, once the
    request commits: the web process spends no time on its queries, template or PDF. With `known` (known_key),
    the worker records what it built for that key, so the next download is served from the cache even when
    this one was followed through its progress page. Flushes."""
    render = RenderJob(id=secrets.token_urlsafe(18), user_id=reader.id, digest="", title=title[:200],
                       filename="document.pdf", source_url=source_url[:500])
    db.session.add(render)
    db.session.flush()
    enqueue_after_commit(build_document, render.id, document, list(known) if known else None)
    return render


def _render_into_cache(digest: str, html: str) -> bool:
    """Whether it rendered (False: the document was in the cache)."""
    # Readers who ask for the same new document at once each get a job; the jobs take turns here (a worker
    # process has one renderer anyway), and a job that finds the document stored by the one before it does not
    # render it again.
    with _RENDERING:
        db.session.commit()  # a new snapshot: it sees what the previous job stored while this one waited
        cached = cached_document(digest)
        if cached is None:
            _store(digest, html_to_pdf(html))
        else:
            touch(cached)
        db.session.commit()
    return cached is None


@job()
def build_document(render_id: str, document: dict, known: list | None = None) -> None:
    """Background job: build a spec's document for its reader (through the reader's scopes as they are now),
    then find it in the render cache or render it there. The job ends done, or failed with what the reader is
    told and the status the download answers."""
    render = db.session.scalars(sa.select(RenderJob).where(RenderJob.id == render_id)).first()
    if render is None or render.status != RenderStatus.QUEUED:
        return
    render.status, render.started_at = RenderStatus.RUNNING.value, utcnow()
    db.session.commit()
    try:
        _build_and_render(render, document)
        render.status = RenderStatus.DONE.value
        if known and render.generation == known[1]:  # built from the data the key describes
            remember((known[0], known[1]), render.digest, render.filename)
    except (RenderFailed, DocumentTooLarge, specs.NoLongerVisible) as exc:
        db.session.rollback()
        render.status, render.error, render.error_code = RenderStatus.FAILED.value, str(exc)[:300], exc.status
    except Exception:
        log.exception("Render job %s failed", render.id)
        db.session.rollback()
        render.status, render.error_code = RenderStatus.FAILED.value, 503
        render.error = "Rendering failed; try again."
    render.finished_at = utcnow()
    prune_cache(keep=render.digest)
    db.session.commit()


def _build_and_render(render: RenderJob, document: dict) -> None:
    started = time.perf_counter()
    # The reader who asked, as the login loader loads the signed-in user; what they may see is scoped below.
    from app.transactions import content_generation

    render.generation = content_generation()  # read before the records: a later change only makes it stale
    reader = db.session.get(User, render.user_id)
    if reader is None or not reader.is_active:
        raise specs.NoLongerVisible("This account can no longer download documents.")
    template, context = specs.build(reader, document)
    html, digest = build_html(template, context)
    info = context["doc"]
    render.digest, render.filename = digest, info.filename[:200]
    render.title = str(getattr(info, "title", "") or render.title)[:200]
    db.session.commit()  # no write left open while this job waits for its turn at the renderer
    built = time.perf_counter()
    rendered = _render_into_cache(render.digest, html)
    specs.produced(reader, document, context)
    log.info("document_built: %s %s waited %.0f ms, built in %.0f ms, %s in %.0f ms", render.id, document["kind"],
             (render.started_at - render.created_at).total_seconds() * 1000, (built - started) * 1000,
             "rendered" if rendered else "found in the cache", (time.perf_counter() - built) * 1000)


def _store(digest: str, content: bytes) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(RenderedDocument(digest=digest, content=content, size=len(content)))
    except sa.exc.IntegrityError:  # another job rendered the same document meanwhile
        pass


def prune_cache(keep: str = "") -> None:
    """Drop entries past their age, then the least recently used beyond the size budget; never `keep`
    (the document a reader is waiting for)."""
    config = current_app.config
    now = utcnow()
    db.session.execute(sa.delete(RenderedDocument).where(
        RenderedDocument.created_at < now - timedelta(hours=config["PDF_CACHE_MAX_AGE_HOURS"]),
        RenderedDocument.digest != keep))
    db.session.execute(sa.delete(RenderJob).where(RenderJob.created_at < now - timedelta(days=1)))
    budget = config["PDF_CACHE_MAX_MB"] * 1024 * 1024
    total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(RenderedDocument.size), 0)))
    if total > budget:
        for digest, size in db.session.execute(sa.select(RenderedDocument.digest, RenderedDocument.size)
                                               .where(RenderedDocument.digest != keep)
                                               .order_by(RenderedDocument.used_at)).all():
            db.session.execute(sa.delete(RenderedDocument).where(RenderedDocument.digest == digest))
            total -= size
            if total <= budget:
                break
    # What a path gave is forgotten with the document, and after a day (its key holds the day anyway).
    db.session.execute(sa.delete(KnownDocument).where(sa.or_(
        KnownDocument.created_at < now - timedelta(days=1),
        ~sa.exists().where(RenderedDocument.digest == KnownDocument.digest))))
