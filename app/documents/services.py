"""Issuing documents: render once, store the exact bytes with their SHA-256, never re-render.

Called by the agreements and incident-plan services inside their transition (same transaction: if
the render fails, the status change rolls back with it). Flush, never commit.
"""
import hashlib

import sqlalchemy as sa

from app import audit
from app import permissions
from app.documents.content import agreement_document
from app.documents.content import incident_plan_document
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import Document
from app.models import IncidentPlan
from app.models import User
from app.pdf import render_pdf
from app.seal import seal_pdf

KIND_AGREEMENT = "agreement_for_signature"
KIND_PLAN = "incident_plan_for_review"
KIND_PLAN_APPROVED = "incident_plan_approved"
KIND_EXECUTED = "agreement_executed"
KIND_INCIDENT_STAGE = "incident_stage"
KIND_ADVISORY = "advisory"
KIND_ADVISORY_PUBLIC = "advisory_public"
KIND_SITMAN = "exercise_sitman"
KIND_HANDBOOK = "exercise_handbook"
KIND_AAR = "exercise_aar_"  # + the edition's TLP value


SEAL_REASONS = {KIND_AGREEMENT: "Issued for signature", KIND_PLAN: "Issued for review",
                KIND_PLAN_APPROVED: "Approved plan issued", KIND_INCIDENT_STAGE: "Incident report stage submitted",
                KIND_ADVISORY: "Advisory released", KIND_ADVISORY_PUBLIC: "Advisory released (public edition)",
                KIND_SITMAN: "Situation manual issued", KIND_HANDBOOK: "Controller/evaluator handbook issued",
                **{f"{KIND_AAR}{t.value}": "After-action report approved" for t in TLP}}


def _store(actor: User | None, record, kind: str, template: str, context: dict, version: int | None = None) -> Document:
    # Sealed before it is stored: SealingFailed propagates and the issuing transition rolls back.
    content = seal_pdf(render_pdf(template, **context), reason=SEAL_REASONS[kind])
    info = context["doc"]
    document = Document(
        object_type=record.__tablename__, object_id=record.id, kind=kind,
        version=record.version if version is None else version,
        reference=record.reference, filename=info.filename, sha256=hashlib.sha256(content).hexdigest(),
        size=len(content), content=content, tlp=record.tlp, issuer_id=actor.id if actor else None,
        issued_at=info.generated_at)
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "document.issued", record,
                 f"{kind.replace('_', ' ')}: {info.filename}, {len(content):,} bytes, sha256 {document.sha256}")
    return document


def issue_agreement(actor: User | None, agreement: Agreement,
                    signatories: dict[int, tuple[str, str]] | None = None) -> Document:
    """Render the agreement for signature (no watermark) and store it as issued. Its version is the one
    its pages print: the agreement's revision (changes to the text and parties), not the lock counter."""
    db.session.flush()
    template, context = agreement_document(agreement, issuing=True, signatories=signatories)
    return _store(actor, agreement, KIND_AGREEMENT, template, context, version=agreement.revision)


def issue_incident_plan(actor: User | None, plan: IncidentPlan) -> Document:
    """Render the plan for review and store it as issued."""
    db.session.flush()
    template, context = incident_plan_document(plan, actor, issuing=True)
    return _store(actor, plan, KIND_PLAN, template, context)


def issue_approved_incident_plan(actor: User | None, plan: IncidentPlan) -> Document:
    """The approved version as it was approved, stored and sealed."""
    db.session.flush()
    template, context = incident_plan_document(plan, actor, shared=True)
    return _store(actor, plan, KIND_PLAN_APPROVED, template, context)


def issue_incident_stage(actor: User, report, stage) -> Document:
    """A submitted incident-report stage, sealed and stored; its version is the stage's id (one issue each)."""
    from app.documents.incident_stage import incident_stage_document

    db.session.flush()
    template, context = incident_stage_document(report, stage)
    return _store(actor, report, KIND_INCIDENT_STAGE, template, context, version=stage.id)


def issue_advisory(actor: User, advisory, public: bool) -> Document:
    """One edition of a released advisory, sealed and stored; the public edition is labelled TLP:CLEAR."""
    from app.documents.advisory import advisory_document
    from app.models import TLP

    db.session.flush()
    template, context = advisory_document(advisory, public)
    document = _store(actor, advisory, KIND_ADVISORY_PUBLIC if public else KIND_ADVISORY, template, context,
                      version=1)
    if public:
        document.tlp, document.reference = TLP.CLEAR, context["doc"].reference
        db.session.flush()
    return document


def issue_exercise_materials(actor: User, exercise, injects) -> tuple[Document, Document]:
    """The situation manual and the controller/evaluator handbook as they stand when the exercise is ready.
    The handbook is filed under its own object type: no visible_documents scope lists it (404 at /documents/…
    and on /verify for everyone), it is served only by its own route to the readers of the MSEL."""
    from app.documents.exercise import HANDBOOK_OBJECT_TYPE
    from app.documents.exercise import handbook_document
    from app.documents.exercise import sitman_document

    db.session.flush()
    sitman = _store(actor, exercise, KIND_SITMAN, *sitman_document(exercise))
    handbook = _store(actor, exercise, KIND_HANDBOOK, *handbook_document(exercise, injects))
    handbook.object_type = HANDBOOK_OBJECT_TYPE
    db.session.flush()
    return sitman, handbook


def issue_exercise_aar(actor: User, exercise, actions) -> list[Document]:
    """Every edition of the approved AAR/IP, each sealed and stored: an issued AAR never changes."""
    from app.documents.exercise import aar_document
    from app.documents.exercise import aar_editions

    db.session.flush()
    issued = []
    for edition in aar_editions(exercise):
        document = _store(actor, exercise, f"{KIND_AAR}{edition.value}", *aar_document(exercise, actions, edition))
        document.tlp = edition
        issued.append(document)
    db.session.flush()
    return issued


def exercise_document(exercise, kind: str, object_type: str | None = None) -> Document | None:
    """The latest issue of one exercise document (the caller checked the reader may have it)."""
    return db.session.scalars(sa.select(Document).where(
        Document.object_type == (object_type or exercise.__tablename__), Document.object_id == exercise.id,
        Document.kind == kind).order_by(Document.id.desc()).limit(1)).first()


def issued_documents(reader: User, record) -> list[Document]:
    """Issues of a record, newest first, through the reader's scope (without loading the bytes)."""
    if record is None or getattr(record, "id", None) is None:
        return []
    return list(db.session.scalars(
        permissions.visible_documents(reader, type(record), record.id)
        .order_by(Document.issued_at.desc(), Document.id.desc())))


def latest_issue(reader: User, record, kind: str) -> Document | None:
    return db.session.scalars(permissions.visible_documents(reader, type(record), record.id)
                              .where(Document.kind == kind).order_by(Document.id.desc())).first()


def issued_here(sha256: str) -> bool:
    """Whether any document with this SHA-256 was issued here, whoever may read it (for /verify's
    "issued by this Palisade, not shared with you": the record itself is never named)."""
    return db.session.scalar(sa.select(sa.func.count(Document.id)).where(Document.sha256 == sha256)) > 0
