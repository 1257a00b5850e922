"""A wide table scrolls inside its .table-responsive box on a phone; the page itself never scrolls
sideways. A visually hidden column header ("Actions", absolutely positioned) escaped that box and
made a coordinator's plan page 340 px wider than a 390 px screen.

Needs Debian's chromium and playwright; skipped cleanly without them.
"""
import os
import shutil

import pytest

from app.extensions import db
from app.models import PlanContact
from app.models import Role
from tests import factories
from tests.conftest import USING_POSTGRES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if USING_POSTGRES:  # layout does not depend on the database: the SQLite pass covers it
    pytest.skip("browser layout checks run in the SQLite pass only", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)


def test_a_coordinators_plan_roster_does_not_widen_a_390px_page(live_app):
    with live_app.app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR, email="roster@example.org")
        plan = factories.incident_plan(created_by=coordinator)
        for tier in (1, 2):
            plan.contacts.append(PlanContact(role="Incident response lead", name="Priya Raman",
                                             organization="National Infrastructure Resilience Office",
                                             phone="+1 555 0100 200 ext. 4411",
                                             email="incident.response.lead@resilience-office.example.gov",
                                             escalation_tier=tier, available_24_7=True))
        db.session.commit()
        path = f"/incident-plans/{plan.id}"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            page.goto(live_app.url + "/auth/login")
            page.fill("input[name=email]", "roster@example.org")
            page.fill("input[name=password]", factories.PASSWORD)
            page.click("form.app-form button[type=submit]")
            page.wait_for_load_state()
            page.goto(live_app.url + path)
            assert page.locator("#roster-heading").is_visible()
            assert page.locator("table:has(th:text('24/7')) a:text('Edit')").count() == 2  # the coordinator's view
            table = page.locator("table:has(th:text('24/7'))").evaluate("t => t.scrollWidth")
            overflow = page.evaluate("document.documentElement.scrollWidth") - 390
        finally:
            browser.close()
    assert table > 500  # wider than the phone: it scrolls in its box
    assert overflow <= 0, f"the plan page is {overflow} px wider than the phone"
