"""Exercises: planning with clear messages for bad input, the lifecycle, what players and controllers see of
the MSEL before and after delivery, delivery to the players' inbox, evaluations, and the improvement plan's
corrective actions (evidence to complete, verification by another coordinator of the lead organisation)."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseEvaluation
from app.models import ExerciseStatus
from app.models import IncidentPlan
from app.models import InvalidTransition
from app.models import Notification
from app.models import PlanStatus
from app.models import utcnow
from tests.exercise_world import DELIVERED
from tests.exercise_world import SECRET
from tests.exercise_world import build
from tests.exercise_world import client
from tests.exercise_world import person

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _exercise(app, world) -> Exercise:
    return db.session.get(Exercise, world.ids["exercise_id"])


def _status(app, world, who, target, follow=False):
    with app.app_context():
        version = _exercise(app, world).version
    return client(app, world, who).post(f"/exercises/{world.ids['exercise_id']}/status",
                                        data={"new_status": target, "version": version}, follow_redirects=follow)


# --- Planning -----------------------------------------------------------------------------------


def _new_exercise_form(**overrides):
    form = {"type": "tabletop", "title": "Grid-water tabletop", "scenario": "A heatwave.",
            "starts_at": "2027-03-01T09:00", "ends_at": "2027-03-01T13:00", "tlp": "amber"}
    return {**form, **overrides}


def test_a_coordinator_plans_an_exercise_of_the_exact_plan_version_with_partners_and_agreements(app):
    world = build(app)
    with app.app_context():
        from tests import factories as f

        agreement = f.agreement(created_by=person(world, "lead_coordinator"))
        agreement_id = agreement.id
    response = client(app, world, "lead_coordinator").post("/exercises/new", data=_new_exercise_form(
        incident_plan_id=world.ids["plan_id"], organization_ids=[world.ids["partner_id"]], agreement_ids=[agreement_id]))
    assert response.status_code == 302
    with app.app_context():
        exercise = db.session.scalars(sa.select(Exercise).order_by(Exercise.id.desc())).first()
        assert exercise.reference.startswith(f"EX-{utcnow().year}-")
        assert exercise.owner_organization_id == world.ids["lead_id"]
        assert [o.id for o in exercise.organizations] == [world.ids["partner_id"]]
        assert [a.id for a in exercise.agreements] == [agreement_id]
        assert (exercise.incident_plan_id, exercise.plan_version_label) == (world.ids["plan_id"], "1.0")
        assert exercise.status is ExerciseStatus.PLANNING
        assert exercise.starts_at < exercise.ends_at


@pytest.mark.parametrize("overrides, message", [
    ({"ends_at": "2027-03-01T08:00"}, "The exercise must end after it starts."),
    ({"type": "hackathon"}, "Not a valid choice"),
    ({"starts_at": ""}, "Say when it starts."),
    ({"incident_plan_id": "999999"}, "Not a valid choice"),
])
def test_bad_exercise_input_gets_a_clear_message_and_writes_nothing(app, overrides, message):
    world = build(app)
    response = client(app, world, "lead_coordinator").post("/exercises/new", data=_new_exercise_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Exercise.id))) == 1


def test_the_plan_version_exercised_survives_a_later_revision_of_the_plan(app):
    world = build(app)
    with app.app_context():
        old = db.session.get(IncidentPlan, world.ids["plan_id"])
        old.status = PlanStatus.APPROVED
        revision = IncidentPlan(reference=old.reference, title=old.title, owner_organization_id=old.owner_organization_id,
                                version_label="2.0", previous_version_id=old.id, tlp=old.tlp,
                                created_by_id=old.created_by_id)
        db.session.add(revision)
        db.session.commit()
    page = client(app, world, "lead_member").get(f"/exercises/{world.ids['exercise_id']}").get_data(as_text=True)
    with app.app_context():
        exercise = _exercise(app, world)
        assert exercise.incident_plan_id == world.ids["plan_id"] and exercise.plan_version_label == "1.0"
        assert f'{exercise.incident_plan.reference} v1.0' in page and "v2.0" not in page


def test_objectives_take_one_of_the_32_core_capabilities(app):
    from app.models import CORE_CAPABILITIES

    assert len(CORE_CAPABILITIES) == 32
    world = build(app)
    url = f"/exercises/{world.ids['exercise_id']}/objectives"
    lead = client(app, world, "lead_coordinator")
    lead.post(url, data={"text": "Share situation reports hourly", "core_capability": "nuclear_weapons"})
    lead.post(url, data={"text": "Share situation reports hourly", "core_capability": "operational_communications"})
    with app.app_context():
        assert [o.core_capability for o in _exercise(app, world).objectives] == [
            "infrastructure_systems", "operational_communications"]


# --- Lifecycle ----------------------------------------------------------------------------------


def test_the_lifecycle_runs_planning_ready_conducted_evaluated_closed_and_refuses_shortcuts(app):
    world = build(app)
    assert _status(app, world, "lead_coordinator", "conducted").status_code == 302
    with app.app_context():
        assert _exercise(app, world).status is ExerciseStatus.PLANNING  # planning -> conducted refused
    _status(app, world, "lead_coordinator", "ready")
    _status(app, world, "lead_coordinator", "conducted")
    with app.app_context():
        exercise = _exercise(app, world)
        assert exercise.status is ExerciseStatus.CONDUCTED
        assert exercise.aar_due_on == utcnow().date() + timedelta(days=90)
    # Evaluated needs every objective evaluated.
    assert "await an evaluation" in _status(app, world, "lead_coordinator", "evaluated", follow=True).get_data(as_text=True)
    client(app, world, "evaluator").post(
        f"/exercises/{world.ids['exercise_id']}/objectives/{world.ids['objective_id']}/evaluation",
        data={"rating": "S", "strengths": "Fast call-out", "areas_for_improvement": "Fuel logistics"})
    _status(app, world, "lead_coordinator", "evaluated")
    client(app, world, "lead_coordinator").post(f"/exercises/{world.ids['exercise_id']}/aar/submit")
    client(app, world, "lead_coordinator_2").post(f"/exercises/{world.ids['exercise_id']}/aar/approve")
    _status(app, world, "lead_coordinator", "closed")
    with app.app_context():
        assert _exercise(app, world).status is ExerciseStatus.CLOSED
        with pytest.raises(InvalidTransition):
            _exercise(app, world).transition_to(ExerciseStatus.PLANNING)


def test_only_the_lead_coordinators_move_the_exercise(app):
    world = build(app)
    for who in ("partner_coordinator", "controller", "lead_member"):
        assert _status(app, world, who, "ready").status_code == 403, who
    with app.app_context():
        assert _exercise(app, world).status is ExerciseStatus.PLANNING


# --- MSEL visibility and delivery ---------------------------------------------------------------


@pytest.mark.parametrize("who, sees_secret", [
    ("lead_coordinator", True), ("lead_coordinator_2", True), ("controller", True), ("evaluator", True),
    ("player", False), ("observer", False), ("partner_coordinator", False), ("lead_member", False),
    ("lead_executive", False), ("admin", False),
])
def test_undelivered_injects_reach_only_controllers_evaluators_and_lead_coordinators(app, who, sees_secret):
    world = build(app, status=ExerciseStatus.READY)
    page = client(app, world, who).get(f"/exercises/{world.ids['exercise_id']}").get_data(as_text=True)
    assert DELIVERED in page
    assert (SECRET in page) is sees_secret
    assert ("Activate mutual aid" in page) is sees_secret  # the expected action too


def test_a_controller_delivers_an_inject_and_it_reaches_the_players_inbox_at_once(app):
    world = build(app, status=ExerciseStatus.READY)
    url = f"/exercises/{world.ids['exercise_id']}/injects/{world.ids['inject_id']}/deliver"
    assert client(app, world, "player").post(url).status_code == 404       # not even its existence
    assert client(app, world, "evaluator").post(url).status_code == 403
    assert client(app, world, "lead_coordinator").post(url).status_code == 403
    assert client(app, world, "controller").post(url).status_code == 302
    player = client(app, world, "player")
    assert SECRET in player.get(f"/exercises/{world.ids['exercise_id']}").get_data(as_text=True)
    inbox = player.get("/inbox/").get_data(as_text=True)
    assert "Inject 2: act on it now" in inbox
    with app.app_context():
        player_user = person(world, "player")
        notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == player_user.id)).all()
        assert any("inject 2 delivered" in n.summary for n in notes)
        assert SECRET not in " ".join(n.summary for n in notes)  # mail and bell carry no scenario text
    assert client(app, world, "controller").post(url).status_code == 302  # twice: said, not repeated
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "exercise.inject_delivered")) == 1


def test_injects_are_not_delivered_outside_conduct(app):
    world = build(app)  # planning
    url = f"/exercises/{world.ids['exercise_id']}/injects/{world.ids['inject_id']}/deliver"
    assert client(app, world, "controller").post(url).status_code == 403


def test_the_lead_adds_injects_while_planning_and_the_audit_names_no_content(app):
    world = build(app)
    client(app, world, "lead_coordinator").post(f"/exercises/{world.ids['exercise_id']}/injects", data={
        "offset_minutes": "45", "from_": "Media", "to": "PIO", "message": "A journalist calls about outages",
        "expected_action": "Joint statement"})
    with app.app_context():
        injects = _exercise(app, world).injects
        assert [i.number for i in injects] == [1, 2, 3]
        summaries = " ".join(db.session.scalars(sa.select(AuditEvent.summary)))
        assert "journalist" not in summaries


# --- Evaluation ---------------------------------------------------------------------------------


def test_an_evaluator_rates_p_s_m_or_u_and_nothing_else(app):
    world = build(app, status=ExerciseStatus.CONDUCTED)
    url = f"/exercises/{world.ids['exercise_id']}/objectives/{world.ids['objective_id']}/evaluation"
    response = client(app, world, "evaluator").post(url, data={"rating": "X"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ExerciseEvaluation.id))) == 0
    assert client(app, world, "player").post(url, data={"rating": "P"}).status_code == 403
    assert client(app, world, "lead_coordinator").post(url, data={"rating": "P"}).status_code == 403
    client(app, world, "evaluator").post(url, data={"rating": "M", "areas_for_improvement": "No fuel plan"})
    client(app, world, "evaluator").post(url, data={"rating": "S", "areas_for_improvement": "Fuel plan late"})
    with app.app_context():
        evaluations = db.session.scalars(sa.select(ExerciseEvaluation)).all()
        assert [(e.rating.value, e.areas_for_improvement) for e in evaluations] == [("S", "Fuel plan late")]


# --- Corrective actions -------------------------------------------------------------------------


def _action(app, world) -> CorrectiveAction:
    return db.session.get(CorrectiveAction, world.ids["corrective_action_id"])


def _move(app, world, who, target, follow=False):
    with app.app_context():
        version = _action(app, world).version
    return client(app, world, who).post(f"/corrective-actions/{world.ids['corrective_action_id']}/status",
                                        data={"new_status": target, "version": version}, follow_redirects=follow)


def _attach(app, world, who):
    return client(app, world, who).post(
        f"/attachments/corrective-actions/{world.ids['corrective_action_id']}/",
        data={"files": (io.BytesIO(PDF), "fuel-contract.pdf")}, content_type="multipart/form-data")


def test_completing_a_corrective_action_needs_evidence(app):
    world = build(app, status=ExerciseStatus.EVALUATED)
    _move(app, world, "partner_coordinator", "in_progress")
    assert "Attach the evidence" in _move(app, world, "partner_coordinator", "completed", follow=True).get_data(as_text=True)
    with app.app_context():
        assert _action(app, world).status is CorrectiveActionStatus.IN_PROGRESS
    assert _attach(app, world, "player").status_code in (302, 303)  # a member of the responsible organisation
    _move(app, world, "player", "completed")
    with app.app_context():
        action = _action(app, world)
        assert action.status is CorrectiveActionStatus.COMPLETED
        assert action.evidence_attachment_id is not None and action.completed_by_id == person(world, "player").id


def test_verification_is_by_another_coordinator_of_the_lead_organisation(app):
    world = build(app, status=ExerciseStatus.EVALUATED)
    with app.app_context():
        action = _action(app, world)
        action.responsible_organization_id = world.ids["lead_id"]  # the lead fixes its own finding
        db.session.commit()
    _attach(app, world, "lead_coordinator")
    _move(app, world, "lead_coordinator", "completed")
    assert _move(app, world, "lead_coordinator", "verified").status_code == 403       # whoever completed it
    assert _move(app, world, "partner_coordinator", "verified").status_code == 403    # not the lead organisation
    assert _move(app, world, "lead_member", "verified").status_code == 403            # not a coordinator
    with app.app_context():
        assert _action(app, world).status is CorrectiveActionStatus.COMPLETED
    _move(app, world, "lead_coordinator_2", "verified")
    with app.app_context():
        action = _action(app, world)
        assert action.status is CorrectiveActionStatus.VERIFIED
        assert action.verified_by_id == person(world, "lead_coordinator_2").id


def test_the_lead_adds_corrective_actions_with_an_owner_and_ordered_dates(app):
    world = build(app, status=ExerciseStatus.CONDUCTED)
    url = f"/exercises/{world.ids['exercise_id']}/corrective-actions/new"
    lead = client(app, world, "lead_coordinator")
    base = {"title": "Write the fuel plan", "area_for_improvement": "No fuel plan", "capability_element": "planning"}
    response = lead.post(url, data=base)
    assert response.status_code == 400 and "Name the organisation responsible" in response.get_data(as_text=True)
    response = lead.post(url, data={**base, "responsible_organization_id": world.ids["partner_id"],
                                    "start_date": "2027-02-01", "due_date": "2027-01-01"})
    assert response.status_code == 400 and "cannot come before the start date" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CorrectiveAction.id))) == 1
        task_id = __import__("tests.factories", fromlist=["task"]).task(
            working_group=__import__("tests.factories", fromlist=["working_group"]).working_group(
                created_by=person(world, "lead_coordinator"))).id
    response = lead.post(url, data={**base, "responsible_organization_id": world.ids["partner_id"],
                                    "due_date": "2027-01-01", "task_id": task_id})
    assert response.status_code == 302
    with app.app_context():
        action = db.session.scalars(sa.select(CorrectiveAction).order_by(CorrectiveAction.id.desc())).first()
        assert (action.responsible_organization_id, action.task_id) == (world.ids["partner_id"], task_id)
    assert client(app, world, "partner_coordinator").post(url, data=base).status_code == 403
