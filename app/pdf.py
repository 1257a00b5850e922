"""HTML -> PDF with WeasyPrint (>= 68): the one way Palisade makes a PDF.

* `StaticOnlyFetcher`: WeasyPrint may read our own assets (css/pdf.css, fonts/, the logo) and
  nothing else. Any other URL (file:// elsewhere, http(s), data:, ftp…) stops the render: it can only
  come from a sanitiser bug or an attack, so it must be loud, not silently dropped.
* `render_pdf(template, **ctx)`: Jinja template from templates/pdf/ (autoescaped) -> PDF bytes.
  WeasyPrint runs in a child process with RLIMIT_AS, RLIMIT_CPU and a wall-clock timeout, so a
  pathological document kills a child, never the web worker (SECURITY.md PDF-02).
* `Budget`: input caps checked before any render starts (field lengths, rows, estimated pages).
"""
import logging
import mimetypes
import multiprocessing
import resource
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

# Paths under app/static that a PDF may load. Exact files, or folders ending in "/".
ALLOWED_ASSETS = ("css/pdf.css", "fonts/", "img/logo.svg")
ASSET_SUFFIXES = {".css", ".ttf", ".otf", ".woff", ".woff2", ".svg"}

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
    """The renderer ran out of time or memory, or refused an asset (503)."""

    status = 503


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
    return document.write_pdf(presentational_hints=False)


def _write_pdf_or_fail(html: str, static_root: str) -> bytes:
    try:
        return write_pdf(html, static_root)
    except FatalURLFetchingError as exc:
        log.warning("PDF render stopped: %s", exc)
        raise RenderFailed("This document refers to a resource that PDFs may not load.") from exc
    except MemoryError as exc:
        raise RenderFailed("This document is too large to render.") from exc


# --- The child process ----------------------------------------------------------------------

_context = None


def _mp_context():
    """forkserver: children fork from a clean server that already imported WeasyPrint (fast start,
    no inherited database connections or locks from the web worker)."""
    global _context
    if _context is None:
        try:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(["weasyprint", "app.pdf"])
        except ValueError:  # platforms without forkserver
            _context = multiprocessing.get_context("spawn")
    return _context


def _child_main(conn, html: str, static_root: str, memory_mb: int, cpu_seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    used = int(resource.getrusage(resource.RUSAGE_SELF).ru_utime) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, used + cpu_seconds + 2))
    try:
        conn.send_bytes(b"OK" + write_pdf(html, static_root))
    except MemoryError:
        conn.send_bytes(b"ERmemory")
    except FatalURLFetchingError as exc:
        conn.send_bytes(b"ERrefused:" + str(exc).encode()[:300])
    except BaseException as exc:  # report, never hang the parent
        conn.send_bytes(b"ER" + type(exc).__name__.encode())
    finally:
        conn.close()


def _render_in_child(html: str, static_root: str, *, timeout: float, memory_mb: int) -> bytes:
    context = _mp_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, daemon=True,
                              args=(sender, html, static_root, memory_mb, max(1, int(timeout))))
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            log.warning("PDF render exceeded %.0f s; child %s killed", timeout, process.pid)
            raise RenderFailed("This document took too long to render.")
        try:
            message = receiver.recv_bytes()
        except EOFError as exc:  # killed by RLIMIT_CPU or the OOM killer
            raise RenderFailed("This document is too large to render.") from exc
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if message.startswith(b"OK"):
        return message[2:]
    reason = message[2:].decode(errors="replace")
    log.warning("PDF render failed in child: %s", reason)
    if reason.startswith("refused:"):
        raise RenderFailed("This document refers to a resource that PDFs may not load.")
    raise RenderFailed("This document is too large to render.")
