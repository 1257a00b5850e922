"""On a phone the notification bell stays in the bar outside the folded menu: it must be visible
there, drawn in the bar's link colour (at least 3:1 against the navy bar, WCAG 1.4.11), not in the
page's dark link colour.

Needs Debian's chromium and playwright; skipped cleanly without them.
"""
import os
import re
import shutil

import pytest

from app.extensions import db
from app.models import Role
from tests import factories
from tests.conftest import USING_POSTGRES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if USING_POSTGRES:  # layout does not depend on the database: the SQLite pass covers it
    pytest.skip("browser layout checks run in the SQLite pass only", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_phone_bell_is_visible_on_the_navy_bar(live_app):
    with live_app.app.app_context():
        factories.user(role=Role.MEMBER, email="bell@example.org")
        db.session.commit()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
            page.goto(live_app.url + "/auth/login")
            page.fill("input[name=email]", "bell@example.org")
            page.fill("input[name=password]", factories.PASSWORD)
            page.click("form.app-form button[type=submit]")
            page.wait_for_load_state()
            bell = page.locator("a.notification-bell-phone")
            assert bell.is_visible()
            color = bell.evaluate("a => getComputedStyle(a.querySelector('svg')).color")
            bar = page.locator("nav.navbar").evaluate("n => getComputedStyle(n).backgroundColor")
        finally:
            browser.close()
    assert _contrast(color, bar) >= 3, (color, bar)
