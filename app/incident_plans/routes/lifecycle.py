"""Lifecycle of a plan: status changes (approval), archive and restore, revision into a new version."""
from flask import flash, redirect, url_for
from flask_login import current_user

from app import permissions
from app.extensions import db
from app.incident_plans import bp, services
from app.incident_plans.forms import ReviseForm, StatusForm
from app.incident_plans.routes import get_visible_plan
from app.models import InvalidTransition, PlanStatus
from app.reviews.routes import review_input


def _first_error(form) -> str:
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return "Invalid request."


@bp.post("/<int:plan_id>/status")
def change_status(plan_id: int):
    plan = get_visible_plan(plan_id)
    permissions.authorize(permissions.can_transition_incident_plan(current_user, plan))
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
        return redirect(url_for(".detail", plan_id=plan_id))
    new_status = form.new_status.data
    try:
        services.transition_incident_plan(current_user, plan, new_status, form.next_review_date.data,
                                          **review_input(plan))
        db.session.commit()
    except (InvalidTransition, services.InvalidReviewDate) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        message = {PlanStatus.IN_REVIEW: "Plan submitted for review.",
                   PlanStatus.DRAFT: "Changes requested: the plan is back in draft.",
                   PlanStatus.APPROVED: f"Plan approved; next review on {plan.next_review_date}.",
                   PlanStatus.RETIRED: "Plan retired."}[new_status]
        flash(message, "success")
    return redirect(url_for(".detail", plan_id=plan_id))


@bp.post("/<int:plan_id>/archive")
def archive(plan_id: int):
    plan = get_visible_plan(plan_id)
    services.archive_incident_plan(current_user, plan)
    db.session.commit()
    flash("Plan archived.", "success")
    return redirect(url_for(".detail", plan_id=plan_id))


@bp.post("/<int:plan_id>/restore")
def restore(plan_id: int):
    plan = get_visible_plan(plan_id)
    services.restore_incident_plan(current_user, plan)
    db.session.commit()
    flash("Plan restored.", "success")
    return redirect(url_for(".detail", plan_id=plan_id))


@bp.post("/<int:plan_id>/revise")
def revise(plan_id: int):
    plan = get_visible_plan(plan_id)
    permissions.authorize(permissions.can_revise_incident_plan(current_user, plan))
    form = ReviseForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
        return redirect(url_for(".detail", plan_id=plan_id))
    try:
        draft = services.revise_incident_plan(current_user, plan, form.bump.data or "major")
        db.session.commit()
    except InvalidTransition as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".detail", plan_id=plan_id))
    flash(f"Version {draft.version_label} created as a draft from version {plan.version_label}.", "success")
    return redirect(url_for(".detail", plan_id=draft.id))
