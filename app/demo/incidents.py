"""Demo incident reports: every state (open, contained, resolved, closed), one late stage, one cross-border
incident, an overdue notification and an intermediate report the authority asked for.

Idempotent: a report whose title exists is left alone. Times are relative to now, so the clocks always run.
Submitted stages are issued as sealed PDFs like any submission (verifiable at /verify).
"""
from datetime import timedelta

import sqlalchemy as sa

from app import audit
from app import records
from app.demo.people import COORDINATORS
from app.documents.services import issue_incident_stage
from app.extensions import db
from app.incidents import clocks
from app.models import TLP
from app.models import GeographicSpread
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import Significance
from app.models import StageKind
from app.models import SuspectedCause
from app.models import utcnow

K = StageKind
# Stages: (kind, hours after aware_at it was submitted or None, acknowledged?) — deadlines come from the clocks.
REPORTS = [
    dict(title="Ransomware encrypts billing and customer systems", owner="water", authority="gov", aware_hours=5,
         status=IncidentStatus.OPEN, sectors=["water"], cause=SuspectedCause.MALICIOUS,
         significance=Significance.SIGNIFICANT, users=42000, spread=GeographicSpread.REGIONAL,
         summary="Billing and customer-portal servers encrypted overnight; treatment SCADA is segmented and "
                 "unaffected so far.", services="Billing, customer portal, payment kiosks.", stages=[]),
    dict(title="Loss of telemetry from three transmission substations", owner="energy", authority="csirt",
         aware_hours=30, status=IncidentStatus.CONTAINED, sectors=["energy"], cause=SuspectedCause.UNKNOWN,
         significance=Significance.SIGNIFICANT, users=0, spread=GeographicSpread.REGIONAL,
         summary="RTUs at three substations stopped reporting to the EMS; crews dispatched, manual operation.",
         services="EMS visibility of substations 12, 14 and 19.",
         stages=[(K.EARLY_WARNING, 27, False)]),  # three hours late
    dict(title="DDoS on cross-border interconnect signalling", owner="telecom", authority="gov", aware_hours=240,
         status=IncidentStatus.RESOLVED, sectors=["communications", "energy"], cause=SuspectedCause.MALICIOUS,
         significance=Significance.SIGNIFICANT, users=180000, spread=GeographicSpread.CROSS_BORDER,
         countries="US,CA", summary="Volumetric attack on the signalling gateways shared with the Canadian peer.",
         services="Interconnect signalling, roaming, SCADA backhaul for two utilities.",
         stages=[(K.EARLY_WARNING, 6, True), (K.NOTIFICATION, 50, True)], intermediate_due_hours=20),
    dict(title="Pump station PLC firmware fault", owner="water", authority="gov", aware_hours=24 * 45,
         status=IncidentStatus.CLOSED, sectors=["water"], cause=SuspectedCause.SYSTEM_FAILURE,
         significance=Significance.NOT_SIGNIFICANT, users=800, spread=GeographicSpread.LOCAL,
         summary="A firmware update left two pump stations cycling; reverted within four hours.",
         services="Pumping stations 4 and 9.",
         stages=[(K.EARLY_WARNING, 10, True), (K.NOTIFICATION, 48, True), (K.FINAL, 24 * 30, True)]),
    dict(title="Phishing compromise of a control-centre contractor account", owner="energy", authority="gov",
         aware_hours=80, status=IncidentStatus.OPEN, sectors=["energy"], cause=SuspectedCause.MALICIOUS,
         significance=Significance.UNKNOWN, users=None, spread=GeographicSpread.NATIONAL,
         summary="A contractor's remote-access account was used from an unknown host; access revoked.",
         services="Remote access gateway.", stages=[(K.EARLY_WARNING, 20, False)]),  # the notification is overdue
]

TEXTS = {
    K.EARLY_WARNING: "Early warning: incident detected, scope being established. Operations continue.",
    K.NOTIFICATION: "Initial assessment: severity and impact as described; indicators of compromise attached "
                    "to the case.",
    K.INTERMEDIATE: "Update as requested.",
    K.FINAL: "Final report: the incident is closed; lessons learned recorded in the plan's change log.",
}


def seed(people) -> int:
    created = 0
    now = utcnow()
    for spec in REPORTS:
        if db.session.scalar(sa.select(IncidentReport.id).where(IncidentReport.title == spec["title"])):
            continue
        author = people.user(COORDINATORS[spec["owner"]])
        authority = people.orgs[spec["authority"]]
        aware = now - timedelta(hours=spec["aware_hours"])
        report = IncidentReport(
            reference=records.next_reference(IncidentReport, "INC"), title=spec["title"], summary=spec["summary"],
            sectors=spec["sectors"], services_affected=spec["services"], aware_at=aware,
            started_at=aware - timedelta(hours=1), ended_at=aware + timedelta(hours=6)
            if spec["status"] in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED) else None,
            users_affected=spec["users"], geographic_spread=spec["spread"], countries_affected=spec.get("countries", ""),
            suspected_cause=spec["cause"], significance=spec["significance"], tlp=TLP.AMBER_STRICT,
            owner_organization_id=author.organization_id, authority_organization_id=authority.id, created_by=author,
            status=spec["status"])
        report.stages = [IncidentReportStage(kind=K.EARLY_WARNING, due_at=clocks.early_warning_due(aware)),
                         IncidentReportStage(kind=K.NOTIFICATION, due_at=clocks.notification_due(aware))]
        db.session.add(report)
        db.session.flush()
        audit.record(author, "incident_report.created", report, summary=f"{report.reference} to {authority.name}")
        acknowledger = people.user(COORDINATORS[spec["authority"]])
        for kind, hours, acknowledged in spec["stages"]:
            _submit(report, kind, aware + timedelta(hours=hours), author, acknowledger if acknowledged else None)
        if "intermediate_due_hours" in spec:
            report.stages.append(IncidentReportStage(
                kind=K.INTERMEDIATE, due_at=now + timedelta(hours=spec["intermediate_due_hours"]),
                requested_at=now - timedelta(hours=4), requested_by_id=acknowledger.id,
                request_note="Please confirm whether the Canadian peer saw the same source ranges."))
        db.session.flush()
        created += 1
    db.session.commit()
    return created


def _submit(report: IncidentReport, kind: StageKind, at, author, acknowledger) -> None:
    stage = next((s for s in report.stages if s.kind is kind and not s.is_submitted), None)
    if stage is None:  # the final report's clock starts with the notification
        stage = IncidentReportStage(kind=kind, due_at=None)
        report.stages.append(stage)
    stage.body = TEXTS[kind]
    if kind is K.EARLY_WARNING:
        stage.malicious_suspected = report.suspected_cause is SuspectedCause.MALICIOUS
        stage.cross_border_suspected = report.is_cross_border
    if kind is K.FINAL:
        stage.root_cause, stage.mitigations_applied = "Vendor firmware defect.", "Firmware pinned; staged rollout."
        stage.cross_border_impact = "None."
    stage.submit(author.id, at)
    if kind is K.NOTIFICATION:
        report.stages.append(IncidentReportStage(kind=K.FINAL, due_at=clocks.final_due(at)))
    if acknowledger is not None:
        stage.acknowledged_at, stage.acknowledged_by_id = at + timedelta(hours=1), acknowledger.id
    db.session.flush()
    stage.document = issue_incident_stage(author, report, stage)
