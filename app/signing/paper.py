"""A party's paper countersignature: recorded by one of its coordinators (or, when the party has nobody
in Palisade, by a coordinator of the lead party), with the countersigned PDF as evidence.

The upload must be a readable PDF with at least the issued document's pages; the recorder states who
signed by hand, as what, and when (not in the future, not before the issue). Nothing is stored unless
all of it holds. The party's coordinators are told at once.
"""
import io
import logging
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from app import audit
from app import permissions
from app.extensions import db
from app.models import Document
from app.models import SignatureRequest
from app.models import User
from app.models import today
from app.models import utcnow
from app.signing import announce
from app.signing.services import SigningError
from app.signing.signatures import after_signature
from app.signing.signatures import check_open
from app.signing.signatures import lock_round
from app.signing.signatures import mark_signed

log = logging.getLogger(__name__)


@dataclass
class PaperSigner:
    """Who signed by hand, as the recorder states it."""

    name: str
    title: str
    signed_on: date


def page_count(data: bytes) -> int | None:
    """Pages of a readable PDF, None when it cannot be read (damaged, not a PDF, or locked)."""
    if b"%PDF-" not in data[:1024]:
        return None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        return len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            NotImplementedError) as exc:
        log.info("countersigned_pdf_unreadable %s", type(exc).__name__)
        return None


def check_countersigned(data: bytes, issued: Document) -> None:
    """The upload is a readable PDF holding at least the issued pages (raises SigningError)."""
    issued_pages = page_count(issued.content) or 1
    pages = page_count(data)
    if pages is None:
        raise SigningError("The file is not a readable PDF (damaged, password-protected or another format). "
                           "Scan the countersigned copy to PDF and upload that.")
    if pages < issued_pages:
        raise SigningError(f"The countersigned PDF has {pages} page{'s' if pages != 1 else ''}; the document "
                           f"issued for signature has {issued_pages}. Upload the whole countersigned copy.")


def check_signer(signer: PaperSigner, issued: Document) -> PaperSigner:
    name = " ".join((signer.name or "").split())
    if len(name) < 2:
        raise SigningError("Enter the name of the person who signed on paper.")
    if signer.signed_on is None:
        raise SigningError("Enter the date the paper copy was signed.")
    if signer.signed_on > today():
        raise SigningError("The date of signing cannot be in the future.")
    if signer.signed_on < issued.issued_at.date():
        raise SigningError(f"The date of signing cannot be before the document was issued for signature "
                           f"({issued.issued_at:%Y-%m-%d}).")
    return PaperSigner(name=name[:120], title=" ".join((signer.title or "").split())[:120],
                       signed_on=signer.signed_on)


def record_paper_upload(actor: User, request: SignatureRequest, file_storage, signer: PaperSigner, *,
                        ip: str, user_agent: str) -> Document | None:
    """Check, store the countersigned PDF on the agreement (attachments) and record it as the party's
    signature. Returns the executed document when this was the last signature."""
    from app.attachments.services import add_attachment

    permissions.authorize(permissions.can_record_paper(actor, request.agreement, request))
    check_open(request)  # before reading anything
    signer = check_signer(signer, request.document)
    data = file_storage.stream.read()
    check_countersigned(data, request.document)
    file_storage.stream.seek(0)
    round_ = check_open(request, lock_round(request.agreement))
    attachment = add_attachment(actor, request.agreement, file_storage)  # type sniffed from the bytes
    if attachment.content_type != "application/pdf":
        raise SigningError("A countersigned copy must be a PDF.")
    mark_signed(request, ip=ip, user_agent=user_agent)
    request.recorded_by = actor
    request.evidence_attachment_id = attachment.id
    request.evidence_sha256 = attachment.sha256
    request.signatory_name, request.signatory_title = signer.name, signer.title
    request.paper_signed_on = signer.signed_on
    db.session.flush()
    audit.record(actor, "signature.paper_recorded", request.agreement,
                 summary=f"{request.organization.name}: signed on paper by {signer.name}"
                         + (f", {signer.title}" if signer.title else "")
                         + f" on {signer.signed_on.isoformat()}; recorded by {actor.name} "
                           f"({actor.organization.name}) at {utcnow():%Y-%m-%d %H:%M} UTC; countersigned PDF "
                           f"{attachment.filename}, sha256 {attachment.sha256}")
    announce.paper_recorded(actor, request, round_)
    return after_signature(actor, request, round_)
