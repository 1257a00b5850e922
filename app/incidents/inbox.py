"""The inbox's "Incident clocks": for the operator's coordinators, stages awaiting submission that are overdue
or due by the end of tomorrow (UTC); for the authority's coordinators, submitted stages to acknowledge."""
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for

from app import permissions
from app.inbox.providers import Branch
from app.inbox.providers import EntryRow
from app.inbox.providers import InboxEntry
from app.inbox.providers import entry_row
from app.inbox.providers import provider
from app.incidents import clocks
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import Role
from app.models import StageKind
from app.models import User
from app.models import today
from app.models import utcnow
from app.template_helpers import row_url

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


def _columns(moment) -> list:
    return entry_row(id=IncidentReportStage.id, parent_id=IncidentReportStage.incident_report_id,
                     reference=IncidentReport.reference, title=IncidentReport.title, tlp=IncidentReport.tlp,
                     moment=moment, label=IncidentReportStage.kind)


def _submit_entry(row: EntryRow, user: User) -> InboxEntry:
    kind = StageKind(row.label)
    clock = clocks.clock(IncidentReportStage(kind=kind, due_at=row.moment), user.time_zone, utcnow())
    return InboxEntry(
        section=SECTION, action=f"Submit the {kind.label.lower()}", reference=row.reference, title=row.title,
        url=url_for("incidents.submit_stage", incident_id=row.parent_id, stage_kind=kind.value),
        tlp=row.tlp, due=row.moment.date(), rank=0 if clock.is_alarm else 1,
        note=f"{clock.text} · deadline {clock.due_local}")


def _acknowledge_entry(row: EntryRow, user: User) -> InboxEntry:
    return InboxEntry(
        section=SECTION, action=f"Acknowledge the {StageKind(row.label).label.lower()}", reference=row.reference,
        title=row.title, url=row_url("incidents.detail", "incident_id")(row.parent_id) + f"#stage-{row.id}",
        tlp=row.tlp, note=f"Submitted {clocks.local(row.moment, user.time_zone)}")


@provider(12, SECTION)
def incident_clocks(user: User) -> list[Branch]:
    """Stages to submit, soonest due first; stages to acknowledge, by submission."""
    if user.role is not Role.COORDINATOR:
        return []
    return [Branch(stages_to_submit(user).with_only_columns(*_columns(IncidentReportStage.due_at)),
                   (IncidentReportStage.due_at, IncidentReportStage.id), _submit_entry),
            Branch(stages_to_acknowledge(user).with_only_columns(*_columns(IncidentReportStage.submitted_at)),
                   (IncidentReportStage.submitted_at, IncidentReportStage.id), _acknowledge_entry)]
