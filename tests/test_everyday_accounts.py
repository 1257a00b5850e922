"""Invitations, password resets and the required change, end to end through a real SMTP server."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import AccountToken
from app.models import AuditEvent
from app.models import OutboxEmail
from app.models import Role
from app.models import User
from app.models import utcnow
from tests import factories
from tests.mail_server import deliver  # noqa: F401 - fixture
from tests.mail_server import smtp_inbox  # noqa: F401 - fixture
from tests.test_working_groups_helpers import text

NEW_PASSWORD = "a brand new passphrase for the field"


def _admin(app, client_as):
    """A signed-in admin client and an organisation id."""
    with app.app_context():
        org = factories.organization(name="Gov Office", short_name="GOV")
        admin = factories.user(role=Role.ADMIN, organization=org, name="Alex Admin")
        return client_as(admin), org.id


def _login(app, email, password):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": password})
    return client, response


def _set_password_via(client, link, password=NEW_PASSWORD):
    first = client.get(link)
    assert first.status_code == 302 and "token=" not in first.headers["Location"]
    assert first.headers["Referrer-Policy"] == "no-referrer"
    page = client.get("/auth/set-password")
    return page, client.post("/auth/set-password", data={"new_password": password, "confirm": password})


def test_invitation_link_sets_the_first_password_once(app, client_as, smtp_inbox):
    admin, org_id = _admin(app, client_as)
    form = admin.get("/users/new")
    assert 'name="password"' not in text(form)  # the admin no longer types a password
    response = admin.post("/users/new", data={"email": "new.member@example.org", "name": "Nia Member",
                                                         "organization_id": str(org_id), "role": "member",
                                                         "active": "y"})
    assert response.status_code == 302
    deliver(app)
    [message] = smtp_inbox.to("new.member@example.org")
    assert "choose a password" in message["Subject"].lower()
    link = smtp_inbox.link("new.member@example.org")
    with app.app_context():
        stored = db.session.scalars(sa.select(AccountToken.token_hash)).all()
        assert link.split("token=")[1] not in stored  # only a hash is kept
    # Before accepting, no password works (the account has none anybody knows).
    assert _login(app, "new.member@example.org", NEW_PASSWORD)[1].headers.get("Location", "") == ""
    client = app.test_client()
    page, saved = _set_password_via(client, link)
    assert page.status_code == 200 and "new.member@example.org" in text(page)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/auth/login")
    member, signed_in = _login(app, "new.member@example.org", NEW_PASSWORD)
    assert signed_in.status_code == 302 and member.get("/").status_code == 200
    # The same link again: refused, nothing changes.
    again = app.test_client()
    again.get(link)
    refused = again.get("/auth/set-password")
    assert "This link cannot be used" in text(refused)
    assert again.post("/auth/set-password", data={"new_password": "x" * 20, "confirm": "x" * 20}).status_code == 400
    assert _login(app, "new.member@example.org", NEW_PASSWORD)[1].status_code == 302


def test_expired_and_replaced_invitations_do_not_work(app, client_as, smtp_inbox):
    admin, org_id = _admin(app, client_as)
    with app.app_context():
        user = factories.user(email="late@example.org", organization_id=org_id)
        user_id = user.id
    assert admin.post(f"/users/{user_id}/invite").status_code == 302
    deliver(app)
    first = smtp_inbox.link("late@example.org")
    assert admin.post(f"/users/{user_id}/invite").status_code == 302
    deliver(app)
    second = smtp_inbox.link("late@example.org")
    assert first != second
    client = app.test_client()
    client.get(first)
    assert "This link cannot be used" in text(client.get("/auth/set-password"))  # replaced by the newer one
    with app.app_context():
        db.session.execute(sa.update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    client.get(second)
    assert "This link cannot be used" in text(client.get("/auth/set-password"))  # expired


def test_password_reset_same_answer_single_use_ends_sessions(app, client_as, smtp_inbox):
    with app.app_context():
        user = factories.user(email="field.worker@example.org", name="Field Worker")
        user_id = user.id
        old_session = client_as(user)
    assert old_session.get("/").status_code == 200
    anonymous = app.test_client()
    assert 'href="/auth/forgot-password"' in text(anonymous.get("/auth/login"))
    known = anonymous.post("/auth/forgot-password", data={"email": "Field.Worker@example.org "},
                           follow_redirects=True)
    unknown = anonymous.post("/auth/forgot-password", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    message = "If an active account uses that address"
    assert message in text(known) and message in text(unknown)
    deliver(app)
    assert len(smtp_inbox.messages) == 1 and not smtp_inbox.to("nobody@example.org")
    link = smtp_inbox.link("field.worker@example.org")
    client = app.test_client()
    _, saved = _set_password_via(client, link)
    assert saved.status_code == 302
    # Every session of the account ended; the old password no longer works, the new one does.
    assert old_session.get("/").status_code == 302
    assert _login(app, "field.worker@example.org", factories.PASSWORD)[1].status_code == 200
    assert _login(app, "field.worker@example.org", NEW_PASSWORD)[1].status_code == 302
    # Reused token: refused.
    reuse = app.test_client()
    reuse.get(link)
    assert "This link cannot be used" in text(reuse.get("/auth/set-password"))
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == user_id)).all()
        assert "user.password_reset_requested" in actions and "user.password_reset" in actions


def test_password_reset_requests_are_throttled_per_account(app, smtp_inbox):
    with app.app_context():
        factories.user(email="often@example.org")
    client = app.test_client()
    answers = {text(client.post("/auth/forgot-password", data={"email": "often@example.org"}, follow_redirects=True))
               .count("If an active account uses that address") for _ in range(5)}
    assert answers == {1}
    with app.app_context():
        queued = db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))
                                   .where(OutboxEmail.recipient == "often@example.org"))
    assert queued == app.config["PASSWORD_RESET_LIMIT_PER_HOUR"] == 3


def test_expired_reset_link_is_refused(app, smtp_inbox):
    with app.app_context():
        factories.user(email="slow@example.org")
    app.test_client().post("/auth/forgot-password", data={"email": "slow@example.org"})
    deliver(app)
    link = smtp_inbox.link("slow@example.org")
    with app.app_context():
        db.session.execute(sa.update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    client = app.test_client()
    client.get(link)
    assert "This link cannot be used" in text(client.get("/auth/set-password"))
    assert _login(app, "slow@example.org", factories.PASSWORD)[1].status_code == 302  # unchanged


def test_admin_set_password_must_be_changed_at_next_sign_in(app, client_as, smtp_inbox):
    admin, org_id = _admin(app, client_as)
    with app.app_context():
        user = factories.user(email="forced@example.org", organization_id=org_id)
        user_id = user.id
    chosen = "temporary passphrase from admin"
    assert admin.post(f"/users/{user_id}/password", data={"password": chosen}).status_code == 302
    client, response = _login(app, "forced@example.org", chosen)
    assert response.status_code == 302
    blocked = client.get("/tasks/")
    assert blocked.status_code == 302 and "/auth/account" in blocked.headers["Location"]
    assert "choose your own" in text(client.get("/auth/account"))
    changed = client.post("/auth/account/password", data={"current_password": chosen,
                                                          "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert client.get("/tasks/").status_code == 200
    with app.app_context():
        assert db.session.get(User, user_id).must_change_password is False
