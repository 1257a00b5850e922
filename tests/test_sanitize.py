"""XSS-02: the Markdown sanitiser, table-driven. The same function feeds HTML pages and PDFs."""
import pytest

from app.sanitize import MAX_MARKDOWN_CHARS
from app.sanitize import render_markdown

DANGEROUS = [
    ("<script>alert(1)</script>", ["<script"]),
    ("<img src=x onerror=alert(1)>", ["<img", "onerror"]),
    ("[x](javascript:alert(1))", ["javascript:"]),
    ("[x](JaVaScRiPt:alert(1))", ["javascript:"]),
    ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", ["data:"]),
    ("[x](vbscript:msgbox(1))", ["vbscript:"]),
    ('<a href="http://x" onclick="alert(1)">x</a>', ["onclick"]),
    ("<svg onload=alert(1)><circle/></svg>", ["<svg", "onload"]),
    ("<iframe src=//evil.example></iframe>", ["<iframe"]),
    ("<object data=x></object><embed src=x>", ["<object", "<embed"]),
    ('<link rel="attachment" href="file:///etc/passwd">', ["<link", "file:"]),
    ('<a rel="attachment" href="file:///app/config.py">x</a>', ["file:", 'rel="attachment"']),
    ('<p style="background:url(http://10.0.0.1/)">x</p>', ["style=", "10.0.0.1"]),
    ("<style>@import url(http://127.0.0.1:22/);</style>", ["<style", "@import"]),
    ("![x](http://169.254.169.254/latest/meta-data/)", ["<img", "169.254"]),
    ('<form action="/auth/logout" method="post"><button>x</button></form>', ["<form", "<button"]),
    ('<base href="//evil.example/">', ["<base"]),
    ('<meta http-equiv="refresh" content="0;url=//evil.example">', ["<meta"]),
    ("<!-- <script>alert(1)</script> -->", ["<!--", "<script"]),
    ('<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', ["onerror", "<img"]),
    ("<div><p>{{ 7*7 }}</p></div>", ["49"]),
]


@pytest.mark.parametrize("source, forbidden", DANGEROUS)
def test_xss02_sanitiser_neutralises(source, forbidden):
    html = str(render_markdown(source)).lower()
    for fragment in forbidden:
        assert fragment.lower() not in html, (source, html)


@pytest.mark.parametrize("source, expected", [
    ("**bold** and _em_", "<strong>bold</strong>"),
    ("# Title", "<h3>Title</h3>"),  # user headings never outrank the page's
    ("- one\n- two", "<li>one</li>"),
    ("| a | b |\n|---|---|\n| 1 | 2 |", "<td>1</td>"),
    ("```\ncode <b>\n```", "&lt;b&gt;"),
    ("[site](https://example.org)", 'rel="noopener noreferrer nofollow"'),
    ("[mail](mailto:a@example.org)", 'href="mailto:a@example.org"'),
])
def test_xss02_sanitiser_keeps_safe_markdown(source, expected):
    assert expected in str(render_markdown(source))


def test_xss02_sanitiser_caps_input_size():
    html = str(render_markdown("a" * (MAX_MARKDOWN_CHARS + 5000)))
    assert html.count("a") <= MAX_MARKDOWN_CHARS + 10


def test_xss02_empty_input_is_empty():
    assert str(render_markdown(None)) == "" and str(render_markdown("")) == ""


@pytest.mark.parametrize("padding", [0, 5_000])  # kept per process below CACHED_CHARS, not above
def test_xss02_a_repeated_text_is_as_safe_the_second_time(padding):
    from app.sanitize import CACHED_CHARS
    from app.sanitize import _cached_html

    source = "x" * padding + "\n\n<img src=x onerror=alert(1)> **kept**"
    assert (len(source) <= CACHED_CHARS) is (padding == 0)
    hits = _cached_html.cache_info().hits
    first, second = render_markdown(source), render_markdown(source)
    assert first == second and "onerror" not in second and "<strong>kept</strong>" in second
    assert type(second).__name__ == "Markup"
    assert _cached_html.cache_info().hits == hits + (1 if padding == 0 else 0)
