"""A party that signs on paper: a coordinator files the countersigned PDF (an attachment), its SHA-256
is the evidence; and who is told what along the way (notifications)."""
import hashlib
import io

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Notification, SignatureRequest
from tests.signing_helpers import approved_world, document_bytes, issue, pdf_text, sign, state


def countersigned_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>Countersigned by hand, Coastal Power Cooperative</p>").write_pdf()


def file_paper(app, world, content: bytes, name="countersigned.pdf", request_id=None):
    if request_id is None:
        with app.app_context():
            request_id = db.session.scalar(sa.select(SignatureRequest.id).where(
                SignatureRequest.agreement_id == world.agreement_id, SignatureRequest.method == "paper"))
    return app.test_client(user=world.coordinator).post(
        f"/agreements/{world.agreement_id}/paper", data={"request_id": str(request_id),
                                                         "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data", headers={"User-Agent": "CoordinatorBrowser/2"})


def test_a_paper_countersignature_completes_the_agreement_with_its_hash_as_evidence(app):
    world = approved_world(app)
    assert issue(app, world, partner="paper").status_code == 302
    # The paper party waits for the lead in sequential order.
    paper = countersigned_pdf()
    early = file_paper(app, world, paper)
    assert early.status_code == 302
    assert state(app, world.agreement_id)[1] == [("pending", 1), ("pending", 2)]
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 302

    # Only a coordinator files it, and only a PDF.
    forged = app.test_client(user=world.lead_signer).post(
        f"/agreements/{world.agreement_id}/paper",
        data={"request_id": "1", "file": (io.BytesIO(paper), "c.pdf")}, content_type="multipart/form-data")
    assert forged.status_code == 403
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    file_paper(app, world, png, name="scan.pdf")
    assert state(app, world.agreement_id)[1] == [("signed", 1), ("pending", 2)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0

    response = file_paper(app, world, paper)
    assert response.status_code == 302
    status, requests, documents = state(app, world.agreement_id)
    assert requests == [("signed", 1), ("signed", 2)] and "agreement_executed" in documents
    digest = hashlib.sha256(paper).hexdigest()
    with app.app_context():
        request = db.session.scalars(sa.select(SignatureRequest).where(SignatureRequest.method == "paper")).one()
        attachment = db.session.get(Attachment, request.evidence_attachment_id)
        assert request.evidence_sha256 == attachment.sha256 == digest
        assert attachment.object_type == "agreements" and attachment.object_id == world.agreement_id
        assert request.recorded_by_id == world.coordinator.id and request.user_agent == "CoordinatorBrowser/2"
    certificate = pdf_text(document_bytes(app, world.agreement_id, "agreement_executed")).replace("\n", "")
    assert "On paper" in certificate and digest in certificate.replace(" ", "")
    # Filed once: a second upload for the same request is refused.
    assert file_paper(app, world, paper, request_id=request.id).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


def test_signatories_and_coordinators_are_told_in_turn(app):
    world = approved_world(app)
    issue(app, world)

    def kinds(person):
        with app.app_context():
            return [(n.kind.value, n.summary) for n in db.session.scalars(
                sa.select(Notification).where(Notification.user_id == person.id).order_by(Notification.id))]

    assert [k for k, _ in kinds(world.lead_signer)] == ["issued_for_signature"]
    assert kinds(world.partner_signer) == []  # sequential: not yet their turn
    sign(app, world.lead_signer, world.agreement_id)
    assert [k for k, _ in kinds(world.partner_signer)] == ["issued_for_signature"]
    assert [k for k, _ in kinds(world.coordinator)] == ["signed"]
    response = app.test_client(user=world.partner_signer).post(
        f"/agreements/{world.agreement_id}/decline", data={"reason": "Our counsel wants clause 2 reworded."})
    assert response.status_code == 302
    declined = kinds(world.coordinator)[-1]
    assert declined[0] == "changes_requested" and "declined to sign" in declined[1]
    assert "Mutual aid" not in declined[1]  # summaries name the reference, never the title


def test_the_inbox_lists_signatures_to_give_in_turn(app):
    world = approved_world(app)
    issue(app, world)
    lead_inbox = app.test_client(user=world.lead_signer).get("/inbox/")
    assert lead_inbox.status_code == 200 and "Signatures to give" in lead_inbox.text
    assert f"/agreements/{world.agreement_id}/sign" in lead_inbox.text
    assert f"/agreements/{world.agreement_id}/sign" not in app.test_client(user=world.partner_signer).get("/inbox/").text
    sign(app, world.lead_signer, world.agreement_id)
    assert f"/agreements/{world.agreement_id}/sign" not in app.test_client(user=world.lead_signer).get("/inbox/").text
    assert f"/agreements/{world.agreement_id}/sign" in app.test_client(user=world.partner_signer).get("/inbox/").text


def test_the_inbox_count_on_every_page_follows_whose_turn_it_is(app):
    """The nav's count comes from SQL, the section from the rows: both say the same, in turn."""
    from app.inbox.providers import inbox_counts
    from app.models import User
    from app.signing.inbox import SECTION

    world = approved_world(app)

    def section_count(user) -> int:
        with app.test_request_context():
            return inbox_counts(db.session.get(User, user.id))[SECTION]

    assert section_count(world.lead_signer) == section_count(world.partner_signer) == 0  # not issued yet
    issue(app, world)
    assert (section_count(world.lead_signer), section_count(world.partner_signer)) == (1, 0)
    sign(app, world.lead_signer, world.agreement_id)
    assert (section_count(world.lead_signer), section_count(world.partner_signer)) == (0, 1)
    sign(app, world.partner_signer, world.agreement_id)
    assert (section_count(world.lead_signer), section_count(world.partner_signer)) == (0, 0)


def test_whose_turn_it_is_is_decided_within_each_agreement(app):
    """An agreement issued later (its documents have higher ids) does not make an earlier one's second
    signatory's turn come before the first has signed: "the latest issue" is each agreement's own."""
    from app.inbox.providers import inbox_counts
    from app.models import User
    from app.signing.inbox import SECTION, signatures_to_give

    first, later = approved_world(app), approved_world(app, suffix=" (west)")
    issue(app, first)
    issue(app, later)

    def section(user) -> tuple[int, int]:
        with app.test_request_context():
            person = db.session.get(User, user.id)
            return inbox_counts(person)[SECTION], len(signatures_to_give(person))

    assert section(first.lead_signer) == section(later.lead_signer) == (1, 1)
    assert section(first.partner_signer) == section(later.partner_signer) == (0, 0)
    sign(app, first.lead_signer, first.agreement_id)
    assert section(first.partner_signer) == (1, 1) and section(later.partner_signer) == (0, 0)
