"""Risk register use cases: authorise, change, audit in the same transaction; the view commits."""
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app import permissions
from app import records
from app.extensions import db
from app.models import AuditEvent
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import Risk
from app.models import RiskStatus
from app.models import User
from app.models import level_for_score
from app.models import today
from app.notifications.services import notify

RISK_FIELDS = ("title", "description", "sector", "asset", "threat", "vulnerability", "likelihood", "impact",
               "treatment", "residual_likelihood", "residual_impact", "initiative_id", "next_review_date", "tlp",
               "decision_needed", "decision_note")
MITIGATION_FIELDS = ("title", "description", "assigned_organization_id", "assigned_user_id", "due_date",
                     "effectiveness")


class AssigneeOutsideOrganization(ValueError):
    """The assigned person does not belong to the assigned organisation."""


def _whitelist(fields: dict, allowed: tuple[str, ...]) -> dict:
    """Only the editable fields: id, version, status, owner or creator can never come from a form."""
    return {name: fields[name] for name in allowed if name in fields}


def review_date_for(likelihood: int, impact: int, start: date | None = None) -> date:
    """DOMAIN.md: the next review is due 90 days ahead for critical risks, 180 for high, 360 otherwise."""
    return (start or today()) + timedelta(days=level_for_score(likelihood * impact).review_days)


def create_risk(actor: User, *, recipients: list[User] = (), **fields) -> Risk:
    permissions.authorize(permissions.can_create_risk(actor))
    data = _whitelist(fields, RISK_FIELDS)
    if not data.get("next_review_date"):
        data["next_review_date"] = review_date_for(data["likelihood"], data["impact"])
    risk = Risk(**data, reference=records.next_reference(Risk, "RSK"),
                owner_organization_id=actor.organization_id, created_by=actor)
    records.created(actor, risk, None, [f"{risk.title}; score: {risk.score} ({risk.level.label}); {risk.tlp.label}"],
                    recipients)
    return risk


def update_risk(actor: User, risk: Risk, *, expected_version: int | None, recipients: list[User] = (),
                **fields) -> dict:
    """Versioned update. The next review follows the level unless the user set the date themselves. Returns the
    changes: the fields', and "recipients" (as its audit row words it) when those changed; {} when nothing did."""
    permissions.authorize(permissions.can_edit_risk(actor, risk))
    records.check_version(risk, expected_version)
    data = _whitelist(fields, RISK_FIELDS)
    new_level = level_for_score(data.get("likelihood", risk.likelihood) * data.get("impact", risk.impact))
    date_untouched = data.get("next_review_date") == risk.next_review_date
    if not data.get("next_review_date") or (date_untouched and new_level is not risk.level):
        data["next_review_date"] = review_date_for(data.get("likelihood", risk.likelihood),
                                                   data.get("impact", risk.impact))
    changes = records.apply_changes(actor, risk, data, expected_version=expected_version, action="risk.updated")
    if summary := records.set_recipients(risk, recipients):
        db.session.flush()
        audit.record(actor, "risk.recipients_changed", risk, summary=summary)
        changes = {**changes, "recipients": summary}
    return changes


def transition_risk(actor: User, risk: Risk, new_status: RiskStatus) -> None:
    """Raises Forbidden (403) or InvalidTransition (shown as a message)."""
    permissions.authorize(permissions.can_edit_risk(actor, risk))
    records.transition(actor, risk, new_status)


archive_risk = records.archive_step(None, permissions.can_archive)  # audit key: app/kinds.py


def _check_assignee(fields: dict) -> None:
    user_id = fields.get("assigned_user_id")
    if user_id is None:
        return
    org_id = db.session.scalar(sa.select(User.organization_id).where(User.id == user_id))
    if org_id != fields.get("assigned_organization_id"):
        raise AssigneeOutsideOrganization("This person does not belong to the assigned organisation.")


def _mitigation_prefix(mitigation: Mitigation) -> str:
    # The risk's history page lists mitigation events too: name the mitigation in each summary.
    return f"mitigation: {mitigation.title}"


def create_mitigation(actor: User, risk: Risk, **fields) -> Mitigation:
    """Assigning an organisation makes it a participant of the risk (DESIGN.md)."""
    permissions.authorize(permissions.can_edit_risk(actor, risk))
    data = _whitelist(fields, MITIGATION_FIELDS)
    _check_assignee(data)
    mitigation = Mitigation(**data, risk=risk, created_by=actor)
    db.session.add(mitigation)
    db.session.flush()
    audit.record(actor, "mitigation.created", mitigation,
                 summary=f"{_mitigation_prefix(mitigation)}; risk: {risk.reference}")
    notify([mitigation.assigned_user_id], "assignment", mitigation, actor=actor)
    return mitigation


def update_mitigation(actor: User, mitigation: Mitigation, *, expected_version: int | None, **fields) -> dict:
    permissions.authorize(permissions.can_edit_mitigation(actor, mitigation))
    data = _whitelist(fields, MITIGATION_FIELDS)
    _check_assignee(data)
    records.check_version(mitigation, expected_version)
    changes = audit.diff(mitigation, data)
    for name, value in data.items():
        setattr(mitigation, name, value)
    if changes:
        db.session.flush()  # StaleDataError if a concurrent writer won the race
        audit.record(actor, "mitigation.updated", mitigation,
                     summary=f"{_mitigation_prefix(mitigation)}; {audit.summarize(changes)}")
    notify([mitigation.assigned_user_id] if "assigned_user_id" in changes else [], "assignment", mitigation, actor=actor)
    return changes


def update_mitigation_status(actor: User, mitigation: Mitigation, new_status: MitigationStatus,
                             effectiveness: int, note: str = "") -> None:
    """Coordinators of the risk, or the assigned person. Same status = progress note only."""
    permissions.authorize(permissions.can_update_mitigation_status(actor, mitigation))
    parts = [_mitigation_prefix(mitigation)]
    if new_status is not mitigation.status:
        old = mitigation.status
        mitigation.transition_to(new_status)
        parts.append(f"status: {old.label} → {new_status.label}")
    if effectiveness != mitigation.effectiveness:
        parts.append(f"effectiveness: {mitigation.effectiveness} % → {effectiveness} %")
        mitigation.effectiveness = effectiveness
    note = (note or "").strip()
    if note:
        mitigation.status_note = note
        parts.append(f"note: {note}")
    db.session.flush()
    audit.record(actor, "mitigation.status_changed", mitigation, summary="; ".join(parts))


archive_mitigation = records.archive_step(None, permissions.can_archive_mitigation)


def risk_history(risk: Risk, limit: int = 200) -> list[AuditEvent]:
    """Events of the risk and of its mitigations, newest first."""
    mitigation_ids = sa.select(Mitigation.id).where(Mitigation.risk_id == risk.id)
    stmt = (sa.select(AuditEvent)
            .where(sa.or_(AuditEvent.linked_to(risk),
                          sa.and_(AuditEvent.object_type == Mitigation.__tablename__,
                                  AuditEvent.object_id.in_(mitigation_ids))))
            .options(selectinload(AuditEvent.actor).selectinload(User.organization))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return db.session.scalars(stmt).all()
