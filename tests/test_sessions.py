"""Sessions: SESS-01 (cookie flags), 02 (logout), 03 (global revocation), 04 (timeouts), 05 (fixation)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import Role
from app.models import User
from config import ProductionConfig
from tests import factories
from tests.conftest import make_app
from tests.security_world import PASSWORD
from tests.security_world import login

START = "2031-03-02 09:00:05"


def _production_app():
    return make_app(type("Prod", (ProductionConfig,), {
        "SECRET_KEY": "k" * 16 + "a real random production key", "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "TRUSTED_HOSTS": ["localhost"]}))


def _cookie_header(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def _session_cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"])


def test_sess01_production_cookie_flags():
    app = _production_app()
    with app.app_context():
        factories.user(email="me@example.org")
    client = app.test_client()
    response = client.get("/auth/login", base_url="https://localhost")  # the CSRF token starts a session
    header = _cookie_header(response, "__Host-session")
    attributes = {part.strip().split("=")[0].lower(): part for part in header.split(";")[1:]}
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"].split("=")[1].strip() == "Lax"
    assert attributes["path"].split("=")[1].strip() == "/"
    assert "domain" not in attributes
    response = login(client, "me@example.org", base_url="https://localhost")
    for header in response.headers.getlist("Set-Cookie"):
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header, header
    assert not any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))


def test_sess02_an_old_cookie_replayed_after_logout_is_refused(app):
    with app.app_context():
        factories.user(email="me@example.org")
    client = app.test_client()
    login(client, "me@example.org")
    assert client.get("/").status_code == 200
    stolen = _session_cookie(client, app).value
    assert client.post("/auth/logout").status_code == 302
    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = attacker.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_sess02_logout_is_post_only(app):
    with app.app_context():
        client = app.test_client(user=factories.user())
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def _two_browsers(app, **kw):
    with app.app_context():
        user = factories.user(email="me@example.org", **kw)
        return user.id, app.test_client(user=user), app.test_client(user=user)


def test_sess03_a_password_change_ends_the_other_browsers_session(app):
    user_id, first, second = _two_browsers(app)
    assert second.get("/").status_code == 200
    response = first.post("/auth/account/password", data={
        "current_password": PASSWORD, "new_password": "another long passphrase", "confirm": "another long passphrase"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200  # the browser that changed it stays signed in
    assert "/auth/login" in second.get("/").headers["Location"]
    assert login(app.test_client(), "me@example.org", "another long passphrase").status_code == 302


def test_sess03_deactivation_ends_every_session(app):
    from app.users import services as user_services

    user_id, first, second = _two_browsers(app)
    with app.app_context():
        admin = factories.user(role=Role.ADMIN)
        user_services.set_active(admin, db.session.get(User, user_id), False)
        db.session.commit()
    for browser in (first, second):
        assert "/auth/login" in browser.get("/").headers["Location"]


def test_sess03_an_admin_can_end_a_users_sessions(app):
    user_id, first, second = _two_browsers(app)
    with app.app_context():
        admin = factories.user(role=Role.ADMIN)
        admin_client = app.test_client(user=admin)
    assert admin_client.post(f"/users/{user_id}/end-sessions").status_code == 302
    for browser in (first, second):
        assert "/auth/login" in browser.get("/").headers["Location"]


def test_sess03_sign_out_everywhere_else_keeps_only_this_session(app):
    user_id, first, second = _two_browsers(app)
    assert first.post("/auth/account/sessions").status_code == 302
    assert first.get("/").status_code == 200
    assert "/auth/login" in second.get("/").headers["Location"]


def test_sess04_an_idle_session_expires_after_30_minutes(app):
    with freeze_time(START) as clock:
        with app.app_context():
            client = app.test_client(user=factories.user())
        clock.tick(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity moves the idle clock
        clock.tick(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_sess04_the_idle_limit_counts_from_the_last_request_or_earlier_never_later(app):
    with freeze_time(START) as clock:
        with app.app_context():
            client = app.test_client(user=factories.user())
        for _ in range(3):  # requests a few seconds apart: the session is not rewritten for each
            clock.tick(timedelta(seconds=20))
            assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=30, seconds=1))  # 30 minutes after the last request
        response = client.get("/")
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_sess04_an_unchanged_session_is_not_sent_again(app):
    with freeze_time(START) as clock:
        with app.app_context():
            client = app.test_client(user=factories.user())
        clock.tick(timedelta(minutes=2))
        first = client.get("/")  # activity noted: the cookie is sent again
        assert any(h.startswith("session=") for h in first.headers.getlist("Set-Cookie"))
        clock.tick(timedelta(seconds=10))
        again = client.get("/agreements/")  # nothing changed: no cookie
        assert again.status_code == 200 and not again.headers.getlist("Set-Cookie")


def test_sess04_a_session_ends_12_hours_after_sign_in_however_active(app):
    with freeze_time(START) as clock:
        with app.app_context():
            client = app.test_client(user=factories.user())
        for _ in range(12 * 3 - 1):
            clock.tick(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=21))  # 12 h 1 min since sign-in
        assert "/auth/login" in client.get("/").headers["Location"]


def test_sess04_a_session_without_timestamps_is_refused(app):
    with app.app_context():
        client = app.test_client(user=factories.user())
    with client.session_transaction() as session:
        del session["started_at"]
    assert "/auth/login" in client.get("/").headers["Location"]


def test_sess05_nothing_planted_before_login_survives(app):
    with app.app_context():
        factories.user(email="me@example.org")
    client = app.test_client()
    with client.session_transaction() as session:
        session["next"] = "https://evil.example/"
        session["org_id"] = 999
        session["csrf_token"] = "planted-token"
        session["_user_id"] = "planted-user-token"
    assert "/auth/login" in client.get("/").headers["Location"]
    before = _session_cookie(client, app).value
    login(client, "me@example.org")
    with client.session_transaction() as session:
        assert "next" not in session and "org_id" not in session
        assert session.get("csrf_token") != "planted-token"
        with app.app_context():
            token = db.session.scalar(sa.select(User.session_token).where(User.email == "me@example.org"))
        assert session["_user_id"] == token
    assert _session_cookie(client, app).value != before


def test_sess05_the_session_token_rotates_at_every_logout(app):
    with app.app_context():
        factories.user(email="me@example.org")
    tokens = set()
    for _ in range(3):
        client = app.test_client()
        login(client, "me@example.org")
        with client.session_transaction() as session:
            tokens.add(session["_user_id"])
        client.post("/auth/logout")
    assert len(tokens) == 3


@pytest.mark.parametrize("setting, value", [("SESSION_IDLE_TIMEOUT", timedelta(minutes=30)),
                                            ("SESSION_ABSOLUTE_LIFETIME", timedelta(hours=12)),
                                            ("REMEMBER_COOKIE_DURATION", timedelta(0))])
def test_sess04_timeouts_are_configured(setting, value):
    assert getattr(ProductionConfig, setting) == value
