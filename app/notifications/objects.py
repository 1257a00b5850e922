"""What a notification, a mail or a calendar entry may say about a record, and where it links.

The kinds, their nouns, references, titles and pages come from the registry (app/kinds.py);
notifications store the kind's table name as `object_type`, like audit events and comments.
Every lookup goes through the kind's scope, so a record the user can no longer read yields nothing
(no title, no link).
"""
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from app import kinds
from app import permissions
from app.extensions import db
from app.models import TLP

# Where a notification of these kinds leads instead of the record's page: the signing page, the
# executed document (the recipient's scope is checked again there, as everywhere).
KIND_LINKS: dict[tuple[str, str], Callable] = {
    ("agreement", "issued_for_signature"): lambda o: ("signing.sign", {"agreement_id": o.id}),
    ("agreement", "executed"): lambda o: ("documents.executed", {"agreement_id": o.id}),
}


def kind_for(object_type: str) -> kinds.RecordKind | None:
    return kinds.BY_TABLE.get(object_type)


def link_for(object_type: str, notification_kind, obj) -> tuple[str, dict]:
    """(endpoint, values) a notification of `notification_kind` about `obj` links to."""
    kind = kinds.BY_TABLE[object_type]
    special = KIND_LINKS.get((kind.key, getattr(notification_kind, "value", notification_kind)))
    return special(obj) if special else (kind.endpoint, kind.url_values(obj))


def object_type_of(obj) -> str:
    """The stored object_type of a record (ValueError for anything that is not a record kind)."""
    kind = kinds.find(obj)
    if kind is None:
        raise ValueError(f"{type(obj).__name__} is not a record kind; add it to app/kinds.py")
    return kind.table


def tlp_of(obj) -> TLP:
    """The record's TLP label as mail and calendar entries show it (a task: its working group's);
    an unknown label is the most restrictive."""
    kind = kinds.find(obj)
    label = getattr(kind.parent_of(obj), "tlp", None) if kind else getattr(obj, "tlp", None)
    return TLP(label or TLP.RED)


def tlp_allows_title(obj) -> bool:
    """Mail and calendar entries leave the TLP boundary: only CLEAR and GREEN records are named."""
    return tlp_of(obj) in (TLP.CLEAR, TLP.GREEN)


def visible_object(user, object_type: str, object_id: int | None):
    """The record if `user` may read it now, else None."""
    kind = kind_for(object_type)
    if kind is None or object_id is None:
        return None
    return db.session.scalars(permissions.visible_records(kind, user).where(kind.model.id == object_id)).first()


def visible_objects(user, object_type: str, object_ids) -> dict[int, object]:
    """{id: record} for the ids `user` may read now (one query per kind)."""
    kind = kind_for(object_type)
    ids = {i for i in object_ids if i is not None}
    if kind is None or not ids:
        return {}
    stmt = permissions.visible_records(kind, user).where(kind.model.id.in_(ids))
    if kind.parent:  # the reference names the parent: loaded with the record (the scope joins it)
        stmt = stmt.options(contains_eager(getattr(kind.model, kind.parent)))
    return {obj.id: obj for obj in db.session.scalars(stmt)}


def can_see(user, record) -> bool:
    """Whether `user` may read `record` (of any kind) now: one query through its kind's scope."""
    kind = kinds.find(record)
    if kind is None or getattr(record, "id", None) is None:
        return False
    stmt = permissions.visible_records(kind, user).with_only_columns(kind.model.id).where(kind.model.id == record.id)
    return bool(db.session.scalar(sa.select(stmt.exists())))
