"""Debian's Chromium driven by Playwright: the `browser` fixture every browser test shares.
One Chromium per test module (each test opens its own contexts: cookies and storage stay separate).

The pip package cannot download browsers here, so the system's chromium is launched through
`executable_path`; without it (or without playwright) the browser tests are skipped."""
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def sqlite_pass_browser():
    """At the top of a browser test module whose checks do not depend on the database: skips the module in the
    PostgreSQL pass (the SQLite pass covers it) and where playwright or chromium is missing; playwright's sync API."""
    from tests.conftest import USING_POSTGRES

    if USING_POSTGRES:
        pytest.skip("browser checks run in the SQLite pass only", allow_module_level=True)
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed", allow_module_level=True)
    return sync_api


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def sign_in(page, base: str, email: str, password: str | None = None) -> None:
    """Sign `page` in through the login form (the factories' password unless given)."""
    from tests import factories

    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password or factories.PASSWORD)
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.content()[:2000]
