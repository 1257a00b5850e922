"""AUTH-06: TOTP two-factor sign-in, backup codes, enrolment, required roles, throttling, resets."""
import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app.auth import two_factor
from app.extensions import db
from app.models import AuditEvent
from app.models import BackupCode
from app.models import Role
from app.models import User
from config import TestConfig
from tests import factories
from tests.conftest import make_app
from tests.security_world import PASSWORD
from tests.security_world import login

# In the future: the memory rate-limit storage expires keys from a thread that sees the real clock.
START = "2031-03-02 09:00:05"


def _user(app, role=Role.MEMBER, email="tfa@example.org"):
    with app.app_context():
        return factories.user(role=role, email=email).id


def _client(app, user_id):
    with app.app_context():
        return app.test_client(user=db.session.get(User, user_id))


def _enrol(client):
    """Walk the enrolment page: returns (secret, backup codes)."""
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    response = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _audit_actions(app, user_id):
    with app.app_context():
        return [e.action for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_id == user_id, AuditEvent.object_type == "users")
            .order_by(AuditEvent.id))]


def test_auth06_secret_is_csprng_base32_and_stored_encrypted(app):
    user_id = _user(app)
    with freeze_time(START):
        secret, _ = _enrol(_client(app, user_id))
    assert len(secret) == 32 and re.fullmatch(r"[A-Z2-7]+", secret)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.totp_enabled
        assert secret not in user.totp_secret_encrypted
        assert user.totp_secret_encrypted.startswith("gAAAA")  # a Fernet token
        assert two_factor.decrypt_secret(user.totp_secret_encrypted) == secret
    other = make_app(type("OtherKey", (TestConfig,), {"SECRET_KEY": "another-secret-key-of-enough-length-xx"}))
    with other.app_context():
        assert two_factor.decrypt_secret(user.totp_secret_encrypted) is None  # the key is derived from SECRET_KEY


def test_auth06_sign_in_needs_the_second_step(app):
    user_id = _user(app)
    with freeze_time(START) as clock:
        secret, _ = _enrol(_client(app, user_id))
        clock.tick(30)
        client = app.test_client()
        response = login(client, "tfa@example.org")
        assert response.status_code == 302 and response.headers["Location"].endswith("/auth/two-factor")
        # Half-way is not signed in: the dashboard still asks for a login.
        assert "/auth/login" in client.get("/").headers["Location"]
        response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert client.get("/").status_code == 200
    assert _audit_actions(app, user_id)[-1] == "auth.login"


def test_auth06_the_same_code_twice_fails_the_second_time(app):
    user_id = _user(app)
    with freeze_time(START) as clock:
        secret, _ = _enrol(_client(app, user_id))
        clock.tick(30)
        code = pyotp.TOTP(secret).now()
        first = app.test_client()
        login(first, "tfa@example.org")
        assert first.post("/auth/two-factor", data={"code": code}).status_code == 302
        clock.tick(5)  # same 30-second step
        second = app.test_client()
        login(second, "tfa@example.org")
        response = second.post("/auth/two-factor", data={"code": code})
        assert response.status_code == 200 and "not valid or was already used" in response.get_data(as_text=True)
        assert "/auth/login" in second.get("/").headers["Location"]
    assert "auth.two_factor_failed" in _audit_actions(app, user_id)


def test_auth06_the_code_used_at_enrolment_cannot_sign_in(app):
    user_id = _user(app)
    with freeze_time(START):
        secret, _ = _enrol(_client(app, user_id))
        client = app.test_client()
        login(client, "tfa@example.org")
        assert client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 200


@pytest.mark.parametrize("offset, accepted", [(-90, False), (-60, False), (-30, True), (0, True), (30, True),
                                              (60, False)])
def test_auth06_codes_more_than_one_step_away_fail(app, offset, accepted):
    user_id = _user(app)
    with freeze_time(START) as clock:
        secret, _ = _enrol(_client(app, user_id))
        clock.tick(600)
        client = app.test_client()
        login(client, "tfa@example.org")
        code = pyotp.TOTP(secret).at(time.time() + offset)
        response = client.post("/auth/two-factor", data={"code": code})
        assert (response.status_code == 302) is accepted


def test_auth06_backup_codes_are_hashed_and_single_use(app):
    user_id = _user(app)
    with freeze_time(START):
        _, codes = _enrol(_client(app, user_id))
    with app.app_context():
        hashes = db.session.scalars(sa.select(BackupCode.code_hash).where(BackupCode.user_id == user_id)).all()
        assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
        assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    client = app.test_client()
    login(client, "tfa@example.org")
    assert client.post("/auth/two-factor", data={"code": codes[3].upper()}).status_code == 302
    assert client.get("/").status_code == 200
    again = app.test_client()
    login(again, "tfa@example.org")
    assert again.post("/auth/two-factor", data={"code": codes[3]}).status_code == 200
    assert "auth.backup_code_used" in _audit_actions(app, user_id)


def test_auth06_regenerated_backup_codes_replace_the_old_ones(app):
    user_id = _user(app)
    with freeze_time(START):
        client = _client(app, user_id)
        _, old_codes = _enrol(client)
        page = client.post("/auth/two-factor/backup-codes").get_data(as_text=True)
        new_codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    fresh = app.test_client()
    login(fresh, "tfa@example.org")
    assert fresh.post("/auth/two-factor", data={"code": old_codes[0]}).status_code == 200
    assert fresh.post("/auth/two-factor", data={"code": new_codes[0]}).status_code == 302
    assert "auth.backup_codes_regenerated" in _audit_actions(app, user_id)


def test_auth06_totp_attempts_are_throttled(app):
    user_id = _user(app)
    with freeze_time(START) as clock:
        secret, _ = _enrol(_client(app, user_id))
        clock.tick(60)
        client = app.test_client()
        login(client, "tfa@example.org")
        for _ in range(10):
            assert client.post("/auth/two-factor", data={"code": "000000"}).status_code == 200
        response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 429
        assert "/auth/login" in client.get("/").headers["Location"]
        clock.tick(16 * 60)  # the cool-down ends
        client = app.test_client()
        login(client, "tfa@example.org")
        assert client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302


def test_auth06_pending_sign_in_expires(app):
    user_id = _user(app)
    with freeze_time(START) as clock:
        secret, _ = _enrol(_client(app, user_id))
        clock.tick(30)
        client = app.test_client()
        login(client, "tfa@example.org")
        clock.tick(6 * 60)
        response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_auth06_admins_are_sent_to_enrolment_until_enrolled():
    app = make_app(type("Required", (TestConfig,), {"TOTP_REQUIRED_ROLES": ("admin",)}))
    user_id = _user(app, role=Role.ADMIN, email="admin@example.org")
    with freeze_time(START):
        client = _client(app, user_id)
        for path in ("/", "/auth/account", "/users/", "/organizations/"):
            response = client.get(path)
            assert response.status_code == 302 and response.headers["Location"].startswith("/auth/two-factor/setup"), path
        assert client.get("/auth/two-factor/setup").status_code == 200
        assert client.get("/static/css/app.css").status_code == 200
        _enrol(client)
        assert client.get("/").status_code == 200
        # Required: it cannot be turned off.
        client.post("/auth/two-factor/disable")
        with app.app_context():
            assert db.session.get(User, user_id).totp_enabled
    # A member is not required to enrol.
    member_id = _user(app, email="member@example.org")
    assert _client(app, member_id).get("/").status_code == 200


def test_auth06_admin_logout_works_before_enrolment():
    app = make_app(type("Required", (TestConfig,), {"TOTP_REQUIRED_ROLES": ("admin",)}))
    client = _client(app, _user(app, role=Role.ADMIN, email="admin@example.org"))
    response = client.post("/auth/logout")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_auth06_member_may_turn_two_factor_off_and_it_is_audited(app):
    user_id = _user(app)
    with freeze_time(START):
        client = _client(app, user_id)
        _enrol(client)
        client.post("/auth/two-factor/disable")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not user.totp_enabled and user.totp_secret_encrypted is None
        assert db.session.scalar(sa.select(sa.func.count(BackupCode.id))) == 0
    assert {"auth.two_factor_enabled", "auth.two_factor_disabled"} <= set(_audit_actions(app, user_id))
    # Signing in now needs only the password again.
    assert login(app.test_client(), "tfa@example.org").headers["Location"] == "/"


def test_auth09_two_factor_changes_need_a_fresh_login(app):
    user_id = _user(app)
    with freeze_time(START) as clock:
        client = _client(app, user_id)
        clock.tick(timedelta(minutes=11))
        response = client.get("/auth/two-factor/setup")
        assert response.status_code == 302 and "/auth/reauthenticate" in response.headers["Location"]
        client.post(response.headers["Location"], data={"password": PASSWORD})
        assert client.get("/auth/two-factor/setup").status_code == 200
        _enrol(client)
        clock.tick(timedelta(minutes=11))
        response = client.post("/auth/two-factor/disable")
        assert "/auth/reauthenticate" in response.headers["Location"]
        response = client.post("/auth/two-factor/backup-codes")
        assert "/auth/reauthenticate" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(User, user_id).totp_enabled


def test_sess03_admin_two_factor_reset_ends_every_session(app):
    user_id = _user(app)
    with app.app_context():
        admin_id = factories.user(role=Role.ADMIN).id
    with freeze_time(START):
        client = _client(app, user_id)
        secret, _ = _enrol(client)
        assert client.get("/").status_code == 200
        with app.app_context():
            two_factor.reset_two_factor(db.session.get(User, admin_id), db.session.get(User, user_id))
            db.session.commit()
        assert "/auth/login" in client.get("/").headers["Location"]
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not user.totp_enabled and user.totp_secret_encrypted is None
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.two_factor_reset"))
        assert event.actor_id == admin_id and event.object_id == user_id


def test_auth06_only_admins_may_reset_two_factor(app):
    from werkzeug.exceptions import Forbidden

    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        target = factories.user()
        with pytest.raises(Forbidden):
            two_factor.reset_two_factor(coordinator, target)
