"""The executed document: the issued pages, a signature page and a certificate of completion,
PDF/A-3a (tagged, like every document) with the issued PDF embedded byte for byte, sealed visibly by the
platform on the signature page: its one signature (app/signing/pages.py leaves the issued seal's widget
behind). Issued by the platform, whoever gave the last signature.

Rendered in-process (a bounded, short document built from the signature requests; the issued pages
are copied, never re-rendered), stored in `documents` like every issue.
"""
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask import render_template
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint import Attachment

from app import audit
from app.documents.content import DocumentInfo
from app.documents.services import KIND_AGREEMENT
from app.documents.services import KIND_EXECUTED
from app.extensions import db
from app.models import Agreement
from app.models import AuditEvent
from app.models import Document
from app.models import SignatureRequest
from app.models import utcnow
from app.notifications.mail import external_url
from app.pdf import StaticOnlyFetcher
from app.pdf import render_html
from app.seal import SealBox
from app.seal import platform_key
from app.seal import seal_pdf
from app.signing.pages import prepend_pages

SEAL_ANCHOR = "platform-seal"
CSS_PX_TO_PT = 0.75


@dataclass
class Event:
    at: datetime
    what: str
    who: str
    ip: str = ""
    user_agent: str = ""
    sha256: str = ""


def paper_recorder(request: SignatureRequest) -> str:
    """"person, organisation" of whoever recorded a paper countersignature."""
    user = request.recorded_by
    return f"{user.name}, {user.organization.name}" if user is not None else "—"


def certificate_events(agreement: Agreement, issued: Document, round_: list[SignatureRequest],
                       completed_at: datetime) -> list[Event]:
    """Every step from the issue to the last signature, oldest first."""
    issue_event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.linked_to(agreement),
                                    AuditEvent.action == "document.issued",
                                    AuditEvent.summary.contains(issued.sha256)).order_by(AuditEvent.id.desc()))
    issuer = f"{issued.issuer.name}, {issued.issuer.organization.name}" if issued.issuer else "Palisade"
    events = [Event(issued.issued_at, f"Issued for signature ({issued.filename}, {issued.size:,} bytes)", issuer,
                    ip=issue_event.ip if issue_event else "", sha256=issued.sha256)]
    for request in round_:
        events.append(Event(request.created_at, f"Signature requested from {request.organization.name}"
                            + (" (on paper)" if request.is_paper else ""),
                            request.signatory.name if request.signatory else request.signatory_name or "—"))
    for request in sorted(round_, key=lambda r: r.signed_at):
        if request.is_paper:
            recorder = paper_recorder(request)
            signer = request.signatory_name + (f", {request.signatory_title}" if request.signatory_title else "")
            signed_on = f" on {request.paper_signed_on.isoformat()}" if request.paper_signed_on else ""
            events.append(Event(request.signed_at, f"Paper countersignature recorded by {recorder} on behalf of "
                                f"{request.organization.name}: signed by hand by {signer}{signed_on} "
                                f"(evidence: countersigned PDF, SHA-256 {request.evidence_sha256})", recorder,
                                request.ip, request.user_agent, request.document_sha256))
        else:
            factor = {"totp": ", password and authenticator code", "backup": ", password and backup code",
                      "demo": ", demo data"}.get(request.second_factor, ", password")
            events.append(Event(request.signed_at, f"Signed electronically for {request.organization.name} as "
                                f"“{request.typed_name}” (consent given{factor})",
                                request.signatory.name if request.signatory else "—", request.ip,
                                request.user_agent, request.document_sha256))
    events.append(Event(completed_at, "All signatures in: executed document sealed by the platform", "Palisade"))
    return events


def render_executed(agreement: Agreement, issued: Document, round_: list[SignatureRequest],
                    verify_url: str) -> tuple[bytes, SealBox]:
    """PDF/A-3a bytes (unsealed) and where the visible seal goes."""
    completed_at = utcnow()
    issued_bytes = issued.content
    issued_pages = len(PdfReader(io.BytesIO(issued_bytes)).pages)
    doc = DocumentInfo(kind=f"{agreement.kind.label} — executed", reference=agreement.reference,
                       version=str(issued.version), tlp=agreement.tlp, heading=agreement.title,
                       organisations=[p.organization.name for p in agreement.parties],
                       issue_note="signature page and certificate of completion", generated_at=completed_at)
    html = render_html("pdf/executed.html", doc=doc, agreement=agreement, issued=issued, requests=round_,
                       paper_recorder=paper_recorder,
                       events=certificate_events(agreement, issued, round_, completed_at),
                       issued_pages=issued_pages, verify_url=verify_url,
                       key_fingerprint=platform_key().fingerprint)
    root = Path(current_app.static_folder).resolve()
    fetcher = StaticOnlyFetcher(root)
    rendered = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher).render()
    seal_page, seal_box = _seal_position(rendered)
    attachment = Attachment(string=issued_bytes, name=issued.filename, relationship="Source",
                            description=f"The document issued for signature, SHA-256 {issued.sha256}")
    tail = rendered.write_pdf(pdf_variant="pdf/a-3a", attachments=[attachment], presentational_hints=False)
    merged = prepend_pages(issued_bytes, tail)
    appearance = _seal_appearance(seal_box, completed_at, verify_url, root, fetcher)
    return merged, SealBox(page=issued_pages + seal_page, box=seal_box, appearance=appearance)


def _seal_appearance(box, sealed_at: datetime, verify_url: str, root: Path, fetcher) -> bytes:
    """The visible seal drawn in the signature field: a one-page PDF the size of the box."""
    width, height = box[2] - box[0], box[3] - box[1]
    html = render_template("pdf/_seal_appearance.html", width=width, height=height, sealed_at=sealed_at,
                           organization=current_app.config.get("ORGANIZATION_NAME", ""),
                           fingerprint=platform_key().fingerprint, verify_url=verify_url)
    return HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher).write_pdf()


def _seal_position(rendered) -> tuple[int, tuple[int, int, int, int]]:
    """The page and PDF box (points, from the bottom left) of the element with id=platform-seal."""
    for index, page in enumerate(rendered.pages):
        if SEAL_ANCHOR in page.anchors:
            # WeasyPrint gives the element's border box in CSS px from the top left (x1, y1, x2, y2).
            x1, y1, x2, y2 = page.anchors[SEAL_ANCHOR]
            height_pt = page.height * CSS_PX_TO_PT
            return index, (round(x1 * CSS_PX_TO_PT), round(height_pt - y2 * CSS_PX_TO_PT),
                           round(x2 * CSS_PX_TO_PT), round(height_pt - y1 * CSS_PX_TO_PT))
    raise RuntimeError("The signature page template lost its seal box.")


def issue_executed(agreement: Agreement, round_: list[SignatureRequest]) -> Document:
    """Render, seal and store the executed document. The platform issues it (no issuer): the last
    signatory only gave a signature, the certificate says who did what."""
    issued = round_[0].document
    verify_url = external_url("signing.verify")  # PUBLIC_BASE_URL when set: the certificate outlives the request
    if issued.kind != KIND_AGREEMENT:
        raise RuntimeError("Signature requests must point at the document issued for signature.")
    content, box = render_executed(agreement, issued, round_, verify_url)
    sealed = seal_pdf(content, reason="Executed agreement: every signature is in", visible=box)
    filename = issued.filename.removesuffix(".pdf") + "_executed.pdf"
    document = Document(object_type=agreement.__tablename__, object_id=agreement.id, kind=KIND_EXECUTED,
                        version=issued.version, reference=agreement.reference, filename=filename,
                        sha256=hashlib.sha256(sealed).hexdigest(), size=len(sealed), content=sealed,
                        tlp=agreement.tlp, issuer_id=None, issued_at=utcnow())
    db.session.add(document)
    db.session.flush()
    audit.record(None, "document.issued", agreement,
                 f"agreement executed: {filename}, {len(sealed):,} bytes, sha256 {document.sha256}")
    return document
