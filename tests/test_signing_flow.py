"""The signing flow over HTTP: issue with requests, sequential and parallel signing, decline, the
password and turn rules, the executed document and its seal."""
import hashlib
import io

import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pypdf import PdfReader

from app import seal
from app.extensions import db
from app.models import AgreementStatus
from app.models import SignatureRequest
from tests.signing_helpers import approved_world
from tests.signing_helpers import document_bytes
from tests.signing_helpers import issue
from tests.signing_helpers import pdf_text
from tests.signing_helpers import sign
from tests.signing_helpers import state

ISSUED, EXECUTED = "agreement_for_signature", "agreement_executed"


def test_sequential_flow_ends_in_a_sealed_executed_document_and_an_active_agreement(app):
    world = approved_world(app)
    response = issue(app, world, due="2099-01-31")
    assert response.status_code == 302, response.text
    status, requests, documents = state(app, world.agreement_id)
    assert status is AgreementStatus.OUT_FOR_SIGNATURE
    assert requests == [("pending", 1), ("pending", 2)]
    issued = document_bytes(app, world.agreement_id, ISSUED)
    with app.app_context():
        assert seal.check_seal(issued).ok  # issued documents are sealed too

    # Sequential: the partner waits for the lead.
    page = app.test_client(user=world.partner_signer).get(f"/agreements/{world.agreement_id}/sign")
    assert page.status_code == 200 and "not your turn yet" in page.text
    early = sign(app, world.partner_signer, world.agreement_id)
    assert early.status_code == 400
    assert state(app, world.agreement_id)[1] == [("pending", 1), ("pending", 2)]

    page = app.test_client(user=world.lead_signer).get(f"/agreements/{world.agreement_id}/sign")
    assert page.status_code == 200
    assert hashlib.sha256(issued).hexdigest() in page.text
    assert "Each party sends crews" not in page.text  # the agreement text is never rendered from the DB here
    wrong = sign(app, world.lead_signer, world.agreement_id, password="not my password")
    assert wrong.status_code == 400 and "not your password" in wrong.text
    assert state(app, world.agreement_id)[1][0] == ("pending", 1)

    assert sign(app, world.lead_signer, world.agreement_id).status_code == 302
    assert state(app, world.agreement_id)[1] == [("signed", 1), ("pending", 2)]
    again = sign(app, world.lead_signer, world.agreement_id)
    assert again.status_code == 400 and "already signed" in again.text

    assert sign(app, world.partner_signer, world.agreement_id).status_code == 302
    status, requests, documents = state(app, world.agreement_id)
    assert status is AgreementStatus.ACTIVE and requests == [("signed", 1), ("signed", 2)]
    with app.app_context():
        rows = db.session.scalars(sa.select(SignatureRequest).order_by(SignatureRequest.order)).all()
        assert {r.document_sha256 for r in rows} == {hashlib.sha256(issued).hexdigest()}
        assert all(r.user_agent == "SigningTest/1.0" and r.ip and r.signed_at for r in rows)
        assert rows[0].typed_name == "Robin Grid"

    response = app.test_client(user=world.bystander).get(f"/agreements/{world.agreement_id}/executed.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    executed = response.data
    assert executed == document_bytes(app, world.agreement_id, EXECUTED)
    assert_executed_document(app, executed, issued)


def assert_executed_document(app, executed: bytes, issued: bytes) -> None:
    # The seal: intact, over the whole file, by this platform's key, trusted through the platform CA.
    with app.app_context():
        key = seal.platform_key()
        context = seal.validation_context(key)
    signatures = PdfFileReader(io.BytesIO(executed)).embedded_signatures
    assert len(signatures) == 1
    status = validate_pdf_signature(signatures[0], context)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    fingerprint = ":".join(f"{b:02X}" for b in hashlib.sha256(status.signing_cert.dump()).digest())
    assert fingerprint == key.fingerprint

    # Issued pages first, unchanged in number; then the signature page and the certificate.
    reader = PdfReader(io.BytesIO(executed))
    issued_pages = len(PdfReader(io.BytesIO(issued)).pages)
    assert len(reader.pages) >= issued_pages + 2
    text = pdf_text(executed)
    certificate = "\n".join(p.extract_text() for p in reader.pages[issued_pages:])
    assert "Signature page" in certificate and "Certificate of completion" in certificate
    assert "Robin Grid" in certificate and "Casey Coast" in certificate and "SigningTest/1.0" in certificate
    assert hashlib.sha256(issued).hexdigest() in certificate.replace("\n", "").replace(" ", "")
    assert "/verify" in certificate
    assert "Each party sends crews" in text  # the issued terms ride along as the first pages
    # The issued PDF is embedded byte for byte as an associated file; the file declares PDF/A-3.
    attachments = reader.attachments
    assert len(attachments) == 1
    (embedded,) = next(iter(attachments.values()))
    assert embedded == issued
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and "/OutputIntents" in catalog
    assert len(catalog["/AF"]) == 1 and catalog["/AF"][0].get_object()["/AFRelationship"] == "/Source"
    # The visible seal is a widget on the signature page.
    seal_page = reader.pages[issued_pages]
    widgets = [a.get_object() for a in seal_page.get("/Annots", [])]
    assert any(w.get("/FT") == "/Sig" or w.get("/Parent", {}).get("/FT") == "/Sig" for w in widgets)


def test_parallel_signatories_sign_in_any_order(app):
    world = approved_world(app)
    assert issue(app, world, mode="parallel").status_code == 302
    assert state(app, world.agreement_id)[1] == [("pending", 1), ("pending", 1)]
    assert sign(app, world.partner_signer, world.agreement_id).status_code == 302
    assert state(app, world.agreement_id)[0] is AgreementStatus.OUT_FOR_SIGNATURE
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 302
    status, requests, documents = state(app, world.agreement_id)
    assert status is AgreementStatus.ACTIVE and EXECUTED in documents


def test_decline_sends_the_agreement_back_to_draft_with_the_reason(app):
    world = approved_world(app)
    issue(app, world, mode="parallel")
    client = app.test_client(user=world.lead_signer)
    empty = client.post(f"/agreements/{world.agreement_id}/decline", data={"reason": ""})
    assert empty.status_code == 400
    assert state(app, world.agreement_id)[0] is AgreementStatus.OUT_FOR_SIGNATURE
    response = client.post(f"/agreements/{world.agreement_id}/decline",
                           data={"reason": "Clause 3 names the wrong crews."})
    assert response.status_code == 302
    status, requests, _ = state(app, world.agreement_id)
    assert status is AgreementStatus.DRAFT
    assert sorted(r[0] for r in requests) == ["cancelled", "declined"]
    # The other signatory can no longer sign; the coordinator sees the reason on the agreement page.
    assert sign(app, world.partner_signer, world.agreement_id).status_code == 400
    page = app.test_client(user=world.coordinator).get(f"/agreements/{world.agreement_id}")
    assert "Clause 3 names the wrong crews." in page.text
    # A declined request cannot be signed afterwards either.
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 400


def test_only_the_requested_signatory_may_sign(app):
    world = approved_world(app)
    issue(app, world)
    for user in (world.coordinator, world.bystander):
        assert sign(app, user, world.agreement_id).status_code == 403
        assert app.test_client(user=user).get(f"/agreements/{world.agreement_id}/sign").status_code == 403
        assert app.test_client(user=user).post(f"/agreements/{world.agreement_id}/decline",
                                               data={"reason": "not mine"}).status_code == 403
    assert sign(app, world.outsider, world.agreement_id).status_code == 404
    assert state(app, world.agreement_id)[1] == [("pending", 1), ("pending", 2)]


def test_signing_needs_consent_and_a_typed_name(app):
    world = approved_world(app)
    issue(app, world)
    client = app.test_client(user=world.lead_signer)
    url = f"/agreements/{world.agreement_id}/sign"
    from tests.factories import PASSWORD

    assert client.post(url, data={"typed_name": "Robin Grid", "password": PASSWORD}).status_code == 400
    assert client.post(url, data={"typed_name": "", "password": PASSWORD, "consent": "y"}).status_code == 400
    assert state(app, world.agreement_id)[1][0] == ("pending", 1)


def test_wrong_passwords_are_throttled_like_sign_in(app):
    world = approved_world(app)
    issue(app, world)
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    for _ in range(limit):
        assert sign(app, world.lead_signer, world.agreement_id, password="guess").status_code == 400
    blocked = sign(app, world.lead_signer, world.agreement_id)  # even the right password waits now
    assert blocked.status_code == 429
    assert state(app, world.agreement_id)[1][0] == ("pending", 1)


def test_mark_as_signed_is_gone_and_the_status_route_refuses_signing_steps(app):
    world = approved_world(app)
    coordinator = app.test_client(user=world.coordinator)
    # Issuing through the status route only leads to the signatory form.
    response = coordinator.post(f"/agreements/{world.agreement_id}/status", data={"new_status": "out_for_signature"})
    assert response.status_code == 302 and "issue-for-signature" in response.headers["Location"]
    assert state(app, world.agreement_id)[0] is AgreementStatus.APPROVED
    issue(app, world)
    page = coordinator.get(f"/agreements/{world.agreement_id}")
    assert "Mark as signed" not in page.text
    for target in ("active", "draft"):
        coordinator.post(f"/agreements/{world.agreement_id}/status", data={"new_status": target})
        assert state(app, world.agreement_id)[0] is AgreementStatus.OUT_FOR_SIGNATURE


def test_issue_form_refuses_a_signatory_from_another_organisation(app):
    world = approved_world(app)
    response = issue(app, world, lead=world.partner_signer.id)
    assert response.status_code == 200 and "Not a valid choice" in response.text
    assert state(app, world.agreement_id)[0] is AgreementStatus.APPROVED
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SignatureRequest.id))) == 0
