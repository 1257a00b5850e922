"""Reminders on the incident clocks: stage deadlines are hours, not days, so the stages have their own rule
and run every quarter of an hour (the daily engine in app/notifications/reminders.py keeps to dates).

| stage          | reminders before the deadline | then    | recipients                               |
|----------------|-------------------------------|---------|------------------------------------------|
| early warning  | 12 h, 2 h                     | overdue | coordinators of the reporting organisation |
| notification   | 24 h, 2 h                     | overdue | same                                     |
| intermediate   | 24 h, 2 h                     | overdue | same                                     |
| final          | 72 h, 24 h                    | overdue | same                                     |

Only the tightest threshold reached is sent, and each (stage, threshold, recipient) once: a row in
`sent_reminders` claimed with ON CONFLICT DO NOTHING before the notification is written, in the same
transaction. The text names the reference, the stage and the clock only, never the report's content.
"""
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.incidents import clocks
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import StageKind
from app.models import utcnow
from app.notifications.reminders import coordinators_of
from app.notifications.reminders import remind_once
from app.notifications.reminders import settle

KIND = "incident_stage"
OVERDUE = "overdue"
THRESHOLDS: dict[StageKind, tuple[int, ...]] = {  # hours before the deadline
    StageKind.EARLY_WARNING: (12, 2),
    StageKind.NOTIFICATION: (24, 2),
    StageKind.INTERMEDIATE: (24, 2),
    StageKind.FINAL: (72, 24),
}
HORIZON = timedelta(hours=max(h for hours in THRESHOLDS.values() for h in hours))


def threshold_for(stage: IncidentReportStage, now: datetime) -> str | None:
    """The tightest threshold reached (stored as "12h", "2h", "overdue"), or None."""
    left = stage.due_at - now
    if left <= timedelta(0):
        return OVERDUE
    reached = [h for h in THRESHOLDS[stage.kind] if left <= timedelta(hours=h)]
    return f"{min(reached)}h" if reached else None


def _waiting(now: datetime) -> sa.Select:
    return (sa.select(IncidentReportStage).join(IncidentReportStage.report)
            .where(IncidentReportStage.submitted_at.is_(None), IncidentReportStage.due_at.is_not(None),
                   IncidentReportStage.due_at <= now + HORIZON,
                   IncidentReport.status != IncidentStatus.CLOSED, IncidentReport.archived_at.is_(None))
            .options(selectinload(IncidentReportStage.report)))


def reminder_text(stage: IncidentReportStage, now: datetime) -> str:
    """Reference, stage and clock: 'INC-2026-0003: early warning due in 2 h (2026-03-29 09:00 UTC)'."""
    clock = clocks.clock(stage, "UTC", now)
    return f"{stage.report.reference}: {clock.text} ({stage.due_at:%Y-%m-%d %H:%M} UTC)"


def run(now: datetime | None = None, *, commit: bool = True) -> int:
    """Send each stage reminder that is due and was not sent before; returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for stage in db.session.scalars(_waiting(now)).unique().all():
        threshold = threshold_for(stage, now)
        if threshold is None:
            continue
        report = stage.report
        stored = f"{stage.kind.value} {threshold} #{stage.id}"[:40]
        text = reminder_text(stage, now)
        for user in coordinators_of(report.owner_organization_id):
            sent += remind_once(user, report, KIND, stored, stage.due_at.date(), text, now.date())
        settle(commit)
    return sent

