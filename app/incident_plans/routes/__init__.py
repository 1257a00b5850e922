"""Incident-response plan views. Every load goes through get_visible_plan(): out of scope is 404
on every sub-route (sections and contacts included), in scope but not allowed is 403."""
import sqlalchemy as sa
from flask import render_template
from flask import request

from app.extensions import db
from app.incident_plans import bp
from app.incident_plans.services import PlanLocked
from app.lifecycle import get_visible
from app.models import IncidentPlan
from app.models import PlanContact
from app.models import PlanSection


def get_visible_plan(plan_id: int, *options) -> IncidentPlan:
    return get_visible(IncidentPlan, plan_id, *options)


def get_plan_section(plan: IncidentPlan, section_id: int) -> PlanSection:
    """A section only through its (visible) plan: another plan's section id is 404."""
    return db.first_or_404(sa.select(PlanSection).where(  # scoped: plan came from get_visible_plan
        PlanSection.id == section_id, PlanSection.plan_id == plan.id))


def get_plan_contact(plan: IncidentPlan, contact_id: int) -> PlanContact:
    return db.first_or_404(sa.select(PlanContact).where(  # scoped: plan came from get_visible_plan
        PlanContact.id == contact_id, PlanContact.plan_id == plan.id))


@bp.errorhandler(PlanLocked)
def plan_locked(error: PlanLocked):
    """403 that says why (approved, in review, archived) and links back to the plan."""
    plan_id = (request.view_args or {}).get("plan_id")
    return render_template("incident_plans/locked.html", message=error.description, plan_id=plan_id), 403


from app.incident_plans.routes import contacts  # noqa: E402,F401
from app.incident_plans.routes import lifecycle  # noqa: E402,F401
from app.incident_plans.routes import plans  # noqa: E402,F401
from app.incident_plans.routes import sections  # noqa: E402,F401
