"""HTML -> PDF with WeasyPrint (>= 68): the one way Palisade makes a PDF.

* `StaticOnlyFetcher`: WeasyPrint may read our own assets (css/pdf.css, fonts/, the logo) and
  nothing else. Any other URL (file:// elsewhere, http(s), data:, ftp…) stops the render: it can only
  come from a sanitiser bug or an attack, so it must be loud, not silently dropped.
* `render_pdf(template, **ctx)`: Jinja template from templates/pdf/ (autoescaped) -> PDF bytes.
  WeasyPrint runs in a child process with RLIMIT_AS, RLIMIT_CPU and a wall-clock timeout, so a
  pathological document kills a child, never the web worker (SECURITY.md PDF-02).
* `Budget`: input caps checked before any render starts (field lengths, rows, estimated pages).
"""
import gc
import logging
import mimetypes
import os
import resource
import signal
import time
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app
from flask import render_template
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError
from weasyprint.urls import URLFetcher
from weasyprint.urls import URLFetcherResponse

from app.child_process import ChildProcess

log = logging.getLogger(__name__)

# Paths under app/static that a PDF may load. Exact files, or folders ending in "/".
ALLOWED_ASSETS = ("css/pdf.css", "fonts/", "img/logo.svg")
ASSET_SUFFIXES = {".css", ".ttf", ".otf", ".woff", ".woff2", ".svg"}

# Every document is tagged PDF/UA-1 (structure tree, /Lang from <html lang>, /Title from <title>,
# headings, table headers, /Alt from each <svg><title> and <img alt>) so assistive technology reads it.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}

DEFAULT_LIMITS = {
    "PDF_MAX_FIELD_CHARS": 100_000,  # one text field (matches the Markdown cap of the forms)
    "PDF_MAX_TABLE_ROWS": 1_000,  # one table or list of records
    "PDF_MAX_SECTIONS": 200,  # sections of one document
    "PDF_MAX_PAGES": 300,  # estimated pages of one document
    "PDF_MAX_HTML_CHARS": 4_000_000,  # the rendered HTML, a last catch-all
}
CHARS_PER_PAGE = 3_500
ROWS_PER_PAGE = 30


class DocumentTooLarge(Exception):
    """The content exceeds a cap: refused before rendering (413)."""

    status = 413


class RenderFailed(Exception):
    """The renderer ran out of time or memory, refused an asset, or stopped unexpectedly (503).

    `reason`: "limits" (time or memory budget spent: the document is too large to render now),
    "refused" (an asset PDFs may not load) or "crashed" (the render process was killed or failed
    for a reason that has nothing to do with the document's size: trying again may work)."""

    status = 503

    def __init__(self, message: str, reason: str = "limits"):
        super().__init__(message)
        self.reason = reason


CRASHED = "Rendering failed: the render process stopped before the PDF was finished. Try again."


def failure_reason(message: str) -> str:
    """The RenderFailed reason behind a stored message (a render job keeps only the text)."""
    if message.startswith("Rendering failed"):
        return "crashed"
    return "refused" if "may not load" in message else "limits"


class RefusedURL(FatalURLFetchingError):
    """Fatal for WeasyPrint: the render stops instead of skipping the resource."""


class StaticOnlyFetcher(URLFetcher):
    """Serve the allowlisted files under app/static from disk; refuse every other URL.

    Files are read directly (no urllib opener), so redirects, proxies and network access cannot
    happen even for an allowed name."""

    def __init__(self, root: Path | str):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, timeout=5, fail_on_errors=True)
        self.root = Path(root).resolve()

    def allowed_path(self, url: str) -> Path | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or path.suffix.lower() not in ASSET_SUFFIXES:
            return None
        relative = path.relative_to(self.root).as_posix()
        allowed = any(relative == asset or (asset.endswith("/") and relative.startswith(asset))
                      for asset in ALLOWED_ASSETS)
        return path if allowed and path.is_file() else None

    def fetch(self, url, headers=None):
        path = self.allowed_path(url)
        if path is None:
            raise RefusedURL(f"PDF asset not allowed: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            content_type = "font/ttf"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


# --- Input caps --------------------------------------------------------------------------------


def limit(name: str) -> int:
    return int(current_app.config.get(name, DEFAULT_LIMITS[name]))


class Budget:
    """Counts what a document will hold and refuses it (DocumentTooLarge) beyond the caps."""

    def __init__(self, what: str = "This document"):
        self.what = what
        self.chars = 0
        self.rows = 0

    def text(self, label: str, value: str | None) -> str:
        value = value or ""
        if len(value) > limit("PDF_MAX_FIELD_CHARS"):
            raise DocumentTooLarge(f"{label} holds {len(value):,} characters; a document field may hold "
                                   f"at most {limit('PDF_MAX_FIELD_CHARS'):,}.")
        self.chars += len(value)
        return value

    def table(self, label: str, count: int, cap_name: str = "PDF_MAX_TABLE_ROWS") -> int:
        if count > limit(cap_name):
            raise DocumentTooLarge(f"{label}: {count:,} rows; a document may list at most "
                                   f"{limit(cap_name):,}.")
        self.rows += count
        return count

    @property
    def estimated_pages(self) -> int:
        return 1 + self.chars // CHARS_PER_PAGE + self.rows // ROWS_PER_PAGE

    def check(self) -> None:
        if self.estimated_pages > limit("PDF_MAX_PAGES"):
            raise DocumentTooLarge(f"{self.what} would run to about {self.estimated_pages:,} pages; "
                                   f"the limit is {limit('PDF_MAX_PAGES'):,}.")


# --- Rendering ---------------------------------------------------------------------------------


def render_html(template: str, **context) -> str:
    """The HTML of a PDF template (autoescaped: templates/pdf/*.html)."""
    context.setdefault("page_size", _page_size())
    html = render_template(template, **context)
    if len(html) > limit("PDF_MAX_HTML_CHARS"):
        raise DocumentTooLarge("This document is too large to render.")
    return html


def render_pdf(template: str, **context) -> bytes:
    """Render templates/pdf/<template> to PDF bytes, bounded in time and memory."""
    return html_to_pdf(render_html(template, **context))


def html_to_pdf(html: str) -> bytes:
    static_root = str(Path(current_app.static_folder).resolve())
    if not current_app.config.get("PDF_RENDER_IN_SUBPROCESS", True):
        return _write_pdf_or_fail(html, static_root)
    return _render_in_child(html, static_root,
                            timeout=float(current_app.config.get("PDF_RENDER_TIMEOUT", 60)),
                            memory_mb=int(current_app.config.get("PDF_RENDER_MEMORY_MB", 1024)))


def _page_size() -> str:
    size = str(current_app.config.get("PDF_PAGE_SIZE", "A4")).strip().lower()
    return "letter" if size in {"letter", "us-letter", "us letter"} else "a4"


def write_pdf(html: str, static_root: str) -> bytes:
    """Raw WeasyPrint with the fail-closed fetcher (bench/pdf.py compares against this)."""
    root = Path(static_root)
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root))
    return document.write_pdf(presentational_hints=False, **PDF_OPTIONS)


def _write_pdf_or_fail(html: str, static_root: str) -> bytes:
    try:
        return write_pdf(html, static_root)
    except FatalURLFetchingError as exc:
        log.warning("PDF render stopped: %s", exc)
        raise RenderFailed("This document refers to a resource that PDFs may not load.", reason="refused") from exc
    except MemoryError as exc:
        raise RenderFailed("This document is too large to render.") from exc


# --- The render worker --------------------------------------------------------------------------
#
# One long-lived child per web process renders one document at a time (a fresh process per render
# costs ~0.7 s of WeasyPrint/Pango start-up; a warm worker renders a short document in ~0.1 s).
# The child has RLIMIT_AS for its whole life and, per job, an RLIMIT_CPU budget on top of the CPU it
# has used so far; the parent kills it after PDF_RENDER_TIMEOUT seconds of wall clock. A killed or
# failed worker is replaced on the next render; a worker retires after MAX_JOBS to return memory.

MAX_JOBS = 50
# Renders run at a lower CPU priority than the web workers: when both want the CPU, pages come first
# and a document takes a little longer.
RENDER_NICENESS = 10


def _worker_main(conn, static_root: str, memory_mb: int) -> None:
    try:
        os.nice(RENDER_NICENESS)
    except OSError:  # not permitted here: render at the normal priority
        pass
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    for job in range(1, MAX_JOBS + 1):
        try:
            html, cpu_seconds = conn.recv()
        except (EOFError, OSError):
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime) + cpu_seconds + 1
        resource.setrlimit(resource.RLIMIT_CPU, (soft if cpu_hard < 0 else min(soft, cpu_hard), cpu_hard))
        retiring = job == MAX_JOBS
        try:
            conn.send(("ok", write_pdf(html, static_root), retiring))
        except MemoryError:
            conn.send(("error", "memory", True))
            return
        except FatalURLFetchingError as exc:
            conn.send(("refused", str(exc)[:300], retiring))
        except Exception as exc:  # report and retire: the renderer's state is unknown
            conn.send(("error", type(exc).__name__, True))
            return
        # Collect the garbage now, while idle, rather than halfway through a later document: a full
        # collection of WeasyPrint's objects costs about as much as rendering a short document, once every
        # few documents. What the first job (the warm-up) leaves lives as long as the process (fonts,
        # styles, caches): frozen, later collections skip it.
        gc.collect()
        if job == 1:
            gc.freeze()


class RenderWorker(ChildProcess):
    name = "palisade-pdf"

    def _exitcode(self) -> int | None:
        """The dead worker's exit code (negative: the signal that ended it); None if it lingers."""
        if self.process is None:
            return None
        self.process.join(2)
        return self.process.exitcode

    def render(self, html: str, static_root: str, *, timeout: float, memory_mb: int) -> bytes:
        with self.lock:
            self.ensure((static_root, memory_mb))
            try:
                self.conn.send((html, max(1, int(timeout))))
                if not self.conn.poll(timeout):
                    log.warning("PDF render exceeded %.1f s; worker %s killed", timeout, self.process.pid)
                    self.stop()
                    raise RenderFailed("This document took too long to render.")
                status, payload, retiring = self.conn.recv()
            except (EOFError, OSError) as exc:  # the worker died: RLIMIT_CPU, or killed from outside
                exitcode = self._exitcode()
                self.stop()
                if exitcode == -signal.SIGXCPU:
                    log.warning("PDF worker spent its CPU budget during a render (exit %s)", exitcode)
                    raise RenderFailed("This document is too large to render.") from exc
                log.error("pdf_render_crashed: the PDF worker died during a render (exit %s)", exitcode)
                raise RenderFailed(CRASHED, reason="crashed") from exc
            if retiring:
                self.stop()
        if status == "ok":
            return payload
        log.warning("PDF render failed in the worker: %s %s", status, payload)
        if status == "refused":
            raise RenderFailed("This document refers to a resource that PDFs may not load.", reason="refused")
        if status == "error" and payload != "memory":
            raise RenderFailed(CRASHED, reason="crashed")
        raise RenderFailed("This document is too large to render.")


_worker = RenderWorker(_worker_main)


def _render_in_child(html: str, static_root: str, *, timeout: float, memory_mb: int) -> bytes:
    return _worker.render(html, static_root, timeout=timeout, memory_mb=memory_mb)


# --- Warm start -----------------------------------------------------------------------------------

WARM_UP_HTML = ('<!doctype html><html lang="en"><head><link rel="stylesheet" href="css/pdf.css"></head>'
                '<body class="tlp-clear"><h1>Palisade</h1><h2>Warm start</h2><p><b>Bold</b>, <i>italic</i>, '
                '<b><i>both</i></b>, <code>code</code>.</p><ul><li>item</li></ul>'
                '<svg width="20" height="10" role="img"><rect width="10" height="10" fill="#c00"/>'
                '<text x="12" y="9" font-size="8">1</text></svg>'
                '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>b</td></tr></tbody></table></body></html>')


def warm_up() -> None:
    """Start the render process and load WeasyPrint's fonts and styles now, not at the first document.

    Called when a web worker (gunicorn.conf.py) or the background worker (app/documents/renders.py)
    starts, inside an app context."""
    if not current_app.config.get("PDF_WARM_AT_START", True):
        return
    env = current_app.jinja_env
    for name in env.list_templates(filter_func=lambda name: name.startswith("pdf/")):
        env.get_template(name)  # compiled once here, not in the first reader's request
    started = time.monotonic()
    try:
        html_to_pdf(WARM_UP_HTML)
    except Exception:  # a failed warm-up must not stop the worker: the first document retries
        log.exception("PDF warm-up failed; the first document will start the renderer")
    else:
        log.info("pdf_renderer_warm: pid %s in %.2f s", os.getpid(), time.monotonic() - started)
