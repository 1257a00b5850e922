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
    return render_template("main/conflict.html", rows=rows, record=record, reload_url=reload_url,
                           title=title or getattr(record, "title", None) or getattr(record, "name", ""),
                           changed_at=getattr(record, "updated_at", None)), 409
