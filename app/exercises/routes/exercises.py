"""Exercise list, new exercise, detail (with the MSEL as the reader may see it), history and status steps."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.documents.exercise import aar_editions
from app.exercises import aar
from app.exercises import bp
from app.exercises import queries
from app.exercises import services
from app.exercises.forms import EvaluationForm
from app.exercises.forms import ExerciseEditForm
from app.exercises.forms import ExerciseForm
from app.exercises.forms import ExerciseStatusForm
from app.exercises.forms import InjectForm
from app.exercises.forms import ObjectiveForm
from app.exercises.forms import ParticipantForm
from app.exercises.routes import DETAIL_OPTIONS
from app.exercises.routes import get_visible_exercise
from app.exercises.routes import visible_injects
from app.extensions import db
from app.forms import CorrectiveActionForm
from app.forms import keep_restricted_choice
from app.forms import with_current
from app.models import TLP
from app.models import Agreement
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import ExerciseType
from app.models import IncidentPlan
from app.models import PlanStatus
from app.models import Rating
from app.models import User
from app.models import today

LIST_OPTIONS = (selectinload(Exercise.owner_organization), selectinload(Exercise.incident_plan))


@bp.get("/")
def index():
    return listing.list_page(queries.list_statement(current_user, request.args).options(*LIST_OPTIONS),
                             queries.CSV_COLUMNS, "exercises.csv", "exercises/index.html", args=request.args,
                             statuses=list(ExerciseStatus), types=list(ExerciseType), tlps=list(TLP))


def _readers() -> list[User]:
    """The people who may be named TLP:RED readers: the partnership's active users."""
    return db.session.scalars(permissions.visible_users(current_user).where(User.active.is_(True))
                              .options(selectinload(User.organization))).all()


def _form_choices():
    organizations = db.session.scalars(permissions.active_organizations(current_user)).all()
    plans = db.session.scalars(permissions.visible_incident_plans(current_user).where(
        IncidentPlan.archived_at.is_(None), IncidentPlan.status.in_([PlanStatus.APPROVED, PlanStatus.DRAFT,
                                                                     PlanStatus.IN_REVIEW]))
        .order_by(IncidentPlan.reference, IncidentPlan.id.desc())).all()
    agreements = db.session.scalars(permissions.visible_agreements(current_user).where(
        Agreement.archived_at.is_(None)).order_by(Agreement.reference)).all()
    return organizations, plans, agreements


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_exercise(current_user))
    organizations, plans, agreements = _form_choices()
    form = ExerciseForm(organizations=[o for o in organizations if o.id != current_user.organization_id],
                        plans=plans, agreements=agreements, zone_name=current_user.time_zone, users=_readers(),
                        creator_id=current_user.id)
    if form.validate_on_submit():
        chosen = set(form.organization_ids.data or [])
        with lifecycle.refusing(form, services.ExerciseInputError):
            exercise = services.create_exercise(
                current_user, plan=next((p for p in plans if p.id == form.incident_plan_id.data), None),
                organizations=[o for o in organizations if o.id in chosen],
                agreements=[a for a in agreements if a.id in set(form.agreement_ids.data or [])],
                recipients=form.recipients.chosen(), **form.model_data())
            return lifecycle.saved(f"Exercise {exercise.reference} planned. Add its objectives, participants "
                                   "and the MSEL next.", url_for(".detail", exercise_id=exercise.id))
    return lifecycle.form_page("exercises/form.html", form, exercise=None)


def _held(exercise: Exercise, plans: list, agreements: list) -> tuple[list, list, list]:
    """The pickers plus what the exercise already holds, so an untouched save keeps it (a retired or archived
    plan version, an archived agreement), and the held links the editor may not read (offered untitled)."""
    held = [a.id for a in exercise.agreements] + ([exercise.incident_plan_id] if exercise.incident_plan_id else [])
    readable = set(db.session.scalars(permissions.visible_incident_plans(current_user).with_only_columns(
        IncidentPlan.id).where(IncidentPlan.id.in_(held))))
    plans = with_current(plans, [p for p in [exercise.incident_plan] if p is not None and p.id in readable])
    readable = set(db.session.scalars(permissions.visible_agreements(current_user).with_only_columns(
        Agreement.id).where(Agreement.id.in_(held))))
    agreements = with_current(agreements, [a for a in exercise.agreements if a.id in readable])
    unreadable = [a for a in exercise.agreements if a.id not in readable]
    return plans, agreements, unreadable


@bp.route("/<int:exercise_id>/edit", methods=["GET", "POST"])
def edit(exercise_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    permissions.authorize(permissions.can_edit_exercise(current_user, exercise))
    organizations, plans, agreements = _form_choices()
    organizations = with_current([o for o in organizations if o.id != exercise.owner_organization_id],
                                 exercise.organizations)
    plans, agreements, unreadable = _held(exercise, plans, agreements)
    form = ExerciseEditForm(obj=exercise if request.method == "GET" else None, organizations=organizations,
                            plans=plans, agreements=agreements, zone_name=current_user.time_zone,
                            users=with_current(_readers(), exercise.recipients), creator_id=exercise.created_by_id)
    keep_restricted_choice(form.incident_plan_id, exercise.incident_plan_id, "A plan version you may not read")
    for agreement in unreadable:
        keep_restricted_choice(form.agreement_ids, agreement.id, f"{agreement.reference} (you may not read it)")
    if request.method == "GET":
        form.load(exercise)
    if form.validate_on_submit():
        chosen_agreements = set(form.agreement_ids.data or [])
        plan_id = form.incident_plan_id.data
        with lifecycle.refusing(form, services.ExerciseInputError):
            with lifecycle.saving(exercise, form, url_for(".edit", exercise_id=exercise.id)):
                changes = services.update_exercise(
                    current_user, exercise, expected_version=form.expected_version(),
                    plan=(exercise.incident_plan if plan_id == exercise.incident_plan_id
                          else next((p for p in plans if p.id == plan_id), None)),
                    organizations=[o for o in organizations if o.id in set(form.organization_ids.data or [])],
                    agreements=[a for a in (*unreadable, *agreements) if a.id in chosen_agreements],
                    recipients=form.recipients.chosen(),
                    **form.model_data())
            return lifecycle.saved_or_unchanged(changes, f"Exercise {exercise.reference} saved.")
    return lifecycle.form_page("exercises/form.html", form, exercise=exercise)


@bp.post("/<int:exercise_id>/archive", endpoint="archive")
@bp.post("/<int:exercise_id>/restore", endpoint="restore")
def archive_or_restore(exercise_id: int):
    return lifecycle.archive_or_restore(get_visible_exercise(exercise_id), services.archive_exercise,
                                        refused=(services.ExerciseInputError,))


def _people(exercise: Exercise) -> list[User]:
    return db.session.scalars(permissions.visible_users(current_user).where(
        User.active.is_(True), User.organization_id.in_(exercise.participating_org_ids()))
        .options(selectinload(User.organization))).all()


@bp.get("/<int:exercise_id>")
def detail(exercise_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    actions = db.session.scalars(permissions.visible_corrective_actions(current_user).where(
        CorrectiveAction.exercise_id == exercise.id, CorrectiveAction.archived_at.is_(None)).options(
        selectinload(CorrectiveAction.responsible_organization)).order_by(CorrectiveAction.id)).all()
    leads = permissions.leads_exercise(current_user, exercise)
    planning = permissions.can_plan_exercise(current_user, exercise)
    organizations = [exercise.owner_organization, *exercise.organizations]
    return render_template(
        "exercises/detail.html", exercise=exercise, injects=visible_injects(exercise), actions=actions,
        reads_msel=permissions.can_read_msel(current_user, exercise), leads=leads, planning=planning,
        delivers=permissions.can_deliver_inject(current_user, exercise),
        evaluates=permissions.can_evaluate_exercise(current_user, exercise),
        ratings={r.value: r for r in Rating}, events=records.history(exercise)[:10],
        status_form=ExerciseStatusForm(formdata=None, version=exercise.version),
        participant_form=ParticipantForm(formdata=None, people=_people(exercise) if planning else ()),
        objective_form=ObjectiveForm(formdata=None),
        inject_form=InjectForm(formdata=None, organizations=organizations),
        evaluation_form=EvaluationForm(formdata=None),
        action_form=CorrectiveActionForm(formdata=None, objectives=exercise.objectives, organizations=organizations,
                                         people=_people(exercise) if leads else ()),
        previous_findings=_previous_findings(exercise), aar_review=aar.aar_review(exercise),
        aar_editions=aar_editions(exercise))


def _previous_findings(exercise: Exercise) -> list[CorrectiveAction]:
    """On an exercise being planned: the open corrective actions of the last exercise of the same plan
    (any version of it), to retest."""
    if exercise.incident_plan is None or not exercise.is_planned:
        return []
    plan_ids = permissions.visible_incident_plans(current_user).with_only_columns(IncidentPlan.id).where(
        IncidentPlan.reference == exercise.incident_plan.reference)
    last = db.session.scalar(permissions.visible_exercises(current_user).with_only_columns(Exercise.id).where(
        Exercise.incident_plan_id.in_(plan_ids), Exercise.id != exercise.id, Exercise.conducted_on.is_not(None),
        Exercise.archived_at.is_(None)).order_by(Exercise.conducted_on.desc(), Exercise.id.desc()).limit(1))
    if last is None:
        return []
    return db.session.scalars(permissions.visible_corrective_actions(current_user).where(
        CorrectiveAction.exercise_id == last, CorrectiveAction.status.in_(["open", "in_progress", "completed"]),
        CorrectiveAction.archived_at.is_(None)).order_by(CorrectiveAction.id)).all()


@bp.get("/<int:exercise_id>/history")
def history(exercise_id: int):
    return lifecycle.history_page("exercises/history.html", exercise=get_visible_exercise(exercise_id))


@bp.post("/<int:exercise_id>/status")
def change_status(exercise_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    permissions.authorize(permissions.leads_exercise(current_user, exercise))
    return lifecycle.change_status(exercise, ExerciseStatusForm(), services.transition_exercise,
                                   back=url_for(".detail", exercise_id=exercise.id),
                                   refused=(services.ExerciseInputError,),
                                   done=lambda e: f"Exercise is now {e.status.label.lower()}.")


def _back(exercise: Exercise, anchor: str):
    return redirect(url_for(".detail", exercise_id=exercise.id, _anchor=anchor))


def refused(exercise: Exercise, anchor: str, message: str):
    db.session.rollback()
    flash(message, "danger")
    return _back(exercise, anchor)



@bp.get("/programme")
def programme():
    from app.exercises.programme import programme as build

    return render_template("exercises/programme.html", programme=build(current_user), today=today())
