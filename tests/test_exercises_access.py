"""Every exercise and corrective-action route × everyone around an exercise, walked from app.url_map: the lead
organisation (owner: coordinators, member and executive), the participating partner's coordinator, the controller,
evaluator, player and observer, another participating partner's coordinator, the partner's client organisation,
a third organisation (an outsider to the exercise), an admin. Each route is walked in the
state where it can be used (planning, running, conducted, evaluated). Out of scope (AMBER+STRICT: client and
third organisation) is 404, in scope but not allowed 403, and a refused write changes nothing. A new route
without a policy below fails by name."""
import pytest
import sqlalchemy as sa

from app.bearer import is_bearer_path
from app.extensions import db
from app.models import AuditEvent
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import ExerciseEvaluation
from app.models import ExerciseInject
from app.models import ExerciseObjective
from app.models import ExerciseParticipant
from app.models import ExerciseStatus
from tests.conftest import make_app
from tests.exercise_world import PEOPLE
from tests.exercise_world import build
from tests.exercise_world import client
from tests.security_world import build_url
from tests.security_world import write_methods
from tests.test_incidents_access import OK
from tests.test_incidents_access import _check

OUTSIDERS = {"client_member": 404, "third_coordinator": 404}
EVERYONE = dict.fromkeys(PEOPLE, OK)
READERS = {**EVERYONE, **OUTSIDERS}
LEADS = {**dict.fromkeys(PEOPLE, 403), "lead_coordinator": OK, "lead_coordinator_2": OK, **OUTSIDERS}
COORDINATORS = {**dict.fromkeys(PEOPLE, 403), "lead_coordinator": OK, "lead_coordinator_2": OK,
                "partner_coordinator": OK, "other_partner_coordinator": OK, "third_coordinator": OK}
# Readers comment: coordinators, and members and executives of a taking-part organisation; admins run the platform.
COMMENTERS = {**READERS, "admin": 403}
# Before delivery an inject exists only for controllers, evaluators and the lead coordinators.
DELIVERERS = {**dict.fromkeys(PEOPLE, 404), "controller": OK, "evaluator": 403, "lead_coordinator": 403,
              "lead_coordinator_2": 403}
EVALUATORS = {**dict.fromkeys(PEOPLE, 403), "evaluator": OK, **OUTSIDERS}
# The responsible organisation (the partner's coordinator and members) works on it; the lead's coordinators verify.
ACTION_MOVERS = {**dict.fromkeys(PEOPLE, 403), "partner_coordinator": OK, "controller": OK, "player": OK,
                 "lead_coordinator": OK, "lead_coordinator_2": OK, **OUTSIDERS}

P, R, C, E = ExerciseStatus.PLANNING, ExerciseStatus.READY, ExerciseStatus.CONDUCTED, ExerciseStatus.EVALUATED
POLICY = {  # endpoint: (the exercise's state, who gets what)
    "exercises.index": (P, EVERYONE),
    "exercises.programme": (P, EVERYONE),
    "exercises.create": (P, COORDINATORS),
    "exercises.detail": (P, READERS),
    "exercises.history": (P, READERS),
    "exercises.edit": (P, LEADS),
    "exercises.archive": (P, LEADS),              # a planned exercise may be called off
    "exercises.restore": (P, LEADS),
    "comments.exercise": (P, COMMENTERS),
    "exercises.change_status": (P, LEADS),
    "exercises.add_participant": (P, LEADS),
    "exercises.add_objective": (P, LEADS),
    "exercises.add_inject": (P, LEADS),
    "exercises.deliver_inject": (R, {**DELIVERERS, **OUTSIDERS}),
    "exercises.evaluate": (C, EVALUATORS),
    "exercises.add_corrective_action": (C, LEADS),
    "exercises.submit_aar": (E, LEADS),
    "exercises.approve_aar": (E, LEADS),          # the world's AAR awaits nothing: refused with a message
    "documents.exercise_sitman": (R, READERS),
    "documents.exercise_handbook": (R, {**dict.fromkeys(PEOPLE, 404), "controller": OK, "evaluator": OK,
                                        "lead_coordinator": OK, "lead_coordinator_2": OK}),
    "documents.exercise_aar": (E, READERS),       # not issued yet: sent back to the exercise with the reason
    "corrective_actions.index": (E, EVERYONE),
    "corrective_actions.detail": (E, READERS),
    "corrective_actions.history": (E, READERS),
    "corrective_actions.change_status": (E, ACTION_MOVERS),
    "corrective_actions.edit": (E, LEADS),         # the improvement plan is the lead organisation's
    "corrective_actions.archive": (E, LEADS),
    "corrective_actions.restore": (E, LEADS),
    "comments.corrective_action": (E, COMMENTERS),
}


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules()
                   if not is_bearer_path(r.rule)  # the API's own matrix: tests/test_api_*.py
                   and (r.endpoint.split(".")[0] in ("exercises", "corrective_actions")
                        or "exercise_id" in r.arguments or "corrective_action_id" in r.arguments)),
                  key=lambda r: (r.endpoint, r.rule))


def test_every_exercise_route_has_a_policy():
    app = make_app()
    missing = sorted({r.endpoint for r in _rules(app)} - set(POLICY))
    assert not missing, f"exercise routes without an entry in tests/test_exercises_access.py: {missing}"


def _state(app) -> tuple:
    with app.app_context():
        counts = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (
            AuditEvent, ExerciseParticipant, ExerciseObjective, ExerciseInject, ExerciseEvaluation, CorrectiveAction))
        return (counts, tuple(db.session.execute(sa.select(Exercise.version, Exercise.status)).all()),
                tuple(db.session.scalars(sa.select(ExerciseInject.delivered_at).order_by(ExerciseInject.id))),
                tuple(db.session.execute(sa.select(CorrectiveAction.version, CorrectiveAction.status)).all()))


@pytest.mark.parametrize("state", [P, R, C, E], ids=lambda s: s.value)
def test_reads_by_everyone_around_an_exercise(state):
    app = make_app()
    world = build(app, status=state)
    failures = []
    for rule in _rules(app):
        if "GET" not in rule.methods or POLICY[rule.endpoint][0] is not state:
            continue
        url = build_url(rule, world.ids)
        for who in PEOPLE:
            try:
                _check(client(app, world, who).get(url), POLICY[rule.endpoint][1][who], f"GET {url} as {who}")
            except AssertionError as exc:
                failures.append(str(exc))
    assert not failures, "\n".join(failures)


def _writes():
    app = make_app()
    return [pytest.param(r.endpoint, m, id=f"{m} {r.endpoint}") for r in _rules(app) for m in write_methods(r)]


# Refusals first, so one person's accepted write cannot hide another's refusal.
WRITE_ORDER = sorted(PEOPLE, key=lambda who: 0 if who in OUTSIDERS else 1)


@pytest.mark.parametrize("endpoint, method", _writes())
def test_writes_by_everyone_around_an_exercise(endpoint, method):
    app = make_app()
    state, policy = POLICY[endpoint]
    world = build(app, status=state)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods)
    url = build_url(rule, world.ids)
    failures = []
    for who in sorted(WRITE_ORDER, key=lambda w: policy[w] == OK):
        before = _state(app)
        response = client(app, world, who).open(url, method=method, data={})
        try:
            _check(response, policy[who], f"{method} {url} as {who}")
            if policy[who] != OK:
                assert _state(app) == before, f"{method} {url} as {who}: refused but something changed"
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)
