"""Lifecycle of a plan: status changes (approval), archive and restore, revision into a new version."""
from flask import flash
from flask import redirect
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.extensions import db
from app.forms import ReviewStepForm
from app.incident_plans import bp
from app.incident_plans import services
from app.incident_plans.forms import ReviseForm
from app.incident_plans.forms import StatusForm
from app.incident_plans.routes import get_visible_plan
from app.models import InvalidTransition
from app.models import PlanStatus
from app.reviews import services as reviews

DONE = {PlanStatus.IN_REVIEW: "Plan submitted for review.",
        PlanStatus.DRAFT: "Changes requested: the plan is back in draft.",
        PlanStatus.RETIRED: "Plan retired."}


def _done(plan) -> str:
    if plan.status is PlanStatus.APPROVED:
        return f"Plan approved; next review on {plan.next_review_date}."
    return DONE[plan.status]


@bp.post("/<int:plan_id>/status")
def change_status(plan_id: int):
    plan = get_visible_plan(plan_id)
    permissions.authorize(permissions.can_transition_incident_plan(current_user, plan))
    form = StatusForm()

    def step(actor, p, status):
        return services.transition_incident_plan(actor, p, status, form.next_review_date.data,
                                                 **reviews.review_input(actor, ReviewStepForm()))

    return lifecycle.change_status(plan, form, step, back=url_for(".detail", plan_id=plan_id),
                                   refused=(services.InvalidReviewDate,), done=_done)


@bp.post("/<int:plan_id>/archive", endpoint="archive")
@bp.post("/<int:plan_id>/restore", endpoint="restore")
def archive_or_restore(plan_id: int):
    plan = get_visible_plan(plan_id)
    return lifecycle.archive_or_restore(plan, services.archive_incident_plan, f"Plan {plan.reference} v{plan.version_label}")


@bp.post("/<int:plan_id>/revise")
def revise(plan_id: int):
    plan = get_visible_plan(plan_id)
    permissions.authorize(permissions.can_revise_incident_plan(current_user, plan))
    form = ReviseForm()
    if not form.validate_on_submit():
        flash(lifecycle.problems(form), "danger")
        return redirect(url_for(".detail", plan_id=plan_id))
    try:
        draft = services.revise_incident_plan(current_user, plan, form.bump.data or "major")
    except InvalidTransition as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".detail", plan_id=plan_id))
    flash(f"Version {draft.version_label} created as a draft from version {plan.version_label}.", "success")
    return redirect(url_for(".detail", plan_id=draft.id))
