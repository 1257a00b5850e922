"""View steps shared by every feature: edit with conflict, lifecycle transitions, archive and restore.

Views translate HTTP; these helpers give every kind the same commit, the same flash messages and
the same answer when the record changed since the form was opened: the 409 conflict page
(`app.conflicts.conflict_page`), whether the version check (StaleEdit) or the UPDATE … WHERE version
(StaleDataError at flush or commit) notices it.

    with lifecycle.saving(risk, form, url_for(".edit", risk_id=risk.id)):
        services.update_risk(current_user, risk, expected_version=form.expected_version(), ...)

    return lifecycle.transition(risk, RiskStatusForm(), services.transition_risk, back=...,
                                done=lambda r: f"Risk is now {r.status.label.lower()}.")

    lifecycle.archive_routes(bp, "/<int:risk_id>", get_visible_risk, services.archive_risk,
                             services.restore_risk, back=..., archived=..., restored=...)
"""
from collections.abc import Callable
from contextlib import contextmanager

from flask import abort, flash, make_response, redirect
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app import permissions, records
from app.conflicts import conflict_page
from app.extensions import db
from app.forms import EmptyForm
from app.models import InvalidTransition, StaleEdit

STALE = (StaleEdit, StaleDataError)


@contextmanager
def saving(record, form, reload_url: str, fields: list[tuple[str, str]] | None = None, title: str | None = None):
    """Run the block and commit. A stale version rolls back and answers the 409 conflict page
    (raised as an HTTPException carrying the page); any other error rolls back and propagates."""
    try:
        yield
        db.session.commit()
    except STALE:
        db.session.rollback()
        abort(make_response(conflict_page(record, form if form is not None else EmptyForm(), reload_url,
                                          fields=fields if form is not None else [], title=title)))
    except Exception:
        db.session.rollback()
        raise


def problems(form, default: str = "Invalid request.") -> str:
    """Every field error of a form on one line, each with its field's label."""
    parts = []
    for name, errors in form.errors.items():
        field = form._fields.get(name)
        label = field.label.text if field is not None and field.type not in ("CSRFTokenField", "HiddenField") else ""
        parts += [f"{label}: {error}" if label else str(error) for error in errors[:1]]
    return "; ".join(parts) or default


def transition(record, form, step: Callable, *, back: str, done: Callable, refused: tuple = (),
               invalid: str | int | None = None, fields: list[tuple[str, str]] | None = None):
    """POST of a status form (TransitionForm or a subclass, carrying the record's version).

    `step(current_user, record, new_status)` runs the service (a lambda when it needs more of the form);
    `done(record)` is the success message.
    Invalid form → flash and back; a step the lifecycle refuses (InvalidTransition or `refused`) →
    flash its message and back; a stale version → 409 conflict page with what the user chose and typed.
    `invalid` is the message for an invalid form (or an HTTP status to answer instead)."""
    if not form.validate_on_submit():
        if isinstance(invalid, int):
            abort(invalid)
        flash(invalid or f"Nothing was changed. {problems(form)}", "danger")
        return redirect(back)
    try:
        with saving(record, form, back, fields=fields if fields is not None else status_fields(form)):
            records.check_version(record, form.expected_version())
            step(current_user, record, form.new_status.data)
    except (InvalidTransition, *refused) as exc:
        flash(str(exc), "danger")
    else:
        flash(done(record), "success")
    return redirect(back)


def status_fields(form) -> list[tuple[str, str]]:
    """The conflict rows of a status form: every field the user chose or typed."""
    return [(name, field.label.text) for name, field in form._fields.items()
            if field.type not in ("CSRFTokenField", "HiddenField", "SubmitField")]


def act(record, step: Callable, *, back: str, done: Callable, refused: tuple = ()):
    """A one-button POST (archive, restore, complete…): CSRF check, step(), commit, flash done(record)
    and back; an error in `refused` is flashed instead; a stale version answers the 409 page."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        with saving(record, None, back):
            step()
    except refused as exc:
        flash(str(exc), "danger")
    else:
        flash(done(record), "success")
    return redirect(back)


def archive_routes(bp, rule: str, load: Callable, archive: Callable, restore: Callable, *, back: Callable,
                   archived: Callable, restored: Callable, can: Callable | None = None,
                   endpoints: tuple[str, str] = ("archive", "restore")) -> None:
    """Add POST `<rule>/archive` and `<rule>/restore` to `bp` under `endpoints`.

    `load(**view_args)` loads the record through its visible_* scope (404 out of scope);
    `can(user, record)` is checked before anything else (403); `archive`/`restore(actor, record)` are
    the feature's services; `back(record)` the page to return to; `archived`/`restored(record)` the messages."""

    def view_for(step: Callable, message: Callable, endpoint: str):
        def view(**view_args):
            record = load(**view_args)
            if can is not None:
                permissions.authorize(can(current_user, record))
            return act(record, lambda: step(current_user, record), back=back(record), done=message)

        view.__name__ = endpoint
        return view

    bp.add_url_rule(f"{rule}/archive", endpoints[0], view_for(archive, archived, endpoints[0]), methods=["POST"])
    bp.add_url_rule(f"{rule}/restore", endpoints[1], view_for(restore, restored, endpoints[1]), methods=["POST"])


def saved(message: str, url: str):
    """The end of a successful write: commit once, flash `message`, redirect to `url`."""
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def transition_route(bp, rule: str, load: Callable, form_class: type, step: Callable, *, can: Callable,
                     back: Callable, done: Callable, invalid: str | int | None = None,
                     endpoint: str = "change_status") -> None:
    """Add POST `<rule>/status` to `bp`: load the record (404), check `can(user, record)` (403), then
    `transition()` with a fresh `form_class()`; `back(record)` is the page to return to."""

    def view(**view_args):
        record = load(**view_args)
        permissions.authorize(can(current_user, record))
        return transition(record, form_class(), step, back=back(record), done=done, invalid=invalid)

    view.__name__ = endpoint
    bp.add_url_rule(f"{rule}/status", endpoint, view, methods=["POST"])
