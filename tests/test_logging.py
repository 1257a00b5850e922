"""LOG-01 (audit events of sign-in and two-factor) and LOG-02 (no secrets in logs, no log injection)."""
import io
import logging
import re

import pyotp
import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import AuditEvent
from app.models import Role
from app.models import User
from tests import factories
from tests.security_world import PASSWORD
from tests.security_world import client_for
from tests.security_world import login
from tests.security_world import seed_world

START = "2031-03-02 09:00:05"
NEW_PASSWORD = "an entirely new passphrase"


def _capture(app):
    """What the app's own handler writes (formatted, redacted), plus the raw records."""
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    return stream


def test_log02_no_secrets_in_logs_during_sign_in_two_factor_and_password_change(app, caplog):
    caplog.set_level(logging.DEBUG)
    stream = _capture(app)
    with app.app_context():
        factories.user(email="me@example.org")
    secrets_seen = {PASSWORD, NEW_PASSWORD, app.config["SECRET_KEY"]}
    with freeze_time(START) as clock:
        client = app.test_client()
        login(client, "me@example.org", "a wrong password here")
        login(client, "me@example.org")
        page = client.get("/auth/two-factor/setup").get_data(as_text=True)
        secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
        code = pyotp.TOTP(secret).now()
        codes_page = client.post("/auth/two-factor/setup", data={"code": code}).get_data(as_text=True)
        backup = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", codes_page)
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
        client.post("/auth/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
        client.post("/auth/logout")
        clock.tick(60)
        other = app.test_client()
        login(other, "me@example.org", NEW_PASSWORD)
        other.post("/auth/two-factor", data={"code": "123456"})
        second_code = pyotp.TOTP(secret).now()
        other.post("/auth/two-factor", data={"code": second_code})
        other.get("/agreements/999999")  # an authz_denied entry
        with app.app_context():
            token = db.session.scalar(sa.select(User.session_token).where(User.email == "me@example.org"))
    secrets_seen |= {secret, code, second_code, cookie, token, *backup, *(c.replace("-", "") for c in backup)}
    for text in (stream.getvalue(), caplog.text):
        for value in secrets_seen:
            assert value not in text, f"a secret reached the log: {value[:6]}…"
    assert "authz_denied" in stream.getvalue()


def test_log02_redaction_of_key_value_secrets(app):
    stream = _capture(app)
    with app.test_request_context("/"):
        app.logger.warning("retry with password=hunter2hunter2 csrf_token=abc.def code=123456 cookie=xyz")
    line = stream.getvalue()
    for value in ("hunter2hunter2", "abc.def", "123456", "cookie=xyz"):
        assert value not in line
    assert line.count("[redacted]") == 4


def test_log02_a_name_with_crlf_logs_as_one_line(app):
    stream = _capture(app)
    with app.app_context():
        user = factories.user(name="Mallory\r\nFAKE ENTRY 2031-01-01 INFO admin logged in")
        name = user.name
    with app.test_request_context("/"):
        app.logger.warning("profile viewed: %s", name)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "\\r\\nFAKE ENTRY" in lines[0]


def test_log02_authz_denied_is_logged_for_cross_org_reads_and_forbidden_writes(app):
    world = seed_world(app)
    stream = _capture(app)
    other = client_for(app, world, "other_org")
    executive = client_for(app, world, "executive")
    assert other.get(f"/agreements/{world.ids['agreement_id']}").status_code == 404
    assert executive.post(f"/agreements/{world.ids['agreement_id']}/archive").status_code == 403
    entries = [line for line in stream.getvalue().splitlines() if "authz_denied" in line]
    assert any("status=404 endpoint=agreements.detail" in e and f"user_id={world.users['other_org'].id}" in e
               for e in entries)
    assert any("status=403 endpoint=agreements.archive" in e for e in entries)


def test_log01_sign_in_events_are_audited_once_each(app):
    with app.app_context():
        user_id = factories.user(email="me@example.org").id
    client = app.test_client()
    login(client, "me@example.org", "a wrong password here")
    login(client, "nobody@example.org", "a wrong password here")
    login(client, "me@example.org")
    client.post("/auth/logout")
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        actions = [e.action for e in events]
        assert actions == ["auth.login_failed", "auth.login_failed", "auth.login", "auth.logout"]
        failed = events[0]
        assert failed.object_id == user_id and failed.ip == "127.0.0.1" and failed.request_id
        assert events[1].object_id is None and "unknown" in events[1].summary
        assert all(PASSWORD not in (e.summary or "") for e in events)


def test_log01_role_organisation_and_two_factor_changes_are_audited(app):
    from app.auth import two_factor
    from app.users import services as user_services

    with app.app_context():
        admin = factories.user(role=Role.ADMIN)
        user = factories.user()
        new_org = factories.organization()
        user_services.update_user(admin, user, expected_version=user.version, role=Role.COORDINATOR,
                                  organization_id=new_org.id)
        two_factor.reset_two_factor(admin, user)
        db.session.commit()
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == user.id)).all()
    assert {"user.role_changed", "user.organization_changed", "auth.two_factor_reset"} <= set(actions)
