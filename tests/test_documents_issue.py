"""Issuing: the out_for_signature / in_review transitions store the exact PDF; every later download
returns those bytes (never a re-render), the SHA-256 is shown on the record page, scoping holds."""
import hashlib
import io

import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import AuditEvent
from app.models import Document
from app.models import IncidentPlan
from app.models import PartyRole
from app.models import Phase
from app.models import PlanSection
from app.models import PlanStatus
from app.models import Role
from tests import factories as f


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def approved_agreement(app):
    with app.app_context():
        org = f.organization(name="Grid Security Office")
        partner = f.organization(name="Coastal Power Cooperative")
        outsider = f.user(role=Role.COORDINATOR, organization=f.organization())
        coordinator = f.user(role=Role.COORDINATOR, organization=org)
        agreement = f.agreement(created_by=coordinator, parties=[(org, PartyRole.LEAD), partner],
                                title="Mutual aid for substations", status=AgreementStatus.APPROVED,
                                tlp=TLP.AMBER, terms="Each party sends crews on request.")
        agreement.parties[0].signatory_name = "Robin Grid"
        agreement.parties[1].signatory_name = "Casey Coast"
        db.session.commit()
        return agreement.id, app.test_client(user=coordinator), app.test_client(user=outsider)


def issue_for_signature(client, agreement_id):
    """Both parties sign on paper: the issue step needs no signatory accounts."""
    with client.application.app_context():
        orgs = db.session.scalars(sa.select(AgreementParty.organization_id)
                                  .where(AgreementParty.agreement_id == agreement_id)).all()
    return client.post(f"/agreements/{agreement_id}/issue-for-signature",
                       data={"mode": "sequential", **{f"signatory_{org}": "paper" for org in orgs}})


def test_issuing_for_signature_stores_the_exact_bytes_and_serves_them_unchanged(app):
    agreement_id, client, outsider = approved_agreement(app)
    response = issue_for_signature(client, agreement_id)
    assert response.status_code == 302
    with app.app_context():
        document = db.session.scalars(sa.select(Document).where(Document.object_id == agreement_id)).one()
        agreement = db.session.get(Agreement, agreement_id)
        stored, sha, document_id = document.content, document.sha256, document.id
        assert agreement.status is AgreementStatus.OUT_FOR_SIGNATURE
        assert document.object_type == "agreements" and document.kind == "agreement_for_signature"
        assert sha == hashlib.sha256(stored).hexdigest() and document.size == len(stored)
        assert document.version == agreement.revision and document.tlp is TLP.AMBER  # the version its pages print
        assert document.filename == f"{agreement.reference}_TLP-AMBER.pdf"
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "document.issued")).all()
        assert len(events) == 1 and sha in events[0].summary
    first = client.get(f"/agreements/{agreement_id}.pdf")
    second = client.get(f"/agreements/{agreement_id}.pdf")
    by_id = client.get(f"/documents/{document_id}.pdf")
    assert first.data == second.data == by_id.data == stored
    assert hashlib.sha256(first.data).hexdigest() == sha
    text = text_of(stored)
    assert "DRAFT" not in text and "issued for signature" in text
    assert text.count("Signed for and on behalf of") == 2
    page = client.get(f"/agreements/{agreement_id}")
    assert sha.encode() in page.data and f"/documents/{document_id}.pdf".encode() in page.data
    assert outsider.get(f"/documents/{document_id}.pdf").status_code == 404

    # Content is frozen after approval; even if a row changed underneath, the issue stays identical.
    with app.app_context():
        db.session.get(Agreement, agreement_id).title = "Changed behind the application's back"
        db.session.commit()
    client.post(f"/agreements/{agreement_id}/status", data={"new_status": "active"})
    again = client.get(f"/agreements/{agreement_id}.pdf")
    assert again.data == stored
    assert client.get(f"/documents/{document_id}.pdf").data == stored


def test_a_failed_render_rolls_the_transition_back(app):
    agreement_id, client, _ = approved_agreement(app)
    app.config["PDF_MAX_FIELD_CHARS"] = 10
    response = issue_for_signature(client, agreement_id)
    assert response.status_code == 413
    assert b"too large to render" in response.data
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status is AgreementStatus.APPROVED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0


def test_issuing_a_plan_for_review_stores_its_bytes(app):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        plan = f.incident_plan(created_by=coordinator, title="Pipeline IR plan", tlp=TLP.GREEN)
        plan.sections.append(PlanSection(phase=Phase.PREPARATION, title="Contacts", body="Keep current."))
        db.session.commit()
        plan_id = plan.id
        client = app.test_client(user=coordinator)
    response = client.post(f"/incident-plans/{plan_id}/status", data={"new_status": "in_review"})
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.get(IncidentPlan, plan_id)
        assert plan.status is PlanStatus.IN_REVIEW
        document = db.session.scalars(sa.select(Document).where(Document.object_type == "incident_plans")).one()
        stored, sha, document_id = document.content, document.sha256, document.id
        assert document.kind == "incident_plan_for_review" and document.version == plan.version
    first, second = client.get(f"/incident-plans/{plan_id}.pdf"), client.get(f"/incident-plans/{plan_id}.pdf")
    assert first.data == second.data == stored == client.get(f"/documents/{document_id}.pdf").data
    assert hashlib.sha256(first.data).hexdigest() == sha
    assert "issued for review" in text_of(stored)
    assert sha.encode() in client.get(f"/incident-plans/{plan_id}").data
