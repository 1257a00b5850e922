"""Who sees and may change incident plans: 404 sweep (AC-01/02), 403 for members and executives,
CSV = exactly the visible rows, search and filters, review-overdue flag, constant query count."""
import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import IncidentPlan
from app.models import PlanStatus
from app.models import Role
from app.models import today
from tests import factories
from tests.test_incident_plans import PLAN_FORM
from tests.test_incident_plans import audit_rows
from tests.test_incident_plans import load
from tests.test_incident_plans import make_plan
from tests.test_incident_plans import setup_world


def plan_routes(app, plan_id: int, section_id: int, contact_id: int) -> list[tuple[str, str]]:
    """Every incident-plan route of one plan (PDF included once it exists), from the URL map."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/incident-plans/") or "<int:plan_id>" not in rule.rule:
            continue
        url = (rule.rule.replace("<int:plan_id>", str(plan_id)).replace("<int:section_id>", str(section_id))
               .replace("<int:contact_id>", str(contact_id)))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


POST_DATA = {"new_status": "in_review", "bump": "major", "direction": "up", "phase": "preparation",
             "title": "Hijack", "role": "R", "name": "N", "phone": "1", "escalation_tier": "1", **PLAN_FORM}


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.APPROVED])
def test_another_organisations_member_gets_404_on_every_sub_route(app, client_as, status):
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["energy"], tlp=TLP.AMBER, status=status)
        ids = plan.id, plan.sections[0].id, plan.contacts[0].id
        version = plan.version
        outsiders = [client_as(people[k]) for k in ("author", "member", "exec")]
    routes = plan_routes(app, *ids)
    assert len(routes) >= 16
    for client in outsiders:
        for method, url in routes:
            response = client.open(url, method=method, data=POST_DATA if method == "POST" else None)
            assert response.status_code == 404, (method, url)
    with app.app_context():
        plan = load(ids[0])
        assert plan.version == version and plan.status is status and audit_rows(ids[0]) == []
        assert len(plan.sections) == 3 and len(plan.contacts) == 1


def test_red_plan_is_404_even_for_its_organisation_unless_recipient(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["author"], tlp=TLP.RED)
        plan.recipients = [people["water"]]
        db.session.commit()
        plan_id = plan.id
        colleague, recipient = client_as(people["gov2"]), client_as(people["water"])
        admin = client_as(factories.user(role=Role.ADMIN, organization=orgs["gov"]))
    assert colleague.get(f"/incident-plans/{plan_id}").status_code == 404
    assert admin.get(f"/incident-plans/{plan_id}").status_code == 404
    assert recipient.get(f"/incident-plans/{plan_id}").status_code == 200


def test_members_and_executives_of_a_participating_org_get_403_on_writes(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        draft = make_plan(people["author"], covered=[orgs["water"]])
        approved = make_plan(people["author"], status=PlanStatus.APPROVED)
        in_review = make_plan(people["author"], status=PlanStatus.IN_REVIEW)
        ids = draft.id, draft.sections[0].id, draft.contacts[0].id
        approved_id, review_id = approved.id, in_review.id
        readers = [client_as(people["member"]), client_as(people["exec"])]
    for client in readers:
        html = client.get(f"/incident-plans/{ids[0]}").get_data(as_text=True)
        assert "Submit for review" not in html and "Add section" not in html and ">Edit<" not in html
        for method, url in plan_routes(app, *ids):
            if method == "POST" or url.endswith(("/edit", "/new")):
                response = client.open(url, method=method, data=POST_DATA if method == "POST" else None)
                assert response.status_code == 403, (method, url)
        assert client.post(f"/incident-plans/{approved_id}/revise").status_code == 403
        assert client.post(f"/incident-plans/{review_id}/status",
                           data={"new_status": "approved"}).status_code == 403
        assert client.get("/incident-plans/new").status_code == 403
        assert client.post("/incident-plans/new", data=PLAN_FORM).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentPlan.id))) == 3
        assert all(audit_rows(i) == [] for i in (ids[0], approved_id, review_id))


def build_tlp_world():
    """Org A (covers B) and org C each own one plan per TLP label; D is a client of A."""
    a, b, c = (factories.organization(name=n) for n in ("Org A", "Org B", "Org C"))
    d = factories.organization(name="Org D", parent=a)
    users = {k: factories.user(role=Role.COORDINATOR if k.endswith("coord") else Role.MEMBER, organization=o)
             for k, o in (("a_coord", a), ("b_member", b), ("c_coord", c), ("c_member", c), ("d_member", d))}
    users["admin"] = factories.user(role=Role.ADMIN, organization=a)
    for tlp in TLP:
        plan = factories.incident_plan(created_by=users["a_coord"], covered=[b], tlp=tlp,
                                       reference=f"IRP-A-{tlp.value}", title=f"A plan {tlp.value}")
        other = factories.incident_plan(created_by=users["c_coord"], tlp=tlp,
                                        reference=f"IRP-C-{tlp.value}", title=f"C plan {tlp.value}")
        if tlp is TLP.RED:
            plan.recipients, other.recipients = [users["c_member"]], [users["b_member"]]
    db.session.commit()
    return users


EXPECTED = {
    "a_coord": {"A-clear", "A-green", "A-amber", "A-amber_strict", "A-red", "C-clear", "C-green"},
    "b_member": {"A-clear", "A-green", "A-amber", "A-amber_strict", "C-clear", "C-green", "C-red"},
    "c_member": {"A-clear", "A-green", "A-red", "C-clear", "C-green", "C-amber", "C-amber_strict"},
    "d_member": {"A-clear", "A-green", "A-amber", "C-clear", "C-green"},
    "admin": {"A-clear", "A-green", "A-amber", "A-amber_strict", "C-clear", "C-green", "C-amber",
              "C-amber_strict"},
}


def csv_references(client, query: str = "") -> set[str]:
    response = client.get(f"/incident-plans/?format=csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {row["Reference"].removeprefix("IRP-") for row in rows}


def test_csv_holds_exactly_the_visible_rows(app, client_as):
    with app.app_context():
        users = build_tlp_world()
        clients = {k: client_as(u) for k, u in users.items()}
    for key, expected in EXPECTED.items():
        assert csv_references(clients[key]) == expected, key
        html = clients[key].get("/incident-plans/?per_page=50").get_data(as_text=True)
        assert {f"{o}-{t.value}" for o in "AC" for t in TLP if f"IRP-{o}-{t.value}<" in html} == expected, key
    assert csv_references(clients["b_member"], "&tlp=amber_strict") == {"A-amber_strict"}
    assert csv_references(clients["admin"], "&organization=999999") == set()


def test_search_and_filters(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        make_plan(people["author"], reference="IRP-2026-0001", title="Ransomware water", sectors=["water"],
                  tlp=TLP.GREEN, scope="Covers **SCADA** historians")
        make_plan(people["author"], reference="IRP-2026-0002", title="Telecom outage", sectors=["communications"],
                  covered=[orgs["water"]], status=PlanStatus.IN_REVIEW, tlp=TLP.CLEAR)
        make_plan(people["author"], reference="IRP-2026-0003", title="Grid plan", sectors=["energy"],
                  status=PlanStatus.APPROVED, next_review_date=today() - timedelta(days=2))
        make_plan(people["author"], reference="IRP-2026-0004", title="Fresh grid plan",
                  status=PlanStatus.APPROVED, next_review_date=today() + timedelta(days=30))
        archived = make_plan(people["author"], reference="IRP-2026-0005", title="Old flood plan")
        archived.archived_at = archived.created_at
        db.session.commit()
        client = client_as(people["gov2"])

    def refs(query: str) -> set[str]:
        return {r[-1] for r in csv_references(client, query)}

    assert refs("") == {"1", "2", "3", "4"}
    assert refs("&q=scada") == {"1"}  # scope is searched
    assert refs("&q=0002") == {"2"}  # reference is searched
    assert refs("&q=GRID+plan") == {"3", "4"}
    assert refs("&status=in_review") == {"2"}
    assert refs("&sector=energy") == {"3"}
    assert refs("&tlp=clear") == {"2"}
    assert refs(f"&organization={orgs_id(app, 'Water utility')}") == {"2"}
    assert refs("&review=due") == {"3"}
    assert refs("&archived=1") == {"5"}
    for junk in ("&status=nope", "&sector=moon", "&tlp=x", "&organization=abc", "&review=x", "&sort=zzz&dir=up",
                 "&page=-3", "&per_page=0"):
        assert client.get(f"/incident-plans/?{junk}").status_code == 200, junk
    html = client.get("/incident-plans/?sort=title&dir=asc").get_data(as_text=True)
    assert html.index("Fresh grid plan") < html.index("Grid plan") < html.index("Ransomware water")
    for key in ("reference", "version", "status", "next_review", "updated"):
        assert client.get(f"/incident-plans/?sort={key}&dir=desc").status_code == 200
    listing = client.get("/incident-plans/").get_data(as_text=True)
    assert listing.count("Review overdue") >= 1 and "Review overdue</span>" in listing
    assert "Review overdue" in client.get(f"/incident-plans/{plan_id_of(app, 'IRP-2026-0003')}").get_data(
        as_text=True)
    assert "Review overdue</span>" not in client.get(
        f"/incident-plans/{plan_id_of(app, 'IRP-2026-0004')}").get_data(as_text=True)


def orgs_id(app, name: str) -> int:
    from app.models import Organization
    with app.app_context():
        return db.session.scalar(sa.select(Organization.id).where(Organization.name == name))


def plan_id_of(app, reference: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(IncidentPlan.id).where(IncidentPlan.reference == reference))


def test_forged_covered_organisation_or_recipient_is_refused(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        gone = factories.organization(name="Archived org")
        gone.archived_at = gone.created_at
        inactive = factories.user(organization=orgs["water"], active=False)
        db.session.commit()
        plan = make_plan(people["author"])
        plan_id, version, gone_id, inactive_id = plan.id, plan.version, gone.id, inactive.id
        client = client_as(people["author"])
    for data in ({"covered_organization_ids": [str(gone_id)]}, {"covered_organization_ids": ["424242"]},
                 {"tlp": "red", "recipients": [str(inactive_id)]}):
        assert client.post("/incident-plans/new", data={**PLAN_FORM, **data}).status_code == 200
        response = client.post(f"/incident-plans/{plan_id}/edit", data={**PLAN_FORM, **data, "version": str(version)})
        assert response.status_code == 200 and "not a valid choice" in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentPlan.id))) == 1
        assert load(plan_id).version == version and load(plan_id).covered_organizations == []


def test_list_query_count_does_not_grow_with_rows(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        for n in range(60):
            factories.incident_plan(created_by=people["author"], covered=[orgs["water"], orgs["energy"]],
                                    title=f"Bulk plan {n}", reference=f"IRP-2026-{n + 1:04d}",
                                    approver=people["gov2"], status=PlanStatus.APPROVED,
                                    next_review_date=today() - timedelta(days=n % 3))
        client = client_as(people["gov2"])
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    counts = []
    for query in ("?per_page=5", "?per_page=50", "?per_page=5&format=csv", "?per_page=50&format=csv"):
        statements.clear()
        response = client.get(f"/incident-plans/{query}")
        assert response.status_code == 200
        if "csv" not in query:
            assert response.get_data(as_text=True).count("Bulk plan") == int(query.split("=")[1])
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[2] == counts[3]
