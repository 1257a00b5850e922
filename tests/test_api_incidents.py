"""Incident reports over the API, as an operator's ticketing tool and an authority's case system use them: file a
report, update it (a stale version refused), submit the early warning (a replay refused), the authority
acknowledges and asks for an intermediate report, the stage's PDF is the page's own bytes; another partner gets 404.
"""
from datetime import timedelta

from app.extensions import db
from app.models import IncidentReport
from app.models import IncidentStatus
from app.models import Role
from app.models import StageKind
from app.models import utcnow
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def test_file_update_submit_acknowledge_request_and_the_stage_pdf(app, client, client_as):
    with app.app_context():
        operator = factories.organization(name="Water")
        authority = factories.organization(name="National CSIRT", is_authority=True)
        reporter = factories.user(role=Role.COORDINATOR, organization=operator)
        handler = factories.user(role=Role.COORDINATOR, organization=authority)
        stranger = factories.user(role=Role.COORDINATOR, organization=factories.organization(name="Telecom"))
        auth, csirt, other = (bearer(token_for(u)) for u in (reporter, handler, stranger))
        authority_id, page = authority.id, client_as(reporter)
    aware = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    body = {"authority_organization_id": authority_id, "title": "Pump control outage", "sectors": ["water"],
            "aware_at": aware.isoformat(), "geographic_spread": "cross_border", "countries_affected": "be"}
    one_country = client.post("/api/v1/incidents/", json=body, headers=auth)
    assert one_country.status_code == 422 and one_country.json["errors"][0]["field"] == "countries_affected"
    future = client.post("/api/v1/incidents/", json={**body, "countries_affected": "be, fr",
                                                     "aware_at": (utcnow() + timedelta(hours=1)).isoformat()},
                         headers=auth)
    assert future.status_code == 422 and future.json["errors"][0]["field"] == "aware_at"
    filed = client.post("/api/v1/incidents/", json={**body, "countries_affected": "be, fr"}, headers=auth)
    assert filed.status_code == 201, filed.json
    report, url = filed.json, filed.headers["Location"]
    assert report["countries_affected"] == "BE,FR" and report["tlp"] == "amber_strict"
    assert [s["kind"] for s in report["stages"]] == ["early_warning", "notification"]
    updated = client.patch(url, json={"users_affected": 1200}, headers={**auth, "If-Match": filed.headers["ETag"]})
    assert updated.status_code == 200 and updated.json["users_affected"] == 1200
    assert client.patch(url, json={"duration": 5}, headers={**auth, "If-Match": filed.headers["ETag"]}).status_code == 412
    warning = {"kind": "early_warning", "body": "Pumps stopped.", "malicious_suspected": True,
               "cross_border_suspected": False}
    incomplete = client.post(f"{url}/stages/", json={"kind": "early_warning", "body": "x"},
                             headers={**auth, "If-Match": updated.headers["ETag"]})
    assert incomplete.status_code == 422 and incomplete.json["errors"][0]["field"] == "malicious_suspected"
    sent = client.post(f"{url}/stages/", json=warning, headers={**auth, "If-Match": updated.headers["ETag"]})
    assert sent.status_code == 201, sent.json
    assert sent.json["submitted_at"] and sent.json["document_id"] and sent.json["malicious_suspected"] is True
    replay = client.post(f"{url}/stages/", json=warning, headers={**auth, "If-Match": updated.headers["ETag"]})
    assert replay.status_code == 412
    stage_id = sent.json["id"]
    assert client.post(f"{url}/stages/{stage_id}/acknowledgement", json={}, headers=auth).status_code == 403
    acknowledged = client.post(f"{url}/stages/{stage_id}/acknowledgement", json={}, headers=csirt)
    assert acknowledged.status_code == 200 and acknowledged.json["stages"][0]["acknowledged_at"]
    due = (utcnow() + timedelta(days=3)).isoformat()
    asked = client.post(f"{url}/intermediate-requests", json={"due_at": due, "note": "Scope?"},
                        headers={**csirt, "If-Match": acknowledged.headers["ETag"]})
    assert asked.status_code == 200, asked.json
    assert [s["kind"] for s in asked.json["stages"] if s["requested_at"]] == ["intermediate"]
    assert client.post(f"{url}/intermediate-requests", json={"due_at": due},
                       headers={**auth, "If-Match": asked.headers["ETag"]}).status_code == 403
    pdf = client.get(sent.headers["Location"], headers=csirt)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == page.get(f"/incidents/{report['id']}/stages/{stage_id}.pdf").data
    contained = client.post(f"{url}/transitions", json={"status": "contained"}, headers=auth)
    assert contained.status_code == 200 and contained.json["status"] == "contained"
    for path in (url, sent.headers["Location"], "/api/v1/incidents/?q=Pump"):
        answer = client.get(path, headers=other)
        assert answer.status_code == 404 or answer.json["items"] == []
    with app.app_context():
        stored = db.session.get(IncidentReport, report["id"])
        assert stored.status is IncidentStatus.CONTAINED and stored.users_affected == 1200
        assert {s.kind for s in stored.stages if s.is_submitted} == {StageKind.EARLY_WARNING}
