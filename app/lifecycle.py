"""View steps shared by every feature: edit with conflict, status changes, one-button actions (archive…).

Views translate HTTP; these steps give every kind the same flash messages and the same answer when the
record changed since the form was opened: the 409 conflict page (`app.conflicts.conflict_page`), whether
the version check (StaleEdit) or the UPDATE … WHERE version (StaleDataError at flush) notices it. Nothing
here commits: the request does, once, when the view returns (app/transactions.py).

    with lifecycle.saving(risk, form, url_for(".edit", risk_id=risk.id)):
        services.update_risk(current_user, risk, expected_version=form.expected_version(), ...)

    return lifecycle.change_status(risk, RiskStatusForm(), services.transition_risk, back=...,
                                   done=lambda r: f"Risk is now {r.status.label.lower()}.")

Every view stays an explicit `@bp.post` function (a search for its URL finds it) that loads its record
through the scoped loader and returns one of these steps; the archive and restore URLs of a kind share
one view (`archive_or_restore` under two `@bp.post` lines, each with its endpoint).
"""
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from flask import abort
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app import kinds
from app import permissions
from app import records
from app.conflicts import conflict_page
from app.extensions import db
from app.forms import EmptyForm
from app.models import InvalidTransition
from app.models import StaleEdit

STALE = (StaleEdit, StaleDataError)


def get_visible(model: type, record_id: int, *options):
    """The signed-in user's record of a kind (app/kinds.py) by id, through the kind's scope
    (permissions.visible_records), loaded with `options`; 404, never 403, outside it: its existence is not
    confirmed."""
    kind = kinds.by_model(model)
    stmt = permissions.visible_records(kind, current_user).where(model.id == record_id)
    return db.first_or_404(stmt.options(*options) if options else stmt)


class Saved:
    """What `saving` yields: after the block, `changed` says whether it wrote the record (its version moved; a
    service that changes only a record's links touches its row so that it does)."""

    def __init__(self, record):
        self.record, self.version = record, getattr(record, "version", None)

    @property
    def changed(self) -> bool:
        return self.version is None or self.record.version != self.version


@contextmanager
def saving(record, form, reload_url: str, title: str | None = None):
    """Run the block and flush its writes (the request commits them); yields a Saved that then says whether the
    record changed. A stale version rolls back and
    answers the 409 conflict page (raised as an HTTPException carrying the page), its rows as the form
    declares them (`conflict_fields`); any other error rolls back and propagates, so a refusal the view
    turns into a message leaves nothing written."""
    saved = Saved(record)
    try:
        yield saved
        db.session.flush()
    except STALE:
        db.session.rollback()
        abort(make_response(conflict_page(record, form if form is not None else EmptyForm(), reload_url,
                                          fields=None if form is not None else [], title=title)))
    except Exception:
        db.session.rollback()
        raise


@contextmanager
def refusing(form, *errors: type[Exception]):
    """Run the block (a create or a save and its answer); an error in `errors` that the service raises for the
    form's input is shown under its field (`refused_input`) and the view goes on to show the form again."""
    try:
        yield
    except errors as exc:
        refused_input(form, exc)


def refused_input(form, error: Exception) -> None:
    """A service refused the form's input (an `…InputError` naming its `field`): nothing written stays, and the
    message shows under that field (under the title when the form has no such field)."""
    db.session.rollback()
    target = form[error.field] if error.field in form else form.title
    target.errors = [*target.errors, str(error)]


def problems(form, default: str = "Invalid request.") -> str:
    """Every field error of a form on one line, each with its field's label."""
    parts = []
    for name, errors in form.errors.items():
        field = form._fields.get(name)
        label = field.label.text if field is not None and field.type not in ("CSRFTokenField", "HiddenField") else ""
        parts += [f"{label}: {error}" if label else str(error) for error in errors[:1]]
    return "; ".join(parts) or default


def form_page(template: str, form, **context):
    """A form's page: 200, or 400 once it shows errors (an invalid or refused POST), so that nothing reads the
    page of a refused form as a success."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def refused_form(form, back: str, message: str | None = None):
    """An invalid one-form POST (a status, a withdrawal, an acknowledgement): nothing is written; flash what is
    wrong (`message`, else every field's problem) and go back."""
    flash(message or f"Nothing was changed. {problems(form)}", "danger")
    return redirect(back)


def change_status(record, form, step: Callable, *, back: str, done: Callable, refused: tuple = (),
                  invalid: str | int | None = None):
    """The status-change step of every kind: the POST of a status form (a StatusChangeForm carrying
    the record's version), after the view loaded the record (404) and checked the right (403).

    `step(current_user, record, new_status)` runs the service (a closure when it needs more of the form);
    `done(record)` is the success message.
    Invalid form → flash and back; a step the lifecycle refuses (InvalidTransition or `refused`) →
    flash its message and back, nothing written; a stale version → 409 conflict page with what the
    user chose and typed. `invalid` is the message for an invalid form (or an HTTP status to answer instead)."""
    if not form.validate_on_submit():
        if isinstance(invalid, int):
            abort(invalid)
        return refused_form(form, back, invalid)
    try:
        with saving(record, form, back):
            records.check_version(record, form.expected_version())
            step(current_user, record, form.new_status.data)
    except (InvalidTransition, *refused) as exc:
        flash(str(exc), "danger")
    else:
        flash(done(record), "success")
    return redirect(back)


def act(record, step: Callable[[], Any], *, back: str, done: str | Callable[[Any], str],
        unchanged: str | None = None, refused: tuple = ()):
    """A one-button POST (archive, restore, complete…): run step(), flash `done` (or `done(what step returned)`)
    and go back.

    A step that returns False changed nothing (archiving an archived record): `unchanged` is flashed
    instead, when given. An error in `refused` is flashed and nothing is written; a stale version
    answers the 409 page."""
    try:
        with saving(record, None, back):
            changed = step()
    except refused as exc:
        flash(str(exc), "danger")
    else:
        if changed is False and unchanged is not None:
            flash(unchanged, "info")
        else:
            flash(done(changed) if callable(done) else done, "success")
    return redirect(back)


def archive_or_restore(record, step: Callable, name: str | None = None, *, back: str | None = None,
                       note: str = "Restore it from the archived list.", refused: tuple = ()):
    """The archive and restore POSTs of every kind, one view for both (its URL's last part says which).

    `step(current_user, record, archived=…)` is the feature's archive service: it authorises (403) and
    returns False when the record already was in that state, which is then said rather than refused; an error
    in `refused` (the record cannot leave in its state) is flashed and nothing is written.
    `name` defaults to the kind's noun and the record's reference, or its number when it has none ("Incident
    report INC-2026-0007", "Corrective action #12"); `back` to the record's page (record_page)."""
    name = name or f"{kinds.kind_of(record).noun} {getattr(record, 'reference', None) or f'#{record.id}'}"
    back = back or record_page()
    if request.url_rule.rule.endswith("/restore"):
        return act(record, lambda: step(current_user, record, archived=False), back=back, done=f"{name} restored.",
                   unchanged=f"{name} is not archived.", refused=refused)
    return act(record, lambda: step(current_user, record, archived=True), back=back,
               done=f"{name} archived. {note}".strip(), unchanged=f"{name} was already archived.", refused=refused)


def history_page(template: str, **record):
    """A record's history page: `template` shows the record, named as the template calls it (plan=…), and every
    event of it, newest first."""
    [shown] = record.values()
    return render_template(template, events=records.history(shown), **record)


def saved(message: str, url: str):
    """The end of a successful write: flash `message` and redirect to `url` (the request commits)."""
    flash(message, "success")
    return redirect(url)


def saved_or_unchanged(changes, message: str, url: str | None = None, unchanged: str = "No changes to save."):
    """The end of a saved edit form: `message` when the service reports `changes`, else `unchanged` (an untouched
    form saves nothing and says so), then `url`, by default the record's page."""
    flash(message if changes else unchanged, "success" if changes else "info")
    return redirect(url or record_page())


def record_page() -> str:
    """The detail page of the record the view's URL names, from the view's own arguments (/exercises/7/edit and
    /exercises/7/archive go back to /exercises/7)."""
    return url_for(".detail", **request.view_args)
