"""Demo notifications, mail and reminders. The other demo modules already produced assignment and
membership notifications (and their pending mail) through the services; this adds reminders due
today, a delivered history, a bounced address for the admin outbox page, a daily-digest preference
and some notifications already read. Idempotent: the delivered history is made once.
"""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import EmailChannel
from app.models import Notification
from app.models import NotificationKind
from app.models import NotificationPreference
from app.models import OutboxEmail
from app.models import OutboxStatus
from app.models import utcnow
from app.notifications import reminders
from app.notifications.mail import queue_email

DIGEST_USER = "analyst@niro.example.gov"
BOUNCED = "former.liaison@ncis.example.se"


def seed(people) -> int:
    """Returns how many notifications the demo holds."""
    reminders.run(commit=False)
    if db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.status != OutboxStatus.PENDING)):
        return _count()  # the delivered history exists already
    analyst = people.user(DIGEST_USER)
    for kind in (NotificationKind.COMMENT, NotificationKind.REMINDER):
        db.session.add(NotificationPreference(user_id=analyst.id, kind=kind, email=EmailChannel.DAILY_DIGEST))
    now = utcnow()
    # The oldest half of the outbox went out yesterday; the rest waits for the worker (or, without
    # MAIL_SERVER, stays pending on the admin's outbox page).
    ids = list(db.session.scalars(sa.select(OutboxEmail.id).order_by(OutboxEmail.id)))
    for row_id in ids[: len(ids) // 2]:
        row = db.session.get(OutboxEmail, row_id)
        row.status, row.attempts, row.sent_at = OutboxStatus.SENT, 1, now - timedelta(days=1)
    bounced = queue_email(BOUNCED, "[Palisade] Assigned to you", "A task was assigned to you.")
    bounced.status, bounced.attempts = OutboxStatus.FAILED, 1
    bounced.last_error = "SMTPRecipientsRefused: {'former.liaison@ncis.example.se': (550, b'5.1.1 No such mailbox')}"
    # Each user has read their oldest notifications.
    for user in people.users.values():
        rows = list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                       .order_by(Notification.id)))
        for notification in rows[: len(rows) // 2]:
            notification.read_at = now - timedelta(hours=6)
    db.session.flush()
    return _count()


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id))) or 0
