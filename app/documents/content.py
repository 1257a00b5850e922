"""What goes into each PDF: records loaded through the reader's visible_* scopes, capped, and the
document's identity (reference, version, TLP = the highest label of what it shows).

Builders return (template, context) for app.pdf.render_pdf; they never render themselves. The context holds
everything the template shows (a record's attached files too): PDF templates call no query of their own.
"""
import hashlib
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from werkzeug.datastructures import MultiDict

from app import permissions
from app.attachments import services as attachment_services
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import Document
from app.models import IncidentPlan
from app.models import Initiative
from app.models import Mitigation
from app.models import Organization
from app.models import PartyRole
from app.models import PlanStatus
from app.models import Risk
from app.models import RiskLevel
from app.models import RiskStatus
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import today
from app.models import utcnow
from app.pdf import Budget
from app.risks.queries import filtered
from app.risks.queries import read_filters

ROWS_SHOWN = 200  # rows of one list in a status report before "and N more"


@dataclass
class DocumentInfo:
    """The identity of one PDF: printed in its title block, page margins and metadata."""

    kind: str
    reference: str
    version: str | None
    tlp: TLP
    heading: str
    organisations: list[str] = field(default_factory=list)
    watermark: str | None = None
    issue_note: str = ""
    toc: list[tuple[str, str]] = field(default_factory=list)
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def programme(self) -> str:
        return current_app.config.get("ORGANIZATION_NAME", "")

    @property
    def title(self) -> str:
        return f"{self.reference} — {self.heading}"

    @property
    def subject(self) -> str:
        return f"{self.kind} · {self.tlp.label}"

    @property
    def filename(self) -> str:
        return f"{self.reference}_{self.tlp.label.replace(':', '-')}.pdf"


def report_reference(prefix: str) -> str:
    """Live reports have no version: the reference carries the generation time instead."""
    return f"{prefix}-{utcnow().strftime('%Y%m%d-%H%M')}"


def highest_tlp(*groups) -> TLP:
    labels = []
    for group in groups:
        if isinstance(group, TLP | str):
            labels.append(group)
        else:
            labels.extend(getattr(item, "tlp", item) for item in group)
    return TLP.highest(labels)


# --- Agreement for signature ---------------------------------------------------------------------

AGREEMENT_ISSUED = {AgreementStatus.OUT_FOR_SIGNATURE, AgreementStatus.ACTIVE, AgreementStatus.EXPIRED,
                    AgreementStatus.TERMINATED}


def agreement_watermark(agreement: Agreement, issuing: bool) -> str | None:
    if issuing:
        return None
    if agreement.status is AgreementStatus.CANCELLED:
        return "CANCELLED"
    return "COPY" if agreement.status in AGREEMENT_ISSUED else "DRAFT"


def agreement_document(agreement: Agreement, *, issuing: bool = False,
                       signatories: dict[int, tuple[str, str]] | None = None) -> tuple[str, dict]:
    """`signatories`: {organisation id: (name, title)} chosen when issuing for signature; a party not
    in it shows the signatory recorded on the party (or blank lines to sign on)."""
    budget = Budget("This agreement")
    budget.text("The title", agreement.title)
    budget.text("The purpose", agreement.summary)
    budget.text("The terms", agreement.terms)
    parties = db.session.scalars(
        sa.select(AgreementParty).where(AgreementParty.agreement_id == agreement.id)
        .options(so.selectinload(AgreementParty.organization)).order_by(AgreementParty.position)).all()
    budget.table("Parties", len(parties))
    budget.check()
    chosen = signatories or {}
    # Every lead and partner signs (observers do not): each gets a block, named where known.
    signers = {p.organization_id: chosen.get(p.organization_id) or (p.signatory_name, p.signatory_title)
               for p in parties if p.party_role is not PartyRole.OBSERVER}
    signatories = [p for p in parties if p.organization_id in signers]
    toc = [("parties", "1. Parties"), ("purpose", "2. Recitals and purpose"), ("terms", "3. Terms"),
           ("term", "4. Term, notice and renewal"), ("handling", "5. Handling"),
           ("signatures", "6. Signatures")]
    info = DocumentInfo(
        kind=f"{agreement.kind.label} — for signature" if issuing else agreement.kind.label,
        reference=agreement.reference, version=str(agreement.revision), tlp=agreement.tlp,
        heading=agreement.title, organisations=[p.organization.name for p in parties],
        watermark=agreement_watermark(agreement, issuing), toc=toc if budget.estimated_pages >= 4 else [],
        issue_note="issued for signature" if issuing else f"status: {agreement.status.label.lower()}")
    # Signature blocks go in groups kept together, the last group holding two, so the last
    # signature never stands alone on a page.
    groups = [signatories[:1]] + [signatories[i:i + 2] for i in range(1, len(signatories), 2)] \
        if len(signatories) % 2 else [signatories[i:i + 2] for i in range(0, len(signatories), 2)]
    issues = db.session.scalars(sa.select(Document).where(
        Document.linked_to(agreement))
        .order_by(Document.id.desc()).limit(1)).all() if agreement.id is not None else []
    return "pdf/agreement.html", {"doc": info, "agreement": agreement, "parties": parties,
                                  "signatories": signatories, "signers": signers, "signature_groups": [g for g in groups if g],
                                  "content_digest": content_digest(agreement, parties),
                                  "previous_issue": issues[0] if issues else None,
                                  "summary_paragraphs": paragraphs(agreement.summary),
                                  "attachments": attached_files(agreement)}


def content_digest(agreement: Agreement, parties: list[AgreementParty] | None = None) -> str:
    """SHA-256 of the agreement's text as printed (a PDF cannot hold its own hash): reference,
    revision, kind, title, purpose, terms, dates and parties, one field per line (docs/documents.md).
    The agreement page shows the same digest for the current content, so a printed copy can be
    matched against the record."""
    lines = [agreement.reference, str(agreement.revision), agreement.kind.value, agreement.title,
             agreement.summary or "", agreement.terms or "", str(agreement.effective_date or ""),
             str(agreement.expiry_date or ""), str(agreement.notice_days), str(bool(agreement.auto_renew)),
             agreement.tlp.value]
    if parties is None:
        parties = sorted(agreement.parties, key=lambda p: p.position)
    lines += [f"{p.organization.name}|{p.party_role.value}|{p.signatory_name}|{p.signatory_title}" for p in parties]
    return hashlib.sha256("\n".join(line.replace("\r\n", "\n") for line in lines).encode()).hexdigest()


def attached_files(record) -> list:
    """The record's current (unarchived) files, listed in its PDF (templates/pdf/_attachments.html); the
    record came through the reader's scope."""
    if record.id is None:
        return []
    return attachment_services.record_attachments(record, archived=False)


def paragraphs(text: str | None) -> list[str]:
    """Plain text (not Markdown) split into paragraphs on blank lines; Jinja escapes each."""
    return [part.strip() for part in (text or "").replace("\r\n", "\n").split("\n\n") if part.strip()]


# --- Incident-response plan for review ------------------------------------------------------------


def revision_history(plan: IncidentPlan, reader: User, limit: int = 50) -> tuple[list[IncidentPlan], bool]:
    """Earlier versions via previous_version, as far as the reader may see them."""
    history, seen, current = [], {plan.id}, plan.previous_version_id
    while current is not None and current not in seen and len(history) < limit:
        seen.add(current)
        previous = db.session.scalars(permissions.visible_incident_plans(reader)
                                      .where(IncidentPlan.id == current)).first()
        if previous is None:
            return history, True
        history.append(previous)
        current = previous.previous_version_id
    return history, False


def incident_plan_document(plan: IncidentPlan, reader: User | None, *, issuing: bool = False,
                           shared: bool = False) -> tuple[str, dict]:
    """`issuing` (for review) or `shared` (the approved issue): a document issued once and served to every reader
    of the plan holds only what each of them may see, so no other version's history (titles, approval dates,
    change summaries of versions under other labels): those are on the plan's page, through each reader's scope."""
    budget = Budget("This plan")
    budget.text("The title", plan.title)
    budget.text("The scope", plan.scope)
    budget.text("The change summary", plan.change_summary)
    budget.table("Sections", len(plan.live_sections), "PDF_MAX_SECTIONS")
    for section in plan.live_sections:
        budget.text(f"Section “{section.title[:60]}”", section.body)
    budget.table("Contacts", len(plan.contacts))
    budget.check()
    issued = issuing or shared or reader is None
    history, hidden_history = ([], False) if issued else revision_history(plan, reader)
    phases = [(phase, sections) for phase, sections in plan.sections_by_phase()]
    budget.text("The activation criteria", plan.activation_criteria)
    budget.text("The severity levels", plan.severity_levels)
    budget.text("The distribution list", plan.distribution_list)
    toc = [("metadata", "1. Plan details"), ("activation", "2. Activation and severity levels"),
           ("approval", "3. Approval"), ("distribution", "4. Distribution list"),
           ("revisions", "5. Revision history"), ("roles", "6. Roles and responsibilities"),
           ("roster", "7. Contact and escalation roster")]
    toc += [(f"phase-{phase.value}", f"{8 + i}. {phase.label}") for i, (phase, _) in enumerate(phases)]
    roles: dict[str, list] = {}
    for contact in plan.contacts:
        roles.setdefault(contact.role, []).append(contact)
    watermark = None if issuing or plan.status is not PlanStatus.DRAFT else "DRAFT"
    if plan.status is PlanStatus.RETIRED:
        watermark = "RETIRED"
    info = DocumentInfo(
        kind="Incident-response plan" + (" — for review" if issuing else ""), reference=plan.reference,
        version=plan.version_label, tlp=plan.tlp, heading=plan.title,
        organisations=[plan.owner_organization.name] + [o.name for o in plan.covered_organizations
                                                         if o.id != plan.owner_organization_id],
        watermark=watermark, toc=toc,
        issue_note="issued for review" if issuing else f"status: {plan.status.label.lower()}")
    return "pdf/incident_plan.html", {"doc": info, "plan": plan, "history": history,
                                      "hidden_history": hidden_history, "history_elsewhere": issued,
                                      "phases": phases, "roles": roles, "attachments": attached_files(plan),
                                      "distribution": [line.strip() for line in
                                                       (plan.distribution_list or "").splitlines() if line.strip()]}


# --- Initiative status report ----------------------------------------------------------------------


def initiative_document(initiative: Initiative, reader: User) -> tuple[str, dict]:
    budget = Budget("This status report")
    budget.text("The objective", initiative.objective)
    budget.text("The description", initiative.description)
    budget.text("The health reason", initiative.health_reason)
    budget.table("Milestones", len(initiative.milestones))
    group_ids = (permissions.visible_working_groups(reader).with_only_columns(WorkingGroup.id)
                 .where(WorkingGroup.initiative_id == initiative.id, WorkingGroup.archived_at.is_(None)))
    open_tasks = (permissions.visible_tasks(reader)
                  .where(Task.working_group_id.in_(group_ids), Task.open_condition()))
    overdue_first = sa.case((Task.overdue_condition(), 0), else_=1)
    tasks = db.session.scalars(
        open_tasks.options(so.selectinload(Task.assignee), so.contains_eager(Task.working_group))
        .order_by(overdue_first, Task.due_date.is_(None), Task.due_date, Task.id).limit(ROWS_SHOWN)).all()
    task_total = db.session.scalar(sa.select(sa.func.count()).select_from(open_tasks.subquery()))
    task_tlps = db.session.scalars(sa.select(WorkingGroup.tlp).where(WorkingGroup.id.in_(
        open_tasks.with_only_columns(Task.working_group_id)))).all()
    risks_stmt = (permissions.visible_risks(reader)
                  .where(Risk.initiative_id == initiative.id, Risk.archived_at.is_(None)))
    risks = db.session.scalars(risks_stmt.options(so.selectinload(Risk.mitigations), so.selectinload(
        Risk.owner_organization)).order_by((Risk.likelihood * Risk.impact).desc(), Risk.id).limit(ROWS_SHOWN)).all()
    risk_total = db.session.scalar(sa.select(sa.func.count()).select_from(risks_stmt.subquery()))
    budget.table("Tasks", len(tasks))
    budget.table("Risks", len(risks))
    budget.check()
    info = DocumentInfo(
        kind="Initiative status report", reference=initiative.reference, version=str(initiative.version),
        tlp=highest_tlp([initiative.tlp], task_tlps, risks), heading=initiative.title,
        organisations=[initiative.lead_organization.name] + [o.name for o in initiative.participants
                                                             if o.id != initiative.lead_organization_id])
    return "pdf/initiative_status.html", {
        "doc": info, "initiative": initiative, "tasks": tasks, "more_tasks": task_total - len(tasks),
        "overdue_count": sum(1 for t in tasks if t.is_overdue), "risks": risks,
        "more_risks": risk_total - len(risks), "today": today(), "attachments": attached_files(initiative)}


# --- Risk register ------------------------------------------------------------------------------


LEVEL_ORDER = [RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW]


def heat_map(cells: dict[tuple[int, int], int]) -> list[list[tuple[int, int, int, RiskLevel]]]:
    """Rows from likelihood 5 down to 1: (likelihood, impact, count, level) per cell."""
    from app.models import level_for_score

    return [[(likelihood, impact, cells.get((likelihood, impact), 0), level_for_score(likelihood * impact))
             for impact in range(1, 6)] for likelihood in range(5, 0, -1)]


REGISTER_FILTERS = ("q", "status", "level", "treatment", "sector", "organization", "initiative", "likelihood",
                    "impact", "review", "mine")  # the risk list's filters the register PDF takes (?tlp= is its edition)


def risk_register_document(reader: User, ceiling: TLP | None = None, filters: dict | None = None) -> tuple[str, dict]:
    """The open risks the reader sees, under the risk list's filters (`filters`: its query arguments), and, for
    an edition (`ceiling`), only those labelled at or below it; an edition is marked with its ceiling."""
    budget = Budget("The risk register")
    chosen = read_filters(MultiDict(filters or {}))
    base = filtered(reader, chosen, archived=False)
    if ceiling is not None:
        base = base.where(Risk.tlp.in_([t for t in TLP if t.rank <= ceiling.rank]))
    stmt = base if chosen["status"] is not None else base.where(Risk.open_condition())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    budget.table("Risks", total)
    mitigation_total = db.session.scalar(
        sa.select(sa.func.count()).select_from(permissions.visible_mitigations(reader).where(
            Mitigation.risk_id.in_(stmt.with_only_columns(Risk.id)), Mitigation.archived_at.is_(None))
            .subquery()))
    budget.table("Mitigations", mitigation_total)
    budget.check()
    risks = db.session.scalars(stmt.options(
        so.selectinload(Risk.owner_organization), so.selectinload(Risk.initiative),
        so.selectinload(Risk.mitigations).selectinload(Mitigation.assigned_organization))
        .order_by((Risk.likelihood * Risk.impact).desc(), Risk.reference)).all()
    for risk in risks:
        budget.text(f"{risk.reference} description", risk.description)
    budget.check()
    # AC-09: a risk's initiative is named only when the reader may read it (as on the risk's page).
    linked = {risk.initiative_id for risk in risks if risk.initiative_id is not None}
    readable_initiatives = set(db.session.scalars(permissions.visible_initiatives(reader).where(
        Initiative.id.in_(linked)).with_only_columns(Initiative.id))) if linked else set()
    closed = 0 if chosen["status"] is not None else db.session.scalar(sa.select(sa.func.count()).select_from(
        base.where(Risk.status == RiskStatus.CLOSED).subquery()))
    cells: dict[tuple[int, int], int] = {}
    for risk in risks:
        cells[(risk.likelihood, risk.impact)] = cells.get((risk.likelihood, risk.impact), 0) + 1
    by_level = [(level, [r for r in risks if r.level is level]) for level in LEVEL_ORDER]
    info = DocumentInfo(
        kind="Risk register" + (f" — {ceiling.label} edition" if ceiling is not None else ""),
        reference=report_reference("RISKS"), version=None,
        tlp=ceiling if ceiling is not None else highest_tlp(risks), heading="Partnership risk register",
        organisations=[f"Prepared for {reader.organization.name}"],
        toc=[] if len(risks) < 20 else [("heatmap", "Heat map")] + [(f"level-{lvl.value}", f"{lvl.label} risks ({len(rs)})")
                                         for lvl, rs in by_level])
    return "pdf/risk_register.html", {"doc": info, "heat": heat_map(cells), "by_level": by_level,
                                      "total": len(risks), "closed": closed, "edition": ceiling,
                                      "scope_labels": [t for t in TLP if ceiling is None or t.rank <= ceiling.rank],
                                      "reader_org": reader.organization.name,
                                      "readable_initiatives": readable_initiatives,
                                      "file_counts": attachment_services.counts_by_record(Risk, [r.id for r in risks]),
                                      "filter_summary": _filter_summary(chosen, reader)}


def _filter_summary(chosen: dict, reader: User) -> list[str]:
    """The list filters a register was produced under, in words, for its first page."""
    words = []
    if chosen["q"]:
        words.append(f"search “{chosen['q']}”")
    for key, name in (("status", "status"), ("level", "level"), ("treatment", "treatment"), ("sector", "sector")):
        if chosen[key] is not None:
            words.append(f"{name} {chosen[key].label}")
    if chosen["organization"] is not None:
        org = db.session.get(Organization, chosen["organization"])
        words.append(f"organisation {org.name if org is not None else chosen['organization']}")
    if chosen["initiative"] is not None:
        initiative = db.session.scalars(permissions.visible_initiatives(reader).where(
            Initiative.id == chosen["initiative"])).first()
        words.append(f"initiative {initiative.reference if initiative is not None else 'not shared with you'}")
    if chosen["likelihood"]:
        words.append(f"likelihood {chosen['likelihood']}")
    if chosen["impact"]:
        words.append(f"impact {chosen['impact']}")
    if chosen["review_due"]:
        words.append("review overdue")
    if chosen["mine"]:
        words.append("mitigations assigned to you")
    return words
