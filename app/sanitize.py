"""User Markdown -> safe HTML. The one sanitiser, used by HTML pages and PDFs alike.

The result depends on the text alone, so recent results are kept per process: a page or a report
that shows the same descriptions again does not parse and clean them again.
"""
import threading
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

MAX_MARKDOWN_CHARS = 100_000

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5",
        "table", "thead", "tbody", "tr", "th", "td", "a", "hr", "del"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


CACHED_ENTRIES = 2048  # texts of up to CACHED_CHARS each: at most about 20 MB per process
CACHED_CHARS = 4_000


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML (no images, styles, scripts, embeds or foreign URL schemes)."""
    if not text:
        return Markup("")
    if len(text) > MAX_MARKDOWN_CHARS:
        text = text[:MAX_MARKDOWN_CHARS]
    return Markup(_cached_html(text) if len(text) <= CACHED_CHARS else _markdown_html(text))


@lru_cache(maxsize=CACHED_ENTRIES)
def _cached_html(text: str) -> str:
    return _markdown_html(text)


_local = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's converter, reset (a Markdown instance is not thread-safe; building one registers its
    extensions, which costs more than converting a short text)."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"],
                                                         output_format="html")
    return converter.reset()


def _markdown_html(text: str) -> str:
    # Headings in user text start at h3 so they never outrank the page's own headings.
    html = _converter().convert(text)
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    return clean_html(html)
