"""An initiative's milestones, written as its page writes them (app/initiatives/services.py):

    GET   /api/v1/initiatives/<id>/milestones/<milestone_id>            one milestone
    POST  /api/v1/initiatives/<id>/milestones/                          add one
    PATCH /api/v1/initiatives/<id>/milestones/<milestone_id>            its title and due date
    POST  /api/v1/initiatives/<id>/milestones/<milestone_id>/complete | /reopen    (no body; twice: no change)

A milestone is a part of its initiative, reached only through it (another initiative's milestone is 404); it
has no version of its own and never bumps the initiative's (so no If-Match). Who may change them is the page's
rule (permissions.can_manage_milestones, 403); every change is audited on the initiative with the token's name.
"""
from datetime import date

import sqlalchemy as sa
from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import Field

from app import permissions
from app.api import bp
from app.api import writes
from app.api.initiatives import TAGS
from app.api.initiatives import MilestoneOut
from app.api.initiatives import get_visible_initiative
from app.api.schemas import Body
from app.api.schemas import Text
from app.api.spec import Responses
from app.api.spec import spec
from app.extensions import db
from app.initiatives import services
from app.models import Initiative
from app.models import Milestone

BASE = "/initiatives/<int:initiative_id>/milestones"


class MilestoneIn(Body):
    title: Text(200, required=True)
    due_date: date | None = None


class MilestonePatch(Body):
    """The fields to change (any subset)."""

    title: Text(200, required=True) = None
    due_date: date | None = Field(None, description="Null: no due date.")


def _load(initiative_id: int, milestone_id: int, *, manage: bool) -> tuple[Initiative, Milestone]:
    initiative = get_visible_initiative(initiative_id)
    if manage:
        permissions.authorize(permissions.can_manage_milestones(current_user, initiative))
    milestone = db.first_or_404(  # scoped: only through the visible initiative loaded above
        sa.select(Milestone).where(Milestone.id == milestone_id, Milestone.initiative_id == initiative.id))
    return initiative, milestone


def _answer(milestone: Milestone):
    return jsonify(MilestoneOut.model_validate(milestone).model_dump(mode="json"))


@bp.get(f"{BASE}/<int:milestone_id>")
@spec.validate(resp=Responses(HTTP_200=MilestoneOut), tags=TAGS)
def get_milestone(initiative_id: int, milestone_id: int):
    """One milestone of an initiative you may read."""
    return _answer(_load(initiative_id, milestone_id, manage=False)[1])


@bp.post(f"{BASE}/")
@spec.validate(json=MilestoneIn, resp=Responses(HTTP_201=MilestoneOut), tags=TAGS)
def add_milestone(initiative_id: int):
    """Add a milestone, as the initiative page's form does."""
    initiative = get_visible_initiative(initiative_id)
    permissions.authorize(permissions.can_manage_milestones(current_user, initiative))
    body = request.context.json
    milestone = services.add_milestone(current_user, initiative, title=body.title, due_date=body.due_date)
    db.session.flush()
    return writes.created(_answer(milestone),
                          url_for("api.get_milestone", initiative_id=initiative.id, milestone_id=milestone.id))


@bp.patch(f"{BASE}/<int:milestone_id>")
@spec.validate(json=MilestonePatch, resp=Responses(HTTP_200=MilestoneOut), tags=TAGS)
def update_milestone(initiative_id: int, milestone_id: int):
    """Change a milestone's title or due date."""
    initiative, milestone = _load(initiative_id, milestone_id, manage=True)
    changes = request.context.json.model_dump(exclude_unset=True)
    services.edit_milestone(current_user, initiative, milestone, title=changes.get("title", milestone.title),
                            due_date=changes.get("due_date", milestone.due_date))
    db.session.flush()
    return _answer(milestone)


@bp.post(f"{BASE}/<int:milestone_id>/complete")
@spec.validate(resp=Responses(HTTP_200=MilestoneOut), tags=TAGS)
def complete_milestone(initiative_id: int, milestone_id: int):
    """Mark a milestone completed (a completed one stays as it is)."""
    return _step(services.complete_milestone, initiative_id, milestone_id)


@bp.post(f"{BASE}/<int:milestone_id>/reopen")
@spec.validate(resp=Responses(HTTP_200=MilestoneOut), tags=TAGS)
def reopen_milestone(initiative_id: int, milestone_id: int):
    """Reopen a completed milestone (an open one stays as it is)."""
    return _step(services.reopen_milestone, initiative_id, milestone_id)


def _step(step, initiative_id: int, milestone_id: int):
    """Complete or reopen: the service's step (none when the milestone is there already), then the milestone."""
    initiative, milestone = _load(initiative_id, milestone_id, manage=True)
    step(current_user, initiative, milestone)
    db.session.flush()
    return _answer(milestone)
