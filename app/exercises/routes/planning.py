"""The parts of an exercise: participants, objectives and the MSEL while it is planned, inject delivery while
it runs, evaluations once conducted, corrective actions from its areas for improvement."""
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.exercises import aar
from app.exercises import bp
from app.exercises import improvement
from app.exercises import services
from app.exercises.forms import EvaluationForm
from app.exercises.forms import InjectForm
from app.exercises.forms import ObjectiveForm
from app.exercises.forms import ParticipantForm
from app.exercises.routes import DETAIL_OPTIONS
from app.exercises.routes import get_inject
from app.exercises.routes import get_objective
from app.exercises.routes import get_visible_exercise
from app.exercises.routes.exercises import _people
from app.exercises.routes.exercises import refused
from app.forms import CorrectiveActionForm


@bp.post("/<int:exercise_id>/participants")
def add_participant(exercise_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    permissions.authorize(permissions.can_plan_exercise(current_user, exercise))
    people = _people(exercise)
    form = ParticipantForm(people=people)
    if not form.validate_on_submit():
        return refused(exercise, "participants", f"Nobody was added. {lifecycle.problems(form)}")
    person = next(p for p in people if p.id == form.user_id.data)
    try:
        services.add_participant(current_user, exercise, person, form.role.data)
    except services.ExerciseInputError as exc:
        return refused(exercise, "participants", str(exc))
    return lifecycle.saved(f"{person.name} takes part as {form.role.data.label.lower()}.",
                           url_for(".detail", exercise_id=exercise.id, _anchor="participants"))


@bp.post("/<int:exercise_id>/objectives")
def add_objective(exercise_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    permissions.authorize(permissions.can_plan_exercise(current_user, exercise))
    form = ObjectiveForm()
    if not form.validate_on_submit():
        return refused(exercise, "objectives", f"No objective was added. {lifecycle.problems(form)}")
    services.add_objective(current_user, exercise, form.text.data, form.core_capability.data)
    return lifecycle.saved("Objective added.", url_for(".detail", exercise_id=exercise.id, _anchor="objectives"))


@bp.post("/<int:exercise_id>/injects")
def add_inject(exercise_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    permissions.authorize(permissions.can_plan_exercise(current_user, exercise))
    organizations = [exercise.owner_organization, *exercise.organizations]
    form = InjectForm(organizations=organizations)
    if not form.validate_on_submit():
        return refused(exercise, "msel", f"No inject was added. {lifecycle.problems(form)}")
    data = form.model_data(exclude=("to_organization_id",))
    to_org = next((o for o in organizations if o.id == form.to_organization_id.data), None)
    inject = services.add_inject(current_user, exercise, to_organization=to_org, **data)
    return lifecycle.saved(f"Inject {inject.number} added to the MSEL.",
                           url_for(".detail", exercise_id=exercise.id, _anchor="msel"))


@bp.post("/<int:exercise_id>/injects/<int:inject_id>/deliver")
def deliver_inject(exercise_id: int, inject_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    inject = get_inject(exercise, inject_id)
    permissions.authorize(permissions.can_deliver_inject(current_user, exercise))
    return lifecycle.act(exercise, lambda: services.deliver_inject(current_user, exercise, inject),
                         back=url_for(".detail", exercise_id=exercise.id, _anchor=f"inject-{inject.id}"),
                         done=f"Inject {inject.number} delivered: its recipients have it in their inbox.",
                         unchanged=f"Inject {inject.number} was already delivered.")


@bp.post("/<int:exercise_id>/objectives/<int:objective_id>/evaluation")
def evaluate(exercise_id: int, objective_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    objective = get_objective(exercise, objective_id)
    permissions.authorize(permissions.can_evaluate_exercise(current_user, exercise))
    form = EvaluationForm()
    anchor = f"objective-{objective.id}"
    if not form.validate_on_submit():
        return refused(exercise, anchor, f"Nothing was saved. {lifecycle.problems(form)}")
    try:
        services.evaluate_objective(current_user, exercise, objective, **form.model_data())
    except services.ExerciseInputError as exc:
        return refused(exercise, anchor, str(exc))
    return lifecycle.saved(f"Objective {objective.position + 1} rated {form.rating.data}.",
                           url_for(".detail", exercise_id=exercise.id, _anchor=anchor))


@bp.route("/<int:exercise_id>/corrective-actions/new", methods=["GET", "POST"])
def add_corrective_action(exercise_id: int):
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    permissions.authorize(permissions.can_add_corrective_action(current_user, exercise))
    organizations = [exercise.owner_organization, *exercise.organizations]
    people = _people(exercise)
    form = CorrectiveActionForm(objectives=exercise.objectives, organizations=organizations, people=people)
    if form.validate_on_submit():
        with lifecycle.refusing(form, services.ExerciseInputError):
            action = improvement.create_corrective_action(
                current_user, exercise, title=form.title.data, area_for_improvement=form.area_for_improvement.data,
                capability_element=form.capability_element.data,
                responsible_organization=next((o for o in organizations
                                               if o.id == form.responsible_organization_id.data), None),
                point_of_contact=next((p for p in people if p.id == form.point_of_contact_id.data), None),
                objective=next((o for o in exercise.objectives if o.id == form.objective_id.data), None),
                start_date=form.start_date.data, due_date=form.due_date.data,
                **improvement.readable_links(current_user, form.data))
            return lifecycle.saved(f"Corrective action #{action.id} added to the improvement plan.",
                                   url_for(".detail", exercise_id=exercise.id, _anchor="improvement-plan"))
    return lifecycle.form_page("exercises/corrective_action_form.html", form, exercise=exercise)



def _aar_step(exercise_id: int, step, done: str):
    """An after-action report button of the exercise's leads: run `step(user, exercise)`, go back to the report."""
    exercise = get_visible_exercise(exercise_id, *DETAIL_OPTIONS)
    permissions.authorize(permissions.leads_exercise(current_user, exercise))
    return lifecycle.act(exercise, lambda: step(current_user, exercise),
                         back=url_for(".detail", exercise_id=exercise.id, _anchor="aar"),
                         done=done, refused=(services.ExerciseInputError,))


@bp.post("/<int:exercise_id>/aar/submit")
def submit_aar(exercise_id: int):
    return _aar_step(exercise_id, aar.submit_aar,
                     "After-action report submitted: another coordinator of your organisation approves it.")


@bp.post("/<int:exercise_id>/aar/approve")
def approve_aar(exercise_id: int):
    return _aar_step(exercise_id, aar.approve_aar, "After-action report approved and issued in its TLP editions.")
