"""Object-level access control: AC-01..06, AC-08, AC-09 (SECURITY.md section A).

Routes are walked from app.url_map with the ids of a seeded world (tests/security_world.py), so
sub-routes added later (comments, exports, …) are covered without editing this file.
"""
import csv
import io
import re

import pytest
import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementParty
from app.models import IncidentPlan
from app.models import Initiative
from app.models import Organization
from app.models import Risk
from app.models import Role
from app.models import User
from app.models import WorkingGroup
from tests import factories
from tests.conftest import drop_shared_app
from tests.conftest import make_app
from tests.conftest import shared_app
from tests.security_world import app_rules
from tests.security_world import build_url
from tests.security_world import client_for
from tests.security_world import db_snapshot
from tests.security_world import fill_form
from tests.security_world import page_forms
from tests.security_world import seed_world
from tests.security_world import snapshot_diff
from tests.security_world import write_methods

RECORD_PARAMETERS = {"agreement_id", "initiative_id", "working_group_id", "task_id", "risk_id", "mitigation_id",
                     "plan_id", "incident_plan_id", "document_id", "milestone_id", "section_id", "contact_id"}
KINDS = {  # list endpoint -> (model, scope)
    "agreements.index": (Agreement, permissions.visible_agreements),
    "initiatives.index": (Initiative, permissions.visible_initiatives),
    "working_groups.index": (WorkingGroup, permissions.visible_working_groups),
    "risks.index": (Risk, permissions.visible_risks),
    "incident_plans.index": (IncidentPlan, permissions.visible_incident_plans),
}


@pytest.fixture(scope="module")
def world_app(_postgres_schema):
    app = shared_app()
    yield app, seed_world(app)
    drop_shared_app(app)


def _record_rules(app, methods):
    return [r for r in app_rules(app) if set(r.arguments) & RECORD_PARAMETERS and methods(r)]


def test_ac01_cross_org_read_is_404(world_app):
    app, world = world_app
    failures = []
    for rule in _record_rules(app, lambda r: "GET" in r.methods):
        for role, ids in (("other_org", world.ids), ("member", world.b_ids)):
            response = client_for(app, world, role).get(build_url(rule, ids))
            if response.status_code != 404:
                failures.append(f"GET {build_url(rule, ids)} as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_ac02_cross_org_write_is_404_and_changes_nothing(world_app):
    app, world = world_app
    failures = []
    before = db_snapshot(app)
    for rule in _record_rules(app, write_methods):
        for method in write_methods(rule):
            url = build_url(rule, world.ids)
            response = client_for(app, world, "other_org").open(url, method=method, data={
                "title": "Hijacked", "new_status": "approved", "version": "1", "note": "x"})
            if response.status_code != 404:
                failures.append(f"{method} {url} as another org's member: {response.status_code}")
    after = db_snapshot(app)
    # authz_denied goes to the log, never to the audit trail: the audit count is unchanged too.
    assert after == before, snapshot_diff(before, after)
    assert not failures, "\n".join(failures)


def _extra_records(app, world):
    """Records of every TLP label across the three organisations and A's client."""
    with app.app_context():
        orgs = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
        coordinators = {
            short: factories.user(role=Role.COORDINATOR, organization=orgs[short]) for short in ("ORGA", "ORGB", "ORGC")}
        for short, coordinator in coordinators.items():
            for tlp in TLP:
                factories.agreement(created_by=coordinator, tlp=tlp, title=f"{short} {tlp.value}")
                factories.risk(created_by=coordinator, tlp=tlp, title=f"{short} {tlp.value}")
                factories.initiative(created_by=coordinator, tlp=tlp, title=f"{short} {tlp.value}")
                factories.working_group(created_by=coordinator, tlp=tlp, name=f"{short} {tlp.value}")
                factories.incident_plan(created_by=coordinator, tlp=tlp, title=f"{short} {tlp.value}")
        client_org = orgs["ACLI"]
        world.emails["client"] = factories.user(organization=client_org, email="member@client.example.org").email
        world.users["client"] = db.session.scalar(sa.select(User).where(User.email == "member@client.example.org"))


def test_ac03_lists_and_csv_return_exactly_the_visible_set():
    app = make_app()
    world = seed_world(app)
    _extra_records(app, world)
    failures = []
    for role in ("member", "other_org", "admin", "executive", "client"):
        client = client_for(app, world, role)
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == world.emails[role]))
            expected = {endpoint: set(db.session.scalars(scope(user).with_only_columns(model.reference)))
                        for endpoint, (model, scope) in KINDS.items()}
        for endpoint in KINDS:
            if endpoint not in app.view_functions:
                continue
            url = build_url(next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint), world.ids)
            response = client.get(url, query_string={"format": "csv"})
            assert response.status_code == 200, (endpoint, role, response.status_code)
            rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
            got = {row.get("Reference") for row in rows}
            if got != expected[endpoint]:
                failures.append(f"{endpoint} CSV as {role}: extra {sorted(got - expected[endpoint])}, "
                                f"missing {sorted(expected[endpoint] - got)}")
    assert not failures, "\n".join(failures)


def test_ac04_removing_a_party_removes_access_on_the_next_request(world_app):
    app = make_app()
    with app.app_context():
        owner = factories.user(role=Role.COORDINATOR)
        partner_org = factories.organization()
        partner = factories.user(organization=partner_org)
        agreement = factories.agreement(created_by=owner, tlp=TLP.AMBER, parties=[partner_org])
        agreement_id, partner_org_id = agreement.id, partner_org.id
        client = app.test_client(user=partner)
    assert client.get(f"/agreements/{agreement_id}").status_code == 200
    with app.app_context():
        db.session.execute(sa.delete(AgreementParty).where(AgreementParty.agreement_id == agreement_id,
                                                           AgreementParty.organization_id == partner_org_id))
        db.session.commit()
    for path in (f"/agreements/{agreement_id}", f"/agreements/{agreement_id}/history",
                 f"/agreements/{agreement_id}.pdf"):
        if any(r.rule.replace("<int:agreement_id>", str(agreement_id)) == path for r in app.url_map.iter_rules()):
            assert client.get(path).status_code == 404, path


def _create_rules(app):
    return [r for r in app_rules(app) if {"GET", "POST"} <= r.methods and r.endpoint.endswith(".create")
            and not r.endpoint.startswith(("organizations.", "users."))]


def _newest(app, table):
    with app.app_context():
        return db.session.execute(sa.select(table).order_by(table.c.id.desc()).limit(1)).mappings().first()


TABLES = {"agreements": "agreements", "initiatives": "initiatives", "working_groups": "working_groups",
          "risks": "risks", "incident_plans": "incident_plans"}


def test_ac05_mass_assignment_has_no_effect():
    app = make_app()
    world = seed_world(app)
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == world.emails["coordinator"]))
        org_a, coordinator_id = coordinator.organization_id, coordinator.id
    checked = 0
    for rule in _create_rules(app):
        table_name = TABLES.get(rule.endpoint.split(".")[0])
        if table_name is None:
            continue
        table = db.metadata.tables[table_name]
        client = client_for(app, world, "coordinator")
        url = build_url(rule, world.ids)
        forms = page_forms(client.get(url).get_data(as_text=True))
        data = fill_form(forms[0]["fields"], "Mass assignment probe")
        data.update({"owner_organization_id": world.b_ids["organization_id"], "org_id": 99, "owner_id": 99,
                     "id": 424242, "created_by_id": world.users["other_org"].id, "created_by": 99, "version": 77,
                     "status": "approved", "is_admin": "1", "role": "admin", "file_path": "/etc/passwd",
                     "archived_at": "2030-01-01", "reference": "AGR-1999-9999"})
        response = client.post(url, data=data)
        errors = re.findall(r'<div id="[^"]+-error"[^>]*>(.*?)</div>\s*</div>', response.get_data(as_text=True), re.S)
        assert response.status_code == 302, f"{rule.endpoint}: the probe was refused ({response.status_code}) {errors}"
        row = _newest(app, table)
        assert row["id"] != 424242 and row["owner_organization_id"] == org_a, rule.endpoint
        assert row["created_by_id"] == coordinator_id and row["version"] == 1, rule.endpoint
        assert row["archived_at"] is None and row.get("reference") != "AGR-1999-9999", rule.endpoint
        if "status" in row:
            assert row["status"] != "approved", rule.endpoint
        checked += 1
    assert checked, "no record create form exists yet"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.id == coordinator_id))
        assert user.role is Role.COORDINATOR


FOREIGN = {"agreement_id": "agreement_id", "initiative_id": "initiative_id", "working_group_id": "working_group_id",
           "risk_id": "risk_id", "assignee_id": "member_id", "assigned_user_id": "member_id"}


def test_ac06_a_foreign_id_in_a_related_field_is_a_form_error():
    app = make_app()
    world = seed_world(app)
    with app.app_context():
        hidden = factories.user(role=Role.MEMBER, organization=db.session.scalar(
            sa.select(Organization).where(Organization.id == world.b_ids["organization_id"])), active=False)
        world.b_ids["hidden_user"] = hidden.id
    probed = []
    for rule in [r for r in app_rules(app) if {"GET", "POST"} <= r.methods
                 and (r.endpoint.endswith(".create") or r.endpoint.split(".")[-1].startswith("add_"))
                 and not r.endpoint.startswith(("organizations.", "users."))]:
        client = client_for(app, world, "coordinator")
        url = build_url(rule, world.ids)
        forms = page_forms(client.get(url).get_data(as_text=True))
        if not forms:
            continue
        fields = forms[0]["fields"]
        related = [name for name in fields if name in FOREIGN]
        for name in related:
            data = fill_form(fields, "Smuggling probe")
            data[name] = str(world.b_ids[FOREIGN[name]])  # org B's AMBER record: invisible to A
            before = db_snapshot(app)
            response = client.post(url, data=data)
            assert response.status_code in (200, 400, 404, 409), (rule.endpoint, name, response.status_code)
            assert db_snapshot(app) == before, f"{rule.endpoint} accepted org B's {name}"
            probed.append(f"{rule.endpoint}:{name}")
    assert probed, "no create form has a related-record field yet"


def test_ac08_a_hidden_button_is_not_permission(world_app):
    app, world = world_app
    before = db_snapshot(app)
    executive, member = client_for(app, world, "executive"), client_for(app, world, "member")
    agreement = world.ids["agreement_id"]
    assert executive.post(f"/agreements/{agreement}/archive").status_code == 403
    assert executive.post(f"/agreements/{agreement}/edit", data={"title": "Changed"}).status_code == 403
    assert member.post(f"/risks/{world.ids['risk_id']}/archive").status_code == 403
    # A coordinator (the closest thing to an organisation admin) cannot change anyone's role.
    coordinator = client_for(app, world, "coordinator")
    target = world.users["other_org"].id
    assert coordinator.post(f"/users/{target}/edit", data={"role": "admin"}).status_code == 403
    assert db_snapshot(app) == before


def test_ac09_a_restricted_child_is_absent_from_its_visible_parent():
    app = make_app()
    with app.app_context():
        org = factories.organization()
        member = factories.user(organization=org)
        owner = factories.user(role=Role.COORDINATOR, organization=org)
        stranger = factories.user(role=Role.COORDINATOR)
        initiative = factories.initiative(created_by=owner, tlp=TLP.GREEN)
        factories.risk(created_by=stranger, tlp=TLP.RED, initiative=initiative, title="ZZRESTRICTEDRISK")
        factories.risk(created_by=stranger, tlp=TLP.AMBER_STRICT, initiative=initiative, title="ZZSTRICTRISK")
        factories.working_group(created_by=stranger, tlp=TLP.RED, initiative=initiative, name="ZZRESTRICTEDGROUP")
        initiative_id = initiative.id
        client = app.test_client(user=member)
    pages = [f"/initiatives/{initiative_id}", "/risks/", "/risks/?q=ZZ", "/working-groups/?q=ZZ", "/",
             "/risks/?format=csv", "/tasks/?scope=all"]
    for path in pages:
        response = client.get(path)
        if response.status_code == 404 and path != f"/initiatives/{initiative_id}":
            continue
        text = response.get_data(as_text=True)
        assert response.status_code == 200, path
        for secret in ("ZZRESTRICTEDRISK", "ZZSTRICTRISK", "ZZRESTRICTEDGROUP"):
            assert secret not in text, f"{secret} leaked on {path}"
    if "documents.initiative_status" in app.view_functions:
        from pypdf import PdfReader

        pdf = client.get(f"/initiatives/{initiative_id}/status-report.pdf")
        assert pdf.status_code == 200
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert "ZZRESTRICTED" not in text and "ZZSTRICT" not in text
