"""Jinja globals and filters: permissions, URL builders that keep filters, formatting, Markdown."""
from datetime import date, datetime

from flask import Flask, current_app, request, url_for

from app.audit import summary_parts
from app.redline import summary_change
from app.sanitize import render_markdown

SORT_DIRECTIONS = ("asc", "desc")


def _current_args(**changes) -> dict:
    args = {**(request.view_args or {}), **request.args.to_dict(flat=False)}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


def url_for_page(page: int) -> str:
    """The current URL with ?page= replaced, keeping filters such as ?status=active."""
    return url_for(request.endpoint, **_current_args(page=page))


def current_sort() -> tuple[str | None, str]:
    direction = request.args.get("dir", "asc")
    return request.args.get("sort"), direction if direction in SORT_DIRECTIONS else "asc"


def url_for_sort(key: str) -> str:
    sort, direction = current_sort()
    new_direction = "desc" if sort == key and direction == "asc" else "asc"
    return url_for(request.endpoint, **_current_args(sort=key, dir=new_direction, page=None))


def url_for_export() -> str:
    return url_for(request.endpoint, **_current_args(format="csv", page=None))


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def format_date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value)


def format_datetime(value) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def register(app: Flask) -> None:
    from app import permissions

    app.jinja_env.globals.update(
        perm=permissions,
        url_for_page=url_for_page,
        url_for_sort=url_for_sort,
        current_sort=current_sort,
        url_for_export=url_for_export,
        has_endpoint=has_endpoint,
    )
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["summary_parts"] = summary_parts
    app.jinja_env.filters["summary_change"] = summary_change


def compile_templates() -> int:
    """Compile every template now, when a web worker starts, rather than in the first requests that use
    them (tens of milliseconds each: a worker's first pages were several times slower than the next).
    Jinja keeps them compiled for the life of the worker. Returns how many."""
    env = current_app.jinja_env
    names = env.list_templates()
    for name in names:
        env.get_template(name)
    return len(names)
