"""The exercise documents (HSEEP): the situation manual for every participant, the controller/evaluator
handbook with the MSEL for controllers, evaluators and the lead coordinators, and the after-action report with
its improvement plan in TLP editions.

Each is issued once (sealed, stored, served unchanged). The situation manual and the AAR editions hold only what
every reader of the exercise may see; the handbook is stored apart from the exercise's documents (its own object
type, which no visible_documents scope lists), so it reaches its readers through its own route only."""
from collections import Counter

from app.documents.content import DocumentInfo
from app.models import TLP
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import ExerciseInject
from app.models import Rating
from app.pdf import Budget

HANDBOOK_OBJECT_TYPE = "exercise_handbooks"


def _info(exercise: Exercise, kind: str, suffix: str, tlp: TLP, note: str = "") -> DocumentInfo:
    return DocumentInfo(kind=kind, reference=f"{exercise.reference}-{suffix}", version=None, tlp=tlp,
                        heading=exercise.title, organisations=[o.name for o in (exercise.owner_organization,
                                                                                 *exercise.organizations)],
                        issue_note=note)


def _budget(exercise: Exercise, what: str) -> Budget:
    budget = Budget(what)
    budget.text("The title", exercise.title)
    budget.text("The scenario", exercise.scenario)
    for objective in exercise.objectives:
        budget.text("An objective", objective.text)
    return budget


def sitman_document(exercise: Exercise) -> tuple[str, dict]:
    _budget(exercise, "This situation manual").check()
    info = _info(exercise, "Situation manual (SitMan)", "SITMAN", exercise.tlp,
                 note=f"exercise {exercise.starts_at:%Y-%m-%d %H:%M} UTC")
    return "pdf/exercise_sitman.html", {"doc": info, "exercise": exercise}


def handbook_document(exercise: Exercise, injects: list[ExerciseInject]) -> tuple[str, dict]:
    budget = _budget(exercise, "This handbook")
    budget.table("The MSEL", len(injects))
    for inject in injects:
        budget.text("An inject", inject.message)
        budget.text("An expected action", inject.expected_action)
    budget.check()
    info = _info(exercise, "Controller/evaluator handbook (C/E handbook) — controllers and evaluators only",
                 "CEH", exercise.tlp)
    return "pdf/exercise_handbook.html", {"doc": info, "exercise": exercise, "injects": injects}


def aar_editions(exercise: Exercise) -> list[TLP]:
    """The editions an AAR/IP is issued in: every label up to the exercise's own (RED only for a RED exercise)."""
    return [t for t in TLP if t.rank <= exercise.tlp.rank]


def aar_document(exercise: Exercise, actions: list[CorrectiveAction], edition: TLP) -> tuple[str, dict]:
    """The full report in the exercise's own edition; a lower edition (to share beyond the participants) keeps
    the objectives, core capabilities, ratings and the improvement plan's counts, without the scenario, the
    observations, the organisations or the actions' text."""
    full = edition is exercise.tlp
    budget = _budget(exercise, "This after-action report")
    budget.table("The improvement plan", len(actions))
    for objective in exercise.objectives:
        for evaluation in objective.evaluations:
            for label, value in (("Critical tasks", evaluation.critical_tasks), ("Strengths", evaluation.strengths),
                                 ("Areas for improvement", evaluation.areas_for_improvement)):
                budget.text(label, value)
    budget.check()
    info = _info(exercise, "After-action report / improvement plan (AAR/IP)"
                 + ("" if full else f" — {edition.label} edition"), f"AAR-{edition.value.upper()}", edition,
                 note=f"conducted {exercise.conducted_on:%Y-%m-%d}" if exercise.conducted_on else "")
    if not full:  # the title, the organisations and the text stay in the participants' edition
        info.organisations, info.heading = [], f"{exercise.type.label} exercise"
    ratings = Counter(e.rating for o in exercise.objectives for e in o.evaluations)
    elements = Counter(a.capability_element for a in actions)
    return "pdf/exercise_aar.html", {
        "doc": info, "exercise": exercise, "actions": actions, "full": full, "edition": edition,
        "ratings": [(r, ratings.get(r, 0)) for r in Rating], "elements": sorted(elements.items())}
