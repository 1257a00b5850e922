"""Jinja globals and filters: permissions, URL builders that keep filters, formatting, Markdown."""
import functools
from datetime import date
from datetime import datetime

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import url_for
from jinja2 import Undefined
from markupsafe import Markup
from markupsafe import escape

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


_PLACEHOLDER = 2_147_483_646  # an id no record has: the one place in a built URL where the id goes


def row_url(endpoint: str, arg: str):
    """id -> url_for(endpoint, **{arg: id}), for a list's rows: the URL is built once per request with a
    placeholder id and each row's id put in its place (one url_for per list instead of one per row)."""
    made = g.setdefault("row_urls", {})
    if (endpoint, arg) not in made:
        before, _, after = url_for(endpoint, **{arg: _PLACEHOLDER}).partition(str(_PLACEHOLDER))
        made[endpoint, arg] = lambda value: f"{before}{int(value)}{after}"
    return made[endpoint, arg]


_OPTION = '\n      <option value="{}">'


def select_options(options, current: str) -> Markup:
    """The <option>s of a list's filter (templates/_macros/forms.html: filter_select): `options` (value, text)
    pairs, `current` the chosen value as text. One join here instead of a template loop that escapes and compares
    option after option (the risk register's initiative filter offers every visible initiative).

    `options` may also be options this function wrote before with nothing chosen (Markup, kept by the page for
    long lists): `current` is then marked in them."""
    if isinstance(options, Markup):
        chosen = _OPTION.format(escape(current))
        return Markup(str.replace(options, chosen, chosen[:-1] + " selected>", 1)) if current else options
    return Markup("".join(f'\n      <option value="{escape(value)}"{" selected" if str(value) == current else ""}>'
                          f'{escape(text)}</option>' for value, text in options))


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


# Badges: the same few values on every row of every list, so each value's HTML is built once per process
# (templates/_macros/lists.html calls these). The text is always the label: colour is never the only cue.
STATUS_COLOURS = {
    "draft": "secondary", "proposed": "secondary", "todo": "secondary", "planned": "secondary",
    "open": "warning",
    "in_review": "info", "in_progress": "info", "mitigating": "info", "out_for_signature": "info", "accepted": "info",
    "on_hold": "warning",
    "approved": "success", "active": "success", "completed": "success", "done": "success",
    "implemented": "success", "verified": "success",
    "expired": "dark", "retired": "dark", "closed": "dark", "cancelled": "secondary",
    "terminated": "danger", "blocked": "danger",
    "green": "success", "amber": "warning", "red": "danger",
}
LEVEL_COLOURS = {"low": "success", "medium": "warning", "high": "orange", "critical": "danger"}
HEALTH_COLOURS = {"green": "success", "amber": "warning", "red": "danger"}


def _value_and_label(member, default_label) -> tuple[str, str]:
    value = getattr(member, "value", None)
    value = str(member) if value is None else value
    label = getattr(member, "label", None)
    return value, (label if label is not None else default_label(value))


def _per_value(build):
    """build(member) once per member and its type (a StrEnum member equals its value: the type tells apart
    TLP.GREEN from "green", and two enums that share a value); None or an undefined value gives nothing."""
    cached = functools.cache(lambda _type, member: build(member))

    @functools.wraps(build)
    def badge(member) -> Markup:
        return Markup("") if member is None or isinstance(member, Undefined) else cached(type(member), member)
    return badge


@_per_value
def status_badge(status) -> Markup:
    value, text = _value_and_label(status, lambda v: v.replace("_", " ").capitalize())
    return Markup('<span class="badge status-badge text-bg-{} status-{}">{}</span>').format(
        STATUS_COLOURS.get(value, "secondary"), value, text)


@_per_value
def tlp_badge(tlp) -> Markup:
    value, text = _value_and_label(tlp, lambda v: "TLP:" + v.replace("_strict", "+strict").upper())
    description = getattr(tlp, "description", None)
    title = Markup(' title="{}"').format(description) if description is not None else ""
    return Markup('<span class="badge tlp tlp-{}"{}>{}</span>').format(value, title, text)


@_per_value
def level_badge(level) -> Markup:
    value, text = _value_and_label(level, lambda v: v.capitalize())
    return Markup('<span class="badge level-badge text-bg-{} level-{}">{}</span>').format(
        LEVEL_COLOURS.get(value, "secondary"), value, text)


@_per_value
def health_badge(health) -> Markup:
    value, text = _value_and_label(health, lambda v: v.capitalize())
    return Markup('<span class="badge health-badge text-bg-{} health-{}">\n      <span class="health-dot" '
                  'aria-hidden="true"></span>{}\n    </span>').format(HEALTH_COLOURS.get(value, "secondary"), value, text)


# The templates' globals, each under its own name; a badge returns HTML: `status_badge_html(…)`.
GLOBALS = (url_for_page, url_for_sort, current_sort, url_for_export, has_endpoint, row_url, select_options)
BADGES = (status_badge, tlp_badge, level_badge, health_badge)


def register(app: Flask) -> None:
    from app import permissions

    app.jinja_env.globals.update({helper.__name__: helper for helper in GLOBALS}, perm=permissions)
    app.jinja_env.globals.update({f"{badge.__name__}_html": badge for badge in BADGES})
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
