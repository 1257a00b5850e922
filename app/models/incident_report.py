"""Incident reports from operators to their competent authority (NIS2 Art. 23, CER Art. 15) and their
stages, each on its own clock."""
import calendar
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import SectorSet
from app.models._common import ShareableMixin
from app.models._common import enum_column_type
from app.models._common import utcnow

EARLY_WARNING_HOURS = 24
NOTIFICATION_HOURS = 72
FINAL_MONTHS = 1


def add_months_at(moment: datetime, months: int) -> datetime:
    """The same time of day `months` later, clamped to the month's end (31 Jan + 1 month -> 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def span(delta: timedelta) -> str:
    """A duration as people say it on a clock: '45 min', '5 h', '3 days'."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


class IncidentStatus(LabelledEnum):
    OPEN = "open"
    CONTAINED = "contained"
    RESOLVED = "resolved"
    CLOSED = "closed"


class GeographicSpread(LabelledEnum):
    LOCAL = "local"
    REGIONAL = "regional"
    NATIONAL = "national"
    CROSS_BORDER = "cross_border"


class SuspectedCause(LabelledEnum):
    MALICIOUS = "malicious"
    SYSTEM_FAILURE = "system_failure"
    HUMAN_ERROR = "human_error"
    NATURAL_PHENOMENON = "natural_phenomenon"
    THIRD_PARTY_FAILURE = "third_party_failure"
    UNKNOWN = "unknown"


class Significance(LabelledEnum):
    NOT_SIGNIFICANT = "not_significant"
    SIGNIFICANT = "significant"
    UNKNOWN = "unknown"


class StageKind(LabelledEnum):
    """In the order the regulators' clocks run."""

    EARLY_WARNING = "early_warning"
    NOTIFICATION = "notification", "Incident notification"
    INTERMEDIATE = "intermediate", "Intermediate report"
    FINAL = "final", "Final report"


class IncidentReport(ShareableMixin, db.Model):
    __tablename__ = "incident_reports"
    TRANSITIONS = IncidentStatus.lifecycle("open → contained → resolved → closed", "open → resolved")
    NOUN = "An incident report"
    DEFAULTS = {"status": IncidentStatus.OPEN, "tlp": TLP.AMBER_STRICT, "geographic_spread": GeographicSpread.LOCAL,
                "suspected_cause": SuspectedCause.UNKNOWN, "significance": Significance.UNKNOWN}

    authority_organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sectors: so.Mapped[list] = so.mapped_column(SectorSet(), default=list)
    services_affected: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    aware_at: so.Mapped[datetime] = so.mapped_column(index=True)
    started_at: so.Mapped[datetime | None]
    ended_at: so.Mapped[datetime | None]
    status: so.Mapped[IncidentStatus] = so.mapped_column(enum_column_type(IncidentStatus), index=True)
    status_changed_at: so.Mapped[datetime | None]
    users_affected: so.Mapped[int | None]
    duration: so.Mapped[int | None]  # minutes the service was disrupted, as the operator assesses it
    geographic_spread: so.Mapped[GeographicSpread] = so.mapped_column(enum_column_type(GeographicSpread))
    countries_affected: so.Mapped[str] = so.mapped_column(sa.String(200), default="")  # "BE,FR" (ISO 3166)
    suspected_cause: so.Mapped[SuspectedCause] = so.mapped_column(enum_column_type(SuspectedCause))
    significance: so.Mapped[Significance] = so.mapped_column(enum_column_type(Significance), index=True)

    authority_organization: so.Mapped["Organization"] = so.relationship(  # noqa: F821
        foreign_keys=[authority_organization_id])
    stages: so.Mapped[list["IncidentReportStage"]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="IncidentReportStage.id")

    def participating_org_ids(self) -> set[int]:
        return {self.owner_organization_id, self.authority_organization_id}

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """participating_org_ids() in SQL: one of `org_ids` reports the incident or is its authority."""
        return sa.or_(cls.owner_organization_id.in_(org_ids), cls.authority_organization_id.in_(org_ids))

    @property
    def is_cross_border(self) -> bool:
        return self.geographic_spread is GeographicSpread.CROSS_BORDER

    @property
    def countries(self) -> list[str]:
        return [c for c in (self.countries_affected or "").split(",") if c]

    @property
    def is_closed(self) -> bool:
        return self.status is IncidentStatus.CLOSED

    def ordered_stages(self) -> list["IncidentReportStage"]:
        return sorted(self.stages, key=lambda s: (s.kind.order, s.due_at or s.submitted_at or utcnow(), s.id or 0))

    def open_stages(self) -> list["IncidentReportStage"]:
        """Stages awaiting submission (a closed case awaits nothing)."""
        if self.is_closed or self.is_archived:
            return []
        return [s for s in self.ordered_stages() if not s.is_submitted]

    def stage_of(self, kind: StageKind) -> "IncidentReportStage | None":
        """The stage of `kind` awaiting submission (the earliest due), else the latest submitted one."""
        stages = [s for s in self.ordered_stages() if s.kind is kind]
        waiting = [s for s in stages if not s.is_submitted]
        return waiting[0] if waiting else (stages[-1] if stages else None)


class IncidentReportStage(db.Model):
    """One report to the authority on its own clock. Once submitted it never changes: corrections
    are a new intermediate stage."""

    __tablename__ = "incident_report_stages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_report_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("incident_reports.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[StageKind] = so.mapped_column(enum_column_type(StageKind))
    due_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    requested_at: so.Mapped[datetime | None]  # an intermediate report the authority asked for
    requested_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    request_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    submitted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    malicious_suspected: so.Mapped[bool | None]  # early warning
    cross_border_suspected: so.Mapped[bool | None]  # early warning
    root_cause: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # final report
    mitigations_applied: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # final report
    cross_border_impact: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # final report
    late_by: so.Mapped[timedelta | None] = so.mapped_column(sa.Interval)
    acknowledged_at: so.Mapped[datetime | None]
    acknowledged_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    document_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("documents.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    report: so.Mapped[IncidentReport] = so.relationship(back_populates="stages")
    submitted_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[submitted_by_id])  # noqa: F821
    acknowledged_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[acknowledged_by_id])  # noqa: F821
    requested_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[requested_by_id])  # noqa: F821
    document: so.Mapped["Document | None"] = so.relationship()  # noqa: F821

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def is_overdue(self, now: datetime | None = None) -> bool:
        return not self.is_submitted and self.due_at is not None and self.due_at < (now or utcnow())

    def submit(self, by_id: int, at: datetime) -> None:
        """Stamp the submission and how late it came (nothing when on time)."""
        if self.is_submitted:
            raise ValueError("This stage was already submitted; a correction is a new intermediate report.")
        self.submitted_at, self.submitted_by_id = at, by_id
        self.late_by = at - self.due_at if self.due_at is not None and at > self.due_at else None
