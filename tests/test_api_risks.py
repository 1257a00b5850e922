"""Risks and mitigations over the API, as a partner's program uses them: add a risk, change it (a stale
version refused), move it along its lifecycle, assign a mitigation to a partner whose person reports progress;
and what a reader never gets (a TLP:RED risk they are not a recipient of, an initiative they may not read).
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Mitigation
from app.models import Risk
from app.models import Role
from app.models import User
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def _world(app):
    with app.app_context():
        owner, partner = factories.organization(name="Water"), factories.organization(name="Grid")
        coordinator = factories.user(role=Role.COORDINATOR, organization=owner)
        engineer = factories.user(role=Role.MEMBER, organization=partner)
        stranger = factories.user(role=Role.COORDINATOR, organization=factories.organization(name="Telecom"))
        return {"partner": partner.id, "engineer": engineer.id, "auth": bearer(token_for(coordinator)),
                "engineer_auth": bearer(token_for(engineer)), "stranger_auth": bearer(token_for(stranger)),
                "coordinator": coordinator.id}


def test_create_update_with_a_stale_version_refused_then_transition(app, client):
    w = _world(app)
    created = client.post("/api/v1/risks/", json={"title": "Pump station flooding", "likelihood": 4, "impact": 5,
                                                  "treatment": "mitigate", "tlp": "amber"}, headers=w["auth"])
    assert created.status_code == 201, created.json
    risk = created.json
    assert risk["reference"].startswith("RSK-") and risk["score"] == 20 and risk["level"] == "critical"
    assert created.headers["Location"] == f"/api/v1/risks/{risk['id']}" and risk["next_review_date"]
    url, etag = created.headers["Location"], created.headers["ETag"]
    changed = client.patch(url, json={"impact": 2, "asset": "Pump station 4"}, headers={**w["auth"], "If-Match": etag})
    assert changed.status_code == 200 and changed.json["score"] == 8 and changed.json["asset"] == "Pump station 4"
    stale = client.patch(url, json={"title": "Lost update"}, headers={**w["auth"], "If-Match": etag})
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    assert client.patch(url, json={"title": "No precondition"}, headers=w["auth"]).status_code == 428
    half = client.patch(url, json={"residual_impact": 1}, headers={**w["auth"], "If-Match": changed.headers["ETag"]})
    assert half.status_code == 422 and half.json["errors"][0]["field"] == "residual_likelihood"
    moved = client.post(f"{url}/transitions", json={"status": "accepted"}, headers=w["auth"])
    assert moved.status_code == 200 and moved.json["status"] == "accepted"
    refused = client.post(f"{url}/transitions", json={"status": "accepted"}, headers=w["auth"])
    assert refused.status_code == 409
    with app.app_context():
        stored = db.session.get(Risk, risk["id"])
        assert stored.title == "Pump station flooding" and stored.impact == 2 and stored.status.value == "accepted"
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == risk["id"],
                                                                        AuditEvent.object_type == "risks")).all()
        assert sorted(actions) == ["risk.created", "risk.status_changed", "risk.updated"]


def test_a_mitigation_assigned_to_a_partner_whose_person_reports_progress(app, client):
    w = _world(app)
    risk = client.post("/api/v1/risks/", json={"title": "Grid outage", "likelihood": 3, "impact": 3},
                       headers=w["auth"]).json
    base = f"/api/v1/risks/{risk['id']}/mitigations/"
    assert client.get(f"/api/v1/risks/{risk['id']}", headers=w["engineer_auth"]).status_code == 404
    wrong = client.post(base, json={"title": "Backup feed", "assigned_organization_id": w["partner"],
                                    "assigned_user_id": w["coordinator"]}, headers=w["auth"])
    assert wrong.status_code == 422 and "organisation" in wrong.json["detail"]
    added = client.post(base, json={"title": "Backup feed", "assigned_organization_id": w["partner"],
                                    "assigned_user_id": w["engineer"], "due_date": "2027-01-31"}, headers=w["auth"])
    assert added.status_code == 201, added.json
    mitigation = added.json
    assert mitigation["assigned_organization"]["name"] == "Grid" and mitigation["status"] == "planned"
    url = added.headers["Location"]
    # The assigned organisation now participates: its person reads the risk and reports progress, but does not edit.
    assert client.get(f"/api/v1/risks/{risk['id']}", headers=w["engineer_auth"]).status_code == 200
    edit = client.patch(url, json={"title": "Mine"}, headers={**w["engineer_auth"], "If-Match": added.headers["ETag"]})
    assert edit.status_code == 403
    step = client.post(f"{url}/transitions", json={"status": "in_progress", "effectiveness": 40, "note": "Cabling"},
                       headers=w["engineer_auth"])
    assert step.status_code == 200, step.json
    assert step.json["status"] == "in_progress" and step.json["effectiveness"] == 40 and step.json["status_note"] == "Cabling"
    jump = client.post(f"{url}/transitions", json={"status": "verified"}, headers=w["engineer_auth"])
    assert jump.status_code == 409
    stale = client.patch(url, json={"due_date": None}, headers={**w["auth"], "If-Match": added.headers["ETag"]})
    assert stale.status_code == 412
    fresh = client.get(url, headers=w["auth"])
    assert client.patch(url, json={"due_date": None}, headers={**w["auth"], "If-Match": fresh.headers["ETag"]}).json[
        "due_date"] is None
    listed = client.get(base, headers=w["engineer_auth"]).json["items"]
    assert [m["id"] for m in listed] == [mitigation["id"]]
    assert client.get(url, headers=w["stranger_auth"]).status_code == 404
    with app.app_context():
        assert db.session.get(Mitigation, mitigation["id"]).effectiveness == 40


def test_a_reader_never_gets_a_risk_or_a_link_the_page_hides(app, client):
    w = _world(app)
    with app.app_context():
        coordinator = db.session.get(User, w["coordinator"])
        secret_initiative = factories.initiative(created_by=coordinator, tlp=TLP.RED, title="Hidden programme")
        red = factories.risk(created_by=coordinator, tlp=TLP.RED, title="ZZ red risk")
        clear = factories.risk(created_by=coordinator, tlp=TLP.CLEAR, title="ZZ clear risk",
                               initiative=secret_initiative)
        factories.mitigation(risk=clear, assigned_organization=coordinator.organization)
        ids = {"red": red.id, "clear": clear.id, "initiative": secret_initiative.id}
    seen = client.get("/api/v1/risks/?q=ZZ", headers=w["stranger_auth"]).json["items"]
    assert [r["id"] for r in seen] == [ids["clear"]] and seen[0]["initiative_id"] is None
    assert client.get(f"/api/v1/risks/{ids['red']}", headers=w["stranger_auth"]).status_code == 404
    assert client.get(f"/api/v1/risks/{ids['clear']}", headers=w["stranger_auth"]).json["initiative_id"] is None
    own = client.get(f"/api/v1/risks/{ids['clear']}", headers=w["auth"]).json
    assert own["initiative_id"] == ids["initiative"]
    assert {r["id"] for r in client.get("/api/v1/risks/?q=ZZ", headers=w["auth"]).json["items"]} == {ids["red"], ids["clear"]}
    assert [r["id"] for r in client.get("/api/v1/risks/?q=ZZ&tlp=red", headers=w["auth"]).json["items"]] == [ids["red"]]
    assert client.get(f"/api/v1/risks/{ids['clear']}/mitigations/", headers=w["stranger_auth"]).json["items"]
