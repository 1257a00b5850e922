"""The account page's API tokens in Chromium with JavaScript on: create one (shown once, it works on the API),
see it listed with its last use, revoke it (it stops working); an untouched form creates nothing; the docs
page at /api/v1/docs draws the operations from the served files alone (no CDN).

Needs Debian's chromium and playwright; skipped cleanly without them.
"""
import os
import shutil
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken
from app.models import Role
from tests import factories
from tests.browser import sign_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(ApiToken.id)))


def test_a_token_is_created_shown_once_used_and_revoked_from_the_account_page(live_app, browser):
    with live_app.app.app_context():
        org = factories.organization(name="Riverbend Water")
        factories.agreement(created_by=factories.user(role=Role.COORDINATOR, organization=org))
        email = factories.user(role=Role.MEMBER, organization=org, email="morgan@riverbend.example.org").email
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_app.url, email)

    page.goto(live_app.url + "/auth/account#api-tokens")
    panel = page.locator("#api-tokens")
    assert "You have no API tokens" in panel.inner_text()
    panel.get_by_role("button", name="Create token").click()  # untouched: no name, so nothing is created
    page.wait_for_load_state()
    assert _count(live_app.app) == 0

    page.goto(live_app.url + "/auth/account#api-tokens")
    panel.get_by_label("Name").fill("Ticketing sync")
    panel.get_by_label("Access").select_option("read")
    panel.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    secret = page.locator("#api-token").input_value()
    assert secret.startswith("pal_") and "shown only once" in page.content()

    api = requests.get(live_app.url + "/api/v1/agreements/", headers={"Authorization": f"Bearer {secret}"},
                       timeout=10)
    assert api.status_code == 200 and len(api.json()["items"]) == 1

    page.goto(live_app.url + "/auth/account#api-tokens")
    row = panel.locator("tr", has_text="Ticketing sync")
    assert "Read only" in row.inner_text() and "Never" not in row.inner_text()  # its last use is listed
    assert secret not in page.content()  # shown once: never again
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_load_state()
    assert "revoked" in page.content()
    assert requests.get(live_app.url + "/api/v1/agreements/", headers={"Authorization": f"Bearer {secret}"},
                        timeout=10).status_code == 401
    assert errors == []
    context.close()


def test_the_docs_page_draws_the_api_from_its_own_files(live_app, browser):
    context = browser.new_context()
    page = context.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(live_app.url + "/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert "/api/v1/agreements/" in page.inner_text("body")
    assert hosts == {urlsplit(live_app.url).netloc}  # nothing fetched from elsewhere
    context.close()
