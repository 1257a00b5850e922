"""Authentication: AUTH-01, 02, 04, 05, 08, 09 and CSRF-02's redirect half (SECURITY.md section B)."""
import re
import statistics
import time

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from app.auth import passwords
from app.extensions import db
from app.models import AuditEvent
from app.models import Role
from app.models import User
from app.models import utcnow
from config import ProductionConfig
from tests import factories
from tests.conftest import make_app
from tests.security_world import PASSWORD
from tests.security_world import login


def _seed_user(app, **kw):
    with app.app_context():
        return factories.user(**kw).id


# --- AUTH-01 -----------------------------------------------------------------------------------


def test_auth01_new_hashes_are_argon2id_at_or_above_the_minimum():
    stored = passwords.hash_password("a long enough passphrase")
    match = re.match(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert match, stored
    memory, time_cost, _ = map(int, match.groups())
    assert memory >= 19456 and time_cost >= 2
    assert passwords.verify_password(stored, "a long enough passphrase")
    assert not passwords.verify_password(stored, "a long enough passphrasE")


def test_auth01_a_legacy_hash_is_rehashed_at_the_next_login(app, client):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user_id = _seed_user(app, email="legacy@example.org")
    with app.app_context():
        db.session.get(User, user_id).password_hash = weak
        db.session.commit()
    assert login(client, "legacy@example.org").status_code == 302
    with app.app_context():
        new_hash = db.session.get(User, user_id).password_hash
    assert new_hash != weak and "m=19456,t=2" in new_hash


# --- AUTH-02 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("password, ok", [
    ("short pass", False),                                    # 10 characters
    ("elevenchars", False),
    ("twelve chars", True),                                   # exactly the minimum
    ("a" * 64, False),                                        # too few distinct characters
    ("correct horse battery staple " * 2, True),
    (("Passphrase with 129 characters " * 5)[:129], False),  # one over the maximum
    ("password1234", False),                                  # on the common-password list
    ("PASSWORD1234", False),                                  # case does not dodge the list
    ("alllowercasenodigits", True),                           # no composition rules
])
def test_auth02_password_policy(password, ok):
    assert (passwords.password_problems(password) == []) is ok, passwords.password_problems(password)


def test_auth02_common_password_list_ships_with_the_app():
    common = passwords.common_passwords()
    assert len(common) >= 10_000 and "password123" in common


@pytest.mark.parametrize("length", [64, 128])
def test_auth02_long_passphrases_are_kept_exactly(app, client, length):
    secret = ("Zebra crossing over the Rhine at dawn " * 4)[:length]
    assert len(secret) == length and passwords.password_problems(secret) == []
    _seed_user(app, email="long@example.org", password=secret)
    assert login(client, "long@example.org", secret[:-1]).status_code == 200   # no truncation
    assert login(client, "long@example.org", secret.upper()).status_code == 200  # no case folding
    assert login(client, "long@example.org", secret).status_code == 302


# --- AUTH-04 -----------------------------------------------------------------------------------


def _normalised(body: str, email: str = "") -> str:
    """Drop what legitimately differs: the CSRF token, the nonces and the email the visitor typed."""
    if email:
        body = body.replace(email, "EMAIL")
    body = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "CSRF", body)
    body = re.sub(r'value="[^"]*" name="csrf_token"', "CSRF", body)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', body)


def test_auth04_unknown_email_and_wrong_password_answer_byte_identically(app):
    _seed_user(app, email="known@example.org")
    unknown = login(app.test_client(), "nobody@example.org", "some wrong password")
    wrong = login(app.test_client(), "known@example.org", "some wrong password")
    assert unknown.status_code == wrong.status_code == 200
    assert (_normalised(unknown.get_data(as_text=True), "nobody@example.org")
            == _normalised(wrong.get_data(as_text=True), "known@example.org"))
    assert sorted(unknown.headers.keys()) == sorted(wrong.headers.keys())


def test_auth04_an_inactive_account_answers_like_a_wrong_password(app):
    _seed_user(app, email="gone@example.org", active=False)
    inactive = login(app.test_client(), "gone@example.org")
    unknown = login(app.test_client(), "nobody@example.org")
    assert (_normalised(inactive.get_data(as_text=True), "gone@example.org")
            == _normalised(unknown.get_data(as_text=True), "nobody@example.org"))


def test_auth04_unknown_and_known_accounts_take_about_as_long(app):
    _seed_user(app, email="known@example.org")

    def median(email):
        samples = []
        for _ in range(5):
            client = app.test_client()
            started = time.perf_counter()
            login(client, email, "some wrong password")
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    median("known@example.org")  # warm-up
    assert abs(median("known@example.org") - median("nobody@example.org")) < 0.1


# --- AUTH-05 -----------------------------------------------------------------------------------


def test_auth05_emails_are_canonical_and_unique_regardless_of_case(app):
    from app.users import services as user_services

    with app.app_context():
        org = factories.organization()
        factories.user(email="admin@example.com", organization=org)
        with pytest.raises(user_services.UserError):
            user_services.create_user(None, email=" Admin@Example.COM ", name="Dup", organization=org,
                                      role=Role.MEMBER, password="a different passphrase")
        unique = [c for c in User.__table__.c.email.table.indexes] + list(User.__table__.constraints)
        assert any("email" in getattr(c, "columns", {}).keys() for c in unique)
    assert login(app.test_client(), "  ADMIN@example.COM ").status_code == 302


def test_auth05_email_change_on_the_account_page_refuses_a_case_variant(app):
    with app.app_context():
        org = factories.organization()
        factories.user(email="taken@example.org", organization=org)
        me = factories.user(email="me@example.org", organization=org)
        client = app.test_client(user=me)
    response = client.post("/auth/account/email", data={"email": " TAKEN@Example.org "})
    assert response.status_code == 400 and "Another account uses this email" in response.get_data(as_text=True)
    response = client.post("/auth/account/email", data={"email": "New.Me@Example.org"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.email).where(User.name == me.name)) == "new.me@example.org"
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "user.email_changed"))


# --- AUTH-07 is not applicable: there is no self-service reset (docs/security.md) ---------------


def test_auth07_reset_tokens_are_random_hashed_single_use_and_expiring(app):
    """The full flows (invitation, reset, forced change, over SMTP) are in tests/test_everyday_accounts.py."""
    import hashlib
    from datetime import timedelta

    from app.auth import links
    from app.models import AccountToken
    from app.models import TokenPurpose

    with app.test_request_context():
        user = factories.user(email="reset.me@example.org")
        token = links.issue(user, TokenPurpose.PASSWORD_RESET)
        db.session.commit()
        assert len(token) >= 43  # 32 random bytes
        row = db.session.scalar(sa.select(AccountToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
        assert links.valid_token(token) is not None and links.valid_token(token + "x") is None
        newer = links.issue(user, TokenPurpose.PASSWORD_RESET)  # a newer link retires the older one
        assert links.valid_token(token) is None
        links.complete(links.valid_token(newer), "a long enough new passphrase")
        db.session.commit()
        assert links.valid_token(newer) is None  # single use
        late = links.issue(user, TokenPurpose.PASSWORD_RESET)
        db.session.execute(sa.update(AccountToken).where(AccountToken.used_at.is_(None))
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        assert links.valid_token(late) is None  # expired


# --- AUTH-08 -----------------------------------------------------------------------------------


def _production(**overrides):
    return type("Prod", (ProductionConfig,), {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
                                              "SQLALCHEMY_DATABASE_URI": "sqlite://", **overrides})


@pytest.mark.parametrize("key", [None, "", "short-key", "dev-only-not-secret", "change-me", "changeme",
                                 "dev-" + "x" * 40])
def test_auth08_production_refuses_a_missing_short_or_sample_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app(_production(SECRET_KEY=key))


def test_auth08_production_starts_with_a_real_key_and_seed_demo_refuses_it():
    app = make_app(_production(SECRET_KEY="k" * 16 + "a real random production key"))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0  # no fixture accounts


# --- AUTH-09 -----------------------------------------------------------------------------------


def _stale_client(app, user):
    client = app.test_client(user=user)
    with client.session_transaction() as session:
        session["fresh_at"] -= 11 * 60
    return client


@pytest.mark.parametrize("path, data", [
    ("/auth/account/password", {"current_password": PASSWORD, "new_password": "a brand new passphrase",
                                "confirm": "a brand new passphrase"}),
    ("/auth/account/email", {"email": "changed@example.org"}),
    ("/auth/two-factor/setup", {"code": "123456"}),
    ("/auth/two-factor/disable", {}),
])
def test_auth09_sensitive_account_changes_need_a_recent_password(app, path, data):
    with app.app_context():
        user = factories.user(email="me@example.org")
        client = _stale_client(app, user)
        before = (user.email, user.password_hash, user.version)
    response = client.post(path, data=data)
    assert response.status_code == 302 and "/auth/reauthenticate" in response.headers["Location"]
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.id == user.id))
        assert (user.email, user.password_hash, user.version) == before


@pytest.mark.parametrize("path", ["/users/{id}/edit", "/users/new"])
def test_auth09_role_grants_need_a_recent_password(app, path):
    with app.app_context():
        admin = factories.user(role=Role.ADMIN)
        target = factories.user()
        client = _stale_client(app, admin)
        url = path.format(id=target.id)
    response = client.get(url)
    assert response.status_code == 302 and "/auth/reauthenticate" in response.headers["Location"]


def test_auth09_reauthentication_refreshes_and_returns_to_a_local_page(app):
    with app.app_context():
        client = _stale_client(app, factories.user())
    response = client.post("/auth/reauthenticate?next=/auth/account", data={"password": "wrong one"})
    assert response.status_code == 200 and "not correct" in response.get_data(as_text=True)
    response = client.post("/auth/reauthenticate?next=https://evil.example/", data={"password": PASSWORD})
    assert response.headers["Location"] == "/"
    assert client.get("/auth/two-factor/setup").status_code == 200


# --- CSRF-02 (redirect targets) -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)",
                                    "http:/evil.example", "/%0d%0aSet-Cookie:x=1", "\t//evil.example",
                                    "///evil.example"])
def test_csrf02_login_next_only_follows_local_paths(app, target):
    _seed_user(app, email="me@example.org")
    response = login(app.test_client(), "me@example.org", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith("//")), location
    assert "evil" not in location.split("?")[0].lstrip("/").split("/")[0]


def test_csrf02_login_follows_a_local_next(app):
    _seed_user(app, email="me@example.org")
    response = login(app.test_client(), "me@example.org", query_string={"next": "/auth/account?tab=2"})
    assert response.headers["Location"] == "/auth/account?tab=2"


def test_the_sign_in_page_focuses_one_field(app, client):
    """The address when none is typed yet; after a wrong password, the address again (the message is there)."""
    page = client.get("/auth/login").get_data(as_text=True)
    assert re.findall(r'<input[^>]*\bautofocus\b[^>]*>', page) and "autofocus=\"None\"" not in page
    assert len(re.findall(r'\bautofocus\b', page)) == 1
    assert re.search(r'<input[^>]*\bautofocus\b[^>]*id="email"', page)
