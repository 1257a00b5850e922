"""The authors' steps: submit for approval, back to draft, approve (four eyes; the last approval releases),
withdraw with a reason, start the update that supersedes a released advisory."""
from collections.abc import Callable

from flask import redirect
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.advisories import bp
from app.advisories import services
from app.advisories.forms import WithdrawForm
from app.advisories.routes import get_visible_advisory
from app.models import InvalidTransition

REFUSED = (services.AdvisoryRefused, InvalidTransition)


def _back(advisory):
    return url_for(".detail", advisory_id=advisory.id)


def _authors_step(advisory_id: int, may: Callable, step: Callable, done: str | Callable):
    """Load the advisory, check `may(user, advisory)`, run `step(user, advisory)` and go back to the advisory;
    `done` is the message, or `done(advisory, what step returned)`."""
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(may(current_user, advisory))
    return lifecycle.act(advisory, lambda: step(current_user, advisory), back=_back(advisory), refused=REFUSED,
                         done=(lambda result: done(advisory, result)) if callable(done) else done)


@bp.post("/<int:advisory_id>/submit")
def submit(advisory_id: int):
    return _authors_step(advisory_id, permissions.can_submit_advisory, services.submit_for_review,
                         "Submitted: every co-author's coordinator approves it now.")


@bp.post("/<int:advisory_id>/draft")
def return_to_draft(advisory_id: int):
    return _authors_step(advisory_id, permissions.authors_for, services.return_to_draft,
                         "Back to draft: the approvals were cleared.")


@bp.post("/<int:advisory_id>/approve")
def approve(advisory_id: int):
    return _authors_step(advisory_id, permissions.authors_for, services.approve,
                         lambda advisory, released: f"Approved. Every co-author has approved: {advisory.reference} "
                         "is released." if released else
                         "Approved for your organisation. The release follows the last co-author's approval.")


@bp.post("/<int:advisory_id>/withdraw")
def withdraw(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(permissions.can_withdraw_advisory(current_user, advisory))
    form = WithdrawForm()
    if not form.validate_on_submit():
        return lifecycle.refused_form(form, _back(advisory))
    return lifecycle.act(advisory, lambda: services.withdraw(current_user, advisory, form.reason.data),
                         back=_back(advisory), refused=(services.AdvisoryInputError, *REFUSED),
                         done=f"{advisory.reference} withdrawn: every reader sees your reason.")


@bp.post("/<int:advisory_id>/update")
def start_update(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(permissions.can_update_advisory(current_user, advisory))
    created = []
    response = lifecycle.act(advisory, lambda: created.append(services.start_update(current_user, advisory)),
                             back=_back(advisory), refused=REFUSED,
                             done=f"Update drafted: it supersedes {advisory.reference} once every co-author "
                                  "has approved it.")
    return redirect(url_for(".edit", advisory_id=created[0].id)) if created else response
