"""The situational picture of incident reports: the authority coordinator's dashboard (open incidents by
sector, clocks at risk) and the calendar entries of the operator's coordinators. From visible_* scopes only."""
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from app import permissions
from app.extensions import db
from app.incidents import clocks
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import Role
from app.models import User
from app.models import utcnow

AT_RISK_SHOWN = 8


def _open_reports(user: User) -> sa.Select:
    return permissions.visible_incident_reports(user).where(
        IncidentReport.archived_at.is_(None), IncidentReport.status != IncidentStatus.CLOSED)


def authority_picture(user: User, now: datetime | None = None) -> dict:
    """Open incidents addressed to the user's organisation by sector, and the stages whose clock is at risk
    (overdue, or due within clocks.AT_RISK) or awaiting acknowledgement. One query."""
    now = now or utcnow()
    # Stages and owners joined in (an open report has a handful of stages): one statement, not three.
    reports = db.session.scalars(_open_reports(user).where(
        IncidentReport.authority_organization_id == user.organization_id)
        .options(joinedload(IncidentReport.stages), joinedload(IncidentReport.owner_organization))).unique().all()
    by_sector: dict = {}
    at_risk, to_acknowledge = [], 0
    for report in reports:
        for sector in report.sectors or [None]:
            by_sector[sector] = by_sector.get(sector, 0) + 1
        for stage in report.open_stages():
            clock = clocks.clock(stage, user.time_zone, now)
            if clock.is_alarm:
                at_risk.append((report, stage, clock))
        to_acknowledge += sum(1 for s in report.stages if s.is_submitted and not s.is_acknowledged)
    at_risk.sort(key=lambda item: item[1].due_at)
    return {"incident_open": len(reports), "incident_by_sector": sorted(
                by_sector.items(), key=lambda item: (-item[1], item[0].label if item[0] else "~")),
            "incident_at_risk": at_risk[:AT_RISK_SHOWN], "incident_at_risk_count": len(at_risk),
            "incident_to_acknowledge": to_acknowledge}


def dashboard_for(user: User) -> dict:
    """The incident panel of the dashboard: authority coordinators only (empty for everyone else)."""
    if user.role is not Role.COORDINATOR or not permissions.is_authority_coordinator(user):
        return {}
    return {"incident_picture": authority_picture(user)}


def calendar_entries(user: User) -> list[tuple[IncidentReport, str, date]]:
    """(report, what, day) for each stage awaiting submission of the reports the user's organisation made,
    for its coordinators (the people the stage reminders go to)."""
    if user.role is not Role.COORDINATOR:
        return []
    stmt = (sa.select(IncidentReportStage).join(IncidentReportStage.report)
            .where(IncidentReportStage.incident_report_id.in_(
                       _open_reports(user).with_only_columns(IncidentReport.id)),
                   IncidentReport.owner_organization_id == user.organization_id,
                   IncidentReportStage.submitted_at.is_(None), IncidentReportStage.due_at.is_not(None))
            .options(selectinload(IncidentReportStage.report)).order_by(IncidentReportStage.due_at))
    return [(stage.report, f"{stage.kind.label.lower()} due {stage.due_at:%H:%M} UTC (stage {stage.id})",
             stage.due_at.date()) for stage in db.session.scalars(stmt)]
