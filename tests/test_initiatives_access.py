"""Initiatives: who reaches what (AC-01/02 404 sweep, 403 for executives and members, AC-09 children)."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Initiative
from app.models import Milestone
from app.models import Role
from tests import factories


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


@pytest.fixture
def setup(app, client_as):
    """Org B's AMBER+STRICT initiative with a milestone; org A's coordinator, member and executive."""
    with app.app_context():
        org_a, org_b = factories.organization(name="Org A"), factories.organization(name="Org B")
        coord_b = factories.user(role=Role.COORDINATOR, organization=org_b)
        initiative = factories.initiative(created_by=coord_b, tlp=TLP.AMBER_STRICT, title="B only")
        db.session.add(Milestone(initiative_id=initiative.id, title="B milestone"))
        db.session.commit()
        ids = {"initiative": initiative.id, "milestone": initiative.milestones[0].id, "org_b": org_b.id}
        clients = {role: client_as(factories.user(role=role, organization=org_a))
                   for role in (Role.COORDINATOR, Role.MEMBER, Role.EXECUTIVE, Role.ADMIN)}
        clients["coord_b"] = client_as(coord_b)
        clients["member_b"] = client_as(factories.user(role=Role.MEMBER, organization=org_b))
        clients["exec_b"] = client_as(factories.user(role=Role.EXECUTIVE, organization=org_b))
    return ids, clients


def sub_routes(i: int, m: int) -> list[tuple[str, str, dict]]:
    return [
        ("GET", f"/initiatives/{i}", {}),
        ("GET", f"/initiatives/{i}/edit", {}),
        ("GET", f"/initiatives/{i}/history", {}),
        ("POST", f"/initiatives/{i}/edit", {"title": "Hijacked", "version": "1", "health": "green", "tlp": "clear"}),
        ("POST", f"/initiatives/{i}/health", {"health": "red", "health_reason": "hijacked", "version": "1"}),
        ("POST", f"/initiatives/{i}/status", {"new_status": "active"}),
        ("POST", f"/initiatives/{i}/archive", {}),
        ("POST", f"/initiatives/{i}/restore", {}),
        ("POST", f"/initiatives/{i}/milestones", {"title": "Injected"}),
        ("POST", f"/initiatives/{i}/milestones/{m}/edit", {f"m{m}-title": "Hijacked"}),
        ("POST", f"/initiatives/{i}/milestones/{m}/complete", {}),
        ("POST", f"/initiatives/{i}/milestones/{m}/reopen", {}),
        ("POST", f"/initiatives/{i}/milestones/{m}/delete", {}),
    ]



def _snapshot(app, ids):
    with app.app_context():
        ini = db.session.get(Initiative, ids["initiative"])
        milestones = [(m.id, m.title, m.completed_at) for m in ini.milestones]
        return ini.version, ini.updated_at, ini.title, ini.status, milestones, audit_count()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MEMBER, Role.EXECUTIVE])
def test_another_organisations_user_gets_404_on_every_sub_route_and_changes_nothing(app, setup, role):
    ids, clients = setup
    before = _snapshot(app, ids)
    for method, url, data in sub_routes(ids["initiative"], ids["milestone"]):
        response = clients[role].open(url, method=method, data=data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert _snapshot(app, ids) == before
    csv = clients[role].get("/initiatives/?format=csv").get_data(as_text=True)
    assert "B only" not in csv


def test_admin_cannot_read_a_red_initiative_not_addressed_to_them(app, setup):
    ids, clients = setup
    with app.app_context():
        ini = db.session.get(Initiative, ids["initiative"])
        ini.tlp = TLP.RED
        db.session.commit()
    assert clients[Role.ADMIN].get(f"/initiatives/{ids['initiative']}").status_code == 404


@pytest.mark.parametrize("who", ["member_b", "exec_b"])
def test_members_and_executives_of_a_participant_cannot_write(app, setup, who):
    ids, clients = setup
    client = clients[who]
    assert client.get(f"/initiatives/{ids['initiative']}").status_code == 200
    assert client.get("/initiatives/new").status_code == 403
    assert client.post("/initiatives/new", data={"title": "Nope"}).status_code == 403
    before = _snapshot(app, ids)
    for method, url, data in sub_routes(ids["initiative"], ids["milestone"]):
        if method == "POST" or url.endswith("/edit"):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (method, url, response.status_code)
    assert _snapshot(app, ids) == before
    html = client.get(f"/initiatives/{ids['initiative']}").get_data(as_text=True)
    assert "Add milestone" not in html and "Update health" not in html and 'value="active"' not in html


def test_milestone_of_another_initiative_is_404_even_when_both_are_visible(app, setup):
    ids, clients = setup
    with app.app_context():
        coord_b = db.session.get(Initiative, ids["initiative"]).created_by
        other = factories.initiative(created_by=coord_b, title="Other B")
        other_id = other.id
    for action in ("complete", "reopen", "delete", "edit"):
        response = clients["coord_b"].post(f"/initiatives/{other_id}/milestones/{ids['milestone']}/{action}",
                                           data={f"m{ids['milestone']}-title": "x"})
        assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Milestone, ids["milestone"]).title == "B milestone"


def test_restricted_risk_of_the_initiative_is_absent_from_its_page(app, client_as):
    """SECURITY AC-09: a TLP:RED risk of the initiative not addressed to the viewer does not show."""
    with app.app_context():
        org = factories.organization()
        coord = factories.user(role=Role.COORDINATOR, organization=org)
        viewer = factories.user(role=Role.COORDINATOR, organization=org)
        initiative = factories.initiative(created_by=coord, tlp=TLP.GREEN)
        factories.risk(created_by=coord, initiative=initiative, tlp=TLP.GREEN, title="Visible fence risk")
        factories.risk(created_by=coord, initiative=initiative, tlp=TLP.RED, title="Secret insider risk")
        stranger = factories.user(role=Role.COORDINATOR)
        factories.working_group(created_by=stranger, initiative=initiative, tlp=TLP.AMBER_STRICT,
                                name="Hidden working group")
        factories.working_group(created_by=coord, initiative=initiative, tlp=TLP.GREEN, name="Open working group")
        iid = initiative.id
        viewer_client, creator_client = client_as(viewer), client_as(coord)
    html = viewer_client.get(f"/initiatives/{iid}").get_data(as_text=True)
    assert "Visible fence risk" in html and "Secret insider risk" not in html
    assert "Open working group" in html and "Hidden working group" not in html
    assert "Secret insider risk" in creator_client.get(f"/initiatives/{iid}").get_data(as_text=True)


def test_agreement_shown_as_restricted_when_the_viewer_cannot_read_it(app, client_as):
    with app.app_context():
        coord = factories.user(role=Role.COORDINATOR)
        viewer = factories.user(role=Role.MEMBER)
        secret = factories.agreement(created_by=coord, tlp=TLP.AMBER_STRICT, title="Secret pact",
                                     reference="AGR-2026-0999")
        open_agreement = factories.agreement(created_by=coord, tlp=TLP.GREEN, title="Open pact",
                                             reference="AGR-2026-0998")
        hidden_link = factories.initiative(created_by=coord, tlp=TLP.GREEN, agreement=secret, title="Hidden link").id
        open_link = factories.initiative(created_by=coord, tlp=TLP.GREEN, agreement=open_agreement,
                                         title="Open link").id
        client = client_as(viewer)
    html = client.get(f"/initiatives/{hidden_link}").get_data(as_text=True)
    assert "Secret pact" not in html and "AGR-2026-0999" not in html and "Restricted" in html
    assert "AGR-2026-0998" in client.get(f"/initiatives/{open_link}").get_data(as_text=True)
    csv = client.get("/initiatives/?format=csv").get_data(as_text=True)
    assert "AGR-2026-0999" not in csv and "AGR-2026-0998" in csv
