"""The audit trail: record(actor, action, obj, summary) adds one AuditEvent to the current transaction.

Only services (and the auth flow) call it, so the event commits or rolls back with the change.
"""
import enum
import re

from flask import g
from flask import has_request_context
from flask import request

from app.extensions import db
from app.models import AuditEvent
from app.models import User

# Fields never copied into a change summary.
SECRET_FIELDS = {"password", "password_hash", "session_token", "totp_secret_encrypted", "csrf_token",
                 "totp_last_timecode"}


def display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(display(v) for v in value)) or "—"
    if hasattr(value, "__tablename__"):  # a record or a person: its reference or name, never its repr
        value = next((getattr(value, name) for name in ("reference", "name", "title") if getattr(value, name, None)),
                     value)
    if isinstance(value, enum.Enum):
        return str(getattr(value, "label", value.value))
    if hasattr(value, "label") and not isinstance(value, str | int):
        return str(value.label)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def diff(obj, fields: dict) -> dict[str, tuple]:
    """The fields whose new value differs from the object's current one: {name: (old, new)}."""
    changes = {}
    for name, new in fields.items():
        old = getattr(obj, name, None)
        if old != new:
            changes[name] = (old, new)
    return changes


def summarize(changes: dict[str, tuple]) -> str:
    parts = []
    for name, (old, new) in changes.items():
        if name in SECRET_FIELDS:
            parts.append(f"{name} changed")
        else:
            parts.append(f"{name}: {display(old)} → {display(new)}")
    return "; ".join(parts)


# A summary is parts joined by "; "; a part starts with a field-like key ("status: …", "title changed").
_PART_START = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,40}(?:: | changed\b)")
NOTE_PREFIX = "note: "


def summary_parts(summary: str) -> list[str]:
    """Split a stored summary back into its parts without cutting user text.

    A note is always the last part and is kept exactly as written (it may contain "; "); elsewhere a
    "; " only starts a new part when what follows reads like another field ("key: …").
    """
    if not summary:
        return []
    chunks = summary.split("; ")
    parts: list[str] = []
    for index, chunk in enumerate(chunks):
        if chunk.startswith(NOTE_PREFIX):
            parts.append("; ".join(chunks[index:]))
            break
        if parts and not _PART_START.match(chunk):
            parts[-1] = f"{parts[-1]}; {chunk}"
        else:
            parts.append(chunk)
    return [part for part in parts if part.strip()]


def record(actor: User | None, action: str, obj=None, summary: str = "", *, object_type: str | None = None,
           object_id: int | None = None) -> AuditEvent:
    """Add an audit event for `obj` (flushes so the object has an id)."""
    if obj is not None:
        db.session.flush()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_organization_id=actor.organization_id if actor is not None else None,
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else ""),
        object_id=object_id if object_id is not None else (obj.id if obj is not None else None),
        object_version=getattr(obj, "version", None),
        summary=summary[:4000],
        ip=(request.remote_addr or "")[:64] if has_request_context() else "",
        request_id=(g.get("request_id", "") if has_request_context() else "")[:64],
        via=(g.get("audit_via", "") if has_request_context() else "")[:160],
    )
    db.session.add(event)
    return event
