"""CSRF-01 (every state-changing route needs the token; no GET changes state) and CSRF-02 (login/logout).

Both sweeps walk app.url_map, so routes added later are covered without editing this file (a new
URL parameter needs a seeded id in tests/security_world.py; the test names it if missing).
"""
import re

import pytest

from config import CsrfTestConfig
from tests import factories
from tests.conftest import drop_shared_app
from tests.conftest import make_app
from tests.conftest import shared_app
from tests.security_world import PASSWORD
from tests.security_world import app_rules
from tests.security_world import build_url
from tests.security_world import client_for
from tests.security_world import db_snapshot
from tests.security_world import seed_world
from tests.security_world import snapshot_diff
from tests.security_world import write_methods

ADMIN_BLUEPRINTS = ("organizations.", "users.")


def _actor(endpoint: str) -> str:
    """The role for which the request would otherwise succeed."""
    return "admin" if endpoint.startswith(ADMIN_BLUEPRINTS) else "coordinator"


@pytest.fixture(scope="module")
def csrf_world(_postgres_schema):
    app = shared_app(CsrfTestConfig)
    yield app, seed_world(app)
    drop_shared_app(app)


def test_csrf01_every_write_route_refuses_a_missing_or_wrong_token(csrf_world):
    app, world = csrf_world
    before = db_snapshot(app)
    failures = []
    for rule in app_rules(app):
        for method in write_methods(rule):
            url = build_url(rule, world.ids)
            client = client_for(app, world, _actor(rule.endpoint))
            client.get("/auth/account")  # the session now holds a real CSRF token; we do not send it
            for label, data in (("no token", {}), ("wrong token", {"csrf_token": "forged.token.value"})):
                response = client.open(url, method=method, data=data)
                if response.status_code != 400:
                    failures.append(f"{method} {url} ({rule.endpoint}) with {label}: {response.status_code}")
            after = db_snapshot(app)
            if after != before:
                failures.append(f"{method} {url} changed the database: {snapshot_diff(before, after)}")
                before = after
    assert not failures, "\n".join(failures)


def test_csrf01_a_token_from_another_session_is_refused(csrf_world):
    app, world = csrf_world
    other = client_for(app, world, "member")
    page = other.get("/auth/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    victim = client_for(app, world, "coordinator")
    victim.get("/auth/account")
    before = db_snapshot(app)
    response = victim.post(f"/agreements/{world.ids['agreement_id']}/archive", data={"csrf_token": token})
    assert response.status_code == 400 and db_snapshot(app) == before


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_csrf01_crawling_every_get_route_changes_nothing(csrf_world, role):
    app, world = csrf_world
    client = client_for(app, world, role)
    before = db_snapshot(app)
    for rule in app_rules(app, include_static=True):
        if "GET" in rule.methods:
            url = build_url(rule, world.ids)
            response = client.get(url)
            assert response.status_code < 500, f"GET {url}: {response.status_code}"
            after = db_snapshot(app)
            assert after == before, f"GET {url} ({rule.endpoint}) changed: {snapshot_diff(before, after)}"
    # Query-string variants of list pages (filters, CSV, paging) must not write either.
    for rule in app_rules(app):
        if rule.endpoint.endswith(".index"):
            client.get(build_url(rule, world.ids), query_string={"format": "csv", "page": 2, "q": "x"})
    assert db_snapshot(app) == before


def test_csrf02_login_and_logout_need_the_token():
    app = make_app(CsrfTestConfig)
    with app.app_context():
        user = factories.user(email="me@example.org")
        signed_in = app.test_client(user=user)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "me@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "/auth/login" in client.get("/").headers["Location"]
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"email": "me@example.org", "password": PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 302 and client.get("/").status_code == 200
    # Logout without a token (a cross-site form) does not sign the user out.
    assert signed_in.post("/auth/logout").status_code == 400
    assert signed_in.get("/").status_code == 200
