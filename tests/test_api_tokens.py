"""API tokens: what a program holding one (or an attacker holding a cookie) gets from /api/v1/.

Scopes (a read-only token cannot write), expiry, revocation, a deactivated user, cookies refused, the
token never stored or logged in clear, the per-token rate limit; `flask create-token`.
"""
import logging
from datetime import timedelta

import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import Agreement
from app.models import ApiToken
from app.models import AuditEvent
from app.models import Role
from app.models import User
from app.models import utcnow
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def _world(app):
    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        agreement = factories.agreement(created_by=coordinator)
        return coordinator.id, agreement.id, agreement.version


def _user(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id)


def _patch(client, agreement_id, headers, version=1, **body):
    return client.patch(f"/api/v1/agreements/{agreement_id}", json=body or {"title": "Changed"},
                        headers={**headers, "If-Match": f'"{version}"'})


def test_a_read_token_reads_but_cannot_write(app, client):
    user_id, agreement_id, version = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id), write=False)
    assert client.get(f"/api/v1/agreements/{agreement_id}", headers=bearer(secret)).status_code == 200
    response = _patch(client, agreement_id, bearer(secret), version)
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 403 and "read only" in response.json["detail"]
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).title != "Changed"


def test_a_read_write_token_writes_and_the_audit_names_it(app, client):
    user_id, agreement_id, version = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id), name="GRC sync")
    response = _patch(client, agreement_id, bearer(secret), version)
    assert response.status_code == 200, response.json
    assert response.json["title"] == "Changed" and response.headers["ETag"] == f'"{version + 1}"'
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "agreement.updated"))
        assert event.actor_id == user_id and "GRC sync" in event.via


def test_an_expired_token_is_refused(app, client):
    user_id, agreement_id, _ = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id), days=1)
    assert client.get("/api/v1/agreements/", headers=bearer(secret)).status_code == 200
    with freeze_time(utcnow() + timedelta(days=2, hours=1)):
        response = client.get("/api/v1/agreements/", headers=bearer(secret))
    assert response.status_code == 401 and response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_at_once(app, client_as):
    user_id, _, _ = _world(app)
    with app.app_context():
        user = db.session.get(User, user_id)
        secret = token_for(user)
        token_id = db.session.scalar(sa.select(ApiToken.id))
    api = client_as(None)
    assert api.get("/api/v1/agreements/", headers=bearer(secret)).status_code == 200
    page = client_as(_user(app, user_id))
    assert page.post(f"/account/api-tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/agreements/", headers=bearer(secret)).status_code == 401


def test_a_token_of_a_deactivated_user_stops_at_once(app, client):
    user_id, _, _ = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id))
    assert client.get("/api/v1/agreements/", headers=bearer(secret)).status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/api/v1/agreements/", headers=bearer(secret)).status_code == 401


def test_a_session_cookie_alone_is_refused_and_never_set(app, client_as):
    user_id, agreement_id, version = _world(app)
    browser = client_as(_user(app, user_id))
    assert browser.get("/").status_code == 200  # the cookie signs in on the pages
    for method, url in (("GET", "/api/v1/agreements/"), ("GET", f"/api/v1/agreements/{agreement_id}")):
        response = browser.open(url, method=method)
        assert response.status_code == 401, url
        assert response.content_type == "application/problem+json"
        assert "Set-Cookie" not in response.headers
    response = browser.patch(f"/api/v1/agreements/{agreement_id}", json={"title": "Ridden"},
                             headers={"If-Match": f'"{version}"'})
    assert response.status_code == 401
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).title != "Ridden"


def test_unknown_and_malformed_tokens_are_refused(app, client):
    _world(app)
    for header in ("Bearer pal_unknown", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500, "pal_x"):
        response = client.get("/api/v1/agreements/", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_token_in_the_query_string_is_not_accepted(app, client):
    user_id, _, _ = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id))
    for name in ("token", "access_token", "bearer"):
        assert client.get(f"/api/v1/agreements/?{name}={secret}").status_code == 401


def test_only_the_hash_is_stored_and_the_token_is_never_logged(app, client, caplog):
    user_id, _, _ = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id))
        token = db.session.scalar(sa.select(ApiToken))
        assert secret not in (token.token_hash, token.prefix) and secret.startswith(token.prefix)
    with caplog.at_level(logging.DEBUG):
        client.get("/api/v1/agreements/999999", headers=bearer(secret))
        client.get("/api/v1/agreements/", headers=bearer(secret + "x"))
    assert caplog.records and secret not in caplog.text


def test_last_use_is_recorded(app, client):
    user_id, _, _ = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id))
    client.get("/api/v1/agreements/", headers=bearer(secret))
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(app, client):
    app.config["API_RATE_LIMIT"] = "3/minute"
    user_id, _, _ = _world(app)
    with app.app_context():
        secret = token_for(db.session.get(User, user_id))
        other = token_for(db.session.get(User, user_id), name="other")
    statuses = [client.get("/api/v1/agreements/", headers=bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/agreements/", headers=bearer(secret))
    assert response.content_type == "application/problem+json" and 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/agreements/", headers=bearer(other)).status_code == 200  # per token


def test_create_token_prints_a_working_token(app, runner, client):
    user_id, _, _ = _world(app)
    email = _user(app, user_id).email
    result = runner.invoke(args=["create-token", "--email", email, "--name", "SIEM"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert client.get("/api/v1/agreements/", headers=bearer(secret)).status_code == 200
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.name == "SIEM" and not token.can_write
    result = runner.invoke(args=["create-token", "--email", email, "--name", "w", "--write", "--days", "366"])
    assert result.exit_code != 0  # at most a year
    assert runner.invoke(args=["create-token", "--email", "nobody@example.org", "--name", "x"]).exit_code != 0


def test_the_account_page_creates_shows_once_lists_and_revokes(app, client_as):
    user_id, _, _ = _world(app)
    page = client_as(_user(app, user_id))
    expires = (utcnow().date() + timedelta(days=30)).isoformat()
    response = page.post("/account/api-tokens/", data={"name": "Ticketing", "scope": "read", "expires_on": expires})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
    assert token.prefix in html and token.token_hash not in html
    account = page.get("/auth/account").get_data(as_text=True)
    assert "Ticketing" in account and "Never" in account and f"{token.prefix}…" in account
    too_late = (utcnow().date() + timedelta(days=400)).isoformat()
    refused = page.post("/account/api-tokens/", data={"name": "Long", "scope": "read", "expires_on": too_late})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1


def test_nobody_revokes_or_sees_another_users_token(app, client_as):
    user_id, _, _ = _world(app)
    with app.app_context():
        owner = db.session.get(User, user_id)
        token_for(owner, name="Owner's secret sync")
        token_id = db.session.scalar(sa.select(ApiToken.id))
        admin_id = factories.user(role=Role.ADMIN, organization=owner.organization).id
    other = client_as(_user(app, admin_id))
    assert other.post(f"/account/api-tokens/{token_id}/revoke").status_code == 404
    assert "Owner's secret sync" not in other.get("/auth/account").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.revoked_at)) is None
