"""The improvement plans: every corrective action the user may read (its exercise's scope), one action's
page with its evidence, and its status steps."""
from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle, listing, permissions, records
from app.corrective_actions import bp
from app.corrective_actions.forms import CorrectiveStatusForm
from app.exercises import improvement
from app.exercises.services import ExerciseInputError
from app.extensions import db
from app.models import (
    CapabilityElement,
    CorrectiveAction,
    CorrectiveActionStatus,
    Exercise,
    today,
)

SORTABLE = {"due": CorrectiveAction.due_date, "status": CorrectiveAction.status, "title": CorrectiveAction.title,
            "updated": CorrectiveAction.updated_at}
OPTIONS = (selectinload(CorrectiveAction.exercise), selectinload(CorrectiveAction.responsible_organization),
           selectinload(CorrectiveAction.point_of_contact))
CSV_COLUMNS = [
    ("Exercise", lambda a: a.exercise.reference), ("Id", lambda a: a.id), ("Corrective action", lambda a: a.title),
    ("Capability element", lambda a: a.capability_element), ("Responsible", lambda a: a.responsible_organization.name),
    ("Point of contact", lambda a: a.point_of_contact.name if a.point_of_contact else ""),
    ("Start", lambda a: a.start_date), ("Due", lambda a: a.due_date), ("Status", lambda a: a.status),
]


def get_visible_action(corrective_action_id: int) -> CorrectiveAction:
    return db.first_or_404(permissions.visible_corrective_actions(current_user)
                           .where(CorrectiveAction.id == corrective_action_id).options(*OPTIONS))


@bp.get("/")
def index():
    args = request.args
    stmt = listing.archived(permissions.visible_corrective_actions(current_user), CorrectiveAction.archived_at,
                            listing.flag("archived", args))
    stmt = listing.search(stmt, [CorrectiveAction.title, Exercise.reference], args.get("q"))
    stmt = listing.where_equal(stmt,
                               (CorrectiveAction.status, listing.enum_arg("status", CorrectiveActionStatus, args)),
                               (CorrectiveAction.capability_element,
                                listing.enum_arg("element", CapabilityElement, args)))
    if listing.flag("due", args, "overdue"):
        stmt = stmt.where(CorrectiveAction.due_date < today(),
                          CorrectiveAction.status.in_([CorrectiveActionStatus.OPEN, CorrectiveActionStatus.IN_PROGRESS]))
    if listing.flag("mine", args):
        stmt = stmt.where(CorrectiveAction.responsible_organization_id == current_user.organization_id)
    stmt = listing.sort(stmt, SORTABLE, "due", "asc", tie_breaker=CorrectiveAction.id).options(*OPTIONS)
    if listing.wants_csv():
        return listing.csv_response(db.session.scalars(stmt).all(), CSV_COLUMNS, "corrective-actions.csv")
    return render_template("corrective_actions/index.html", page=listing.paginate(stmt), args=args,
                           statuses=list(CorrectiveActionStatus), elements=list(CapabilityElement))


@bp.get("/<int:corrective_action_id>")
def detail(corrective_action_id: int):
    action = get_visible_action(corrective_action_id)
    return render_template("corrective_actions/detail.html", action=action, events=records.history(action)[:10],
                           status_form=CorrectiveStatusForm(formdata=None, version=action.version))


@bp.post("/<int:corrective_action_id>/status")
def change_status(corrective_action_id: int):
    action = get_visible_action(corrective_action_id)
    allowed = (permissions.works_on_corrective_action(current_user, action)
               or permissions.can_verify_corrective_action(current_user, action))
    permissions.authorize(allowed)
    return lifecycle.change_status(action, CorrectiveStatusForm(), improvement.transition_corrective_action,
                                   back=url_for(".detail", corrective_action_id=action.id),
                                   refused=(ExerciseInputError,),
                                   done=lambda a: f"Corrective action is now {a.status.label.lower()}.")


@bp.get("/<int:corrective_action_id>/history")
def history(corrective_action_id: int):
    action = get_visible_action(corrective_action_id)
    return render_template("corrective_actions/history.html", action=action, events=records.history(action))
