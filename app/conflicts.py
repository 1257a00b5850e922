"""The optimistic-locking conflict page: the saved values beside the ones the user submitted."""
from flask import render_template

from app.audit import display


def conflict_page(record, form, reload_url: str, fields: list[tuple[str, str]] | None = None,
                  title: str | None = None):
    """409 page: nothing was saved; show each field's current value next to the submitted one."""
    if fields is None:
        fields = [(name, field.label.text) for name, field in form._fields.items()
                  if field.type not in ("CSRFTokenField", "HiddenField", "SubmitField", "PasswordField")]
    rows = []
    for name, label in fields:
        field = form._fields.get(name)
        theirs = getattr(record, name, None)
        yours = field.data if field is not None else None
        if isinstance(theirs, list) and theirs and hasattr(theirs[0], "id") and not isinstance(yours, list):
            theirs = [getattr(t, "name", t) for t in theirs]
        rows.append({"label": label, "theirs": display(theirs), "yours": display(yours),
                     "differs": display(theirs) != display(yours)})
    changed_by, changed_at = _last_change(record)
    return render_template("main/conflict.html", rows=rows, record=record, reload_url=reload_url,
                           title=title or getattr(record, "title", None) or getattr(record, "name", ""),
                           changed_by=changed_by, changed_at=changed_at or getattr(record, "updated_at", None)), 409


def _last_change(record) -> tuple[str | None, object]:
    """Who saved the version the user collided with, and when: the record's newest audit event."""
    from app.records import history

    if getattr(record, "id", None) is None:
        return None, None
    events = history(record, limit=1)
    if not events:
        return None, None
    actor = events[0].actor
    name = None
    if actor is not None:
        name = f"{actor.name} ({actor.organization.display_name})" if actor.organization else actor.name
    return name, events[0].at
