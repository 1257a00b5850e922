"""Per-user e-mail preferences per notification kind. Only ever the given user's own rows."""
import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import EmailChannel
from app.models import NotificationKind
from app.models import NotificationPreference
from app.models import User
from app.notifications.services import DEFAULT_CHANNEL


def current(user: User) -> dict[NotificationKind, EmailChannel]:
    chosen = {p.kind: p.email for p in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return {kind: chosen.get(kind, DEFAULT_CHANNEL) for kind in NotificationKind}


def fill_form(form, user: User) -> None:
    for kind, channel in current(user).items():
        form[f"kind_{kind.value}"].data = channel.value


def save(user: User, wanted: dict[NotificationKind, str]) -> int:
    """Store the user's choices; returns how many kinds changed (audited)."""
    rows = {p.kind: p for p in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    before = current(user)
    changes = []
    for kind, value in wanted.items():
        channel = EmailChannel(value)
        if before[kind] == channel:
            continue
        if kind in rows:
            rows[kind].email = channel
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, email=channel))
        changes.append(f"{kind.label}: {before[kind].label} → {channel.label}")
    if changes:
        db.session.flush()
        audit.record(user, "user.notification_preferences", user, summary="; ".join(changes))
    return len(changes)
