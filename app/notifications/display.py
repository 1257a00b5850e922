"""Notifications as the recipient may see them *now*: the record's scope is checked again on display,
so a notification about a record the user can no longer read shows no title and no link."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup

from app.listing import paginate
from app.models import Notification
from app.models import NotificationKind
from app.models import User
from app.notifications import objects
from app.sanitize import render_markdown


@dataclass
class Entry:
    notification: Notification
    visible: bool
    title: str = ""
    link: str = ""
    reference: str = ""
    noun: str = ""
    detail: Markup = Markup("")

    @property
    def id(self) -> int:
        return self.notification.id

    @property
    def kind(self) -> NotificationKind:
        return self.notification.kind

    @property
    def summary(self) -> str:
        return self.notification.summary

    @property
    def created_at(self) -> datetime:
        return self.notification.created_at

    @property
    def is_read(self) -> bool:
        return self.notification.is_read


def unread_statement(user: User) -> sa.Select:
    return sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))



def entries(user: User, notifications: list[Notification]) -> list[Entry]:
    """Wrap notifications with what the user may see now (one scoped query per record kind)."""
    by_type: dict[str, set[int]] = {}
    for n in notifications:
        by_type.setdefault(n.object_type, set()).add(n.object_id)
    visible = {t: objects.visible_objects(user, t, ids) for t, ids in by_type.items()}
    result = []
    for n in notifications:
        obj = visible.get(n.object_type, {}).get(n.object_id)
        kind = objects.kind_for(n.object_type)
        if obj is None or kind is None:
            result.append(Entry(n, visible=False))
            continue
        endpoint, values = objects.link_for(n.object_type, n.kind, obj)
        result.append(Entry(n, visible=True, title=kind.title(obj), link=url_for(endpoint, **values),
                            reference=kind.reference(obj), noun=kind.noun, detail=render_markdown(n.detail)))
    return result


def notification_page(user: User, page: int = 1, unread_only: bool = False):
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    pagination = paginate(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()))
    pagination.entries = entries(user, list(pagination.items))
    return pagination
