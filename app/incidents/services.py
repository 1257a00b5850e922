"""Incident-report use cases: report, submit a stage on its clock, and the authority's answers
(acknowledge, request an intermediate report, close the case, open a risk).

Every function authorises first, flushes (never commits) and audits in the same transaction. Mail and
notifications about a report name only its reference, the stage and the clock, never its content.
"""
from datetime import datetime

import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.extensions import db
from app.incidents import clocks
from app.models import TLP
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import NotificationKind
from app.models import Organization
from app.models import Role
from app.models import StageKind
from app.models import User
from app.models import utcnow
from app.notifications.services import notify

KIND = kinds.by_model(IncidentReport).key  # its audit actions' key (app/kinds.py)
REPORT_FIELDS = ("title", "summary", "sectors", "services_affected", "aware_at", "started_at", "ended_at",
                 "users_affected", "duration", "geographic_spread", "countries_affected", "suspected_cause",
                 "significance", "tlp")
# What the operator may update after filing: never the authority, aware_at (the clocks), the TLP or a stage.
EDITABLE_FIELDS = tuple(name for name in REPORT_FIELDS if name not in ("aware_at", "tlp"))
STAGE_FIELDS = {
    StageKind.EARLY_WARNING: ("body", "malicious_suspected", "cross_border_suspected"),
    StageKind.NOTIFICATION: ("body",),
    StageKind.INTERMEDIATE: ("body",),
    StageKind.FINAL: ("body", "root_cause", "mitigations_applied", "cross_border_impact"),
}
# A report goes to its authority: never beyond the participants, never to the whole community.
REPORT_TLPS = (TLP.AMBER, TLP.AMBER_STRICT)


class IncidentInputError(ValueError):
    """Input the form should have refused (a date in the future, an end before the start, no authority)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class StageUnavailable(ValueError):
    """No stage of this kind awaits submission (already submitted, not due yet, case closed)."""


def check_times(aware_at: datetime | None, started_at: datetime | None, ended_at: datetime | None,
                now: datetime | None = None) -> None:
    now = now or utcnow()
    for field, moment, label in (("aware_at", aware_at, "Became aware"), ("started_at", started_at, "Started"),
                                 ("ended_at", ended_at, "Ended")):
        if moment is not None and moment > now:
            raise IncidentInputError(field, f"{label} cannot be in the future.")
    if started_at is not None and ended_at is not None and ended_at < started_at:
        raise IncidentInputError("ended_at", "The incident cannot end before it started.")
    if aware_at is None:
        raise IncidentInputError("aware_at", "Say when your organisation became aware of the incident.")


def _coordinators(organization_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.organization_id == organization_id, User.role == Role.COORDINATOR, User.active.is_(True))))


def _tell(report: IncidentReport, organization_id: int, actor: User | None, text: str) -> None:
    notify(_coordinators(organization_id), NotificationKind.INCIDENT, report, actor=actor,
           summary=f"{report.reference}: {text}")


def create_incident_report(actor: User, *, authority: Organization, **fields) -> IncidentReport:
    permissions.authorize(permissions.can_create_incident_report(actor))
    if authority is None or not authority.is_authority or authority.is_archived:
        raise IncidentInputError("authority_organization_id", "Choose a competent authority or CSIRT.")
    if authority.id == actor.organization_id:
        raise IncidentInputError("authority_organization_id", "An organisation does not report to itself.")
    data = {name: fields[name] for name in REPORT_FIELDS if name in fields}
    check_times(data.get("aware_at"), data.get("started_at"), data.get("ended_at"))
    if data.get("tlp", TLP.AMBER_STRICT) not in REPORT_TLPS:
        raise IncidentInputError("tlp", "An incident report is TLP:AMBER+STRICT or TLP:AMBER.")
    report = IncidentReport(**data, reference=records.next_reference(IncidentReport, "INC"),
                            owner_organization_id=actor.organization_id,
                            authority_organization_id=authority.id, created_by=actor)
    aware_at = report.aware_at
    report.stages = [
        IncidentReportStage(kind=StageKind.EARLY_WARNING, due_at=clocks.early_warning_due(aware_at)),
        IncidentReportStage(kind=StageKind.NOTIFICATION, due_at=clocks.notification_due(aware_at)),
    ]
    db.session.add(report)
    db.session.flush()
    audit.record(actor, f"{KIND}.created", report,
                 summary=f"{report.reference} to {authority.name}; aware at {aware_at:%Y-%m-%d %H:%M} UTC; "
                         f"{report.tlp.label}")
    _tell(report, authority.id, actor, "new incident report")
    return report


def update_incident_report(actor: User, report: IncidentReport, *, expected_version: int | None,
                           **fields) -> dict:
    """The operator's update of what it learned (versioned, audited with the changed fields); the same time
    rules as filing, against the filed aware_at. Returns the changes (none: nothing written)."""
    permissions.authorize(permissions.can_edit_incident_report(actor, report))
    records.check_version(report, expected_version)
    data = {name: fields[name] for name in EDITABLE_FIELDS if name in fields}
    for name in ("started_at", "ended_at"):  # the form holds minutes: a stored time to the second is kept
        stored = getattr(report, name)
        if name in data and stored is not None and data[name] == stored.replace(second=0, microsecond=0):
            data[name] = stored
    check_times(report.aware_at, data.get("started_at", report.started_at), data.get("ended_at", report.ended_at))
    return records.apply_changes(actor, report, data, expected_version=expected_version, action=f"{KIND}.updated")


def open_stage(report: IncidentReport, kind: StageKind) -> IncidentReportStage | None:
    """The stage of `kind` awaiting submission, earliest due first; an intermediate report may also be sent
    unrequested (a correction or an update): then a new stage without a deadline."""
    waiting = [s for s in report.ordered_stages() if s.kind is kind and not s.is_submitted]
    if waiting:
        return waiting[0]
    if kind is StageKind.INTERMEDIATE:
        return IncidentReportStage(kind=kind, due_at=None)
    return None


def submit_stage(actor: User, report: IncidentReport, kind: StageKind, **fields) -> IncidentReportStage:
    """Submit the stage: stamped, late_by recorded, issued as a sealed PDF, the authority told. Immutable after."""
    permissions.authorize(permissions.can_submit_incident_stage(actor, report))
    stage = open_stage(report, kind)
    if stage is None:
        if kind is StageKind.FINAL:
            raise StageUnavailable("The final report is due one month after the notification: "
                                   "submit the notification first.")
        raise StageUnavailable(f"The {kind.label.lower()} was already submitted; send a correction "
                               "as an intermediate report.")
    if stage.id is None:
        report.stages.append(stage)
    for name in STAGE_FIELDS[kind]:
        if name in fields:
            setattr(stage, name, fields[name])
    now = utcnow()
    stage.submit(actor.id, now)
    if kind is StageKind.NOTIFICATION and not any(s.kind is StageKind.FINAL for s in report.stages):
        report.stages.append(IncidentReportStage(kind=StageKind.FINAL, due_at=clocks.final_due(now)))
    report.updated_at = now  # the report's version moves with each stage (documents, stale forms)
    db.session.flush()
    from app.documents.services import issue_incident_stage  # the documents layer renders and seals

    stage.document = issue_incident_stage(actor, report, stage)
    late = f", {clocks.span(stage.late_by)} late" if stage.late_by else ""
    audit.record(actor, f"{KIND}.stage_submitted", report, summary=f"{kind.label} submitted{late}")
    _tell(report, report.authority_organization_id, actor, f"{kind.label.lower()} submitted{late}")
    return stage


def acknowledge_stage(actor: User, report: IncidentReport, stage: IncidentReportStage) -> bool:
    """The authority confirms receipt of a submitted stage; False when it was already acknowledged."""
    permissions.authorize(permissions.can_acknowledge_incident_stage(actor, report))
    if not stage.is_submitted:
        raise StageUnavailable("Only a submitted stage can be acknowledged.")
    if stage.is_acknowledged:
        return False
    stage.acknowledged_at, stage.acknowledged_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, f"{KIND}.stage_acknowledged", report, summary=f"{stage.kind.label} acknowledged")
    _tell(report, report.owner_organization_id, actor, f"{stage.kind.label.lower()} acknowledged")
    return True


def request_intermediate(actor: User, report: IncidentReport, due_at: datetime, note: str = "") -> IncidentReportStage:
    permissions.authorize(permissions.can_request_incident_stage(actor, report))
    now = utcnow()
    if due_at is None or due_at <= now:
        raise IncidentInputError("due_at", "The intermediate report must be due in the future.")
    stage = IncidentReportStage(kind=StageKind.INTERMEDIATE, due_at=due_at, requested_at=now,
                                requested_by_id=actor.id, request_note=note or "")
    report.stages.append(stage)
    report.updated_at = now  # the report's version moves with each stage (a replayed request is refused)
    db.session.flush()
    audit.record(actor, f"{KIND}.intermediate_requested", report,
                 summary=f"intermediate report requested, due {due_at:%Y-%m-%d %H:%M} UTC")
    _tell(report, report.owner_organization_id, actor, f"intermediate report requested, due {due_at:%Y-%m-%d %H:%M} UTC")
    return stage


def transition_incident_report(actor: User, report: IncidentReport, new_status: IncidentStatus) -> None:
    permissions.authorize(permissions.can_transition_incident_report(actor, report, new_status))
    records.transition(actor, report, new_status, KIND)
    other = (report.owner_organization_id if actor.organization_id == report.authority_organization_id
             else report.authority_organization_id)
    _tell(report, other, actor, f"status {new_status.label.lower()}")


def archive_incident_report(actor: User, report: IncidentReport, archived: bool = True) -> bool:
    """Archive a closed case, or restore it (archived=False); a second click changes nothing (False)."""
    permissions.authorize(permissions.can_archive_incident_report(actor, report))
    if archived:
        return records.archive(actor, report, KIND)
    return records.restore(actor, report, KIND)


def open_risk(actor: User, report: IncidentReport, **fields):
    """A risk in the register from the report, owned by the authority and linked back to it. The risk is a
    record of its own: its text is what the authority writes, never a copy of the report."""
    from app.risks import services as risks

    permissions.authorize(permissions.can_open_risk_from_incident(actor, report))
    risk = risks.create_risk(actor, **fields)
    risk.incident_report_id = report.id
    db.session.flush()
    audit.record(actor, f"{KIND}.risk_opened", report, summary=f"risk {risk.reference} opened from the report")
    return risk
