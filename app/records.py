"""Shared use-case steps for the editable records: versioned updates, archive/restore, references.

Feature services call these so every kind audits, locks and archives the same way. The audit actions are
"<key>.<verb>", the key being the record's kind's in app/kinds.py ("incident_plan.archived"): a step given no
key takes it from the registry, and a key given for a record kind must be that one (a typo raises).
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import selectinload

from app import audit
from app import kinds
from app.extensions import db
from app.models import ReferenceCounter
from app.models import StaleEdit
from app.models import User
from app.models import today
from app.models import utcnow


def next_reference(model: type, prefix: str) -> str:
    """The next free reference like AGR-2026-0042 for this year, safe under concurrent creates.

    The counter row of (prefix, year) is taken with an upsert that holds its row lock (PostgreSQL)
    or the write lock (SQLite) until the request commits, so two creates never read the same number.
    The highest reference already issued seeds the counter (records made before it existed)."""
    year = today().year
    last = db.session.scalar(sa.select(sa.func.max(model.reference)).where(model.reference.like(f"{prefix}-{year}-%")))
    issued = int(last.rsplit("-", 1)[1]) if last else 0
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    greatest = sa.func.greatest if dialect == "postgresql" else sa.func.max
    table = ReferenceCounter.__table__
    stmt = insert(table).values(prefix=prefix, year=year, last=issued + 1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.prefix, table.c.year],
                                      set_={"last": greatest(table.c.last, issued) + 1}).returning(table.c.last)
    number = db.session.execute(stmt).scalar_one()
    return f"{prefix}-{year}-{number:04d}"


def check_version(record, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != record.version:
        raise StaleEdit(f"This {record.__tablename__.rstrip('s').replace('_', ' ')} changed since you opened it.")


def apply_changes(actor: User, record, fields: dict, *, expected_version: int | None, action: str) -> dict:
    """Optimistic-locked update with an audit row listing the changed fields. Returns the changes."""
    check_version(record, expected_version)
    changes = audit.diff(record, fields)
    for name, value in fields.items():
        setattr(record, name, value)
    if changes:
        db.session.flush()  # raises StaleDataError if a concurrent writer won the race
        audit.record(actor, action, record, summary=audit.summarize(changes))
    return changes


def recipients_change(before, after) -> str:
    """The one audit wording of TLP:RED recipients changing: "recipients: added A, B; removed C" ("" when
    nothing changed; a new record's are all "added")."""
    before, after = list(before), list(after)
    before_ids, after_ids = {u.id for u in before}, {u.id for u in after}
    parts = []
    if added := sorted(u.name for u in after if u.id not in before_ids):
        parts.append("added " + ", ".join(added))
    if removed := sorted(u.name for u in before if u.id not in after_ids):
        parts.append("removed " + ", ".join(removed))
    return "recipients: " + "; ".join(parts) if parts else ""


def audit_key(record, kind: str | None = None) -> str:
    """The key of the record's audit actions: its kind's (app/kinds.py); `kind` names what is not a kind (an
    organisation), and for a kind must be its key."""
    found = kinds.find(record)
    if found is None:
        if kind is None:
            raise LookupError(f"{type(record).__name__} is not a record kind: name its audit key")
        return kind
    if kind is not None and kind != found.key:
        raise ValueError(f"{kind!r} is not the audit key of a {found.label} (app/kinds.py: {found.key!r})")
    return found.key


def created(actor: User, record, kind: str | None, summary: list[str], recipients=()) -> None:
    """A new record: its TLP:RED recipients set, added and flushed (it gets its id), and its creation audited
    as "<kind>.created" with `summary` and the recipients added."""
    record.recipients = list(recipients)
    db.session.add(record)
    db.session.flush()
    parts = [*summary, recipients_change([], recipients)]
    audit.record(actor, f"{audit_key(record, kind)}.created", record, summary="; ".join(filter(None, parts)))


def set_recipients(record, users) -> str:
    """Replace the TLP:RED recipients; returns the audit wording of the change ("" when none)."""
    summary = recipients_change(record.recipients, users)
    if summary:
        record.recipients = list(users)
    return summary


def stamp(actor: User, record, target, field: str, on: bool, action: str, summary: str = "") -> bool:
    """Set `target.<field>` to now (`on`) or clear it, and audit `action` on `record`. When it already is
    so, nothing happens (False): a second click or a stale page is never an error."""
    if (getattr(target, field) is not None) == on:
        return False
    setattr(target, field, utcnow() if on else None)
    audit.record(actor, action, record, summary=summary)
    return True


def archive(actor: User, record, kind: str | None = None) -> bool:
    """The archive rule of every kind: archive and audit `<kind>.archived`; archiving an archived
    record does nothing (False), so a second click or a stale page is never an error."""
    return stamp(actor, record, record, "archived_at", True, f"{audit_key(record, kind)}.archived")


def restore(actor: User, record, kind: str | None = None, summary: str = "") -> bool:
    """Restore and audit `<kind>.restored`; restoring a live record does nothing (False)."""
    return stamp(actor, record, record, "archived_at", False, f"{audit_key(record, kind)}.restored", summary)


def transition(actor: User, record, new_status, kind: str | None = None) -> None:
    """Move along the record's lifecycle (raises InvalidTransition) and audit the step."""
    old = record.status
    record.transition_to(new_status)
    audit.record(actor, f"{audit_key(record, kind)}.status_changed", record,
                 summary=f"status: {old.label} → {record.status.label}")


def history(record, limit: int = 200):
    """Audit events of one record, newest first."""
    from app.models import AuditEvent

    stmt = (sa.select(AuditEvent)
            .where(AuditEvent.linked_to(record))
            .options(selectinload(AuditEvent.actor).selectinload(User.organization))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return db.session.scalars(stmt).all()


def archive_step(kind: str | None, can):
    """A feature's archive service, `step(actor, record, archived=True)` (archived=False restores):
    `can(actor, record)` is authorised (403 otherwise), then archive() or restore() above (True when
    the record changed)."""
    from app import permissions

    def archive_record(actor: User, record, archived: bool = True) -> bool:
        permissions.authorize(can(actor, record))
        return archive(actor, record, kind) if archived else restore(actor, record, kind)

    return archive_record
