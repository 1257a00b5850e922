"""Outbox delivery over real SMTP (aiosmtpd on 127.0.0.1): retries with backoff after an outage,
permanent failures marked and shown to admins, nothing sent without MAIL_SERVER."""
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import MemberRole
from app.models import OutboxEmail
from app.models import OutboxStatus
from app.models import Role
from app.models import utcnow
from app.notifications.delivery import deliver_due
from app.notifications.mail import queue_email
from config import TestConfig
from tests import factories
from tests.conftest import make_app
from tests.smtp_server import SMTPServer


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


def _app_for(smtp, **extra):
    config = type("MailConfig", (TestConfig,), {**smtp.config(), **extra})
    return make_app(config)


def _row(app, row_id):
    with app.app_context():
        row = db.session.get(OutboxEmail, row_id)
        db.session.expunge(row)
        return row


def test_request_succeeds_while_the_mail_server_is_down_and_the_mail_goes_out_later(smtp):
    app = _app_for(smtp)  # the server is not started yet: connection refused
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        newcomer = factories.user(organization=coordinator.organization, email="newcomer@example.org")
        group = factories.working_group(created_by=coordinator, members=[coordinator], tlp=TLP.GREEN)
        client = app.test_client(user=coordinator)
        group_id, newcomer_id = group.id, newcomer.id

    started = time.monotonic()
    response = client.post(f"/working-groups/{group_id}/members",
                           data={"user_id": newcomer_id, "role": MemberRole.MEMBER.value})
    assert response.status_code == 302
    assert time.monotonic() - started < 5

    with app.app_context():
        row = db.session.scalars(sa.select(OutboxEmail)).one()  # the membership mail is kept
        assert row.recipient == "newcomer@example.org"
        assert row.status is OutboxStatus.PENDING and row.attempts == 1  # tried once after the commit
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at > utcnow()
        first_retry = row.next_attempt_at
        row_id = row.id

    smtp.start()
    with app.app_context():
        assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}  # backoff: not due yet
        assert deliver_due(now=first_retry + timedelta(seconds=1))["sent"] == 1
    row = _row(app, row_id)
    assert row.status is OutboxStatus.SENT and row.sent_at is not None and row.attempts == 2

    (message,) = smtp.messages
    assert message["To"] == "newcomer@example.org"
    assert message["From"] == "palisade@example.org"
    assert "/notifications/preferences" in message["List-Unsubscribe"]
    assert message.get_body(("plain",)).get_content().count(f"/working-groups/{group_id}") == 1
    assert "<a href=" in message.get_body(("html",)).get_content()

    with app.app_context():  # delivered once: another run sends nothing
        assert deliver_due(now=utcnow() + timedelta(days=1))["sent"] == 0
    assert len(smtp.messages) == 1


def test_backoff_grows_and_gives_up_after_max_attempts(smtp):
    app = _app_for(smtp, MAIL_MAX_ATTEMPTS=3)
    with app.app_context():
        row_id = queue_email("later@example.org", "Hello", "Body").id
        db.session.commit()  # the nudge tries once: refused
        delays = []
        now = utcnow()
        for _ in range(2):
            row = db.session.get(OutboxEmail, row_id)
            delays.append(row.next_attempt_at - now)
            now = row.next_attempt_at + timedelta(seconds=1)
            db.session.expire_all()
            deliver_due(now=now)
            db.session.expire_all()
        row = db.session.get(OutboxEmail, row_id)
        assert row.attempts == 3 and row.status is OutboxStatus.FAILED
        assert delays[1] > delays[0]


def test_permanent_refusal_is_marked_failed_and_shown_to_admins_only(smtp):
    smtp.start()
    smtp.handler.refuse.add("gone@example.org")
    app = _app_for(smtp)
    with app.app_context():
        admin = factories.user(role=Role.ADMIN)
        coordinator = factories.user(role=Role.COORDINATOR)
        queue_email("gone@example.org", "To a closed mailbox", "Body")
        queue_email("here@example.org", "To an open mailbox", "Body")
        db.session.commit()  # the nudge delivers both at once
        rows = {r.recipient: r for r in db.session.scalars(sa.select(OutboxEmail))}
        assert rows["gone@example.org"].status is OutboxStatus.FAILED
        assert rows["gone@example.org"].attempts == 1 and "550" in rows["gone@example.org"].last_error
        assert rows["here@example.org"].status is OutboxStatus.SENT
        admin_client, coordinator_client = app.test_client(user=admin), app.test_client(user=coordinator)
    assert [m["To"] for m in smtp.messages] == ["here@example.org"]

    page = admin_client.get("/notifications/outbox?status=failed")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "gone@example.org" in html and "could not be delivered" in html
    assert "here@example.org" not in html
    assert coordinator_client.get("/notifications/outbox").status_code == 403


def test_without_mail_server_mail_stays_in_the_outbox_and_the_admin_sees_it(app, runner):
    with app.app_context():
        admin = factories.user(role=Role.ADMIN)
        queue_email("someone@example.org", "What would be sent", "The body that would be sent")
        db.session.commit()
        client = app.test_client(user=admin)
    result = runner.invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0 and "MAIL_SERVER is not set" in result.output
    html = client.get("/notifications/outbox").get_data(as_text=True)
    assert "No mail server is configured" in html
    assert "What would be sent" in html and "The body that would be sent" in html
    with app.app_context():
        row = db.session.scalars(sa.select(OutboxEmail)).one()
        assert row.status is OutboxStatus.PENDING and row.attempts == 0
