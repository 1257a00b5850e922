"""The daily digest: one mail per user per day gathering the notifications whose kind the user
set to "daily digest". The day's mail is claimed in `sent_reminders` (kind "digest", threshold the
date) so it goes out once even when two workers run the job. Scope is checked again when the
digest is built: a record the user can no longer read is left out.
"""
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import Notification
from app.models import User
from app.models import today
from app.notifications import messages
from app.notifications import objects
from app.notifications.mail import queue_email
from app.notifications.reminders import _claim


def send_digests(day: date | None = None) -> int:
    """Queue today's digest for every user with pending digest notifications; returns mails queued."""
    day = day or today()
    user_ids = list(db.session.scalars(
        sa.select(Notification.user_id).where(Notification.digest_pending.is_(True)).distinct()))
    queued = 0
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        if user is None:
            continue
        if not _claim("user", user.id, "digest", day.isoformat(), user.id, day):
            db.session.rollback()
            continue
        pending = list(db.session.scalars(sa.select(Notification).where(
            Notification.user_id == user.id, Notification.digest_pending.is_(True)).order_by(Notification.created_at)))
        items = []
        for notification in pending:
            notification.digest_pending = False
            obj = objects.visible_object(user, notification.object_type, notification.object_id)
            if obj is not None and user.is_active:
                items.append(messages.mail_item(notification, obj))
        if items and user.email:
            subject, text, html = messages.digest_email(user, items, day)
            queue_email(user.email, subject, text, html)
            queued += 1
        db.session.commit()
    return queued
