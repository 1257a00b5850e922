"""Repeatable rows (agreement parties, initiative milestones) that work without JavaScript.

Each row has a "Remove" button and the list an "Add another row" button; both are submit buttons named
`row_action` ("add:<list>" or "remove:<list>-<index>"). Such a POST only redraws the form with one row
more or less: nothing is validated or saved. With JavaScript (static/js/enhance.js) the same buttons
add and remove rows in place without a round trip.
"""
from flask import request
from wtforms import FieldList

ROW_ACTION = "row_action"


def row_action_requested() -> bool:
    return request.method == "POST" and bool(request.form.get(ROW_ACTION))


def apply_row_action(form) -> bool:
    """Apply an add/remove-row button to the form's lists; True when the POST was such a button."""
    if not row_action_requested():
        return False
    action = request.form.get(ROW_ACTION, "")
    verb, _, target = action.partition(":")
    if verb == "add":
        field = form._fields.get(target)
        if isinstance(field, FieldList) and (field.max_entries is None or len(field) < field.max_entries):
            field.append_entry()
    elif verb == "remove":
        name, _, index = target.rpartition("-")
        field = form._fields.get(name)
        if isinstance(field, FieldList) and index.isdigit():
            wanted = f"{name}-{index}"
            field.entries = [entry for entry in field.entries if entry.name != wanted]
    return True  # not validated: a redraw flags nothing
