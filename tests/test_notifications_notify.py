"""notify(): in-app notifications, mail per preference, and what mail may say at each TLP label."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import EmailChannel
from app.models import Notification
from app.models import NotificationKind
from app.models import NotificationPreference
from app.models import OutboxEmail
from app.models import Role
from app.notifications.services import notify
from tests import factories

TITLE = "Harbour Crane Secrets"
COMMENT = "Clause 7 leaks the pump station layout"


def _world(tlp):
    org = factories.organization()
    actor = factories.user(role=Role.COORDINATOR, organization=org)
    reader = factories.user(role=Role.COORDINATOR, organization=org, email=f"reader-{tlp.value}@example.org")
    agreement = factories.agreement(created_by=actor, owner_organization=org, tlp=tlp, title=TITLE)
    if tlp is TLP.RED:
        agreement.recipients = [reader]
        db.session.commit()
    return actor, reader, agreement


def _mail_text(mail: OutboxEmail) -> str:
    return "\n".join([mail.subject, mail.body, mail.html or ""])


@pytest.mark.parametrize("tlp", list(TLP))
def test_mail_names_the_title_only_for_clear_and_green(app, tlp):
    with app.app_context():
        actor, reader, agreement = _world(tlp)
        notify([reader], NotificationKind.CHANGES_REQUESTED, agreement, actor=actor, comment=COMMENT)
        db.session.commit()
        mail = db.session.scalars(sa.select(OutboxEmail)).one()
        text = _mail_text(mail)
        assert mail.recipient == reader.email
        assert agreement.reference in text and tlp.label in text
        assert f"/agreements/{agreement.id}" in text
        assert "/notifications/preferences" in text  # the unsubscribe link
        if tlp in (TLP.CLEAR, TLP.GREEN):
            assert TITLE in text and COMMENT in text
        else:
            assert TITLE not in text and COMMENT not in text
            assert "Clause" not in text


def test_notify_skips_the_actor_inactive_users_and_users_who_cannot_see(app):
    with app.app_context():
        actor, reader, agreement = _world(TLP.AMBER_STRICT)
        outsider = factories.user()  # another organisation: AMBER+STRICT is out of its reach
        gone = factories.user(organization=reader.organization, active=False)
        created = notify([reader, actor, outsider, gone, reader], "approved", agreement, actor=actor)
        db.session.commit()
        assert [n.user_id for n in created] == [reader.id]
        stored = db.session.scalars(sa.select(Notification)).one()
        assert stored.kind is NotificationKind.APPROVED and stored.object_type == "agreements"
        assert stored.actor_id == actor.id and stored.read_at is None
        assert TITLE not in stored.summary and agreement.reference in stored.summary
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 1


@pytest.mark.parametrize("channel", [EmailChannel.DAILY_DIGEST, EmailChannel.OFF])
def test_preference_digest_or_off_queues_no_immediate_mail(app, channel):
    with app.app_context():
        actor, reader, agreement = _world(TLP.GREEN)
        db.session.add(NotificationPreference(user_id=reader.id, kind=NotificationKind.APPROVED, email=channel))
        db.session.commit()
        (created,) = notify([reader], NotificationKind.APPROVED, agreement, actor=actor)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
        assert created.digest_pending is (channel is EmailChannel.DAILY_DIGEST)
        # another kind still mails at once (the default)
        notify([reader], NotificationKind.COMMENT, agreement, actor=actor)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 1


def test_notify_and_queue_email_never_commit(app):
    from app.notifications.mail import queue_email

    with app.app_context():
        actor, reader, agreement = _world(TLP.GREEN)
        notify([reader], NotificationKind.APPROVED, agreement, actor=actor)
        queue_email("someone@example.org", "Subject\r\nBcc: evil@example.org", "text")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
        mail = queue_email("someone@example.org", "Subject\r\nBcc: evil@example.org", "text")
        assert "\n" not in mail.subject and "\r" not in mail.subject


def test_notify_refuses_a_kind_of_record_it_cannot_scope(app):
    with app.app_context():
        actor, reader, _ = _world(TLP.GREEN)
        with pytest.raises(ValueError, match="not a record kind"):
            notify([reader], NotificationKind.COMMENT, reader.organization, actor=actor)
