"""Initiative use cases: authorise, change, audit in the same transaction; the caller commits."""
from datetime import date

import sqlalchemy as sa

from app import audit
from app import permissions
from app import records
from app.extensions import db
from app.models import TLP
from app.models import Health
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Milestone
from app.models import Organization
from app.models import User
from app.models import utcnow


class InitiativeError(ValueError):
    """A rule about one initiative was broken (the form should have caught it)."""


def _check_rules(fields: dict, recipients) -> None:
    """Invariants re-checked here so no caller can skip them, whatever the form did."""
    reason = (fields.get("health_reason") or "").strip()
    if fields.get("health", Health.GREEN) is not Health.GREEN and not reason:
        raise InitiativeError("Explain why the initiative is not green.")
    start, target = fields.get("start_date"), fields.get("target_date")
    if start and target and target < start:
        raise InitiativeError("The target date must be on or after the start date.")
    if fields.get("tlp") is TLP.RED and recipients is not None and not recipients:
        raise InitiativeError("Name at least one recipient for TLP:RED.")


def _organizations(ids) -> list[Organization]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organization).where(Organization.id.in_(set(ids)))
                                   .order_by(Organization.name)))


def _names(items) -> str:
    return ", ".join(sorted(i.name for i in items)) or "—"


def _normalise(fields: dict) -> dict:
    fields = dict(fields)
    if "sectors" in fields:
        fields["sectors"] = sorted(set(fields["sectors"] or []), key=lambda s: s.value)
    for name in ("title", "objective", "description", "health_reason", "decision_note"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return fields


def create_initiative(actor: User, *, participant_ids=(), recipients: list[User] = (), **fields) -> Initiative:
    """Create an initiative owned by the actor's organisation, with a fresh INI-YYYY-NNNN reference."""
    permissions.authorize(permissions.can_create_initiative(actor))
    fields = _normalise(fields)
    _check_rules(fields, recipients)
    initiative = Initiative(**fields, reference=records.next_reference(Initiative, "INI"),
                            owner_organization_id=actor.organization_id, created_by=actor)
    lead_id = fields.get("lead_organization_id")
    initiative.participants = [o for o in _organizations(participant_ids) if o.id != lead_id]
    records.created(actor, initiative, None,
                    [f"reference: {initiative.reference}; title: {initiative.title}; tlp: {initiative.tlp.label}"],
                    recipients)
    return initiative


def update_initiative(actor: User, initiative: Initiative, *, expected_version: int | None,
                      participant_ids=(), recipients: list[User] = (), **fields) -> dict:
    """Optimistic-locked edit with one audit row naming every changed field. Returns the changes: the fields', and
    "participants" and "recipients" (as the audit row words them) when those changed; {} when nothing did."""
    permissions.authorize(permissions.can_edit_initiative(actor, initiative))
    records.check_version(initiative, expected_version)
    fields = _normalise(fields)
    _check_rules(fields, recipients)
    # Load related rows before touching the record: a query would autoflush a half-made change.
    lead_id = fields.get("lead_organization_id", initiative.lead_organization_id)
    participants = [o for o in _organizations(participant_ids) if o.id != lead_id]
    before_participants = list(initiative.participants)
    changes = audit.diff(initiative, fields)
    links = {}  # the association tables' changes, each as its audit part
    if {o.id for o in participants} != {o.id for o in before_participants}:
        links["participants"] = f"participants: {_names(before_participants)} → {_names(participants)}"
    if recipients_change := records.recipients_change(initiative.recipients, recipients):
        links["recipients"] = recipients_change
    if not (changes or links):
        return {}
    with db.session.no_autoflush:
        for name, value in fields.items():
            setattr(initiative, name, value)
        initiative.participants = participants
        records.set_recipients(initiative, recipients)
        # Association-table changes alone would not touch the row: bump it so the version moves.
        initiative.updated_at = utcnow()
    db.session.flush()  # raises StaleDataError if a concurrent writer won the race
    summary = "; ".join(filter(None, [audit.summarize(changes), *links.values()]))
    audit.record(actor, "initiative.updated", initiative, summary=summary)
    return {**changes, **links}


def update_health(actor: User, initiative: Initiative, *, expected_version: int | None,
                  health: Health, health_reason: str) -> dict:
    permissions.authorize(permissions.can_edit_initiative(actor, initiative))
    fields = {"health": health, "health_reason": (health_reason or "").strip()}
    _check_rules(fields, recipients=None)
    return records.apply_changes(actor, initiative, fields, expected_version=expected_version,
                                 action="initiative.health_updated")


def transition_initiative(actor: User, initiative: Initiative, new_status: InitiativeStatus) -> None:
    """Raises Forbidden (403) or InvalidTransition; the view turns the latter into a message."""
    permissions.authorize(permissions.can_transition_initiative(actor, initiative, new_status))
    records.transition(actor, initiative, new_status)


archive_initiative = records.archive_step(None, permissions.can_archive)  # audit key: app/kinds.py


# --- Milestones: part of the initiative, audited on it, never bumping its version -------------


def _milestone_text(milestone: Milestone) -> str:
    due = milestone.due_date.isoformat() if milestone.due_date else "no due date"
    return f"{milestone.title} (due {due})"


def add_milestone(actor: User, initiative: Initiative, *, title: str, due_date: date | None) -> Milestone:
    permissions.authorize(permissions.can_manage_milestones(actor, initiative))
    milestone = Milestone(initiative_id=initiative.id, title=title, due_date=due_date)
    db.session.add(milestone)
    db.session.flush()
    audit.record(actor, "initiative.milestone_added", initiative,
                 summary=f"milestone: {_milestone_text(milestone)}")
    return milestone


def edit_milestone(actor: User, initiative: Initiative, milestone: Milestone, *, title: str,
                   due_date: date | None) -> dict:
    permissions.authorize(permissions.can_manage_milestones(actor, initiative))
    changes = audit.diff(milestone, {"title": title, "due_date": due_date})
    if changes:
        milestone.title, milestone.due_date = title, due_date
        audit.record(actor, "initiative.milestone_edited", initiative,
                     summary=f"milestone {milestone.id}: " + audit.summarize(changes))
    return changes


def complete_milestone(actor: User, initiative: Initiative, milestone: Milestone) -> bool:
    """Complete; completing a completed milestone does nothing (False), like archiving twice."""
    permissions.authorize(permissions.can_manage_milestones(actor, initiative))
    return records.stamp(actor, initiative, milestone, "completed_at", True, "initiative.milestone_completed",
                         f"milestone: {_milestone_text(milestone)}")


def reopen_milestone(actor: User, initiative: Initiative, milestone: Milestone) -> bool:
    """Reopen; reopening an open milestone does nothing (False)."""
    permissions.authorize(permissions.can_manage_milestones(actor, initiative))
    return records.stamp(actor, initiative, milestone, "completed_at", False, "initiative.milestone_reopened",
                         f"milestone: {_milestone_text(milestone)}")


def delete_milestone(actor: User, initiative: Initiative, milestone: Milestone) -> None:
    """Milestones are small parts of a record, not records: deleting one is audited, not archived."""
    permissions.authorize(permissions.can_manage_milestones(actor, initiative))
    text = _milestone_text(milestone)
    db.session.delete(milestone)
    audit.record(actor, "initiative.milestone_deleted", initiative, summary=f"milestone: {text}")


def link_agreement(actor: User, initiative: Initiative, agreement) -> None:
    """Run the initiative under a newly created agreement (the "Add an agreement" shortcut)."""
    permissions.authorize(permissions.can_edit_initiative(actor, initiative) and initiative.agreement_id is None)
    initiative.agreement_id = agreement.id
    db.session.flush()
    audit.record(actor, "initiative.updated", initiative, summary=f"agreement: — → {agreement.reference}")
