"""/verify: issued-by-this-Palisade (SHA-256 match, scoped), seal intact and by the platform key; a
modified byte is caught; only PDFs within the size limit; nothing stored. Plus the key tooling."""
import io
import re

import sqlalchemy as sa

from app import pki
from app import seal
from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Document
from app.models import Role
from tests import factories as f
from tests.signing_helpers import approved_world
from tests.signing_helpers import document_bytes
from tests.signing_helpers import issue
from tests.signing_helpers import sign

ISSUED = "agreement_for_signature"


def upload(client, content: bytes, name="document.pdf"):
    return client.post("/verify", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def verdicts(response) -> tuple[str | None, str | None]:
    issued = re.search(r'data-verdict="([a-z]+)"', response.text)
    sealed = re.search(r'data-seal="([a-z]+)"', response.text)
    return (issued.group(1) if issued else None), (sealed.group(1) if sealed else None)


def executed_world(app):
    world = approved_world(app)
    issue(app, world, mode="parallel")
    sign(app, world.lead_signer, world.agreement_id)
    sign(app, world.partner_signer, world.agreement_id)
    return world, document_bytes(app, world.agreement_id, "agreement_executed")


def count_rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_executed_document_verifies_and_a_modified_byte_is_detected(app):
    world, executed = executed_world(app)
    client = app.test_client(user=world.bystander)
    documents_before, events_before = count_rows(app, Document), count_rows(app, AuditEvent)

    response = upload(client, executed, "signed.pdf")
    assert response.status_code == 200
    assert verdicts(response) == ("issued", "intact")
    assert "agreement executed, version" in response.text and "Mutual aid" not in response.text.split("verdict")[0]

    # One byte changed inside the signed range (the page content, not the signature value).
    position = executed.index(b"/Type /Page") + 2
    tampered = executed[:position] + bytes([executed[position] ^ 0x01]) + executed[position + 1:]
    response = upload(client, tampered, "signed.pdf")
    assert response.status_code == 200
    assert verdicts(response) == ("unknown", "broken")
    assert "changed after sealing" in response.text

    # Content appended after the seal: not the issued file, and the seal no longer covers the whole file.
    response = upload(client, executed + b"\n% appended\n", "signed.pdf")
    assert verdicts(response) == ("unknown", "broken")

    # Nothing the uploads carried was stored.
    assert count_rows(app, Document) == documents_before and count_rows(app, AuditEvent) == events_before


def test_a_match_out_of_scope_says_only_that_this_palisade_issued_it(app):
    world, executed = executed_world(app)
    response = upload(app.test_client(user=world.outsider), executed)
    assert verdicts(response) == ("hidden", "intact")
    assert "not shared with you" in response.text
    assert "AGR-" not in response.text and "Cora Ordinator" not in response.text


def test_the_issued_document_is_sealed_and_verifies_too(app):
    world = approved_world(app)
    issue(app, world)
    issued = document_bytes(app, world.agreement_id, ISSUED)
    response = upload(app.test_client(user=world.partner_signer), issued)
    assert verdicts(response) == ("issued", "intact")
    assert "agreement for signature" in response.text


def test_a_pdf_sealed_by_another_key_is_not_ours(app, tmp_path):
    world = approved_world(app)
    issue(app, world)
    issued = document_bytes(app, world.agreement_id, ISSUED)
    foreign = tmp_path / "other.p12"
    pki.create_development_key(foreign, "other-password", "Someone else")
    with app.test_request_context():
        other = seal.load_key_file(foreign, "other-password")
        resealed = _seal_with(app, other, issued)
    response = upload(app.test_client(user=world.partner_signer), resealed)
    assert verdicts(response) == ("unknown", "broken")
    assert "not with this Palisade" in response.text


def _seal_with(app, key, content: bytes) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    meta = signers.PdfSignatureMetadata(field_name="Other", md_algorithm="sha256")
    return signers.PdfSigner(meta, key.signer).sign_pdf(writer).getvalue()


def test_verify_takes_only_pdfs_within_the_limit(app):
    with app.app_context():
        user = f.user(role=Role.MEMBER)
        client = app.test_client(user=user)
    response = upload(client, b"PK\x03\x04 a zip file", "agreement.pdf")  # the name says PDF, the bytes do not
    assert response.status_code == 400 and "not a PDF" in response.text
    assert client.post("/verify", data={}, content_type="multipart/form-data").status_code == 400
    app.config["VERIFY_MAX_MB"] = 1
    response = upload(client, b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10))
    assert response.status_code == 400 and "larger than 1 MB" in response.text
    response = upload(client, b"%PDF-1.7\nnot really a pdf")
    assert response.status_code == 200 and verdicts(response) == ("unknown", "broken")
    assert "could not be read" in response.text


def test_verify_needs_a_signed_in_user(client):
    response = client.get("/verify")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_issuing_without_a_key_fails_clearly_and_stores_nothing(app, tmp_path):
    world = approved_world(app, tlp=TLP.GREEN)
    app.config["SIGNING_CREATE_TEST_KEY"] = False
    app.config["SIGNING_PKCS12_PATH"] = str(tmp_path / "missing.p12")
    response = issue(app, world)
    assert response.status_code == 503
    assert "could not be sealed" in response.text and "pki init" in response.text
    with app.app_context():
        from app.models import Agreement
        from app.models import AgreementStatus
        from app.models import SignatureRequest

        assert db.session.get(Agreement, world.agreement_id).status is AgreementStatus.APPROVED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignatureRequest)) == 0


def test_pki_init_creates_a_key_once_and_prints_its_fingerprint(app, tmp_path):
    app.config["SIGNING_PKCS12_PATH"] = str(tmp_path / "signing.p12")
    app.config["SIGNING_PKCS12_PASSWORD"] = "a-local-password"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["pki", "init"])
    assert first.exit_code == 0, first.output
    fingerprint = re.search(r"SHA-256 fingerprint: ([0-9A-F:]{95})", first.output).group(1)
    assert (tmp_path / "signing.p12").stat().st_mode & 0o077 == 0  # owner-only
    with app.test_request_context():
        assert seal.load_key_file(tmp_path / "signing.p12", "a-local-password").fingerprint == fingerprint
    again = runner.invoke(args=["pki", "init"])
    assert again.exit_code == 0 and "Kept the existing" in again.output and fingerprint in again.output
    forced = runner.invoke(args=["pki", "init", "--force"])
    assert forced.exit_code == 0 and fingerprint not in forced.output
