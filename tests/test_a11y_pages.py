"""WCAG 2.1 AA in a real browser: axe-core (axe-playwright-python) in Debian's Chromium over every page
each role reaches from the demo partnership, plus a form with errors. Any serious or critical
violation fails the test with the rule, the page and the offending elements.

The app is served by werkzeug in a thread on a free port against a SQLite file seeded with the demo
data. Pages are found by following links from the dashboard (GET only; PDFs, CSV exports and
sign-out excluded); one page per URL pattern (ids replaced) per role keeps the run short.
Skipped when Chromium is not installed (.ci/run installs it) and in the PostgreSQL pass.
"""
import re
import shutil
import threading
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import USING_POSTGRES

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if shutil.os.path.exists("/usr/bin/chromium") else None)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)"),
    pytest.mark.skipif(USING_POSTGRES, reason="browser audit runs in the SQLite pass only"),
]

ROLES = {
    "coordinator": "coordinator@niro.example.gov",
    "admin": "admin@niro.example.gov",
    "member": "analyst@niro.example.gov",
    "executive": "director@niro.example.gov",
}
SKIP = re.compile(r"\.(pdf|csv|ics|json)(\?|$)|/logout|/static/|/auth/login|/export|format=")
BLOCKING = {"serious", "critical"}
MAX_PAGES_PER_ROLE = 80


def pattern(path: str) -> str:
    """/risks/12/edit -> /risks/<n>/edit: one page per shape is audited."""
    return re.sub(r"/\d+(?=/|$|\.)", "/<n>", path)


@pytest.fixture(scope="module")
def site(demo_template):
    """The demo partnership (a copy of the run's seeded demo, tests/demo_world.py) served by werkzeug."""
    from werkzeug.serving import make_server

    app = demo_template.new_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", demo_template.password
    server.shutdown()
    demo_template.drop(app)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


def sign_in(browser, base: str, email: str, password: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, f"{email} could not sign in"
    return context, page


def audit(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"],
                                       "runOnly": {"type": "tag",
                                                   "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                              "best-practice"]}})
    problems = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            problems.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×): {targets}")
    return problems


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def reachable_pages(base: str, email: str, password: str) -> list[str]:
    """Every GET page a signed-in user reaches by following links from the dashboard, one per pattern."""
    session = requests.Session()
    answer = session.post(base + "/auth/login", data={"email": email, "password": password}, timeout=30)
    assert "/auth/login" not in answer.url, f"{email} could not sign in"
    queue, seen, pages = deque(["/"]), set(), []
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        key = page_key(path)
        if key in seen:
            continue
        seen.add(key)
        answer = session.get(base + path, timeout=30)
        if answer.status_code >= 400 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        pages.append(path)
        parser = _Links()
        parser.feed(answer.text)
        for href in parser.hrefs:
            parts = urlsplit(urljoin(answer.url, href))
            if f"{parts.scheme}://{parts.netloc}" == base and not SKIP.search(f"{parts.path}?{parts.query}"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else ""))
    return pages


def page_key(path: str) -> str:
    """Filters and sort orders of a list render the same template: the route pattern is the page."""
    return pattern(path.partition("?")[0])


def test_every_page_each_role_reaches_passes_axe(site, browser):
    """Each role's pages are found over HTTP; each page shape is audited in Chromium as the first role
    (coordinator, admin, member, executive) that reaches it, so every role's pages are covered."""
    base, password = site
    audited: dict[str, str] = {}
    failures: list[str] = []
    for role, email in ROLES.items():
        pages = reachable_pages(base, email, password)
        assert len(pages) >= 8, f"{role}: the crawl reached too few pages: {pages}"
        todo = [path for path in pages if page_key(path) not in audited]
        if not todo:
            continue
        context, page = sign_in(browser, base, email, password)
        try:
            for path in todo:
                audited[page_key(path)] = role
                page.goto(base + path)
                failures += [f"{role} {path}: {problem}" for problem in audit(page)]
        finally:
            context.close()
    assert len(audited) >= 25, sorted(audited)
    assert not failures, "\n".join(failures)


def test_forms_with_errors_tie_messages_to_fields_and_pass_axe(site, browser):
    base, password = site
    context, page = sign_in(browser, base, ROLES["coordinator"], password)
    try:
        for path in ("/agreements/new", "/risks/new", "/initiatives/new"):
            page.goto(base + path)
            for field in page.query_selector_all("form.needs-validation input[required], form input[required]"):
                field.evaluate("el => el.removeAttribute('required')")
            page.click("main form button.btn-primary[type=submit]:not(.visually-hidden)")
            page.wait_for_load_state()
            invalid = page.query_selector_all("main [aria-invalid=true]")
            assert invalid, f"{path}: an empty submission marks no field invalid"
            for field in invalid:
                described = (field.get_attribute("aria-describedby") or "").split()
                texts = [page.eval_on_selector(f"[id='{i}']", "e => e.textContent") for i in described]
                assert any(t and t.strip() for t in texts), f"{path}: an invalid field has no linked message"
            assert not audit(page), f"{path}: {audit(page)}"
    finally:
        context.close()


def test_skip_link_moves_focus_to_main_and_focus_is_visible(site, browser):
    base, password = site
    context, page = sign_in(browser, base, ROLES["member"], password)
    try:
        page.goto(base + "/")
        page.keyboard.press("Tab")
        focused = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent]")
        assert "skip-link" in focused[0] and "Skip to main content" in focused[1]
        assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        style = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                              " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }")
        assert style[0] != "none" or style[2] != "none", f"the focused control shows no focus ring: {style}"
    finally:
        context.close()
