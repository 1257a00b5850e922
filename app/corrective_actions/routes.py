"""The improvement plans: every corrective action the user may read (its exercise's scope), one action's
page with its evidence, and its status steps."""
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.corrective_actions import bp
from app.corrective_actions import queries
from app.corrective_actions.forms import CorrectiveActionEditForm
from app.corrective_actions.forms import CorrectiveStatusForm
from app.exercises import improvement
from app.exercises.services import ExerciseInputError
from app.extensions import db
from app.forms import with_current
from app.models import CapabilityElement
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import User

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
    return listing.list_page(queries.list_statement(current_user, request.args).options(*OPTIONS), CSV_COLUMNS,
                             "corrective-actions.csv", "corrective_actions/index.html", args=request.args,
                             statuses=list(CorrectiveActionStatus), elements=list(CapabilityElement))


@bp.get("/<int:corrective_action_id>")
def detail(corrective_action_id: int):
    action = get_visible_action(corrective_action_id)
    return render_template("corrective_actions/detail.html", action=action, events=records.history(action)[:10],
                           links=improvement.linked_records(current_user, action),
                           status_form=CorrectiveStatusForm(formdata=None, version=action.version))


@bp.post("/<int:corrective_action_id>/status")
def change_status(corrective_action_id: int):
    action = get_visible_action(corrective_action_id)
    permissions.authorize(permissions.can_change_corrective_action_status(current_user, action))
    return lifecycle.change_status(action, CorrectiveStatusForm(), improvement.transition_corrective_action,
                                   back=url_for(".detail", corrective_action_id=action.id),
                                   refused=(ExerciseInputError,),
                                   done=lambda a: f"Corrective action is now {a.status.label.lower()}.")


def _choices(action: CorrectiveAction) -> tuple[list, list]:
    """The exercise's organisations and their active people the user may pick, plus the ones the action holds."""
    exercise = action.exercise
    organizations = with_current([exercise.owner_organization, *exercise.organizations],
                                 [action.responsible_organization])
    people = db.session.scalars(permissions.visible_users(current_user).where(
        User.active.is_(True), User.organization_id.in_(exercise.participating_org_ids()))
        .options(selectinload(User.organization))).all()
    return organizations, with_current(people, [action.point_of_contact])


@bp.route("/<int:corrective_action_id>/edit", methods=["GET", "POST"])
def edit(corrective_action_id: int):
    action = get_visible_action(corrective_action_id)
    permissions.authorize(permissions.can_edit_corrective_action(current_user, action))
    organizations, people = _choices(action)
    objectives = action.exercise.objectives
    form = CorrectiveActionEditForm(obj=action if request.method == "GET" else None, objectives=objectives,
                                    organizations=organizations, people=people)
    if form.validate_on_submit():
        with lifecycle.refusing(form, ExerciseInputError):
            with lifecycle.saving(action, form, url_for(".edit", corrective_action_id=action.id)):
                changes = improvement.update_corrective_action(
                    current_user, action, expected_version=form.expected_version(), title=form.title.data,
                    area_for_improvement=form.area_for_improvement.data,
                    capability_element=form.capability_element.data,
                    responsible_organization=next((o for o in organizations
                                                   if o.id == form.responsible_organization_id.data), None),
                    point_of_contact=next((p for p in people if p.id == form.point_of_contact_id.data), None),
                    objective=next((o for o in objectives if o.id == form.objective_id.data), None),
                    start_date=form.start_date.data, due_date=form.due_date.data,
                    **improvement.readable_links(current_user, form.data, held=action))
            return lifecycle.saved_or_unchanged(changes, f"Corrective action #{action.id} saved.")
    return lifecycle.form_page("corrective_actions/form.html", form, action=action)


@bp.post("/<int:corrective_action_id>/archive", endpoint="archive")
@bp.post("/<int:corrective_action_id>/restore", endpoint="restore")
def archive_or_restore(corrective_action_id: int):
    return lifecycle.archive_or_restore(get_visible_action(corrective_action_id), improvement.archive_corrective_action)


@bp.get("/<int:corrective_action_id>/history")
def history(corrective_action_id: int):
    return lifecycle.history_page("corrective_actions/history.html", action=get_visible_action(corrective_action_id))
