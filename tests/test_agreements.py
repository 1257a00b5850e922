"""Agreements: create, edit (fields and parties), lifecycle, archive/restore, conflicts and audit."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import Organization
from app.models import PartyRole
from app.models import User
from app.models import today
from tests import factories
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


def _load(app, agreement_id):
    with app.app_context():
        agreement = db.session.scalars(sa.select(Agreement).where(Agreement.id == agreement_id)).one()
        return {"title": agreement.title, "status": agreement.status, "version": agreement.version,
                "reference": agreement.reference, "owner": agreement.owner_organization_id,
                "parties": {p.organization_id: (p.party_role, p.signatory_name, p.signatory_email)
                            for p in agreement.parties},
                "recipients": {u.id for u in agreement.recipients}, "archived": agreement.is_archived,
                "created_by": agreement.created_by_id, "sectors": [s.value for s in agreement.sectors],
                "auto_renew": agreement.auto_renew, "notice_days": agreement.notice_days}


def _new_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/agreements/(\d+)$", response.headers["Location"]).group(1))


# --- Create ------------------------------------------------------------------------------------


def test_create_adds_owner_as_lead_and_generates_reference(app, world):
    client = world.client(app, "coord_a")
    response = client.post("/agreements/new", data=form_data(parties=[
        (world.orgs["b"], "partner", "Jane Roe", "Director", "Jane@Bravo.example"),
        (None, "partner"), (None, "partner")]))
    data = _load(app, _new_id(response))
    assert re.fullmatch(rf"AGR-{today().year}-\d{{4}}", data["reference"])
    assert data["status"] is AgreementStatus.DRAFT
    assert data["owner"] == world.orgs["a"] and data["created_by"] == world.users["coord_a"]
    assert data["parties"] == {world.orgs["a"]: (PartyRole.LEAD, "", ""),
                               world.orgs["b"]: (PartyRole.PARTNER, "Jane Roe", "jane@bravo.example")}
    assert data["sectors"] == ["water"] and data["auto_renew"] is True and data["notice_days"] == 60


def test_create_keeps_another_lead_and_makes_owner_a_partner(app, world):
    client = world.client(app, "coord_a")
    data = _load(app, _new_id(client.post("/agreements/new", data=form_data(
        parties=[(world.orgs["b"], "lead")]))))
    assert data["parties"][world.orgs["a"]][0] is PartyRole.PARTNER
    assert data["parties"][world.orgs["b"]][0] is PartyRole.LEAD


def test_references_are_sequential(app, world):
    client = world.client(app, "coord_a")
    first = _load(app, _new_id(client.post("/agreements/new", data=form_data(title="One"))))["reference"]
    second = _load(app, _new_id(client.post("/agreements/new", data=form_data(title="Two"))))["reference"]
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_create_writes_audit_rows(app, world):
    client = world.client(app, "coord_a")
    agreement_id = _new_id(client.post("/agreements/new", data=form_data(parties=[(world.orgs["b"], "partner")])))
    actions = audit_actions(app, agreement_id)
    assert actions[0][0] == "agreement.created"
    assert ("agreement.party_added", "organization: Bravo Power; role: Partner") in actions
    assert ("agreement.party_added", "organization: Alpha Water; role: Lead") in actions


def test_form_shows_two_blank_party_rows_and_markdown_help(app, world):
    html = world.client(app, "coord_a").get("/agreements/new").get_data(as_text=True)
    assert 'name="parties-0-organization_id"' in html and 'name="parties-1-organization_id"' in html
    assert 'name="parties-2-organization_id"' not in html
    assert "Markdown" in html and "TLP:RED recipients" in html


def test_red_needs_recipients_and_keeps_them(app, world):
    client = world.client(app, "coord_a")
    response = client.post("/agreements/new", data=form_data(tlp="red"))
    assert response.status_code == 200 and "Name at least one recipient" in response.get_data(as_text=True)
    assert agreement_count(app) == 0
    reader = world.users["member_b"]
    data = _load(app, _new_id(client.post("/agreements/new", data=form_data(tlp="red", recipients=[str(reader)]))))
    assert data["recipients"] == {reader}


# --- Edit --------------------------------------------------------------------------------------


def _agreement(app, world, **kw):
    with app.app_context():
        coordinator = db.session.get(User, world.users["coord_a"])
        b = db.session.get(Organization, world.orgs["b"])
        kw.setdefault("parties", [(coordinator.organization, PartyRole.LEAD), b])
        return factories.agreement(created_by=coordinator, **kw).id


def _edit_body(app, agreement_id, **overrides):
    with app.app_context():
        return edit_data(db.session.get(Agreement, agreement_id), **overrides)


def test_edit_changes_fields_and_audits_them(app, world):
    agreement_id = _agreement(app, world, title="Old title")
    client = world.client(app, "coord_a")
    assert client.get(f"/agreements/{agreement_id}/edit").status_code == 200
    response = client.post(f"/agreements/{agreement_id}/edit",
                           data=_edit_body(app, agreement_id, title="New title", notice_days="120"))
    assert response.status_code == 302
    data = _load(app, agreement_id)
    assert data["title"] == "New title" and data["notice_days"] == 120 and data["version"] == 2
    updated = [s for a, s in audit_actions(app, agreement_id) if a == "agreement.updated"]
    assert len(updated) == 1 and "title: Old title → New title" in updated[0]
    assert "notice_days: 30 → 120" in updated[0]


def test_edit_form_lists_existing_parties_plus_two_blank_rows(app, world):
    agreement_id = _agreement(app, world)
    html = world.client(app, "coord_a").get(f"/agreements/{agreement_id}/edit").get_data(as_text=True)
    assert 'name="parties-3-organization_id"' in html and 'name="parties-4-organization_id"' not in html
    assert re.search(rf'<option selected value="{world.orgs["b"]}"|<option value="{world.orgs["b"]}" selected',
                     html)


def test_party_changes_are_audited_as_share_and_unshare(app, world):
    agreement_id = _agreement(app, world)
    client = world.client(app, "coord_a")
    body = _edit_body(app, agreement_id, parties=[(world.orgs["a"], "lead"), (world.orgs["c"], "observer", "Sam")])
    assert client.post(f"/agreements/{agreement_id}/edit", data=body).status_code == 302
    data = _load(app, agreement_id)
    assert set(data["parties"]) == {world.orgs["a"], world.orgs["c"]}
    assert data["version"] == 2  # party changes move the version too
    actions = audit_actions(app, agreement_id)
    assert ("agreement.party_removed", "organization: Bravo Power") in actions
    assert ("agreement.party_added", "organization: Charlie Telecom; role: Observer") in actions


def test_owner_cannot_be_removed_from_parties(app, world):
    agreement_id = _agreement(app, world)
    before = snapshot(app, agreement_id)
    body = _edit_body(app, agreement_id, parties=[(world.orgs["b"], "lead")])
    response = world.client(app, "coord_a").post(f"/agreements/{agreement_id}/edit", data=body)
    assert response.status_code == 200 and "stays a party" in response.get_data(as_text=True)
    assert snapshot(app, agreement_id) == before


@pytest.mark.parametrize("parties, message", [
    ([("a", "lead"), ("b", "partner"), ("b", "observer")], "only once"),
    ([("a", "lead"), ("b", "lead")], "Only one party can be the lead"),
    ([("a", "lead"), ("b", "partner", "", "Director")], "needs a name"),
    ([("a", "lead"), ("b", "partner", "Jo", "", "not-an-email")], "valid email"),
    ([("a", "lead"), (None, "partner", "Jo")], "Choose the organisation"),
    ([("a", "lead"), ("b", "chief")], "Not a valid choice"),
])
def test_party_rules_refuse_and_write_nothing(app, world, parties, message):
    agreement_id = _agreement(app, world)
    before = snapshot(app, agreement_id)
    rows = [(world.orgs[p[0]] if p[0] else None, *p[1:]) for p in parties]
    response = world.client(app, "coord_a").post(f"/agreements/{agreement_id}/edit",
                                                      data=_edit_body(app, agreement_id, parties=rows))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert snapshot(app, agreement_id) == before


def test_stale_edit_gets_conflict_page_and_overwrites_nothing(app, world):
    agreement_id = _agreement(app, world, title="Original")
    stale = _edit_body(app, agreement_id, title="Mine")
    client = world.client(app, "coord_a")
    assert client.post(f"/agreements/{agreement_id}/edit",
                       data=_edit_body(app, agreement_id, title="Theirs")).status_code == 302
    response = client.post(f"/agreements/{agreement_id}/edit", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Theirs" in html and "Mine" in html
    assert _load(app, agreement_id)["title"] == "Theirs"


def test_content_is_frozen_after_review(app, world):
    agreement_id = _agreement(app, world, status=AgreementStatus.APPROVED)
    client = world.client(app, "coord_a")
    html = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert f"/agreements/{agreement_id}/edit" not in html and "content of this agreement is frozen" in html
    before = snapshot(app, agreement_id)
    assert client.get(f"/agreements/{agreement_id}/edit").status_code == 403
    assert client.post(f"/agreements/{agreement_id}/edit",
                       data=_edit_body(app, agreement_id, title="Changed")).status_code == 403
    assert snapshot(app, agreement_id) == before


# --- Lifecycle ----------------------------------------------------------------------------------

LABELS = {"in_review": "Submit for review", "draft": "Request changes", "approved": "Approve",
          "out_for_signature": "Issue for signature", "expired": "Mark expired", "terminated": "Terminate", "cancelled": "Cancel"}


@pytest.mark.parametrize("start, buttons", [
    ("draft", {"in_review", "cancelled"}),
    ("in_review", {"draft", "approved", "cancelled"}),
    ("approved", {"cancelled"}),  # issuing for signature is a form (signatories), linked, not a button
    ("out_for_signature", set()),  # signing, not a button, makes it active or sends it back to draft
    ("active", {"expired", "terminated"}),
    ("expired", set()), ("terminated", set()), ("cancelled", set()),
])
def test_detail_shows_only_allowed_transition_buttons(app, world, start, buttons):
    agreement_id = _agreement(app, world, status=AgreementStatus(start))
    # A party's coordinator: the author (coord_a) may not approve what they put in review (four eyes).
    html = world.client(app, "coord_b").get(f"/agreements/{agreement_id}").get_data(as_text=True)
    shown = set(re.findall(r'name="new_status" value="([a-z_]+)"', html))
    assert shown == buttons
    for target in buttons:
        assert LABELS[target] in html
    assert (f"/agreements/{agreement_id}/issue-for-signature" in html) is (start == "approved")
    assert "Mark as signed" not in html


def test_full_lifecycle_with_audit(app, world):
    agreement_id = _agreement(app, world)
    client = world.client(app, "coord_b")  # a coordinator of a party may move it too
    other = world.client(app, "coord_a")  # four eyes: whoever submitted a version does not approve it
    for target in ("in_review", "draft", "in_review", "approved"):
        response = (other if target == "approved" else client).post(
            f"/agreements/{agreement_id}/status", data={"new_status": target, "comment": "Tighten clause 4."})
        assert response.status_code == 302
        assert _load(app, agreement_id)["status"].value == target
    # Issuing for signature goes through the signatory form (tests/test_signing_flow.py walks the rest).
    response = client.post(f"/agreements/{agreement_id}/status", data={"new_status": "out_for_signature"})
    assert response.headers["Location"].endswith(f"/agreements/{agreement_id}/issue-for-signature")
    assert client.post(f"/agreements/{agreement_id}/status", data={"new_status": "cancelled"}).status_code == 302
    changes = [s for a, s in audit_actions(app, agreement_id) if a == "agreement.status_changed"]
    assert changes[0] == "status: Draft → In review" and changes[-1] == "status: Approved → Cancelled"


@pytest.mark.parametrize("start, target", [("draft", "active"), ("draft", "approved"), ("active", "draft"),
                                           ("cancelled", "draft"), ("expired", "active")])
def test_refused_transition_is_flashed_and_changes_nothing(app, world, start, target):
    agreement_id = _agreement(app, world, status=AgreementStatus(start))
    before = snapshot(app, agreement_id)
    client = world.client(app, "coord_a")
    response = client.post(f"/agreements/{agreement_id}/status", data={"new_status": target},
                           follow_redirects=True)
    assert response.status_code == 200 and "cannot go from" in response.get_data(as_text=True)
    assert snapshot(app, agreement_id) == before


def test_unknown_status_value_is_refused_without_500(app, world):
    agreement_id = _agreement(app, world)
    before = snapshot(app, agreement_id)
    client = world.client(app, "coord_a")
    for value in ("approved'; DROP TABLE agreements;--", "", "ACTIVE"):
        response = client.post(f"/agreements/{agreement_id}/status", data={"new_status": value},
                               follow_redirects=True)
        assert response.status_code == 200 and "Unknown status" in response.get_data(as_text=True)
    assert snapshot(app, agreement_id) == before


def test_members_and_executives_cannot_move_or_see_buttons(app, world):
    agreement_id = _agreement(app, world)
    for name in ("member_a", "exec_a", "member_b"):
        client = world.client(app, name)
        html = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
        assert 'name="new_status"' not in html and "/edit" not in html
        assert client.post(f"/agreements/{agreement_id}/status", data={"new_status": "in_review"}).status_code == 403
    assert _load(app, agreement_id)["status"] is AgreementStatus.DRAFT


# --- Archive and restore ------------------------------------------------------------------------


def test_archive_and_restore(app, world):
    agreement_id = _agreement(app, world, title="Archivable")
    client = world.client(app, "coord_a")
    assert client.post(f"/agreements/{agreement_id}/archive").status_code == 302
    assert _load(app, agreement_id)["archived"]
    assert "Archivable" not in client.get("/agreements/").get_data(as_text=True)
    assert "Archivable" in client.get("/agreements/?archived=1").get_data(as_text=True)
    html = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert "is archived" in html and 'name="new_status"' not in html
    assert client.post(f"/agreements/{agreement_id}/status", data={"new_status": "in_review"}).status_code == 403
    assert client.post(f"/agreements/{agreement_id}/restore").status_code == 302
    assert not _load(app, agreement_id)["archived"]
    actions = [a for a, _ in audit_actions(app, agreement_id)]
    assert actions[-2:] == ["agreement.archived", "agreement.restored"]


def test_detail_page_shows_everything(app, world):
    with app.app_context():
        coordinator = db.session.get(User, world.users["coord_a"])
        b = db.session.get(Organization, world.orgs["b"])
        agreement = factories.agreement(
            created_by=coordinator, status=AgreementStatus.ACTIVE, tlp=TLP.GREEN, summary="Plain <b>summary</b>",
            terms="## Purpose\n\nHelp **each other**.\n\n<script>alert(1)</script>", sectors=["water"],
            effective_date=today() - timedelta(days=10), expiry_date=today() + timedelta(days=30))
        agreement.parties.append(AgreementParty(organization=b, party_role=PartyRole.PARTNER,
                                                signatory_name="Jane Roe", signatory_title="Director"))
        db.session.commit()
        visible = factories.initiative(title="Visible initiative", agreement_id=agreement.id, tlp=TLP.GREEN)
        hidden = factories.initiative(title="Hidden initiative", agreement_id=agreement.id, tlp=TLP.AMBER_STRICT)
        agreement_id, _ = agreement.id, (visible.id, hidden.id)
    html = world.client(app, "member_a").get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert "<strong>each other</strong>" in html and "<script>alert(1)</script>" not in html
    assert "Plain &lt;b&gt;summary&lt;/b&gt;" in html
    assert "Expires in 30 days" in html and "TLP:GREEN" in html and "Jane Roe" in html and "Director" in html
    assert "Water and Wastewater Systems" in html and "Bravo Power" in html
    assert "Visible initiative" in html and "Hidden initiative" not in html
    assert f"/agreements/{agreement_id}/history" in html
