"""Notifications, e-mail preferences, the outbox, the reminder log and calendar feeds."""
from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import RecordLink
from app.models._common import SecretFeedMixin
from app.models._common import enum_column_type
from app.models._common import utcnow


class NotificationKind(LabelledEnum):
    ASSIGNMENT = "assignment", "Assigned to you"
    REVIEW_REQUESTED = "review_requested"
    CHANGES_REQUESTED = "changes_requested"
    REVIEW_RESET = "review_reset", "Changed during review"
    APPROVED = "approved"
    ISSUED_FOR_SIGNATURE = "issued_for_signature"
    SIGNED = "signed"
    SIGNATURE_DECLINED = "signature_declined"
    EXECUTED = "executed", "Agreement executed"
    COMMENT = "comment", "New comment"
    MEMBERSHIP_ADDED = "membership_added", "Added to a working group"
    REMINDER = "reminder"
    INCIDENT = "incident", "Incident report"
    ADVISORY = "advisory"
    EXERCISE = "exercise"


class EmailChannel(LabelledEnum):
    """How a kind of notification reaches the user by e-mail (the in-app entry always exists)."""

    IMMEDIATELY = "immediately"
    DAILY_DIGEST = "daily_digest"
    OFF = "off"


class OutboxStatus(LabelledEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(RecordLink, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_read", "user_id", "read_at"),
        sa.Index("ix_notifications_object", "object_type", "object_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    kind: so.Mapped[NotificationKind] = so.mapped_column(enum_column_type(NotificationKind, 30))
    object_id: so.Mapped[int | None] = so.mapped_column()
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # Safe to show to the recipient whatever happens to the record: never its title or content.
    summary: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    # Content (a reviewer's comment): shown only while the recipient may still read the record.
    detail: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    read_at: so.Mapped[datetime | None]
    # Daily digest: True while the notification waits for the recipient's next digest mail.
    digest_pending: so.Mapped[bool] = so.mapped_column(default=False, index=True)

    user: so.Mapped["User"] = so.relationship(foreign_keys=[user_id])  # noqa: F821
    actor: so.Mapped["User | None"] = so.relationship(foreign_keys=[actor_id])  # noqa: F821

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: so.Mapped[NotificationKind] = so.mapped_column(enum_column_type(NotificationKind, 30))
    email: so.Mapped[EmailChannel] = so.mapped_column(enum_column_type(EmailChannel))


class OutboxEmail(db.Model):
    __tablename__ = "outbox_emails"
    __table_args__ = (sa.Index("ix_outbox_emails_due", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    html: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[OutboxStatus] = so.mapped_column(enum_column_type(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # A delivering worker claims a row until this time, so two workers never send it twice.
    claimed_until: so.Mapped[datetime | None]
    sent_at: so.Mapped[datetime | None]
    last_error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")


class SentReminder(RecordLink, db.Model):
    """One row per reminder sent (and per daily digest): the unique key makes the engine idempotent."""

    __tablename__ = "sent_reminders"
    __table_args__ = (
        sa.UniqueConstraint("object_type", "object_id", "kind", "threshold", "recipient_id",
                            name="uq_sent_reminders_key"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    threshold: so.Mapped[str] = so.mapped_column(sa.String(40))
    recipient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    due_date: so.Mapped[date | None]
    sent_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    recipient: so.Mapped["User"] = so.relationship()  # noqa: F821


class CalendarFeed(SecretFeedMixin, db.Model):
    """A user's secret iCalendar feed."""

    __tablename__ = "calendar_feeds"
