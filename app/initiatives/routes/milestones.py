"""Milestones, edited inline on the initiative's detail page. Every action is a POST under the initiative."""
import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.extensions import db
from app.initiatives import bp
from app.initiatives import services
from app.initiatives.forms import MilestoneForm
from app.initiatives.routes import get_visible_initiative
from app.initiatives.routes.pages import render_detail
from app.models import Initiative
from app.models import Milestone


def _load(initiative_id: int, milestone_id: int | None = None):
    """The visible initiative (404 otherwise), the right to change it (403), and its milestone.

    A milestone is only ever found through its own initiative, so another initiative's milestone id
    is a 404 even when both initiatives are visible."""
    initiative = get_visible_initiative(initiative_id)
    permissions.authorize(permissions.can_manage_milestones(current_user, initiative))
    if milestone_id is None:
        return initiative, None
    milestone = db.first_or_404(  # scoped: only through the visible initiative loaded above
        sa.select(Milestone).where(Milestone.id == milestone_id, Milestone.initiative_id == initiative.id))
    return initiative, milestone


def _back(initiative: Initiative):
    return redirect(url_for(".detail", initiative_id=initiative.id, _anchor="milestones"))


@bp.post("/<int:initiative_id>/milestones")
def add_milestone(initiative_id: int):
    initiative, _ = _load(initiative_id)
    form = MilestoneForm()
    if not form.validate_on_submit():
        return render_detail(initiative, milestone_form=form, status=400)
    services.add_milestone(current_user, initiative, title=form.title.data, due_date=form.due_date.data)
    flash("Milestone added.", "success")
    return _back(initiative)


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/edit")
def edit_milestone(initiative_id: int, milestone_id: int):
    initiative, milestone = _load(initiative_id, milestone_id)
    form = MilestoneForm(prefix=f"m{milestone.id}")
    if not form.validate_on_submit():
        return render_detail(initiative, edit_forms={milestone.id: form}, status=400)
    changes = services.edit_milestone(current_user, initiative, milestone, title=form.title.data,
                                      due_date=form.due_date.data)
    return lifecycle.saved_or_unchanged(changes, "Milestone saved.",
                                        url_for(".detail", initiative_id=initiative.id, _anchor="milestones"),
                                        unchanged="Milestone unchanged.")


def _milestone_step(initiative: Initiative, milestone: Milestone, step, done: str, unchanged: str | None = None):
    """A one-button milestone action under the initiative; doing it twice changes nothing."""
    return lifecycle.act(milestone, lambda: step(current_user, initiative, milestone), done=done, unchanged=unchanged,
                         back=url_for(".detail", initiative_id=initiative.id, _anchor="milestones"))


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/complete")
def complete_milestone(initiative_id: int, milestone_id: int):
    initiative, milestone = _load(initiative_id, milestone_id)
    return _milestone_step(initiative, milestone, services.complete_milestone,
                           f"Milestone “{milestone.title}” completed.",
                           f"Milestone “{milestone.title}” was already completed.")


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/reopen")
def reopen_milestone(initiative_id: int, milestone_id: int):
    initiative, milestone = _load(initiative_id, milestone_id)
    return _milestone_step(initiative, milestone, services.reopen_milestone,
                           f"Milestone “{milestone.title}” reopened.", f"Milestone “{milestone.title}” is open.")


@bp.post("/<int:initiative_id>/milestones/<int:milestone_id>/delete")
def delete_milestone(initiative_id: int, milestone_id: int):
    initiative, milestone = _load(initiative_id, milestone_id)
    return _milestone_step(initiative, milestone, services.delete_milestone,
                           f"Milestone “{milestone.title}” deleted.")
