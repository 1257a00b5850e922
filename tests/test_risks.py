"""Risks: create, edit, next-review default, lifecycle, archive/restore, conflicts, audit, access."""
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Organization
from app.models import Risk
from app.models import RiskStatus
from app.models import Role
from app.models import User
from app.models import today
from app.models import utcnow
from tests import factories


@dataclass
class World:
    """Three organisations (A, B, C), a client of A, an admin organisation, and risks in every TLP."""

    ids: dict = field(default_factory=dict)  # user key -> user id
    risks: dict = field(default_factory=dict)  # risk key -> id
    refs: dict = field(default_factory=dict)  # risk key -> reference
    clients: dict = field(default_factory=dict)


def build_world(app, client_as) -> World:
    """Inside an app context; returns ids, references and signed-in clients."""
    world = World()
    with app.app_context():
        org_a = factories.organization(name="Org A")
        org_b = factories.organization(name="Org B")
        org_c = factories.organization(name="Org C")
        client_org = factories.organization(name="Client of A", parent=org_a)
        gov = factories.organization(name="Admin org")
        users = {
            "coord_a": factories.user(role=Role.COORDINATOR, organization=org_a),
            "member_a": factories.user(role=Role.MEMBER, organization=org_a),
            "exec_a": factories.user(role=Role.EXECUTIVE, organization=org_a),
            "coord_b": factories.user(role=Role.COORDINATOR, organization=org_b),
            "member_b": factories.user(role=Role.MEMBER, organization=org_b),
            "coord_c": factories.user(role=Role.COORDINATOR, organization=org_c),
            "member_c": factories.user(role=Role.MEMBER, organization=org_c),
            "client": factories.user(role=Role.MEMBER, organization=client_org),
            "admin": factories.user(role=Role.ADMIN, organization=gov),
        }
        positions = iter([(1, 1), (2, 3), (3, 3), (4, 4), (5, 5), (1, 5), (2, 2), (3, 4), (4, 5), (5, 1)])
        for owner in ("a", "b"):
            creator = users[f"coord_{owner}"]
            for tlp in TLP:
                likelihood, impact = next(positions)
                key = f"{owner}_{tlp.value}"
                risk = factories.risk(created_by=creator, tlp=tlp, title=f"Risk {key}",
                                      likelihood=likelihood, impact=impact)
                world.risks[key], world.refs[key] = risk.id, risk.reference
        db.session.get(Risk, world.risks["a_red"]).recipients = [users["member_a"]]
        db.session.get(Risk, world.risks["b_red"]).recipients = [users["member_c"]]
        # C takes part in B's AMBER risk through a mitigation assigned to it.
        factories.mitigation(risk=db.session.get(Risk, world.risks["b_amber"]), assigned_organization=org_c)
        archived = factories.risk(created_by=users["coord_a"], tlp=TLP.GREEN, title="Archived risk",
                                  archived_at=utcnow())
        world.risks["archived"], world.refs["archived"] = archived.id, archived.reference
        db.session.commit()
        world.ids = {key: u.id for key, u in users.items()}
        world.clients = {key: client_as(u) for key, u in users.items()}
    return world


# Who sees which (non-archived) risk: the TLP table of DESIGN.md, spelled out.
EXPECTED_VISIBLE = {
    "member_a": {"a_clear", "a_green", "a_amber", "a_amber_strict", "a_red", "b_clear", "b_green"},
    "coord_a": {"a_clear", "a_green", "a_amber", "a_amber_strict", "a_red", "b_clear", "b_green"},
    "member_b": {"a_clear", "a_green", "b_clear", "b_green", "b_amber", "b_amber_strict"},
    "member_c": {"a_clear", "a_green", "b_clear", "b_green", "b_amber", "b_red"},
    "client": {"a_clear", "a_green", "a_amber", "b_clear", "b_green"},
    "admin": {"a_clear", "a_green", "a_amber", "a_amber_strict", "b_clear", "b_green", "b_amber",
              "b_amber_strict"},
}


@pytest.fixture
def world(app, client_as) -> World:
    return build_world(app, client_as)


def risk_form(**overrides) -> dict:
    data = {"title": "Substation copper theft", "description": "Repeated **intrusions**.", "sector": "energy",
            "asset": "Substation 14", "threat": "Organised metal theft", "vulnerability": "Old fencing",
            "likelihood": "4", "impact": "4", "treatment": "mitigate", "residual_likelihood": "",
            "residual_impact": "", "initiative_id": "", "next_review_date": "", "tlp": "amber"}
    data.update(overrides)
    return data


def audit_count(app, object_type="risks", object_id=None) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.object_type == object_type)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == object_id)
        return db.session.scalar(stmt)


def csv_refs(client, query: str) -> set[str]:
    """References in the register's CSV export for ?query (the rows the user may see)."""
    response = client.get(f"/risks/?format=csv&{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.data.decode("utf-8-sig").splitlines()[1:]
    return {line.split(",", 1)[0] for line in lines if line}


def load_risk(app, risk_id) -> Risk:
    with app.app_context():
        risk = db.session.get(Risk, risk_id)
        db.session.expunge(risk)
        return risk


def test_coordinator_creates_risk_with_reference_score_level_and_review_default(app, world):
    response = world.clients["coord_a"].post("/risks/new", data=risk_form(
        owner_organization_id="999", status="closed", version="7", reference="X", created_by_id="1"))
    assert response.status_code == 302
    with app.app_context():
        risk = db.session.scalar(sa.select(Risk).where(Risk.title == "Substation copper theft"))
        assert risk.reference.startswith(f"RSK-{today().year}-")
        assert risk.score == 16 and risk.level.value == "high"
        assert risk.next_review_date == today() + timedelta(days=180)
        # Mass assignment has no effect.
        assert risk.owner_organization_id == db.session.get(Organization, risk.owner_organization_id).id
        assert risk.owner_organization.name == "Org A"
        assert risk.status is RiskStatus.OPEN and risk.version == 1 and risk.created_by_id == world.ids["coord_a"]
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "risk.created"))
        assert event.object_id == risk.id and "score: 16" in event.summary
        assert response.headers["Location"].endswith(f"/risks/{risk.id}")


@pytest.mark.parametrize("likelihood, impact, days", [(5, 5, 90), (4, 5, 90), (3, 4, 180), (2, 2, 360),
                                                      (1, 1, 360)])
def test_next_review_defaults_from_level(app, world, likelihood, impact, days):
    world.clients["coord_a"].post("/risks/new", data=risk_form(likelihood=str(likelihood), impact=str(impact)))
    with app.app_context():
        risk = db.session.scalar(sa.select(Risk).where(Risk.title == "Substation copper theft"))
        assert risk.next_review_date == today() + timedelta(days=days)


def test_explicit_review_date_is_kept_on_create(app, world):
    chosen = today() + timedelta(days=30)
    world.clients["coord_a"].post("/risks/new", data=risk_form(next_review_date=chosen.isoformat()))
    with app.app_context():
        assert db.session.scalar(sa.select(Risk.next_review_date).where(Risk.title.like("Substation%"))) == chosen


@pytest.mark.parametrize("field_name, value", [("likelihood", "0"), ("likelihood", "6"), ("likelihood", "x"),
                                               ("impact", "0"), ("impact", "6"), ("impact", ""),
                                               ("title", ""), ("title", "x" * 201), ("title", "bad\x00"),
                                               ("tlp", "purple"), ("treatment", "ignore"), ("sector", "moon"),
                                               ("residual_likelihood", "3"), ("initiative_id", "99999"),
                                               ("description", "x" * 100_001)])
def test_bad_input_is_a_form_error_and_writes_nothing(app, world, field_name, value):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
    response = world.clients["coord_a"].post("/risks/new", data=risk_form(**{field_name: value}))
    assert response.status_code == 200
    assert b"invalid-feedback" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == before


def test_red_risk_requires_recipients_and_records_them(app, world):
    response = world.clients["coord_a"].post("/risks/new", data=risk_form(tlp="red"))
    assert response.status_code == 200 and b"at least one recipient" in response.data
    response = world.clients["coord_a"].post("/risks/new", data=risk_form(
        tlp="red", recipients=[str(world.ids["member_b"])]))
    assert response.status_code == 302
    with app.app_context():
        risk = db.session.scalar(sa.select(Risk).where(Risk.title.like("Substation%")))
        assert [u.id for u in risk.recipients] == [world.ids["member_b"]]
    assert world.clients["member_b"].get(f"/risks/{risk.id}").status_code == 200
    assert world.clients["member_a"].get(f"/risks/{risk.id}").status_code == 404


def test_edit_updates_fields_and_audits_the_change(app, world):
    risk_id = world.risks["a_amber"]
    client = world.clients["coord_a"]
    page = client.get(f"/risks/{risk_id}/edit")
    assert page.status_code == 200
    risk = load_risk(app, risk_id)
    response = client.post(f"/risks/{risk_id}/edit", data=risk_form(
        title="Renamed risk", likelihood=str(risk.likelihood), impact=str(risk.impact),
        next_review_date=risk.next_review_date.isoformat() if risk.next_review_date else "",
        residual_likelihood="1", residual_impact="2", version=str(risk.version)))
    assert response.status_code == 302
    saved = load_risk(app, risk_id)
    assert saved.title == "Renamed risk" and saved.residual_score == 2 and saved.version == risk.version + 1
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "risk.updated",
                                                              AuditEvent.object_id == risk_id))
        assert "title: Risk a_amber → Renamed risk" in event.summary


def test_edit_says_nothing_changed_untouched_and_saved_when_only_the_recipients_change(app, world):
    from tests.browser_forms import browser_form_data

    risk_id = world.risks["a_red"]
    client = world.clients["coord_a"]
    with app.app_context():  # without a review date, saving sets one from the level: a change
        db.session.get(Risk, risk_id).next_review_date = today() + timedelta(days=30)
        db.session.commit()
    untouched = browser_form_data(client.get(f"/risks/{risk_id}/edit").get_data(as_text=True),
                                  lambda form: "app-form" in form["class"])
    before = audit_count(app, object_id=risk_id)
    answer = client.post(f"/risks/{risk_id}/edit", data=untouched, follow_redirects=True)
    assert "No changes to save." in answer.get_data(as_text=True) and audit_count(app, object_id=risk_id) == before
    answer = client.post(f"/risks/{risk_id}/edit", data={**untouched, "recipients": [str(world.ids["member_b"])]},
                         follow_redirects=True)
    assert "Risk saved." in answer.get_data(as_text=True)
    with app.app_context():
        assert [u.id for u in db.session.get(Risk, risk_id).recipients] == [world.ids["member_b"]]


def test_level_change_recomputes_untouched_review_date_but_keeps_a_chosen_one(app, world):
    risk_id = world.risks["a_green"]  # (2, 3): medium
    client = world.clients["coord_a"]
    with app.app_context():
        risk = db.session.get(Risk, risk_id)
        risk.next_review_date = today() + timedelta(days=300)
        db.session.commit()
    risk = load_risk(app, risk_id)
    client.post(f"/risks/{risk_id}/edit", data=risk_form(
        title=risk.title, tlp="green", likelihood="5", impact="5",
        next_review_date=risk.next_review_date.isoformat(), version=str(risk.version)))
    risk = load_risk(app, risk_id)
    assert risk.level.value == "critical" and risk.next_review_date == today() + timedelta(days=90)
    chosen = today() + timedelta(days=10)
    client.post(f"/risks/{risk_id}/edit", data=risk_form(
        title=risk.title, tlp="green", likelihood="1", impact="1", next_review_date=chosen.isoformat(),
        version=str(risk.version)))
    assert load_risk(app, risk_id).next_review_date == chosen


def test_stale_edit_is_a_conflict_and_overwrites_nothing(app, world):
    risk_id = world.risks["a_amber"]
    risk = load_risk(app, risk_id)
    client = world.clients["coord_a"]
    first = client.post(f"/risks/{risk_id}/edit", data=risk_form(
        title="First writer", likelihood="3", impact="3", version=str(risk.version)))
    assert first.status_code == 302
    second = client.post(f"/risks/{risk_id}/edit", data=risk_form(
        title="Second writer", likelihood="3", impact="3", version=str(risk.version)))
    assert second.status_code == 409
    assert b"First writer" in second.data and b"Second writer" in second.data
    assert load_risk(app, risk_id).title == "First writer"


def test_transitions_allowed_and_refused(app, world):
    risk_id = world.risks["a_amber"]
    client = world.clients["coord_a"]
    assert client.post(f"/risks/{risk_id}/status", data={"new_status": "mitigating"}).status_code == 302
    assert load_risk(app, risk_id).status is RiskStatus.MITIGATING
    client.post(f"/risks/{risk_id}/status", data={"new_status": "closed"})
    assert load_risk(app, risk_id).status is RiskStatus.CLOSED
    # closed -> accepted is not in the lifecycle: refused with a message, nothing written.
    events = audit_count(app, object_id=risk_id)
    response = client.post(f"/risks/{risk_id}/status", data={"new_status": "accepted"}, follow_redirects=True)
    assert b"cannot go from closed to accepted" in response.data
    assert load_risk(app, risk_id).status is RiskStatus.CLOSED and audit_count(app, object_id=risk_id) == events
    response = client.post(f"/risks/{risk_id}/status", data={"new_status": "bogus"})
    assert response.status_code == 302 and load_risk(app, risk_id).status is RiskStatus.CLOSED
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.summary).where(
            AuditEvent.action == "risk.status_changed", AuditEvent.object_id == risk_id)).all()
        assert actions == ["status: Open → Mitigating", "status: Mitigating → Closed"]


def test_detail_shows_only_allowed_transition_buttons(world):
    page = world.clients["coord_a"].get(f"/risks/{world.risks['a_amber']}").data.decode()
    assert 'value="mitigating"' in page and 'value="closed"' in page and 'value="open"' not in page
    assert 'name="new_status"' not in world.clients["member_a"].get(f"/risks/{world.risks['a_amber']}").data.decode()


def test_archive_and_restore(app, world):
    risk_id = world.risks["a_green"]
    client = world.clients["coord_a"]
    assert client.post(f"/risks/{risk_id}/archive").status_code == 302
    assert load_risk(app, risk_id).archived_at is not None
    assert world.refs["a_green"] not in csv_refs(client, "")
    assert world.refs["a_green"] in csv_refs(client, "archived=1")
    assert client.get(f"/risks/{risk_id}/edit").status_code == 403  # read-only while archived
    assert client.post(f"/risks/{risk_id}/restore").status_code == 302
    assert load_risk(app, risk_id).archived_at is None
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == risk_id,
                                                                        AuditEvent.object_type == "risks")).all()
        assert {"risk.archived", "risk.restored"} <= set(actions)


def test_history_page_lists_risk_events(world):
    risk_id = world.risks["a_amber"]
    world.clients["coord_a"].post(f"/risks/{risk_id}/status", data={"new_status": "accepted"})
    page = world.clients["member_a"].get(f"/risks/{risk_id}/history")
    assert page.status_code == 200 and b"Open \xe2\x86\x92 Accepted" in page.data


def _sub_routes(risk_id, mitigation_id):
    return [("get", f"/risks/{risk_id}"), ("get", f"/risks/{risk_id}/edit"), ("post", f"/risks/{risk_id}/edit"),
            ("get", f"/risks/{risk_id}/history"), ("post", f"/risks/{risk_id}/status"),
            ("post", f"/risks/{risk_id}/archive"), ("post", f"/risks/{risk_id}/restore"),
            ("get", f"/risks/{risk_id}/mitigations/new"), ("post", f"/risks/{risk_id}/mitigations/new"),
            ("get", f"/risks/{risk_id}/mitigations/{mitigation_id}/edit"),
            ("post", f"/risks/{risk_id}/mitigations/{mitigation_id}/edit"),
            ("post", f"/risks/{risk_id}/mitigations/{mitigation_id}/status"),
            ("post", f"/risks/{risk_id}/mitigations/{mitigation_id}/archive"),
            ("post", f"/risks/{risk_id}/mitigations/{mitigation_id}/restore")]


@pytest.mark.parametrize("key", ["a_amber_strict", "a_red", "b_amber"])
def test_out_of_scope_risk_is_404_on_every_sub_route_and_nothing_changes(app, world, key):
    risk_id = world.risks[key]
    with app.app_context():
        owner = db.session.get(Risk, risk_id).created_by
        mitigation = factories.mitigation(risk=db.session.get(Risk, risk_id),
                                          assigned_organization=owner.organization)
        mitigation_id, version = mitigation.id, db.session.get(Risk, risk_id).version
    before = audit_count(app) + audit_count(app, "mitigations")
    outsider = world.clients["coord_a" if key.startswith("b") else "coord_b"]
    if key == "a_red":
        outsider = world.clients["coord_c"]
    for method, url in _sub_routes(risk_id, mitigation_id):
        data = {"new_status": "closed", "title": "hijack", "effectiveness": "50"} if method == "post" else None
        response = getattr(outsider, method)(url, data=data)
        assert response.status_code == 404, (method, url)
    assert load_risk(app, risk_id).version == version
    assert audit_count(app) + audit_count(app, "mitigations") == before


def test_mitigation_of_another_risk_in_url_is_404(app, world):
    with app.app_context():
        mitigation = factories.mitigation(risk=db.session.get(Risk, world.risks["a_amber"]))
        mitigation_id = mitigation.id
    other = world.risks["a_green"]
    client = world.clients["coord_a"]
    assert client.get(f"/risks/{other}/mitigations/{mitigation_id}/edit").status_code == 404
    assert client.post(f"/risks/{other}/mitigations/{mitigation_id}/status",
                       data={"new_status": "in_progress", "effectiveness": "10"}).status_code == 404


@pytest.mark.parametrize("user_key", ["exec_a", "member_a"])
def test_executive_and_member_get_403_on_risk_writes(app, world, user_key):
    risk_id = world.risks["a_amber"]
    client = world.clients[user_key]
    version = load_risk(app, risk_id).version
    assert client.get("/risks/new").status_code == 403
    assert client.post("/risks/new", data=risk_form()).status_code == 403
    assert client.get(f"/risks/{risk_id}/edit").status_code == 403
    assert client.post(f"/risks/{risk_id}/edit", data=risk_form(version=str(version))).status_code == 403
    assert client.post(f"/risks/{risk_id}/status", data={"new_status": "closed"}).status_code == 403
    assert client.post(f"/risks/{risk_id}/archive").status_code == 403
    assert client.get(f"/risks/{risk_id}/mitigations/new").status_code == 403
    assert load_risk(app, risk_id).version == version


def test_coordinator_of_non_participating_org_cannot_edit_a_green_risk(world):
    risk_id = world.risks["a_green"]
    assert world.clients["coord_b"].get(f"/risks/{risk_id}").status_code == 200
    assert world.clients["coord_b"].get(f"/risks/{risk_id}/edit").status_code == 403


def test_initiative_link_uses_scoped_choices_and_hides_invisible_initiative(app, world):
    with app.app_context():
        coord_b = db.session.get(User, world.ids["coord_b"])
        hidden = factories.initiative(created_by=coord_b, tlp=TLP.AMBER_STRICT, title="Hidden initiative")
        coord_a = db.session.get(User, world.ids["coord_a"])
        shown = factories.initiative(created_by=coord_a, tlp=TLP.GREEN, title="Shown initiative")
        hidden_id, shown_id = hidden.id, shown.id
    client = world.clients["coord_a"]
    response = client.post("/risks/new", data=risk_form(initiative_id=str(hidden_id)))
    assert response.status_code == 200 and b"Not a valid choice" in response.data
    assert client.post("/risks/new", data=risk_form(initiative_id=str(shown_id))).status_code == 302
    with app.app_context():
        risk = db.session.get(Risk, world.risks["b_green"])
        risk.initiative_id = hidden_id
        db.session.commit()
    page = client.get(f"/risks/{world.risks['b_green']}").data.decode()
    assert "Hidden initiative" not in page
