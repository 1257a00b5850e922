"""Agreement access control: out-of-scope 404 everywhere (AC-01/02), sharing lifecycle (AC-04),
mass assignment (AC-05), forged ids (AC-06), role rules (403), CSRF, and CSV = exactly the visible rows."""
import csv
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Organization
from app.models import PartyRole
from app.models import Role
from app.models import User
from app.models import utcnow
from config import CsrfTestConfig
from tests import factories
from tests.conftest import USING_POSTGRES
from tests.conftest import empty_all_tables
from tests.conftest import make_app
from tests.test_agreements_helpers import agreement_count
from tests.test_agreements_helpers import audit_actions
from tests.test_agreements_helpers import edit_data
from tests.test_agreements_helpers import form_data
from tests.test_agreements_helpers import make_world
from tests.test_agreements_helpers import snapshot


@pytest.fixture
def world(app):
    with app.app_context():
        return make_world()


def _make(app, world, owner="b", parties=(), **kw):
    """An agreement created by the coordinator of `owner`, with parties given by org key."""
    with app.app_context():
        creator = db.session.get(User, world.users[f"coord_{owner}"])
        orgs = [(db.session.get(Organization, world.orgs[key]), role) for key, role in parties]
        return factories.agreement(created_by=creator, parties=orgs, **kw).id


def _csv_references(client, query="") -> set[str]:
    response = client.get(f"/agreements/?format=csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Reference", "Title", "Kind", "Status", "TLP"]
    return {row[0] for row in rows[1:]}


def _reference(app, agreement_id):
    with app.app_context():
        return db.session.scalar(sa.select(Agreement.reference).where(Agreement.id == agreement_id))


# --- AC-01 / AC-02: another organisation's agreement is 404 on every sub-route -----------------------


def _every_route(agreement_id, body):
    return [("GET", f"/agreements/{agreement_id}", None), ("GET", f"/agreements/{agreement_id}/edit", None),
            ("GET", f"/agreements/{agreement_id}/history", None),
            ("POST", f"/agreements/{agreement_id}/edit", body),
            ("POST", f"/agreements/{agreement_id}/status", {"new_status": "in_review"}),
            ("POST", f"/agreements/{agreement_id}/status", {"new_status": "cancelled"}),
            ("POST", f"/agreements/{agreement_id}/archive", {}),
            ("POST", f"/agreements/{agreement_id}/restore", {})]


@pytest.mark.parametrize("tlp", [TLP.AMBER, TLP.AMBER_STRICT, TLP.RED])
@pytest.mark.parametrize("viewer", ["coord_a", "member_a", "exec_a", "member_d"])
def test_out_of_scope_agreement_is_404_everywhere_and_unchanged(app, world, tlp, viewer):
    agreement_id = _make(app, world, owner="b", parties=[("c", PartyRole.PARTNER)], tlp=tlp)
    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id), title="Hijacked")
    before = snapshot(app, agreement_id)
    client = world.client(app, viewer)
    for method, url, data in _every_route(agreement_id, body):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, (method, url)
    assert snapshot(app, agreement_id) == before
    assert _reference(app, agreement_id) not in _csv_references(client)


def test_admin_cannot_read_red_but_reads_amber_strict(app, world):
    red = _make(app, world, owner="b", tlp=TLP.RED)
    strict = _make(app, world, owner="b", tlp=TLP.AMBER_STRICT)
    client = world.client(app, "admin")
    assert client.get(f"/agreements/{red}").status_code == 404
    assert client.get(f"/agreements/{strict}").status_code == 200
    # Reading is not writing: an admin of a non-participating org cannot move it.
    assert client.post(f"/agreements/{strict}/status", data={"new_status": "in_review"}).status_code == 403


def test_nonexistent_agreement_is_404(app, world):
    client = world.client(app, "coord_a")
    assert client.get("/agreements/999999").status_code == 404
    assert client.post("/agreements/999999/status", data={"new_status": "in_review"}).status_code == 404


# --- Role rules: executives and members read but never write ----------------------------------------


@pytest.mark.parametrize("viewer", ["exec_a", "member_a"])
def test_executive_and_member_get_403_on_every_write(app, world, viewer):
    agreement_id = _make(app, world, owner="a", tlp=TLP.AMBER_STRICT)
    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id), title="Changed")
    before = snapshot(app, agreement_id)
    client = world.client(app, viewer)
    assert client.get(f"/agreements/{agreement_id}").status_code == 200
    assert client.get("/agreements/new").status_code == 403
    assert client.post("/agreements/new", data=form_data()).status_code == 403
    for method, url, data in _every_route(agreement_id, body)[1:]:
        if url.endswith("/history"):
            assert client.get(url).status_code == 200
            continue
        assert client.open(url, method=method, data=data).status_code == 403, (method, url)
    assert snapshot(app, agreement_id) == before
    assert agreement_count(app) == 1
    html = client.get("/agreements/").get_data(as_text=True)
    assert "New agreement" not in html


def test_coordinator_of_a_client_org_cannot_edit_parent_agreement(app, world):
    with app.app_context():
        org_d = db.session.get(Organization, world.orgs["d"])
        coord_d = factories.user(role=Role.COORDINATOR, organization=org_d).id
    agreement_id = _make(app, world, owner="a", tlp=TLP.AMBER)
    with app.app_context():
        client = app.test_client(user=db.session.get(User, coord_d))
    assert client.get(f"/agreements/{agreement_id}").status_code == 200  # AMBER reaches clients
    assert client.get(f"/agreements/{agreement_id}/edit").status_code == 403  # but they do not take part


# --- AC-04: removing a party removes its access on its next request ----------------------------------


def test_removed_party_loses_access_on_next_request(app, world):
    agreement_id = _make(app, world, owner="a", parties=[("a", PartyRole.LEAD), ("b", PartyRole.PARTNER)],
                         tlp=TLP.AMBER, title="Shared with Bravo")
    reference = _reference(app, agreement_id)
    member_b = world.client(app, "member_b")
    assert member_b.get(f"/agreements/{agreement_id}").status_code == 200
    assert reference in _csv_references(member_b)
    assert member_b.get(f"/agreements/{agreement_id}/edit").status_code == 403  # visible, not editable

    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id), parties=[(world.orgs["a"], "lead")])
    assert world.client(app, "coord_a").post(f"/agreements/{agreement_id}/edit", data=body).status_code == 302

    assert member_b.get(f"/agreements/{agreement_id}").status_code == 404
    assert member_b.get(f"/agreements/{agreement_id}/history").status_code == 404
    assert reference not in _csv_references(member_b)
    assert "Shared with Bravo" not in member_b.get("/agreements/?q=Bravo").get_data(as_text=True)
    assert ("agreement.party_removed", "organization: Bravo Power") in audit_actions(app, agreement_id)

    # Sharing again restores access, audited as a share.
    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id),
                         parties=[(world.orgs["a"], "lead"), (world.orgs["b"], "partner")])
    assert world.client(app, "coord_a").post(f"/agreements/{agreement_id}/edit", data=body).status_code == 302
    assert member_b.get(f"/agreements/{agreement_id}").status_code == 200
    assert audit_actions(app, agreement_id)[-1] == ("agreement.party_added",
                                                    "organization: Bravo Power; role: Partner")


# --- AC-05: mass assignment has no effect ----------------------------------------------------------------


def test_mass_assignment_on_create_is_ignored(app, world):
    client = world.client(app, "coord_a")
    response = client.post("/agreements/new", data=form_data(
        owner_organization_id=str(world.orgs["b"]), status="active", version="99", reference="AGR-1999-0001",
        id="4242", created_by_id=str(world.users["coord_b"]), archived_at="2020-01-01"))
    assert response.status_code == 302
    with app.app_context():
        agreement = db.session.scalars(sa.select(Agreement)).one()
        assert agreement.owner_organization_id == world.orgs["a"]
        assert agreement.status is AgreementStatus.DRAFT and agreement.version == 1
        assert agreement.reference != "AGR-1999-0001" and agreement.id != 4242
        assert agreement.created_by_id == world.users["coord_a"] and agreement.archived_at is None


def test_mass_assignment_on_edit_is_ignored(app, world):
    agreement_id = _make(app, world, owner="a", title="Before")
    reference = _reference(app, agreement_id)
    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id), title="After",
                         owner_organization_id=str(world.orgs["b"]), status="active", reference="AGR-1999-0001",
                         created_by_id=str(world.users["coord_b"]))
    assert world.client(app, "coord_a").post(f"/agreements/{agreement_id}/edit", data=body).status_code == 302
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.title == "After" and agreement.owner_organization_id == world.orgs["a"]
        assert agreement.status is AgreementStatus.DRAFT and agreement.reference == reference
        assert agreement.created_by_id == world.users["coord_a"]


# --- AC-06: forged ids are form errors, never writes ---------------------------------------------------


def test_forged_or_archived_party_organisation_is_refused(app, world):
    with app.app_context():
        archived = factories.organization(name="Gone Org", archived_at=utcnow()).id
    client = world.client(app, "coord_a")
    for forged in (999_999, archived, "abc"):
        response = client.post("/agreements/new", data=form_data(parties=[(forged, "partner")]))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Not a valid choice" in html or "Invalid Choice" in html
    assert agreement_count(app) == 0


def test_forged_recipient_is_refused(app, world):
    client = world.client(app, "coord_a")
    response = client.post("/agreements/new", data=form_data(tlp="red", recipients=["999999"]))
    assert response.status_code == 200 and "not a valid choice" in response.get_data(as_text=True)
    assert agreement_count(app) == 0


def test_status_change_without_csrf_token_is_refused(app):
    # `app` (unused) keeps the fixture's PostgreSQL cleanup in order; this test builds its own CSRF app.
    csrf_app = make_app(CsrfTestConfig)
    try:
        with csrf_app.app_context():
            world = make_world()
        agreement_id = _make(csrf_app, world, owner="a")
        client = world.client(csrf_app, "coord_a")
        assert client.post(f"/agreements/{agreement_id}/status", data={"new_status": "in_review"}).status_code == 400
        assert client.post(f"/agreements/{agreement_id}/archive").status_code == 400
        assert client.post("/agreements/new", data=form_data()).status_code in (200, 400)
        with csrf_app.app_context():
            agreement = db.session.get(Agreement, agreement_id)
            assert agreement.status is AgreementStatus.DRAFT and agreement.archived_at is None
            assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 1
    finally:
        if USING_POSTGRES:
            empty_all_tables(csrf_app)


# --- AC-03: the CSV holds exactly the rows each user may see ------------------------------------------

TLPS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def _expected(spec, viewer_org, viewer_id, parent_of, is_admin=False) -> bool:
    """The TLP rule of DESIGN.md written out independently of app/permissions.py."""
    tlp, participants, creator, recipients = spec
    if tlp is TLP.RED:
        return viewer_id == creator or viewer_id in recipients
    if is_admin or tlp in (TLP.CLEAR, TLP.GREEN):
        return True
    if tlp is TLP.AMBER:
        return viewer_org in participants or parent_of.get(viewer_org) in participants
    return viewer_org in participants


def test_csv_holds_exactly_the_visible_rows(app, world):
    specs = {}  # reference -> (tlp, participating org ids, creator id, recipient ids)
    with app.app_context():
        orgs = {key: db.session.get(Organization, oid) for key, oid in world.orgs.items()}
        for owner in ("a", "b", "c"):
            creator = db.session.get(User, world.users[f"coord_{owner}"])
            for tlp in TLPS:
                for partner in (None, "b" if owner != "b" else "c"):
                    parties = [orgs[partner]] if partner else []
                    agreement = factories.agreement(created_by=creator, tlp=tlp, parties=parties)
                    if tlp is TLP.RED and partner:
                        agreement.recipients = [db.session.get(User, world.users["member_a"])]
                        db.session.commit()
                    participants = {orgs[owner].id} | ({orgs[partner].id} if partner else set())
                    specs[agreement.reference] = (tlp, participants, creator.id,
                                                  {u.id for u in agreement.recipients})
        archived = factories.agreement(created_by=creator, tlp=TLP.CLEAR, archived_at=utcnow()).reference
        parent_of = {o.id: o.parent_id for o in orgs.values()}
        viewers = {name: (db.session.get(User, uid).organization_id, uid) for name, uid in world.users.items()}
    for name, (org_id, user_id) in viewers.items():
        expected = {ref for ref, spec in specs.items()
                    if _expected(spec, org_id, user_id, parent_of, is_admin=(name == "admin"))}
        client = world.client(app, name)
        assert _csv_references(client) == expected, name
        # The HTML list agrees with the CSV.
        html = client.get("/agreements/?per_page=100").get_data(as_text=True)
        assert {ref for ref in specs if f">{ref}<" in html} == expected, name
        assert archived not in html
    # Filters apply to the CSV too.
    client = world.client(app, "member_d")
    amber = {ref for ref, spec in specs.items() if spec[0] is TLP.AMBER
             and _expected(spec, viewers["member_d"][0], viewers["member_d"][1], parent_of)}
    assert amber and _csv_references(client, "&tlp=amber") == amber
