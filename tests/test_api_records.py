"""What a program does with records through the API, as the pages would: an agreement drafted with its parties
(audited with the token's name), an issued document downloaded as the very bytes the page serves, an
initiative's fields changed while its links stay, lists walked page by page in a stable order."""
import hashlib

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementParty
from app.models import AuditEvent
from app.models import Document
from app.models import Initiative
from app.models import Organization
from app.models import Role
from app.models import User
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def _coordinator(app):
    with app.app_context():
        org = factories.organization(name="Riverbend Water")
        partner = factories.organization(name="Northgrid")
        user = factories.user(role=Role.COORDINATOR, organization=org)
        return user.id, org.id, partner.id, token_for(db.session.get(User, user.id), name="GRC sync")


def test_an_agreement_is_drafted_with_its_parties_and_audited_with_the_token(app, client):
    user_id, org_id, partner_id, secret = _coordinator(app)
    body = {"title": "Mutual aid for pumps", "kind": "mutual_aid", "tlp": "green", "sectors": ["water", "energy"],
            "parties": [{"organization_id": partner_id, "party_role": "partner", "signatory_name": "Ada Lovelace",
                         "signatory_email": "ADA@northgrid.example.com"}]}
    response = client.post("/api/v1/agreements/", json=body, headers=bearer(secret))
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"] == f"/api/v1/agreements/{created['id']}"
    assert created["status"] == "draft" and created["owner_organization"]["id"] == org_id
    assert [(p["organization"]["id"], p["party_role"]) for p in created["parties"]] == [(org_id, "lead"),
                                                                                          (partner_id, "partner")]
    with app.app_context():
        agreement = db.session.get(Agreement, created["id"])
        assert agreement.reference.startswith("AGR-") and agreement.tlp is TLP.GREEN
        assert agreement.parties[1].signatory_email == "ada@northgrid.example.com"
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "agreements",
                                                                AuditEvent.object_id == agreement.id)).all()
        assert {e.action for e in events} >= {"agreement.created", "agreement.party_added"}
        assert [(e.action, e.via) for e in events if "GRC sync" not in e.via or e.actor_id != user_id] == []
    forged = {**body, "parties": [{"organization_id": 999_999}]}
    refused = client.post("/api/v1/agreements/", json=forged, headers=bearer(secret))
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "parties.0.organization_id"
    assert client.post("/api/v1/agreements/", json={**body, "owner_organization_id": partner_id},
                       headers=bearer(secret)).status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AgreementParty.id))) == 2


def test_an_issued_document_is_downloaded_as_the_same_bytes_as_the_page(app, client, client_as):
    user_id, org_id, _, secret = _coordinator(app)
    content = b"%PDF-1.7\n% issued once\n%%EOF\n"
    with app.app_context():
        agreement = factories.agreement(created_by=db.session.get(User, user_id), tlp=TLP.AMBER)
        document = Document(object_type="agreements", object_id=agreement.id, kind="agreement", version=1,
                            reference=agreement.reference, filename="AGR.pdf", sha256=hashlib.sha256(content).hexdigest(),
                            size=len(content), content=content, tlp=TLP.AMBER, issuer_id=user_id)
        db.session.add(document)
        db.session.commit()
        agreement_id, document_id = agreement.id, document.id
        page = client_as(db.session.get(User, user_id)).get(f"/documents/{document_id}.pdf")
    listed = client.get(f"/api/v1/agreements/{agreement_id}/documents", headers=bearer(secret)).json["items"]
    assert [item["id"] for item in listed] == [document_id]
    download = client.get(listed[0]["content"], headers=bearer(secret))
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == page.data == content and hashlib.sha256(download.data).hexdigest() == listed[0]["sha256"]


def test_an_initiatives_update_keeps_its_links_and_participants(app, client):
    user_id, org_id, partner_id, secret = _coordinator(app)
    with app.app_context():
        coordinator = db.session.get(User, user_id)
        partner = db.session.get(Organization, partner_id)
        agreement = factories.agreement(created_by=coordinator)
        initiative = factories.initiative(created_by=coordinator, participants=[partner], agreement_id=agreement.id)
        initiative_id, version, agreement_id = initiative.id, initiative.version, agreement.id
    response = client.patch(f"/api/v1/initiatives/{initiative_id}", json={"health": "amber", "health_reason": "Late"},
                            headers={**bearer(secret), "If-Match": f'"{version}"'})
    assert response.status_code == 200, response.json
    assert response.json["health"] == "amber" and [p["id"] for p in response.json["participants"]] == [partner_id]
    assert response.json["agreement_id"] == agreement_id
    without_reason = client.patch(f"/api/v1/initiatives/{initiative_id}", json={"health": "red", "health_reason": ""},
                                  headers={**bearer(secret), "If-Match": response.headers["ETag"]})
    assert without_reason.status_code == 422
    with app.app_context():
        assert db.session.get(Initiative, initiative_id).health_reason == "Late"


def test_a_list_is_walked_page_by_page_in_a_stable_order(app, client):
    user_id, _, partner_id, secret = _coordinator(app)
    with app.app_context():
        coordinator = db.session.get(User, user_id)
        ids = [factories.agreement(created_by=coordinator, title=f"Water {n}").id for n in range(7)]
        factories.agreement(created_by=coordinator, title="Energy only")
    seen, url = [], "/api/v1/agreements/?q=water&limit=3"
    while url:
        page = client.get(url, headers=bearer(secret)).json
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
    assert seen == sorted(ids)
    parties = client.get(f"/api/v1/agreements/?organization={partner_id}", headers=bearer(secret)).json["items"]
    assert parties == []  # the page's filter: no agreement has the partner as a party
