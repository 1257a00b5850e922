"""An agreement's parties and signature requests through the API, as the edit form and the issue-for-signature
page change them: the same rules (the owner stays a party, observers never sign, only the parties' coordinators
issue), If-Match on the agreement's version, every change audited with the token's name, and no way to sign or
decline with a token (signing needs the signatory's password at that moment, on the page)."""
import hashlib

import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import AuditEvent
from app.models import Document
from app.models import SignatureRequest
from app.models import User
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.webhooks import delivery
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for
from tests.signing_helpers import approved_world
from tests.signing_helpers import document_bytes
from tests.signing_helpers import sign
from tests.signing_helpers import state


def _tokens(app, *people, write=True) -> list[str]:
    with app.app_context():
        return [token_for(db.session.get(User, person.id), write=write, name="Contract desk") for person in people]


def _hook(app, organization_id: int) -> None:
    """A webhook of the organisation hearing every agreement event (deliveries are written with the change)."""
    with app.app_context():
        db.session.add(WebhookEndpoint(organization_id=organization_id, url="https://hooks.example.org/in",
                                       events=["agreement.updated", "agreement.signature_requested"],
                                       secret_encrypted=delivery.SECRETS.encrypt("whsec_" + "A" * 44)))
        db.session.commit()


def _events(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(WebhookDelivery.event).order_by(WebhookDelivery.id)))


def _audit(app, agreement_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.via) for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == "agreements", AuditEvent.object_id == agreement_id).order_by(AuditEvent.id))]


def test_parties_are_added_and_removed_with_the_forms_rules(app, client):
    world = approved_world(app)
    with app.app_context():
        agreement = db.session.get(Agreement, world.agreement_id)
        agreement.status = AgreementStatus.DRAFT  # the edit form's parties change while the text is a draft
        db.session.commit()
        newcomer = factories.organization(name="Harbour Water").id
    _hook(app, world.partner_org)
    owner, observer, partner_member = _tokens(app, world.coordinator, world.observer_coordinator, world.partner_signer)
    url = f"/api/v1/agreements/{world.agreement_id}/parties/"
    listed = client.get(url, headers=bearer(owner))
    assert [p["party_role"] for p in listed.json["items"]] == ["lead", "partner", "observer"]
    new = {"organization_id": newcomer, "party_role": "partner", "signatory_name": "Hal Harbour"}

    assert client.post(url, json=new, headers=bearer(owner)).status_code == 428
    stale = client.post(url, json=new, headers={**bearer(owner), "If-Match": '"999"'})
    assert stale.status_code == 412
    for insider in (observer, partner_member):  # an observer's coordinator, a party's member: read, never write
        assert client.post(url, json=new, headers={**bearer(insider), "If-Match": listed.headers["ETag"]}
                           ).status_code == 403
    second_lead = client.post(url, json={**new, "party_role": "lead"},
                              headers={**bearer(owner), "If-Match": listed.headers["ETag"]})
    assert second_lead.status_code == 422 and "one party can be the lead" in second_lead.json["detail"]
    twice = client.post(url, json={"organization_id": world.partner_org},
                        headers={**bearer(owner), "If-Match": listed.headers["ETag"]})
    assert twice.status_code == 422 and twice.json["errors"][0]["field"] == "organization_id"
    unknown = client.post(url, json={"organization_id": 2**31 - 1},
                          headers={**bearer(owner), "If-Match": listed.headers["ETag"]})
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "parties.0.organization_id"

    added = client.post(url, json=new, headers={**bearer(owner), "If-Match": listed.headers["ETag"]})
    assert added.status_code == 201, added.json
    assert added.json["organization"]["id"] == newcomer and added.headers["ETag"] != listed.headers["ETag"]
    assert client.delete(f"{url}{world.lead_org}", headers={**bearer(owner), "If-Match": added.headers["ETag"]}
                         ).json["detail"].startswith("The owner organisation")
    assert client.delete(f"{url}{newcomer}", headers={**bearer(owner), "If-Match": listed.headers["ETag"]}
                         ).status_code == 412
    removed = client.delete(f"{url}{newcomer}", headers={**bearer(owner), "If-Match": added.headers["ETag"]})
    assert removed.status_code == 200 and newcomer not in [p["organization"]["id"] for p in removed.json["items"]]
    assert client.delete(f"{url}{newcomer}", headers={**bearer(owner), "If-Match": removed.headers["ETag"]}
                         ).status_code == 404
    assert _events(app) == ["agreement.updated", "agreement.updated"]  # as the edit form's saves announce them
    events = _audit(app, world.agreement_id)
    assert [action for action, _ in events if action.startswith("agreement.party")] == [
        "agreement.party_added", "agreement.party_removed"]
    assert all(via and "Contract desk" in via for action, via in events if action.startswith("agreement.party"))


def test_signature_requests_are_issued_by_a_signing_partys_coordinator_and_signed_only_on_the_page(app, client):
    world = approved_world(app)
    owner, observer, signatory, partner_coordinator = _tokens(
        app, world.coordinator, world.observer_coordinator, world.partner_signer, world.partner_coordinator)
    with app.app_context():
        read_only = token_for(db.session.get(User, world.coordinator.id), write=False)
    url = f"/api/v1/agreements/{world.agreement_id}/signature-requests"
    _hook(app, world.partner_org)
    body = {"mode": "sequential", "signatories": [
        {"organization_id": world.lead_org, "user_id": world.lead_signer.id, "title": "Director"},
        {"organization_id": world.partner_org, "user_id": world.partner_signer.id}]}
    assert client.get(url, headers=bearer(observer)).json["items"] == []

    for insider in (observer, signatory):  # an observer's coordinator; the signatory is a member, not a coordinator
        assert client.post(url, json=body, headers=bearer(insider)).status_code == 403
    assert client.post(url, json=body, headers=bearer(read_only)).status_code == 403
    as_observer = {**body, "signatories": [*body["signatories"], {"organization_id": world.observer_org,
                                                                   "user_id": None}]}
    refused = client.post(url, json=as_observer, headers=bearer(owner))
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "signatories.2.organization_id"
    foreign = {**body, "signatories": [body["signatories"][0], {"organization_id": world.partner_org,
                                                                "user_id": world.outsider.id}]}
    refused = client.post(url, json=foreign, headers=bearer(owner))
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "signatories.1.user_id"
    missing = client.post(url, json={"signatories": body["signatories"][:1]}, headers=bearer(owner))
    assert missing.status_code == 422 and "every signing party" in missing.json["detail"]
    assert state(app, world.agreement_id)[0] is AgreementStatus.APPROVED  # nothing was issued

    issued = client.post(url, json=body, headers=bearer(partner_coordinator))
    assert issued.status_code == 201, issued.json
    assert [(r["organization"]["id"], r["status"], r["order"], r["open"]) for r in issued.json["items"]] == [
        (world.lead_org, "pending", 1, True), (world.partner_org, "pending", 2, False)]
    assert client.post(url, json=body, headers=bearer(owner)).status_code == 409  # out for signature already
    assert _events(app) == ["agreement.signature_requested"]  # the page's event, once
    status, requests, documents = state(app, world.agreement_id)
    assert status is AgreementStatus.OUT_FOR_SIGNATURE and len(requests) == 2
    [sealed] = documents.values()  # the exact text, rendered once and sealed when it was issued
    assert {r["document_id"] for r in issued.json["items"]} == {sealed.id}
    download = client.get(f"/api/v1/documents/{sealed.id}/content", headers=bearer(observer))
    assert download.data == document_bytes(app, world.agreement_id, sealed.kind)
    assert hashlib.sha256(download.data).hexdigest() == sealed.sha256

    # Nothing under /api/ signs or declines: the signatory signs on the page, with their password.
    for path in ("sign", "decline", "signature-requests/1/signature"):
        assert client.post(f"/api/v1/agreements/{world.agreement_id}/{path}", json={},
                           headers=bearer(signatory)).status_code in (404, 405)
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 302
    listed = client.get(url, headers=bearer(signatory)).json["items"]
    assert [(r["status"], r["open"]) for r in listed] == [("signed", False), ("pending", True)]
    events = [(a, v) for a, v in _audit(app, world.agreement_id) if a == "signature.requested"]
    assert len(events) == 1 and "Contract desk" in events[0][1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SignatureRequest.id))) == 2
        assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 1
