"""A party that signs on paper: who may record it (never an observer; the party's own coordinator, or the
lead's only when the party has nobody in Palisade), what the upload must be (a readable PDF with every
issued page), what the recorder states (signer, title, date), what the certificate says, who is told."""
import hashlib
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from pypdf import PdfWriter

from app.extensions import db
from app.models import Attachment
from app.models import Notification
from app.models import OutboxEmail
from app.models import SignatureRequest
from app.models import User
from app.models import today
from tests.signing_helpers import approved_world
from tests.signing_helpers import document_bytes
from tests.signing_helpers import issue
from tests.signing_helpers import pdf_text
from tests.signing_helpers import sign
from tests.signing_helpers import state

ISSUED, EXECUTED = "agreement_for_signature", "agreement_executed"


def countersigned_pdf(issued: bytes, extra_pages: int = 1) -> bytes:
    """A scan of the issued pages (and a page signed by hand)."""
    from weasyprint import HTML

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(issued)).pages:
        writer.add_page(page)
    for page in PdfReader(io.BytesIO(HTML(string="<p>Signed by hand: K. Coast</p>").write_pdf())).pages[:extra_pages]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def paper_request_id(app, world) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(SignatureRequest.id).where(
            SignatureRequest.agreement_id == world.agreement_id, SignatureRequest.method == "paper"))


def file_paper(app, world, content: bytes, *, user=None, name="countersigned.pdf", signed_on=None,
               signer="Kim Coast", title="Chair of the board", request_id=None):
    request_id = request_id or paper_request_id(app, world)
    data = {"request_id": str(request_id), "signer_name": signer, "signer_title": title,
            "signed_on": (signed_on or today()).isoformat(), "confirm": "y", "file": (io.BytesIO(content), name)}
    return app.test_client(user=user or world.partner_coordinator).post(
        f"/agreements/{world.agreement_id}/paper", data=data, content_type="multipart/form-data",
        headers={"User-Agent": "CoordinatorBrowser/2"})


def nothing_written(app, world) -> None:
    assert state(app, world.agreement_id)[1] == [("signed", 1), ("pending", 2)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_the_partys_coordinator_records_its_paper_countersignature_and_the_certificate_says_so(app):
    world = approved_world(app)
    assert issue(app, world, partner="paper").status_code == 302
    issued = document_bytes(app, world.agreement_id, ISSUED)
    paper = countersigned_pdf(issued)
    # The form page says what a paper countersignature is; in sequential order it waits for the lead.
    url = f"/agreements/{world.agreement_id}/paper?request={paper_request_id(app, world)}"
    page = app.test_client(user=world.partner_coordinator).get(url)
    assert page.status_code == 200 and "does not authenticate the person who signed by hand" in " ".join(page.text.split())
    assert file_paper(app, world, paper).status_code == 400
    assert state(app, world.agreement_id)[1] == [("pending", 1), ("pending", 2)]
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 302

    response = file_paper(app, world, paper, signed_on=today())
    assert response.status_code == 302, response.text
    status, requests, documents = state(app, world.agreement_id)
    assert requests == [("signed", 1), ("signed", 2)] and EXECUTED in documents
    digest = hashlib.sha256(paper).hexdigest()
    with app.app_context():
        request = db.session.scalars(sa.select(SignatureRequest).where(SignatureRequest.method == "paper")).one()
        attachment = db.session.get(Attachment, request.evidence_attachment_id)
        assert request.evidence_sha256 == attachment.sha256 == digest
        assert request.recorded_by_id == world.partner_coordinator.id and request.user_agent == "CoordinatorBrowser/2"
        assert (request.signatory_name, request.signatory_title, request.paper_signed_on) == (
            "Kim Coast", "Chair of the board", today())
    certificate = " ".join(pdf_text(document_bytes(app, world.agreement_id, EXECUTED)).split())
    assert ("Paper countersignature recorded by Pat Partner, Coastal Power Cooperative on behalf of "
            "Coastal Power Cooperative") in certificate
    assert "Kim Coast" in certificate and "Chair of the board" in certificate
    assert "Palisade did not authenticate the signer" in certificate  # how it differs from an electronic one
    assert digest in certificate.replace(" ", "")
    # Recorded once: a second upload for the same request changes nothing.
    assert file_paper(app, world, paper, request_id=request.id).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


def test_the_partys_coordinators_are_told_at_once_in_app_and_by_mail_without_the_title(app):
    world = approved_world(app)
    with app.app_context():
        from app.models import Organization
        from app.models import Role
        from tests import factories as f

        colleague = f.user(role=Role.COORDINATOR, organization=db.session.get(Organization, world.partner_org),
                           name="Cole League", email="cole@coastal.example")
        colleague_id = colleague.id
    issue(app, world, partner="paper", mode="parallel")
    issued = document_bytes(app, world.agreement_id, ISSUED)
    assert file_paper(app, world, countersigned_pdf(issued)).status_code == 302
    with app.app_context():
        told = db.session.scalars(sa.select(Notification).where(Notification.user_id == colleague_id)).all()
        assert [n.kind.value for n in told] == ["signed"]
        assert "Paper countersignature of Coastal Power Cooperative" in told[0].summary
        assert "Pat Partner (Coastal Power Cooperative)" in told[0].summary
        mail = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == "cole@coastal.example")).one()
        assert "Paper countersignature" in mail.body and "Mutual aid for substations" not in mail.body + mail.subject
        assert db.session.get(User, colleague_id) is not None


@pytest.mark.parametrize("who", ["observer_coordinator", "coordinator", "lead_signer", "outsider", "admin"])
def test_only_the_partys_coordinator_records_while_the_party_has_users(app, who):
    world = approved_world(app)
    issue(app, world, partner="paper", mode="parallel")
    issued = document_bytes(app, world.agreement_id, ISSUED)
    answer = file_paper(app, world, countersigned_pdf(issued), user=getattr(world, who))
    assert answer.status_code == (404 if who == "outsider" else 403)
    assert state(app, world.agreement_id)[1] == [("pending", 1), ("pending", 1)]


def test_the_lead_coordinator_records_for_a_party_with_nobody_in_palisade(app):
    world = approved_world(app)
    with app.app_context():
        for user in db.session.scalars(sa.select(User).where(User.organization_id == world.partner_org)):
            user.active = False
        db.session.commit()
    assert issue(app, world, partner="paper", mode="parallel").status_code == 302
    issued = document_bytes(app, world.agreement_id, ISSUED)
    assert file_paper(app, world, countersigned_pdf(issued), user=world.observer_coordinator).status_code == 403
    assert file_paper(app, world, countersigned_pdf(issued), user=world.coordinator).status_code == 302
    with app.app_context():
        request = db.session.get(SignatureRequest, paper_request_id(app, world))
        assert request.status.value == "signed" and request.recorded_by_id == world.coordinator.id


def test_paper_for_a_party_that_nobody_could_record_is_refused_at_issue(app):
    """The partner has a user but no coordinator: nobody could record a paper signature for it."""
    world = approved_world(app)
    with app.app_context():
        db.session.get(User, world.partner_coordinator.id).active = False
        db.session.commit()
    answer = issue(app, world, partner="paper")
    assert answer.status_code == 200 and "Nobody could record a paper signature" in answer.text
    assert state(app, world.agreement_id)[1] == []


def _sequential_after_lead(app, world) -> bytes:
    issue(app, world, partner="paper")
    sign(app, world.lead_signer, world.agreement_id)
    return document_bytes(app, world.agreement_id, ISSUED)


def test_an_upload_that_is_not_a_readable_pdf_is_refused_and_nothing_is_written(app):
    world = approved_world(app)
    issued = _sequential_after_lead(app, world)
    for content, name in ((b"%PDF-1.4 not really a pdf, forty bytes.", "forty.pdf"),
                          (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "scan.pdf"),
                          (b"", "empty.pdf")):
        answer = file_paper(app, world, content, name=name)
        assert answer.status_code == 400
        assert "Nothing was recorded" in answer.text or "Choose the countersigned PDF" in answer.text
        nothing_written(app, world)
    pages = len(PdfReader(io.BytesIO(issued)).pages)
    short = countersigned_pdf(issued, extra_pages=0)
    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(short)).pages[0])
    one_page = io.BytesIO()
    writer.write(one_page)
    if pages > 1:
        answer = file_paper(app, world, one_page.getvalue())
        assert answer.status_code == 400 and f"the document issued for signature has {pages}" in answer.text
        nothing_written(app, world)


def test_the_recorder_states_a_name_and_a_date_neither_future_nor_before_the_issue(app):
    world = approved_world(app)
    issued = _sequential_after_lead(app, world)
    paper = countersigned_pdf(issued)
    future = file_paper(app, world, paper, signed_on=today() + timedelta(days=1))
    assert future.status_code == 400 and "cannot be in the future" in future.text
    before = file_paper(app, world, paper, signed_on=today() - timedelta(days=30))
    assert before.status_code == 400 and "before the document was issued" in before.text
    nameless = file_paper(app, world, paper, signer="")
    assert nameless.status_code == 400 and "Enter the name of the person who signed" in nameless.text
    nothing_written(app, world)


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
    from app.signing.inbox import SECTION
    from app.signing.inbox import signatures_to_give

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
