"""The webhook form in Chromium with JavaScript on: register (the secret shown once), then an untouched save
changes nothing and a save with one change changes only that."""
import os
import shutil

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Role
from app.models import WebhookEndpoint
from tests import factories
from tests.browser import sign_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)


def _endpoint(app) -> tuple[dict, int]:
    with app.app_context():
        endpoint = db.session.scalars(sa.select(WebhookEndpoint)).one()
        updates = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "webhook.updated"))
        return {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events,
                "version": endpoint.version}, updates


def test_register_then_save_untouched_then_one_change(live_app, browser):
    with live_app.app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR, email="casey@utility.example.org")
        email = coordinator.email
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_app.url, email)
    page.click("a.user-toggle")
    page.click("a.dropdown-item:has-text('Webhooks')")
    page.click("text=New webhook")
    page.fill("input[name=url]", "http://127.0.0.1:9/siem")
    page.fill("input[name=description]", "Our SIEM")
    page.check("input[value='agreement.created']")
    page.check("input[value='advisory.released']")
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    secret = page.input_value("#webhook-secret")
    assert secret.startswith("whsec_") and "shown only this once" in page.content()
    page.click("text=Done")
    assert secret not in page.content()

    before, updates = _endpoint(live_app.app)
    assert before["events"] == ["advisory.released", "agreement.created"]
    page.click("a:has-text('Edit')")
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    assert "No changes to save." in page.content()
    assert _endpoint(live_app.app) == (before, updates)

    page.click("a:has-text('Edit')")
    page.fill("input[name=description]", "Our SIEM (production)")
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    after, updates_after = _endpoint(live_app.app)
    assert after == {**before, "description": "Our SIEM (production)", "version": before["version"] + 1}
    assert updates_after == updates + 1
    context.close()
