"""The people around one exercise: the lead organisation (coordinator, a second coordinator, member,
executive), a participating partner (its coordinator, a controller, an evaluator, a player, an observer), another
participating partner's coordinator (not responsible for the corrective action), the partner's client
organisation, a third organisation's coordinator (an outsider to this exercise), an admin. The exercise is TLP:AMBER+STRICT
(clients and third parties are out of scope), planned, with one objective, one undelivered and one delivered
inject, and a corrective action owned by the partner."""
from dataclasses import dataclass
from dataclasses import field

from app.extensions import db
from app.models import TLP
from app.models import CapabilityElement
from app.models import CorrectiveAction
from app.models import ExerciseInject
from app.models import ExerciseObjective
from app.models import ParticipantRole
from app.models import Role
from app.models import utcnow
from tests import factories as f
from tests.incident_world import client  # noqa: F401  -- the same helpers: a world's emails by role
from tests.incident_world import person  # noqa: F401  -- the same helpers: a world's emails by role

PEOPLE = ("lead_coordinator", "lead_coordinator_2", "lead_member", "lead_executive", "partner_coordinator",
          "other_partner_coordinator", "controller", "evaluator", "player", "observer", "client_member", "third_coordinator", "admin")
SECRET = "Secret inject: the reservoir pump station fails"
DELIVERED = "Delivered inject: the water utility asks for generators"


@dataclass
class ExerciseWorld:
    emails: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def build(app, *, status=None, tlp=TLP.AMBER_STRICT) -> ExerciseWorld:
    world = ExerciseWorld()
    with app.app_context():
        lead = f.organization(name="Metro Water Authority", short_name="MWA")
        partner = f.organization(name="Grid Power Co", short_name="GPC")
        client = f.organization(name="Grid Client Ltd", short_name="GCL", parent=partner)
        third = f.organization(name="Harbour Telecom", short_name="HTEL")
        other_partner = f.organization(name="Rail Transit Co", short_name="RTC")
        people = {
            "lead_coordinator": f.user(role=Role.COORDINATOR, organization=lead),
            "lead_coordinator_2": f.user(role=Role.COORDINATOR, organization=lead),
            "lead_member": f.user(role=Role.MEMBER, organization=lead),
            "lead_executive": f.user(role=Role.EXECUTIVE, organization=lead),
            "partner_coordinator": f.user(role=Role.COORDINATOR, organization=partner),
            "other_partner_coordinator": f.user(role=Role.COORDINATOR, organization=other_partner),
            "controller": f.user(role=Role.MEMBER, organization=partner),
            "evaluator": f.user(role=Role.MEMBER, organization=lead),
            "player": f.user(role=Role.MEMBER, organization=partner),
            "observer": f.user(role=Role.EXECUTIVE, organization=partner),
            "client_member": f.user(role=Role.MEMBER, organization=client),
            "third_coordinator": f.user(role=Role.COORDINATOR, organization=third),
            "admin": f.user(role=Role.ADMIN, organization=third),
        }
        plan = f.incident_plan(created_by=people["lead_coordinator"], tlp=TLP.AMBER, covered=[partner])
        exercise = f.exercise(
            created_by=people["lead_coordinator"], organizations=[partner, other_partner], tlp=tlp, incident_plan_id=plan.id,
            plan_version_label=plan.version_label,
            participants=[(people["controller"], ParticipantRole.CONTROLLER),
                          (people["evaluator"], ParticipantRole.EVALUATOR),
                          (people["player"], ParticipantRole.PLAYER),
                          (people["observer"], ParticipantRole.OBSERVER)])
        objective = ExerciseObjective(exercise_id=exercise.id, text="Restore power to the pump stations in 4 h",
                                      core_capability="infrastructure_systems")
        secret = ExerciseInject(exercise_id=exercise.id, number=2, offset_minutes=30, from_="SIMCELL", to="Players",
                                message=SECRET, expected_action="Activate mutual aid")
        delivered = ExerciseInject(exercise_id=exercise.id, number=1, offset_minutes=0, from_="SIMCELL", to="Players",
                                   message=DELIVERED, delivered_at=utcnow())
        db.session.add_all([objective, secret, delivered])
        db.session.flush()
        action = CorrectiveAction(exercise_id=exercise.id, objective_id=objective.id, title="Stock generator fuel",
                                  area_for_improvement="Fuel ran short", capability_element=CapabilityElement.EQUIPMENT,
                                  responsible_organization_id=partner.id, created_by_id=people["lead_coordinator"].id)
        db.session.add(action)
        if status is not None:
            exercise.status = status
        db.session.commit()
        world.emails = {name: user.email for name, user in people.items()}
        world.ids = {"exercise_id": exercise.id, "objective_id": objective.id, "inject_id": secret.id,
                     "delivered_inject_id": delivered.id, "corrective_action_id": action.id, "plan_id": plan.id,
                     "lead_id": lead.id, "partner_id": partner.id, "other_partner_id": other_partner.id}
    return world
