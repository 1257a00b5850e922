"""The optimistic-locking conflict page: an editable merge of the user's values with the saved ones.

Nothing the user typed is lost: every field keeps its submitted value in full, inside a form that
posts to the same edit endpoint with the current version. A field is marked "changed on both sides"
only when the user changed it (against the values the form was loaded with, carried in the hidden
`original` field, or failing that the audit trail) and so did someone else. A field only the other
side changed is prefilled with the saved value, so merging never quietly reverts their change.
"""
import enum
import json
from datetime import date
from datetime import datetime

from flask import render_template
from flask import request

from app.audit import display
from app.audit import summary_parts
from app.models import AuditEvent

SKIPPED_TYPES = ("CSRFTokenField", "HiddenField", "SubmitField", "PasswordField", "FieldList", "FormField")
CARRIED_NAMES = ("csrf_token", "version", "original")


def normalize(value):
    """A comparable form of a form or model value: text, or a sorted list of text."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return sorted(str(normalize(v)) for v in value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "id") and not isinstance(value, str | int):
        return str(value.id)
    return str(value).replace("\r\n", "\n").strip()


def snapshot(form) -> str:
    """The form's current values as JSON: what the user started from when the page was loaded."""
    values = {name: normalize(field.data) for name, field in form._fields.items()
              if field.type not in SKIPPED_TYPES}
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _original_values(form) -> dict | None:
    field = form._fields.get("original")
    raw = getattr(field, "data", None) if field is not None else None
    if not raw:
        return None
    try:
        values = json.loads(raw)
    except ValueError:
        return None
    return values if isinstance(values, dict) else None


def _model_value(record, name: str, form=None):
    """The saved value in the form's terms: a form that shows a value otherwise than it is stored (a time
    on the reader's wall clock) says so with `record_value(record, name)`."""
    in_form_terms = getattr(form, "record_value", None)
    value = in_form_terms(record, name) if in_form_terms is not None else getattr(record, name, None)
    if isinstance(value, list | tuple | set) and value and hasattr(next(iter(value)), "id"):
        return [v.id for v in value]
    return value


def _expected_version(form) -> int | None:
    try:
        return int(form._fields["version"].data)
    except (KeyError, TypeError, ValueError):
        return None


def _other_events(record, expected_version: int | None) -> list[AuditEvent]:
    """The audit events written after the version the user loaded, oldest first."""
    from app.records import history

    events = [e for e in history(record, limit=50)
              if expected_version is None or (e.object_version or 0) > expected_version]
    return list(reversed(events))


def _keys_changed_in(events) -> set[str]:
    keys = set()
    for event in events:
        for part in summary_parts(event.summary or ""):
            key = part.split(":", 1)[0].strip()
            keys.add(key.removesuffix(" changed"))
    return keys


def conflict_page(record, form, reload_url: str, fields: list[tuple[str, str]] | None = None,
                  title: str | None = None, action_url: str | None = None):
    """409 page: nothing was saved; the user's values in an editable form, merged with the saved ones.
    The rows are `fields`, else the form's `conflict_fields` declaration, else every field the user fills in."""
    if fields is None and getattr(form, "conflict_fields", None) is not None:
        fields = [(name, form[name].label.text) for name in form.conflict_fields]
    if fields is None:
        fields = [(name, field.label.text) for name, field in form._fields.items()
                  if field.type not in SKIPPED_TYPES and name not in CARRIED_NAMES]
    expected = _expected_version(form)
    events = _other_events(record, expected)
    original = _original_values(form)
    others_keys = _keys_changed_in(events) if original is None else set()
    rows = []
    for name, label in fields:
        field = form._fields.get(name)
        if field is None or field.type in SKIPPED_TYPES or name in CARRIED_NAMES:
            continue
        theirs_raw = _model_value(record, name, form)
        theirs, yours = normalize(theirs_raw), normalize(field.data)
        if original is not None and name in original:
            start = original[name]
            they_changed, you_changed = start != theirs, start != yours
        else:
            they_changed = name in others_keys or name.removesuffix("_id") in others_keys
            you_changed = yours != theirs
        both = they_changed and you_changed and yours != theirs
        if they_changed and not you_changed:
            field.data = theirs_raw  # take their change: the merge must not revert it
        rows.append({"name": name, "label": label, "field": field, "both": both,
                     "they_changed": they_changed, "you_changed": you_changed,
                     "theirs": _full_display(theirs_raw, field)})
    shown = {name for name, _ in fields}
    carried = [(key, value) for key, value in request.form.items(multi=True)
               if key not in CARRIED_NAMES and key.split("-", 1)[0] not in shown]
    last = events[-1] if events else None
    form_snapshot = snapshot_of_record(form, record)
    return render_template(
        "main/conflict.html", rows=rows, record=record, reload_url=reload_url, carried=carried,
        action_url=action_url or request.path, version=getattr(record, "version", ""), original=form_snapshot,
        title=title or getattr(record, "title", None) or getattr(record, "name", ""),
        changed_by=sorted({e.actor.name for e in events if e.actor is not None}),
        changed_at=last.at if last else getattr(record, "updated_at", None),
        csrf_field=form._fields.get("csrf_token"),
        conflicted=[row for row in rows if row["both"]]), 409


def snapshot_of_record(form, record) -> str:
    """The saved values in the form's shape: the merged form's starting point."""
    values = {}
    for name, field in form._fields.items():
        if field.type in SKIPPED_TYPES or name in CARRIED_NAMES:
            continue
        values[name] = normalize(_model_value(record, name, form)) if hasattr(record, name) else normalize(field.data)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _full_display(value, field=None) -> str:
    """A saved value for reading in full (display() cuts long text for the audit trail)."""
    choices = getattr(field, "choices", None)
    if choices and not isinstance(value, str | bool):
        labels = {}
        for choice in choices:
            key, label = (choice[0], choice[1]) if isinstance(choice, tuple | list) else (choice.value, choice.label)
            labels[normalize(key)] = str(label)
        wanted = normalize(value)
        if isinstance(wanted, list):
            return ", ".join(labels.get(v, v) for v in wanted) or "—"
        return labels.get(wanted, display(value))
    if isinstance(value, str):
        return value or "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return display(value)
