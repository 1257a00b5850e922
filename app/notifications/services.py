"""notify(): the in-app notification and, per the recipient's preference, its e-mail.

Producers call it from their services in the same transaction as the change; it flushes, never
commits. Recipients who cannot read the record, inactive users and the actor are skipped.
"""
import sqlalchemy as sa

from app import kinds
from app.extensions import db
from app.models import EmailChannel
from app.models import Notification
from app.models import NotificationKind
from app.models import NotificationPreference
from app.models import User
from app.models import utcnow
from app.notifications import messages
from app.notifications import objects
from app.notifications.mail import queue_email

DEFAULT_CHANNEL = EmailChannel.IMMEDIATELY
MAX_DETAIL = 2000

VERBS = {
    NotificationKind.ASSIGNMENT: "{actor} assigned {thing} to you",
    NotificationKind.REVIEW_REQUESTED: "{actor} asked you to review {thing}",
    NotificationKind.CHANGES_REQUESTED: "{actor} requested changes to {thing}",
    NotificationKind.REVIEW_RESET: "{actor} changed {thing} during review: it is back in draft",
    NotificationKind.APPROVED: "{actor} approved {thing}",
    NotificationKind.ISSUED_FOR_SIGNATURE: "{actor} issued {thing} for signature",
    NotificationKind.SIGNED: "{actor} signed {thing}",
    NotificationKind.SIGNATURE_DECLINED: "{actor} declined to sign {thing}",
    NotificationKind.EXECUTED: "Every party signed {thing}",
    NotificationKind.COMMENT: "{actor} commented on {thing}",
    NotificationKind.MEMBERSHIP_ADDED: "{actor} added you to {thing}",
    NotificationKind.REMINDER: "Reminder about {thing}",
    NotificationKind.INCIDENT: "{actor} updated {thing}",
    NotificationKind.ADVISORY: "{actor} updated {thing}",
    NotificationKind.EXERCISE: "{actor} updated {thing}",
}


def safe_summary(kind: NotificationKind, obj, actor: User | None) -> str:
    """One line naming only the kind of record, its reference and the actor: never a title."""
    record_kind = kinds.find(obj)
    thing = f"{record_kind.label} {record_kind.reference(obj)}" if record_kind else "a record"
    return VERBS[kind].format(actor=actor.name if actor else "Someone", thing=thing)


def channel_for(user: User, kind: NotificationKind) -> EmailChannel:
    chosen = db.session.scalar(sa.select(NotificationPreference.email).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return chosen or DEFAULT_CHANNEL


def _comment_text(comment) -> str:
    if comment is None:
        return ""
    text = getattr(comment, "body", comment)
    return str(text or "")[:MAX_DETAIL]


def _users(recipients) -> list[User]:
    seen, users = set(), []
    for entry in recipients or ():
        user = db.session.get(User, entry) if isinstance(entry, int) else entry
        if user is not None and user.id not in seen:
            seen.add(user.id)
            users.append(user)
    return users


def notify(recipients, kind, obj, *, actor: User | None = None, comment=None,
           summary: str | None = None, mail_now: bool = True) -> list[Notification]:
    """Notify each recipient about `obj`; returns the notifications created (flushed). mail_now=False: the
    caller mails the recipients who want it immediately itself (the reminder engine's one mail a person)."""
    kind = NotificationKind(kind)
    db.session.flush()  # obj needs its id
    object_type = objects.object_type_of(obj)  # ValueError for anything that is not a record kind
    detail = _comment_text(comment)
    created = []
    for user in _users(recipients):
        if (actor is not None and user.id == actor.id) or not user.is_active:
            continue
        if not objects.can_see(user, obj):
            continue
        notification = Notification(
            user_id=user.id, kind=kind, object_type=object_type, object_id=obj.id,
            actor_id=actor.id if actor else None, summary=(summary or safe_summary(kind, obj, actor))[:300],
            detail=detail, created_at=utcnow(), digest_pending=False)
        db.session.add(notification)
        channel = channel_for(user, kind)
        if channel is EmailChannel.IMMEDIATELY and user.email and mail_now:
            subject, text, html = messages.notification_email(notification, obj, user)
            queue_email(user.email, subject, text, html)
        elif channel is EmailChannel.DAILY_DIGEST:
            notification.digest_pending = True
        created.append(notification)
    db.session.flush()
    return created


def own_notification(user: User, notification_id: int) -> Notification:
    """The user's own notification; another user's id is simply not found (404)."""
    return db.first_or_404(sa.select(Notification).where(Notification.id == notification_id,
                                                        Notification.user_id == user.id))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    result = db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.flush()
    return result.rowcount or 0
