"""The inbox's "Incident clocks": for the operator's coordinators, stages awaiting submission that are overdue
or due by the end of tomorrow (UTC); for the authority's coordinators, submitted stages to acknowledge."""
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from app import permissions
from app.extensions import db
from app.inbox.providers import InboxEntry, provider
from app.incidents import clocks
from app.models import IncidentReport, IncidentReportStage, IncidentStatus, Role, User, today, utcnow

SECTION = "Incident clocks"


def _horizon() -> datetime:
    """The end of tomorrow, UTC: a function of today's date alone (the inbox counts are built once a day)."""
    return datetime.combine(today() + timedelta(days=2), time(0), tzinfo=UTC)


def _live_stages(user: User) -> sa.Select:
    reports = permissions.visible_incident_reports(user).with_only_columns(IncidentReport.id).where(
        IncidentReport.archived_at.is_(None), IncidentReport.status != IncidentStatus.CLOSED)
    return (sa.select(IncidentReportStage).join(IncidentReportStage.report)
            .where(IncidentReportStage.incident_report_id.in_(reports)))


def _to_submit(user: User) -> sa.ColumnElement[bool]:
    return sa.and_(IncidentReport.owner_organization_id == user.organization_id,
                   IncidentReportStage.submitted_at.is_(None), IncidentReportStage.due_at.is_not(None),
                   IncidentReportStage.due_at < _horizon())


def _to_acknowledge(user: User) -> sa.ColumnElement[bool]:
    return sa.and_(IncidentReport.authority_organization_id == user.organization_id,
                   IncidentReportStage.submitted_at.is_not(None), IncidentReportStage.acknowledged_at.is_(None))


def stages_to_submit(user: User) -> sa.Select:
    return _live_stages(user).where(_to_submit(user))


def stages_to_acknowledge(user: User) -> sa.Select:
    return _live_stages(user).where(_to_acknowledge(user))


def _count(user: User) -> list[sa.Select]:
    return [stages_to_submit(user), stages_to_acknowledge(user)] if user.role is Role.COORDINATOR else []


def _first(user: User, limit: int | None) -> tuple[list, list]:
    """(stages to submit by due date, stages to acknowledge by submission): one statement for both."""
    to_submit = _to_submit(user)
    submitting = sa.case((to_submit, 0), else_=1)
    stmt = (_live_stages(user).where(sa.or_(to_submit, _to_acknowledge(user)))
            .options(contains_eager(IncidentReportStage.report))
            .add_columns(submitting)
            .order_by(submitting, IncidentReportStage.due_at, IncidentReportStage.submitted_at, IncidentReportStage.id))
    rows = db.session.execute(stmt).all()
    submit = [stage for stage, kind in rows if kind == 0][:limit]
    return submit, [stage for stage, kind in rows if kind == 1][:limit]


@provider(12, SECTION, count=_count)
def incident_clocks(user: User, limit: int | None = None) -> list[InboxEntry]:
    if user.role is not Role.COORDINATOR:
        return []
    now, zone = utcnow(), user.time_zone
    entries = []
    to_submit, to_acknowledge = _first(user, limit)
    for stage in to_submit:
        clock = clocks.clock(stage, zone, now)
        entries.append(InboxEntry(
            section=SECTION, action=f"Submit the {stage.kind.label.lower()}", reference=stage.report.reference,
            title=stage.report.title, url=url_for("incidents.submit_stage", incident_id=stage.incident_report_id,
                                                  stage_kind=stage.kind.value),
            tlp=stage.report.tlp, due=stage.due_at.date(), rank=0 if clock.is_alarm else 1,
            note=f"{clock.text} · deadline {clock.due_local}"))
    for stage in to_acknowledge:
        entries.append(InboxEntry(
            section=SECTION, action=f"Acknowledge the {stage.kind.label.lower()}", reference=stage.report.reference,
            title=stage.report.title,
            url=url_for("incidents.detail", incident_id=stage.incident_report_id, _anchor=f"stage-{stage.id}"),
            tlp=stage.report.tlp, note=f"Submitted {clocks.local(stage.submitted_at, zone)}"))
    return entries
