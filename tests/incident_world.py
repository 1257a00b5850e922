"""The people around one incident report: the operator that reports (coordinator, member, executive), its
client organisation, the authority it reports to (coordinator, member), a third operator, an admin."""
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Role
from app.models import User
from app.models import utcnow
from tests import factories as f

PEOPLE = ("operator_coordinator", "operator_member", "operator_executive", "client_member",
          "authority_coordinator", "authority_member", "third_coordinator", "admin")


@dataclass
class IncidentWorld:
    emails: dict[str, str] = field(default_factory=dict)
    report_id: int = 0
    operator_id: int = 0
    authority_id: int = 0


def build(app, aware_hours_ago: float = 1, **report) -> IncidentWorld:
    world = IncidentWorld()
    with app.app_context():
        operator = f.organization(name="Northern Grid", short_name="NGRID")
        client = f.organization(name="Grid Client Co", short_name="GCLI", parent=operator)
        authority = f.organization(name="National CSIRT", short_name="NCSIRT", is_authority=True)
        third = f.organization(name="Third Water", short_name="TWAT")
        people = {
            "operator_coordinator": f.user(role=Role.COORDINATOR, organization=operator),
            "operator_member": f.user(role=Role.MEMBER, organization=operator),
            "operator_executive": f.user(role=Role.EXECUTIVE, organization=operator),
            "client_member": f.user(role=Role.MEMBER, organization=client),
            "authority_coordinator": f.user(role=Role.COORDINATOR, organization=authority),
            "authority_member": f.user(role=Role.MEMBER, organization=authority),
            "third_coordinator": f.user(role=Role.COORDINATOR, organization=third),
            "admin": f.user(role=Role.ADMIN, organization=third),
        }
        created = f.incident_report(created_by=people["operator_coordinator"], authority=authority,
                                    aware_at=utcnow() - timedelta(hours=aware_hours_ago), **report)
        world.emails = {name: user.email for name, user in people.items()}
        world.report_id, world.operator_id, world.authority_id = created.id, operator.id, authority.id
    return world


def client(app, world: IncidentWorld, who: str):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == world.emails[who]))
        return app.test_client(user=user)


def person(world: IncidentWorld, who: str) -> User:
    """Inside an app context."""
    return db.session.scalar(sa.select(User).where(User.email == world.emails[who]))
