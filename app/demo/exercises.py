"""Demo exercises: a conducted and evaluated tabletop of the water–power mutual-aid plan with its findings,
its after-action report awaiting the second coordinator's approval and an improvement plan with corrective
actions in every state; and the next exercise of the same plan in planning (which shows the findings to retest).

Idempotent: an exercise whose title exists is left alone. Dates are relative to today."""
import io
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app import audit
from app import records
from app.attachments import services as attachments
from app.demo.people import COORDINATORS
from app.exercises import services
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import CapabilityElement
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseInject
from app.models import ExerciseObjective
from app.models import ExerciseParticipant
from app.models import ExerciseStatus
from app.models import ExerciseType
from app.models import IncidentPlan
from app.models import ParticipantRole
from app.models import PlanStatus
from app.models import Rating
from app.models import ReviewRequest
from app.models import utcnow

PLAN_TITLE = "Water–Power Mutual Aid Response Plan"
TABLETOP = "Heatwave blackout: water–power mutual aid tabletop"
NEXT = "Pumping on generators: water–power mutual aid functional exercise"
S, C = CorrectiveActionStatus, CapabilityElement

OBJECTIVES = [
    ("Within 2 hours of a grid loss, agree which pumping stations Northgrid restores first.",
     "operational_coordination", Rating.S, "Priority list known to both control rooms.",
     "The list was a year old: two new booster stations were missing."),
    ("Deliver generator fuel to three pumping stations within 6 hours under the mutual-aid agreement.",
     "logistics_and_supply_chain_management", Rating.M, "Fuel suppliers answered at once.",
     "No pre-agreed fuel contract: the request took 4 hours to approve."),
    ("Keep a shared picture of outages and water pressure between both control rooms.",
     "situational_assessment", Rating.P, "Hourly joint situation reports worked well.", ""),
]
INJECTS = [
    (1, 0, "SIMCELL (Northgrid)", "Riverbend EOC", "Grid loss across the eastern district; restoration 18–24 h.",
     "Activate the mutual-aid plan; call Northgrid's liaison."),
    (2, 45, "SIMCELL (Riverbend ops)", "Riverbend EOC", "Booster stations 4 and 7 on battery: 3 h left.",
     "Request priority restoration or generators."),
    (3, 120, "SIMCELL (media)", "Joint PIO", "A reporter asks whether tap water is safe to drink.",
     "Issue a joint public statement within 1 hour."),
]
ACTIONS = [  # title, area, element, responsible key, status, due in days
    ("Update the priority restoration list with the new booster stations", "Priority list out of date",
     C.PLANNING, "energy", S.VERIFIED, -20),
    ("Sign a standing generator fuel contract", "No pre-agreed fuel contract", C.EQUIPMENT, "water", S.COMPLETED, -5),
    ("Train EOC staff on the mutual-aid request form", "Request took 4 hours to approve", C.TRAINING, "water",
     S.IN_PROGRESS, 30),
    ("Add a fuel-delivery drill to next year's programme", "Fuel logistics untested", C.EXERCISE, "water",
     S.OPEN, -3),
    ("Name a standing liaison in each control room", "Liaison found by phone tree", C.ORGANIZATION, "energy",
     S.OPEN, 60),
]


# Points of contact: the work is done by the operations lead, so the emergency manager can verify it.
CONTACTS = {"water": "ops@riverbend.example.com", "energy": "coordinator@northgrid.example.com"}


def _plan(people) -> IncidentPlan:
    plan = db.session.scalar(sa.select(IncidentPlan).where(IncidentPlan.title == PLAN_TITLE))
    if plan is not None:
        return plan
    author = people.user(COORDINATORS["water"])
    plan = IncidentPlan(reference=records.next_reference(IncidentPlan, "IRP"), title=PLAN_TITLE,
                        scope="Mutual aid between Riverbend's pumping stations and Northgrid's restoration crews "
                              "during a prolonged grid loss.", sectors=["water", "energy"],
                        owner_organization_id=people.orgs["water"].id, tlp=TLP.AMBER, status=PlanStatus.APPROVED,
                        approver_id=people.user(COORDINATORS["energy"]).id, approved_at=utcnow() - timedelta(days=200),
                        next_review_date=(utcnow() + timedelta(days=165)).date(), created_by=author)
    plan.covered_organizations = [people.orgs["energy"], people.orgs["gov"]]
    db.session.add(plan)
    db.session.flush()
    audit.record(author, "incident_plan.created", plan, summary=f"{plan.reference} (demo)")
    return plan


def _exercise(people, plan, title, etype, days, status, scenario) -> Exercise:
    author = people.user(COORDINATORS["water"])
    starts = (utcnow() + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    exercise = Exercise(reference=records.next_reference(Exercise, "EX"), type=etype, title=title, scenario=scenario,
                        starts_at=starts, ends_at=starts + timedelta(hours=4), owner_organization_id=author.organization_id,
                        incident_plan_id=plan.id, plan_version_label=plan.version_label, tlp=TLP.AMBER, status=status,
                        created_by=author)
    exercise.organizations = [people.orgs["energy"], people.orgs["gov"]]
    agreement = db.session.scalar(sa.select(Agreement).where(Agreement.title == "Emergency Generator Fuel Mutual Aid"))
    exercise.agreements = [agreement] if agreement is not None else []
    roles = [("coordinator@riverbend.example.com", ParticipantRole.FACILITATOR),
             ("ops@riverbend.example.com", ParticipantRole.PLAYER),
             ("security@northgrid.example.com", ParticipantRole.PLAYER),
             ("coordinator@northgrid.example.com", ParticipantRole.CONTROLLER),
             ("analyst@niro.example.gov", ParticipantRole.EVALUATOR),
             ("director@niro.example.gov", ParticipantRole.OBSERVER)]
    exercise.participants = [ExerciseParticipant(user_id=people.user(email).id, role=role) for email, role in roles]
    for number, offset, sender, to, message, expected in INJECTS:
        exercise.injects.append(ExerciseInject(
            number=number, offset_minutes=offset, from_=sender, to=to, message=message, expected_action=expected,
            delivered_at=starts + timedelta(minutes=offset) if status is not ExerciseStatus.PLANNING else None))
    db.session.add(exercise)
    db.session.flush()
    audit.record(author, "exercise.created", exercise, summary=f"{exercise.reference} (demo)")
    return exercise


def seed(people) -> int:
    if db.session.scalar(sa.select(Exercise.id).where(Exercise.title == TABLETOP)) is not None:
        return 0
    plan = _plan(people)
    tabletop = _exercise(people, plan, TABLETOP, ExerciseType.TABLETOP, -60, ExerciseStatus.CONDUCTED,
                         "A four-day heatwave; a transmission fault blacks out the eastern district for 20 hours. "
                         "Riverbend's booster stations fall back on batteries and generators.")
    tabletop.conducted_on = tabletop.starts_at.date()
    evaluator = people.user("analyst@niro.example.gov")
    for position, (text, capability, rating, strengths, afi) in enumerate(OBJECTIVES):
        objective = ExerciseObjective(text=text, core_capability=capability, position=position)
        tabletop.objectives.append(objective)
        # The evaluator fills in her guide once the exercise was conducted, as on the evaluation page.
        services.evaluate_objective(evaluator, tabletop, objective, rating=rating, strengths=strengths,
                                    areas_for_improvement=afi,
                                    critical_tasks="Call-out, priority decision, request, delivery")
    tabletop.status = ExerciseStatus.EVALUATED
    db.session.flush()
    lead = people.user(COORDINATORS["water"])
    today = utcnow().date()
    # Carried out as a revision of the plan and an amendment of the fuel agreement (their pages link back).
    links = {ACTIONS[0][0]: {"incident_plan_id": plan.id},
             ACTIONS[1][0]: {"agreement_id": tabletop.agreements[0].id} if tabletop.agreements else {}}
    for title, area, element, key, status, due in ACTIONS:
        action = CorrectiveAction(
            exercise=tabletop, title=title, area_for_improvement=area, capability_element=element,
            responsible_organization_id=people.orgs[key].id, point_of_contact_id=people.user(CONTACTS[key]).id,
            start_date=today - timedelta(days=50), due_date=today + timedelta(days=due), created_by=lead,
            **links.get(title, {}))
        db.session.add(action)
        db.session.flush()
        if status in (S.COMPLETED, S.VERIFIED):  # filed while the action is open, as its point of contact would
            content = f"Evidence for corrective action #{action.id}: {title}.\n".encode()
            evidence = attachments.add_attachment(action.point_of_contact, action,
                                                  FileStorage(io.BytesIO(content), "evidence.txt"))
            action.evidence_attachment_id, action.completed_by_id = evidence.id, action.point_of_contact_id
            action.completed_at = utcnow() - timedelta(days=10)
        action.status = status
        if status is S.VERIFIED:
            action.verified_by_id, action.verified_at = lead.id, utcnow() - timedelta(days=8)
    # The AAR/IP awaits the approval of Riverbend's second coordinator (four eyes: not Maria, who submitted it).
    db.session.add(ReviewRequest(object_type=Exercise.__tablename__, object_id=tabletop.id, submitted_by_id=lead.id))
    _exercise(people, plan, NEXT, ExerciseType.FUNCTIONAL, 75, ExerciseStatus.PLANNING,
              "The same grid loss, this time with generators actually moved to two pumping stations.")
    db.session.commit()
    return 2
