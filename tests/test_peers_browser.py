"""The peer forms in Chromium with JavaScript on: register a peer, then an untouched edit saves nothing (the
token, never shown back, is kept), and a save with a new URL and token changes only those."""
import os
import shutil

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.federation.pull import decrypt_token
from app.models import AuditEvent
from app.models import Peer
from app.models import Role
from tests import factories
from tests.browser import sign_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)


def _peer(app) -> tuple[dict, int]:
    with app.app_context():
        peer = db.session.scalars(sa.select(Peer)).one()
        audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action.like("peer.%")))
        return {"url": peer.api_root_url, "collection": peer.collection_id, "token": decrypt_token(peer),
                "active": peer.active, "version": peer.version, "name": peer.name}, audits


def test_register_then_save_untouched_then_change_url_and_token(live_app, browser):
    with live_app.app.app_context():
        partner = factories.organization(name="Nordic centre")
        admin = factories.user(role=Role.ADMIN, organization=partner, email="ada@national.example.org")
        email = admin.email
    page = browser.new_context().new_page()
    sign_in(page, live_app.url, email)
    page.goto(f"{live_app.url}/peers/")
    page.click("text=New peer")
    page.fill("input[name=name]", "Nordic centre")
    page.select_option("select[name=organization_id]", label="Nordic centre")
    page.fill("input[name=api_root_url]", "http://127.0.0.1:9/taxii2/api/")
    page.fill("input[name=collection_id]", "abc-123")
    page.fill("input[name=token]", "first-token")
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    assert "Peer Nordic centre registered" in page.content()
    before, audits = _peer(live_app.app)
    assert before["token"] == "first-token" and before["active"]

    page.click("a:has-text('Edit')")
    assert page.input_value("input[name=token]") == "" and "first-token" not in page.content()
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    assert "No changes to save." in page.content()
    assert _peer(live_app.app) == (before, audits)

    page.click("a:has-text('Edit')")
    page.fill("input[name=api_root_url]", "http://127.0.0.1:10/taxii2/api/")
    page.fill("input[name=token]", "second-token")
    page.uncheck("input[name=active]")
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    assert "Peer saved." in page.content()
    after, _audits = _peer(live_app.app)
    assert after == {**before, "url": "http://127.0.0.1:10/taxii2/api/", "token": "second-token", "active": False,
                     "version": after["version"]} and after["version"] > before["version"]
