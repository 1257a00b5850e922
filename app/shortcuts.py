"""Prefilled "new" forms reached from a related record (e.g. "Add a risk" on an initiative's page).

The id comes from the query string and is taken only when it is one of the field's own choices,
which are built from the user's scopes: a forged or invisible id is simply not prefilled.
"""
from flask import request

from app.redirects import local_url_or


def choice_values(field) -> set[str]:
    values = set()
    for choice in field.choices or []:
        values.add(str(choice.value if hasattr(choice, "value") else choice[0]))
    return values


def prefill_from_query(field, arg: str) -> bool:
    """On a GET, set `field` from ?<arg>=<id> when that id is an offered choice; True when set."""
    if request.method != "GET":
        return False
    wanted = request.args.get(arg, type=int)
    if wanted is None or str(wanted) not in choice_values(field):
        return False
    field.data = wanted
    return True


def back_to(default: str) -> str:
    """Where a quick-update form asked to return (a path on this site, e.g. My tasks), else `default`."""
    return local_url_or(request.form.get("next"), default)
