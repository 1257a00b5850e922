"""Demo agreements in every signing state: awaiting the first signature, half signed, a party on paper,
declined back to draft, and fully executed with its sealed document (one with a paper countersignature).

Signatures go through the signing services (sealed issue, requests, evidence, executed document), so the
demo shows exactly what a real round produces. The key is ensured by seed_demo() (app/demo/__init__.py) before any module issues a document.
Idempotent: an agreement whose title exists is left alone.
"""
import io
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.agreements import services as agreements
from app.demo.agreements import COORDINATORS
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementKind
from app.models import AgreementStatus
from app.models import PartyRole
from app.models import SigningMode
from app.models import today
from app.signing import paper
from app.signing import services
from app.signing import signatures

K, R = AgreementKind, PartyRole
IP, BROWSER = "192.0.2.10", "Mozilla/5.0 (X11; Linux x86_64) Palisade demo data"

# title, kind, tlp, owner coordinator, [(org key, role, signatory email or None = paper)], mode, signers, decline
ROUNDS = [
    ("Black-Start Restoration Coordination MOA", K.MOA, TLP.AMBER, "coordinator@niro.example.gov",
     [("gov", R.LEAD, "director@niro.example.gov"), ("energy", R.PARTNER, "ciso@northgrid.example.com")],
     SigningMode.SEQUENTIAL, [], None),
    ("Water Sector Cyber Exercise Participation Agreement", K.OTHER, TLP.GREEN, "coordinator@niro.example.gov",
     [("gov", R.LEAD, "director@niro.example.gov"), ("water", R.PARTNER, "ceo@riverbend.example.com")],
     SigningMode.SEQUENTIAL, ["director@niro.example.gov"], None),
    ("Priority Telecommunications Restoration Mutual Aid", K.MUTUAL_AID, TLP.GREEN,
     "coordinator@meridian.example.com",
     [("telecom", R.LEAD, "coordinator@meridian.example.com"), ("gov", R.PARTNER, "director@niro.example.gov"),
      ("intl", R.PARTNER, None)],
     SigningMode.PARALLEL, ["director@niro.example.gov"], None),
    ("Substation Physical Security Assessment NDA", K.NDA, TLP.AMBER, "coordinator@northgrid.example.com",
     [("energy", R.LEAD, "ciso@northgrid.example.com"), ("water", R.PARTNER, "ceo@riverbend.example.com")],
     SigningMode.PARALLEL, [], ("ceo@riverbend.example.com",
                                "Section 3 should name our substations by site code only; please revise.")),
    ("Grid Telemetry Research Data Sharing Agreement", K.INFORMATION_SHARING, TLP.GREEN,
     "coordinator@niro.example.gov",
     [("gov", R.LEAD, "director@niro.example.gov"), ("energy", R.PARTNER, "ciso@northgrid.example.com"),
      ("intl", R.PARTNER, None)],
     SigningMode.SEQUENTIAL, ["director@niro.example.gov", "ciso@northgrid.example.com", "paper"], None),
    ("Joint Control Room Incident Coordination MOU", K.MOU, TLP.AMBER, "coordinator@niro.example.gov",
     [("gov", R.LEAD, "director@niro.example.gov"), ("energy", R.PARTNER, "ciso@northgrid.example.com")],
     SigningMode.PARALLEL, ["ciso@northgrid.example.com", "director@niro.example.gov"], None),
]

TERMS = ("## Purpose\n\n{title} between the parties named above, under the partnership's programme.\n\n"
         "## Commitments\n\n1. Each party names a point of contact within 10 days.\n"
         "2. Information exchanged is handled under its TLP label.\n"
         "3. Each party bears its own costs; no funds are obligated.\n\n"
         "## Term\n\nThis agreement runs for three years from its effective date.")


def _countersigned_pdf(issued: bytes, organization: str) -> FileStorage:
    """A "scan" of the issued pages followed by the page signed by hand (every issued page is there)."""
    from pypdf import PdfReader
    from pypdf import PdfWriter
    from weasyprint import HTML

    html = (f"<h1>Countersignature</h1><p>Countersigned on paper for {organization}.</p>"
            "<p>Signature: ____________________ &nbsp; Date: ____________</p>")
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(issued)).pages:
        writer.add_page(page)
    for page in PdfReader(io.BytesIO(HTML(string=html).write_pdf())).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return FileStorage(stream=io.BytesIO(out.getvalue()), filename="countersigned-scan.pdf",
                       content_type="application/pdf")


def _paper_recorder(people, request, lead_coordinator):
    """The party's own coordinator; the lead's when the party has nobody in Palisade (the signing rules)."""
    key = next(k for k, org in people.orgs.items() if org.id == request.organization_id)
    return people.user(COORDINATORS[key]) if key in COORDINATORS else lead_coordinator


def _run(people, title, kind, tlp, owner, parties, mode, signers, decline) -> None:
    actor = people.user(owner)
    rows = [{"organization_id": people.orgs[key].id, "party_role": role,
             "signatory_name": people.user(email).name if email else "",
             "signatory_title": people.user(email).title if email else "Authorised representative",
             "signatory_email": email or ""} for key, role, email in parties]
    start = today()
    agreement = agreements.create_agreement(
        actor, parties=rows, title=title, kind=kind, tlp=tlp, terms=TERMS.format(title=title),
        summary=f"{title}: demo agreement showing a signing round.", sectors=[],
        effective_date=start, expiry_date=start + timedelta(days=3 * 365), notice_days=60, auto_renew=False)
    agreements.transition_agreement(actor, agreement, AgreementStatus.IN_REVIEW)
    # Four eyes: a coordinator of another party approves what the owner submitted.
    approver = next(people.user(COORDINATORS[key]) for key, _role, _email in parties
                    if key in COORDINATORS and COORDINATORS[key] != owner)
    agreements.transition_agreement(approver, agreement, AgreementStatus.APPROVED)
    assignments = [services.Assignment(people.orgs[key].id, people.user(email) if email else None)
                   for key, _role, email in parties]
    requests = services.issue_for_signature(actor, agreement, assignments, mode=mode,
                                            due_date=start + timedelta(days=21))
    by_signatory = {r.signatory.email if r.signatory else "paper": r for r in requests}
    for email in signers:
        request = by_signatory[email]
        if email == "paper":
            hand = paper.PaperSigner("Karin Lindqvist", "Director-General", today())
            paper.record_paper_upload(_paper_recorder(people, request, actor), request,
                                      _countersigned_pdf(request.document.content, request.organization.name),
                                      hand, ip=IP, user_agent=BROWSER)
        else:
            signer = people.user(email)
            signatures.record_signature(signer, request, typed_name=signer.name, factor="demo", ip=IP,
                                        user_agent=BROWSER)
    if decline:
        email, reason = decline
        signatures.decline(people.user(email), by_signatory[email], reason=reason, ip=IP, user_agent=BROWSER)


def seed(people) -> int:
    created = 0
    for title, *rest in ROUNDS:
        if db.session.scalar(sa.select(Agreement.id).where(Agreement.title == title)) is not None:
            continue
        _run(people, title, *rest)
        db.session.flush()
        created += 1
    return created
