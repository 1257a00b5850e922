"""The regulators' clocks (NIS2 Art. 23): when each stage is due, and how the page says it.

Deadlines are instants: "24 hours after becoming aware" is 24 elapsed hours, whatever a daylight-saving
change does to the wall clock; the page then shows that instant in the reader's own time zone.
"""
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from app.models import IncidentReportStage
from app.models import StageKind
from app.models import utcnow
from app.models.incident_report import EARLY_WARNING_HOURS  # noqa: F401  -- span re-exported: the clock's words
from app.models.incident_report import FINAL_MONTHS  # noqa: F401  -- span re-exported: the clock's words
from app.models.incident_report import NOTIFICATION_HOURS  # noqa: F401  -- span re-exported: the clock's words
from app.models.incident_report import add_months_at  # noqa: F401  -- span re-exported: the clock's words
from app.models.incident_report import span  # noqa: F401  -- span re-exported: the clock's words

AT_RISK = timedelta(hours=12)  # an open stage this close to its deadline is "at risk" (dashboards)


def early_warning_due(aware_at: datetime) -> datetime:
    return aware_at + timedelta(hours=EARLY_WARNING_HOURS)


def notification_due(aware_at: datetime) -> datetime:
    return aware_at + timedelta(hours=NOTIFICATION_HOURS)


def final_due(notification_submitted_at: datetime) -> datetime:
    """One calendar month after the notification was submitted (same UTC time of day)."""
    return add_months_at(notification_submitted_at, FINAL_MONTHS)


def zone(name: str | None) -> ZoneInfo:
    """The user's zone; an unknown name reads as UTC rather than failing a page."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime | None, zone_name: str | None) -> str:
    """'2026-03-29 11:00 CEST' in the reader's zone."""
    if moment is None:
        return "—"
    return moment.astimezone(zone(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


@dataclass(frozen=True)
class Clock:
    text: str        # "notification due in 5 h", "overdue by 2 h", "submitted 2 h late"
    state: str       # "due", "at_risk", "overdue", "on_time", "late", "waiting"
    due_local: str   # the deadline in the reader's zone

    @property
    def is_alarm(self) -> bool:
        return self.state in ("at_risk", "overdue", "late")


def clock(stage: IncidentReportStage, zone_name: str | None, now: datetime | None = None) -> Clock:
    now = now or utcnow()
    noun = stage.kind.label.lower() if stage.kind is not StageKind.NOTIFICATION else "notification"
    due_local = local(stage.due_at, zone_name)
    if stage.is_submitted:
        if stage.late_by:
            return Clock(f"submitted {span(stage.late_by)} late", "late", due_local)
        return Clock("submitted on time" if stage.due_at else "submitted", "on_time", due_local)
    if stage.due_at is None:
        return Clock(f"{noun}: no deadline", "waiting", due_local)
    left = stage.due_at - now
    if left <= timedelta(0):
        return Clock(f"{noun} overdue by {span(left)}", "overdue", due_local)
    return Clock(f"{noun} due in {span(left)}", "at_risk" if left <= AT_RISK else "due", due_local)


def to_utc(naive_local: datetime | None, zone_name: str | None) -> datetime | None:
    """A wall-clock time typed by the user, read in their zone (in a DST gap or overlap: the earlier
    reading), as an aware UTC instant."""
    if naive_local is None:
        return None
    return naive_local.replace(tzinfo=zone(zone_name)).astimezone(UTC)


def to_local_input(moment: datetime | None, zone_name: str | None) -> datetime | None:
    """The naive wall-clock value a datetime-local input shows for `moment` in the user's zone."""
    if moment is None:
        return None
    return moment.astimezone(zone(zone_name)).replace(tzinfo=None)
