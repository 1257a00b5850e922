"""The signed-in person's own notifications and inbox: what the bell and /inbox/ show, for a program.

GET /api/v1/notifications/ (own only; `unread=true`), POST /api/v1/notifications/<id>/read,
POST /api/v1/notifications/read-all, GET /api/v1/inbox/. A notification about a record the person can no
longer read carries no title, reference or detail (as on the page): its `record` is null.
"""
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from flask import jsonify
from flask import request
from flask_login import current_user
from pydantic import BaseModel
from pydantic import Field

from app.api import bp
from app.api import paging
from app.api.paging import ListQuery
from app.api.paging import Page
from app.api.schemas import Body
from app.api.spec import Responses
from app.api.spec import spec
from app.inbox import providers
from app.models import TLP
from app.models import Notification
from app.models import NotificationKind
from app.notifications import display
from app.notifications import services

TAGS = ("Notifications and inbox",)


class RecordRef(BaseModel):
    kind: str = Field(description="The record's kind, as in the registry (agreement, risk, incident_report…).")
    id: int
    reference: str
    title: str
    url: str = Field(description="The record's page.")


class NotificationOut(BaseModel):
    id: int
    kind: NotificationKind
    summary: str = Field(description="What happened; never the record's title or content.")
    detail: str = Field(description="A reviewer's comment and the like (Markdown); empty when the record is not "
                                    "readable any more.")
    record: RecordRef | None = Field(description="Null when the person may no longer read the record.")
    created_at: datetime
    read_at: datetime | None


class NotificationListQuery(ListQuery):
    unread: bool = Field(False, description="Only the unread ones.")


class NoBody(Body):
    """An action without parameters: send `{}`."""


class MarkedRead(BaseModel):
    marked: int = Field(description="How many notifications were unread and are now read.")


class InboxItem(BaseModel):
    action: str = Field(description="What to do.")
    reference: str
    title: str
    url: str = Field(description="The page where the person acts.")
    tlp: TLP
    note: str = Field(description="Why it is here (a named reviewer, overdue by 3 days…).")
    due: date | None


class InboxSection(BaseModel):
    section: str
    count: int = Field(description="Entries in the section in all (items holds at most `limit`).")
    items: list[InboxItem]


class Inbox(BaseModel):
    sections: list[InboxSection]


class InboxQuery(BaseModel):
    limit: int = Field(50, ge=1, le=100, description="Entries per section.")


def _out(entry: display.Entry) -> dict:
    notification = entry.notification
    record = None
    if entry.visible:
        record = RecordRef(kind=notification.object_type, id=notification.object_id, reference=entry.reference,
                           title=entry.title, url=entry.link)
    return NotificationOut(id=notification.id, kind=notification.kind, summary=notification.summary,
                           detail=notification.detail if entry.visible else "", record=record,
                           created_at=notification.created_at, read_at=notification.read_at).model_dump(mode="json")


def _serialize_page(notifications: list[Notification]) -> list[dict]:
    return [_out(entry) for entry in display.entries(current_user, notifications)]


@bp.get("/notifications/")
@spec.validate(query=NotificationListQuery, resp=Responses(HTTP_200=Page[NotificationOut]), tags=TAGS)
def list_notifications():
    """The token's user's own notifications, oldest first (a stable order for paging)."""
    query = request.context.query
    stmt = sa.select(Notification).where(Notification.user_id == current_user.id)
    if query.unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = paging.page_of(stmt, Notification.id, query, lambda n: n)
    page["items"] = _serialize_page(page["items"])  # one scoped query per record kind, as on the page
    return jsonify(page)


@bp.post("/notifications/<int:notification_id>/read")
@spec.validate(json=NoBody, resp=Responses(HTTP_200=NotificationOut), tags=TAGS)
def read_notification(notification_id: int):
    """Mark one of the user's own notifications read (another person's is 404)."""
    notification = services.own_notification(current_user, notification_id)
    services.mark_read(notification)
    return jsonify(_serialize_page([notification])[0])


@bp.post("/notifications/read-all")
@spec.validate(json=NoBody, resp=Responses(HTTP_200=MarkedRead), tags=TAGS)
def read_all_notifications():
    """Mark every unread notification of the user read."""
    return jsonify(MarkedRead(marked=services.mark_all_read(current_user)).model_dump())


@bp.get("/inbox/")
@spec.validate(query=InboxQuery, resp=Responses(HTTP_200=Inbox), tags=TAGS)
def inbox():
    """What awaits the user, section by section, as /inbox/ shows it."""
    counts = providers.inbox_counts(current_user)
    sections = providers.inbox_sections(current_user, request.context.query.limit, counts)
    return jsonify(Inbox(sections=[
        InboxSection(section=name, count=counts.get(name, len(entries)),
                     items=[InboxItem(action=e.action, reference=e.reference, title=e.title, url=e.url, tlp=e.tlp,
                                      note=e.note, due=e.due) for e in entries])
        for name, entries in sections]).model_dump(mode="json"))
