from app.models import TLP
from app.models import Role
from tests import factories


def test_dashboard_needs_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_factories_build_every_kind(app):
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        other = factories.organization()
        factories.agreement(created_by=coordinator, parties=[other], tlp=TLP.RED)
        factories.initiative(participants=[other])
        group = factories.working_group(members=[coordinator])
        factories.task(working_group=group, assignee=coordinator)
        factories.mitigation()
        factories.incident_plan(covered=[other])
