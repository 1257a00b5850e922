"""Incident-response plans over the API: write a draft with its sections (stale versions refused), submit it
for review and have another coordinator approve it (four eyes), download the same PDF bytes as the page;
a plan the reader may not read stays 404, PDF included.
"""
from app.extensions import db
from app.models import TLP
from app.models import IncidentPlan
from app.models import PlanStatus
from app.models import Role
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def test_draft_sections_review_approval_and_the_pages_own_pdf(app, client, client_as):
    with app.app_context():
        owner, covered = factories.organization(name="Water"), factories.organization(name="Grid")
        author = factories.user(role=Role.COORDINATOR, organization=owner)
        approver = factories.user(role=Role.COORDINATOR, organization=owner)
        stranger = factories.user(role=Role.COORDINATOR, organization=factories.organization(name="Telecom"))
        auth, approver_auth = bearer(token_for(author)), bearer(token_for(approver))
        stranger_auth, covered_id = bearer(token_for(stranger)), covered.id
        page = client_as(author)
    nulled = client.post("/api/v1/incident-plans/", json={"title": "Nulls", "scope": None, "tlp": None}, headers=auth)
    assert nulled.status_code == 422 and {e["field"] for e in nulled.json["errors"]} == {"scope", "tlp"}
    created = client.post("/api/v1/incident-plans/", json={
        "title": "Ransomware playbook", "scope": "SCADA", "tlp": "amber", "sectors": ["water", "water"],
        "covered_organization_ids": [covered_id]}, headers=auth)
    assert created.status_code == 201, created.json
    plan, url = created.json, created.headers["Location"]
    assert plan["status"] == "draft" and plan["sectors"] == ["water"] and plan["sections"] == []
    assert [o["name"] for o in plan["covered_organizations"]] == ["Grid"]
    changed = client.patch(url, json={"scope": "SCADA and billing"}, headers={**auth, "If-Match": created.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["scope"] == "SCADA and billing"
    stale = client.patch(url, json={"title": "Lost"}, headers={**auth, "If-Match": created.headers["ETag"]})
    assert stale.status_code == 412
    section = client.post(f"{url}/sections/", json={"phase": "detection_analysis", "title": "Triage",
                                                     "body": "Call the duty officer."}, headers=auth)
    assert section.status_code == 201, section.json
    edited = client.patch(section.headers["Location"], json={"body": "Call the duty officer, then the CISO."},
                          headers={**auth, "If-Match": section.headers["ETag"]})
    assert edited.status_code == 200 and edited.json["version"] == 2
    assert client.patch(section.headers["Location"], json={"title": "Lost"},
                        headers={**auth, "If-Match": section.headers["ETag"]}).status_code == 412
    submitted = client.post(f"{url}/transitions", json={"status": "in_review"}, headers=auth)
    assert submitted.status_code == 200 and submitted.json["status"] == "in_review"
    locked = client.patch(url, json={"title": "Late"}, headers={**auth, "If-Match": submitted.headers["ETag"]})
    assert locked.status_code == 403
    own_approval = client.post(f"{url}/transitions", json={"status": "approved"}, headers=auth)
    assert own_approval.status_code == 403
    approved = client.post(f"{url}/transitions", json={"status": "approved"}, headers=approver_auth)
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["next_review_date"]
    assert [s["title"] for s in approved.json["sections"]] == ["Triage"]
    document = client.get(f"{url}.pdf", headers=auth)
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    assert document.data == page.get(f"/incident-plans/{plan['id']}.pdf").data
    assert client.get(url, headers=stranger_auth).status_code == 404
    assert client.get(f"{url}.pdf", headers=stranger_auth).status_code == 404
    with app.app_context():
        stored = db.session.get(IncidentPlan, plan["id"])
        assert stored.status is PlanStatus.APPROVED and stored.approver_id != stored.created_by_id


def test_a_red_plan_is_not_listed_or_read_by_a_colleague_who_is_no_recipient(app, client):
    with app.app_context():
        owner = factories.organization(name="Water")
        author = factories.user(role=Role.COORDINATOR, organization=owner)
        colleague = factories.user(role=Role.MEMBER, organization=owner)
        red = factories.incident_plan(created_by=author, tlp=TLP.RED, title="ZZ red plan")
        amber = factories.incident_plan(created_by=author, tlp=TLP.AMBER, title="ZZ amber plan")
        ids, auth = (red.id, amber.id), bearer(token_for(colleague))
    listed = client.get("/api/v1/incident-plans/?q=ZZ", headers=auth).json["items"]
    assert [p["id"] for p in listed] == [ids[1]]
    assert client.get(f"/api/v1/incident-plans/{ids[0]}", headers=auth).status_code == 404
