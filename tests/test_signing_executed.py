"""The executed agreement as a file: one valid seal over the whole file (poppler's pdfsig and pyHanko),
tagged like every document, one version number for what was signed, issued by the platform; a
signature block for every signing party; the typed name must be the signatory's."""
import io
import re
import subprocess

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pypdf import PdfReader

from app import seal
from app.extensions import db
from app.models import Agreement
from app.models import Document
from app.models import SignatureRequest
from tests.signing_helpers import approved_world
from tests.signing_helpers import document_bytes
from tests.signing_helpers import issue
from tests.signing_helpers import pdf_text
from tests.signing_helpers import sign
from tests.signing_helpers import state

ISSUED, EXECUTED = "agreement_for_signature", "agreement_executed"


@pytest.fixture
def executed(app):
    world = approved_world(app, revision=7)
    assert issue(app, world).status_code == 302
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 302
    assert sign(app, world.partner_signer, world.agreement_id).status_code == 302
    return world, document_bytes(app, world.agreement_id, ISSUED), document_bytes(app, world.agreement_id, EXECUTED)


def test_pdfsig_finds_exactly_one_valid_signature_over_the_whole_file(executed, tmp_path):
    _world, _issued, content = executed
    path = tmp_path / "executed.pdf"
    path.write_bytes(content)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert report.count("Signature #") == 1, report
    assert "Digest Mismatch" not in report and "Signature is Valid." in report, report
    assert "Total document signed" in report, report


def test_pyhanko_validates_the_one_seal_as_the_platforms_over_the_whole_file(app, executed):
    _world, _issued, content = executed
    signatures = PdfFileReader(io.BytesIO(content)).embedded_signatures
    assert len(signatures) == 1
    with app.app_context():
        status = validate_pdf_signature(signatures[0], seal.validation_context())
        assert seal.check_seal(content).ok
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    # No signature field of the issued document was carried over onto its copied pages.
    reader = PdfReader(io.BytesIO(content))
    fields = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])
              if a.get_object().get("/FT") == "/Sig"]
    assert len(fields) == 1


def _struct_pages(element, found: set, seen: set) -> None:
    element = element.get_object()
    if id(element) in seen or not hasattr(element, "get"):
        return
    seen.add(id(element))
    if "/Pg" in element:
        found.add(element.raw_get("/Pg").idnum)
    kids = element.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
            _struct_pages(kid, found, seen)


def test_the_executed_pdf_is_tagged_pdf_a_3a_on_every_page(executed):
    _world, issued, content = executed
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] is True or catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)A', xmp), xmp[:2000]
    root = catalog["/StructTreeRoot"].get_object()
    referenced: set = set()
    _struct_pages(root, referenced, set())
    pages = [page.indirect_reference.idnum for page in reader.pages]
    assert set(pages) <= referenced  # the issued pages' tags came along with them, the tail's are there
    keys = [page["/StructParents"] for page in reader.pages]
    assert len(set(keys)) == len(keys)  # each page its own entry in the parent tree
    nums = root["/ParentTree"].get_object()["/Nums"]
    assert set(keys) <= {nums[i] for i in range(0, len(nums), 2)}
    # The issued document's table of contents and links still resolve.
    issued_names = set(PdfReader(io.BytesIO(issued)).named_destinations)
    assert issued_names and issued_names <= set(reader.named_destinations)


def test_one_version_for_what_was_signed_and_the_platform_issues_the_executed_document(app, executed):
    world, issued, content = executed
    with app.app_context():
        agreement = db.session.get(Agreement, world.agreement_id)
        assert agreement.version != agreement.revision == 7  # the lock counter is not the document version
        documents = db.session.scalars(sa.select(Document).where(Document.object_id == world.agreement_id)
                                       .order_by(Document.id)).all()
        assert [(d.kind, d.version) for d in documents] == [(ISSUED, 7), (EXECUTED, 7)]
        assert documents[0].issuer_id == world.coordinator.id and documents[1].issuer_id is None
    issued_text = " ".join(pdf_text(issued).split())
    assert "version 7" in issued_text and not re.search(r"version (?!7\b)\d+", issued_text)
    reader = PdfReader(io.BytesIO(content))
    tail = " ".join(" ".join(p.extract_text() for p in reader.pages[len(PdfReader(io.BytesIO(issued)).pages):]).split())
    assert "version 7" in tail and not re.search(r"version (?!7\b)\d+", tail)
    assert "All signatures in: executed document sealed by the platform" in tail
    # The last signer is not its issuer: /verify and the documents list name no person for it.
    page = app.test_client(user=world.coordinator).get(f"/agreements/{world.agreement_id}")
    assert page.status_code == 200


def test_every_signing_party_has_a_signature_block_and_the_parties_table_names_its_signatory(app, executed):
    world, issued, content = executed
    text = " ".join(pdf_text(issued).split())
    parties = text[text.index("1. Parties"):text.index("2. Recitals")]
    assert "Robin Grid, Director" in parties and "Casey Coast, General manager" in parties
    assert "Does not sign (observer)" in parties and "—" not in parties
    blocks = text[text.index("6. Signatures"):]
    assert "Signed for and on behalf of Grid Security Office (lead)" in blocks
    assert "Signed for and on behalf of Coastal Power Cooperative (partner)" in blocks
    assert "Regional Observer Council" not in blocks
    signature_page = " ".join(pdf_text(content).split())
    signature_page = signature_page[signature_page.index("Signature page"):signature_page.index("Certificate of completion")]
    for name in ("Grid Security Office", "Robin Grid", "Coastal Power Cooperative", "Casey Coast"):
        assert name in signature_page


@pytest.mark.parametrize("typed, accepted", [
    ("Bob", False), ("Robin", False), ("Robin Grid Jr", False), ("robin grid", True), ("  ROBIN   Grid ", True),
    ("Róbin Gríd", True)])
def test_the_typed_name_must_be_the_signatorys(app, typed, accepted):
    world = approved_world(app)
    issue(app, world)
    answer = sign(app, world.lead_signer, world.agreement_id, typed_name=typed)
    if accepted:
        assert answer.status_code == 302
        assert state(app, world.agreement_id)[1][0] == ("signed", 1)
    else:
        assert answer.status_code == 400
        assert "Type your name as Palisade knows it: “Robin Grid”" in answer.text
        assert state(app, world.agreement_id)[1][0] == ("pending", 1)
        with app.app_context():
            assert db.session.scalar(sa.select(SignatureRequest.typed_name).order_by(SignatureRequest.id)) == ""
