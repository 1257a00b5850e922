"""Incident-response plan use cases: create, edit, lifecycle (approval, revision), sections, contacts.

Every function authorises first, flushes (never commits) and writes its audit row in the same
transaction. Plan content changes only in draft (`IncidentPlan.is_read_only`).
"""
from datetime import date

import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from app import audit
from app import kinds
from app import permissions
from app import records
from app.documents.services import issue_approved_incident_plan
from app.documents.services import issue_incident_plan
from app.extensions import db
from app.models import IncidentPlan
from app.models import InvalidTransition
from app.models import Organization
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import PlanStatus
from app.models import User
from app.models import today
from app.models import utcnow
from app.models.incident_plan import latest_review_date
from app.models.incident_plan import next_version_label
from app.reviews import services as reviews

KIND = kinds.by_model(IncidentPlan).key  # its audit actions' key (app/kinds.py)
PLAN_FIELDS = ("title", "scope", "sectors", "version_label", "tlp", "change_summary", "activation_criteria",
               "severity_levels", "distribution_list")
CONTACT_FIELDS = ("role", "name", "organization", "phone", "email", "escalation_tier", "available_24_7")


class PlanLocked(Forbidden):
    """403 with a reason the user can act on (the plan is approved, in review or archived)."""


class InvalidReviewDate(ValueError):
    """Approval with a next review date in the past or more than 12 months ahead."""


class VersionLabelTaken(ValueError):
    """Another version of the same reference already uses this label."""


def authorize_content_change(actor: User, plan: IncidentPlan) -> None:
    """Edits, sections and contacts: 403, with the reason when the plan itself is locked."""
    if plan.is_read_only and permissions.can_archive(actor, plan):
        if plan.is_archived:
            raise PlanLocked("This plan is archived: restore it before changing it.")
        if plan.status is PlanStatus.IN_REVIEW:
            raise PlanLocked("This plan is in review and locked: request changes to edit it.")
        raise PlanLocked(f"An {plan.status.label.lower()} plan is read-only: revise it to make a new version.")
    permissions.authorize(permissions.can_edit_incident_plan(actor, plan))


def _names(items) -> str:
    return ", ".join(sorted(getattr(i, "name", str(i)) for i in items)) or "—"


def _check_label_free(reference: str, label: str, plan_id: int | None = None) -> None:
    stmt = sa.select(IncidentPlan.id).where(IncidentPlan.reference == reference,
                                            IncidentPlan.version_label == label)
    if plan_id is not None:
        stmt = stmt.where(IncidentPlan.id != plan_id)
    if db.session.scalar(stmt) is not None:
        raise VersionLabelTaken(f"Version {label} of {reference} already exists.")


def _set_covered(plan: IncidentPlan, organizations: list[Organization]) -> str:
    before = {o.id: o for o in plan.covered_organizations}
    after = {o.id: o for o in organizations if o.id != plan.owner_organization_id}
    if before.keys() == after.keys():
        return ""
    plan.covered_organizations = list(after.values())
    return f"covered organisations: {_names(before.values())} → {_names(after.values())}"


def create_incident_plan(actor: User, *, covered_organizations=(), recipients=(), **fields) -> IncidentPlan:
    permissions.authorize(permissions.can_create_incident_plan(actor))
    data = {name: fields[name] for name in PLAN_FIELDS if name in fields}
    plan = IncidentPlan(**data, reference=records.next_reference(IncidentPlan, "IRP"),
                        owner_organization_id=actor.organization_id, created_by=actor,
                        status=PlanStatus.DRAFT)
    db.session.add(plan)
    plan.covered_organizations = [o for o in covered_organizations if o.id != actor.organization_id]
    plan.recipients = list(recipients)
    db.session.flush()
    audit.record(actor, f"{KIND}.created", plan,
                 summary=f"{plan.reference} v{plan.version_label}: {plan.title}; TLP: {plan.tlp.label}; "
                         f"covered organisations: {_names(plan.covered_organizations)}")
    reviews.content_saved(actor, plan)
    return plan


def update_incident_plan(actor: User, plan: IncidentPlan, *, expected_version: int | None,
                         covered_organizations=None, recipients=None, **fields) -> dict:
    authorize_content_change(actor, plan)
    records.check_version(plan, expected_version)
    data = {name: fields[name] for name in PLAN_FIELDS if name in fields}
    if "version_label" in data and data["version_label"] != plan.version_label:
        _check_label_free(plan.reference, data["version_label"], plan.id)
    changes = audit.diff(plan, data)
    with db.session.no_autoflush:  # one UPDATE (one version step) for fields and collections together
        for name, value in data.items():
            setattr(plan, name, value)
        parts = [audit.summarize(changes)] if changes else []
        if covered_organizations is not None:
            parts.append(_set_covered(plan, covered_organizations))
        if recipients is not None:
            parts.append(records.set_recipients(plan, recipients))
    summary = "; ".join(p for p in parts if p)
    if summary:
        # Touch the row so collection-only edits also bump the version (optimistic lock).
        plan.updated_at = utcnow()
        db.session.flush()
        audit.record(actor, f"{KIND}.updated", plan, summary=summary)
        reviews.content_saved(actor, plan)
    return changes


def _retire_superseded(actor: User, plan: IncidentPlan) -> None:
    """Approving a version retires the reference's previously approved version(s)."""
    older = db.session.scalars(sa.select(IncidentPlan).where(
        IncidentPlan.reference == plan.reference, IncidentPlan.id != plan.id,
        IncidentPlan.status == PlanStatus.APPROVED)).all()
    for previous in older:
        previous.transition_to(PlanStatus.RETIRED)
        audit.record(actor, f"{KIND}.status_changed", previous,
                     summary=f"status: Approved → Retired (superseded by version {plan.version_label})")


def transition_incident_plan(actor: User, plan: IncidentPlan, new_status: PlanStatus,
                             next_review_date: date | None = None, *, comment: str = "",
                             reviewers: list[User] = ()) -> None:
    """Review steps (app/reviews): submitting names optional reviewers, requesting changes needs
    `comment`, and neither the author nor whoever submitted the version approves it (four eyes)."""
    permissions.authorize(permissions.can_transition_incident_plan(actor, plan, new_status))
    old_status = plan.status
    if new_status is PlanStatus.APPROVED:
        reviews.check_approvable(plan)  # the approval binds to the content submitted
        _approve(actor, plan, next_review_date)
    else:
        records.transition(actor, plan, new_status, KIND)
        if new_status is PlanStatus.IN_REVIEW:
            # Issuing for review stores the exact PDF bytes and their SHA-256 (app/documents, issue 4);
            # a failed render raises and the status change rolls back with it.
            issue_incident_plan(actor, plan)
    reviews.review_step(actor, plan, old_status, new_status, comment=comment, reviewers=reviewers)


def _approve(actor: User, plan: IncidentPlan, next_review_date: date | None) -> None:
    """Record approver and time, set the next review (default and maximum: 12 months ahead)."""
    old = plan.status
    plan.transition_to(PlanStatus.APPROVED)  # InvalidTransition unless in review
    approved_on = today()
    latest = latest_review_date(approved_on)
    review = next_review_date or latest
    if review <= approved_on or review > latest:
        raise InvalidReviewDate("The next review must be after today and at most 12 months after approval "
                                f"(by {latest.isoformat()}).")
    plan.approver = actor
    plan.approved_at = utcnow()
    plan.next_review_date = review
    audit.record(actor, f"{KIND}.status_changed", plan,
                 summary=f"status: {old.label} → {plan.status.label}; approver: {actor.name}; "
                         f"next review: {review.isoformat()}")
    _retire_superseded(actor, plan)
    issue_approved_incident_plan(actor, plan)  # sealed like every issue; a failure rolls back the approval


archive_incident_plan = records.archive_step(KIND, permissions.can_archive)


def revise_incident_plan(actor: User, plan: IncidentPlan, bump: str = "major") -> IncidentPlan:
    """Copy an approved or retired plan, with its sections and contacts, into a new draft version."""
    permissions.authorize(permissions.can_revise_incident_plan(actor, plan))
    versions = db.session.scalars(sa.select(IncidentPlan).where(IncidentPlan.reference == plan.reference)).all()
    open_draft = [v for v in versions if v.status in (PlanStatus.DRAFT, PlanStatus.IN_REVIEW) and not v.is_archived]
    if open_draft:
        raise InvalidTransition(f"Version {open_draft[0].version_label} of {plan.reference} is already being "
                                "revised; finish or archive it first.")
    label = next_version_label({v.version_label for v in versions}, plan.version_label, bump)
    # A TLP:RED copy must stay readable by the people who read the original, its author included.
    readers = {u.id: u for u in plan.recipients}
    if plan.created_by is not None and plan.created_by_id != actor.id:
        readers.setdefault(plan.created_by_id, plan.created_by)
    readers.pop(actor.id, None)
    draft = IncidentPlan(reference=plan.reference, title=plan.title, scope=plan.scope, sectors=list(plan.sectors),
                         owner_organization_id=plan.owner_organization_id, version_label=label, tlp=plan.tlp,
                         status=PlanStatus.DRAFT, change_summary="", previous_version_id=plan.id,
                         activation_criteria=plan.activation_criteria, severity_levels=plan.severity_levels,
                         distribution_list=plan.distribution_list,
                         created_by=actor)
    db.session.add(draft)
    draft.covered_organizations = list(plan.covered_organizations)
    draft.recipients = list(readers.values())
    draft.sections = [PlanSection(phase=s.phase, title=s.title, body=s.body, position=s.position)
                      for s in plan.live_sections]
    draft.contacts = [PlanContact(**{name: getattr(c, name) for name in CONTACT_FIELDS}) for c in plan.contacts]
    db.session.flush()
    audit.record(actor, f"{KIND}.created", draft,
                 summary=f"new draft version {label}, revised from version {plan.version_label} "
                         f"({len(draft.sections)} sections, {len(draft.contacts)} contacts copied)")
    audit.record(actor, f"{KIND}.revised", plan, summary=f"new draft version {label} started")
    reviews.content_saved(actor, draft)
    return draft


# --- Sections ----------------------------------------------------------------------------------


def _phase_sections(plan: IncidentPlan, phase: Phase) -> list[PlanSection]:
    return sorted((s for s in plan.live_sections if s.phase is phase), key=lambda s: (s.position, s.id or 0))


def add_section(actor: User, plan: IncidentPlan, *, phase: Phase, title: str, body: str = "") -> PlanSection:
    authorize_content_change(actor, plan)
    siblings = _phase_sections(plan, phase)
    section = PlanSection(phase=phase, title=title, body=body,
                          position=(siblings[-1].position + 1) if siblings else 0)
    plan.sections.append(section)
    db.session.flush()
    audit.record(actor, f"{KIND}.section_added", plan, summary=f"section added: {phase.label} / {title}")
    reviews.content_saved(actor, plan)
    return section


def update_section(actor: User, plan: IncidentPlan, section: PlanSection, *, expected_version: int | None,
                   phase: Phase, title: str, body: str) -> None:
    authorize_content_change(actor, plan)
    records.check_version(section, expected_version)
    changes = audit.diff(section, {"phase": phase, "title": title, "body": body})
    if not changes:
        return
    if phase is not section.phase:
        siblings = _phase_sections(plan, phase)
        section.position = (siblings[-1].position + 1) if siblings else 0
    section.phase, section.title, section.body = phase, title, body
    db.session.flush()
    audit.record(actor, f"{KIND}.section_updated", plan,
                 summary=f"section {title}: " + audit.summarize(changes))
    reviews.content_saved(actor, plan)


def archive_section(actor: User, plan: IncidentPlan, section: PlanSection) -> bool:
    """A coordinator's "delete": the section leaves the plan (page, PDF, next version) but keeps
    its text and can be restored; nothing a coordinator does destroys content. Twice does nothing (False)."""
    authorize_content_change(actor, plan)
    if section.archived_at is not None:
        return False
    section.archived_at = utcnow()
    section.archived_by_id = actor.id
    db.session.flush()
    audit.record(actor, f"{KIND}.section_archived", plan,
                 summary=f"section archived: {section.phase.label} / {section.title}")
    reviews.content_saved(actor, plan)
    return True


def restore_section(actor: User, plan: IncidentPlan, section: PlanSection) -> bool:
    """Back into the plan, at the end of its phase; a section in the plan stays as it is (False)."""
    authorize_content_change(actor, plan)
    if section.archived_at is None:
        return False
    siblings = _phase_sections(plan, section.phase)
    section.archived_at = None
    section.archived_by_id = None
    section.position = (siblings[-1].position + 1) if siblings else 0
    db.session.flush()
    audit.record(actor, f"{KIND}.section_restored", plan,
                 summary=f"section restored: {section.phase.label} / {section.title}")
    reviews.content_saved(actor, plan)
    return True


def move_section(actor: User, plan: IncidentPlan, section: PlanSection, direction: str) -> bool:
    """Swap the section with its neighbour in the same phase; False when it is already at that end."""
    authorize_content_change(actor, plan)
    siblings = _phase_sections(plan, section.phase)
    # Renumber first so equal or sparse positions (old data, deletions) still move predictably.
    for index, sibling in enumerate(siblings):
        if sibling.position != index:
            sibling.position = index
    index = siblings.index(section)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(siblings):
        return False
    neighbour = siblings[other]
    section.position, neighbour.position = neighbour.position, section.position
    db.session.flush()
    audit.record(actor, f"{KIND}.section_moved", plan,
                 summary=f"section {section.title} moved {direction} in {section.phase.label}")
    reviews.content_saved(actor, plan)
    return True


# --- Contacts ----------------------------------------------------------------------------------


def add_contact(actor: User, plan: IncidentPlan, **fields) -> PlanContact:
    authorize_content_change(actor, plan)
    contact = PlanContact(**{name: fields[name] for name in CONTACT_FIELDS if name in fields})
    plan.contacts.append(contact)
    db.session.flush()
    audit.record(actor, f"{KIND}.contact_added", plan,
                 summary=f"contact added: {contact.role} — {contact.name} (tier {contact.escalation_tier})")
    reviews.content_saved(actor, plan)
    return contact


def update_contact(actor: User, plan: IncidentPlan, contact: PlanContact, *, expected_version: int | None,
                   **fields) -> None:
    authorize_content_change(actor, plan)
    records.check_version(contact, expected_version)
    data = {name: fields[name] for name in CONTACT_FIELDS if name in fields}
    changes = audit.diff(contact, data)
    if not changes:
        return
    for name, value in data.items():
        setattr(contact, name, value)
    db.session.flush()
    audit.record(actor, f"{KIND}.contact_updated", plan,
                 summary=f"contact {contact.name}: " + audit.summarize(changes))
    reviews.content_saved(actor, plan)


def delete_contact(actor: User, plan: IncidentPlan, contact: PlanContact) -> None:
    authorize_content_change(actor, plan)
    plan.contacts.remove(contact)
    db.session.flush()
    # The whole entry goes into the audit trail, so a removed contact can be re-entered from it.
    details = ", ".join(part for part in (contact.organization, contact.phone, contact.email,
                                          f"tier {contact.escalation_tier}",
                                          "24/7" if contact.available_24_7 else "office hours") if part)
    audit.record(actor, f"{KIND}.contact_deleted", plan,
                 summary=f"contact deleted: {contact.role} — {contact.name} ({details})")
    reviews.content_saved(actor, plan)
