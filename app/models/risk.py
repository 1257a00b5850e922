"""Risks in the partnership register and the mitigations assigned to partners."""
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.hybrid import hybrid_property

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import LifecycleMixin
from app.models._common import RecordMixin
from app.models._common import ReviewedMixin
from app.models._common import Sector
from app.models._common import ShareableMixin
from app.models._common import enum_column_type
from app.models._common import today


class RiskLevel(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def review_days(self) -> int:
        """Days until the next review, by level (DOMAIN.md)."""
        return {"critical": 90, "high": 180}.get(self.value, 360)

    @property
    def bounds(self) -> tuple[int, int]:
        return {"low": (1, 4), "medium": (5, 9), "high": (10, 16), "critical": (17, 25)}[self.value]


def level_for_score(score: int) -> RiskLevel:
    if score >= 17:
        return RiskLevel.CRITICAL
    if score >= 10:
        return RiskLevel.HIGH
    if score >= 5:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


class Treatment(LabelledEnum):
    MITIGATE = "mitigate"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    AVOID = "avoid"
    SHARE = "share"


class RiskStatus(LabelledEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    ACCEPTED = "accepted"
    CLOSED = "closed"


class Risk(ShareableMixin, ReviewedMixin, db.Model):
    __tablename__ = "risks"
    TRANSITIONS = RiskStatus.lifecycle("open ⇄ mitigating ⇄ accepted ⇄ open",
                                       "open | mitigating | accepted → closed → open")
    NOUN = "A risk"
    DEFAULTS = {"status": RiskStatus.OPEN, "treatment": Treatment.MITIGATE, "tlp": TLP.AMBER}
    __table_args__ = (
        sa.CheckConstraint("likelihood BETWEEN 1 AND 5", name="likelihood_range"),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="impact_range"),
    )

    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sector: so.Mapped[Sector | None] = so.mapped_column(enum_column_type(Sector, length=40), index=True)
    asset: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    threat: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    vulnerability: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    likelihood: so.Mapped[int]
    impact: so.Mapped[int]
    initiative_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("initiatives.id"), index=True)
    # The incident report the risk was opened from (its page links back, for readers of the report).
    incident_report_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("incident_reports.id"), index=True)
    treatment: so.Mapped[Treatment] = so.mapped_column(enum_column_type(Treatment))
    status: so.Mapped[RiskStatus] = so.mapped_column(enum_column_type(RiskStatus), index=True)
    residual_likelihood: so.Mapped[int | None]
    residual_impact: so.Mapped[int | None]
    next_review_date: so.Mapped[date | None]
    # "Decisions needed" in the executive report: set by a coordinator, with the question to decide.
    decision_needed: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    decision_note: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    initiative: so.Mapped["Initiative | None"] = so.relationship()  # noqa: F821
    mitigations: so.Mapped[list["Mitigation"]] = so.relationship(
        back_populates="risk", order_by="Mitigation.due_date")

    @hybrid_property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> RiskLevel:
        return level_for_score(self.score)

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact

    @property
    def residual_level(self) -> RiskLevel | None:
        score = self.residual_score
        return None if score is None else level_for_score(score)

    @classmethod
    def level_condition(cls, level: RiskLevel):
        low, high = level.bounds
        return (cls.likelihood * cls.impact).between(low, high)

    @property
    def is_review_due(self) -> bool:
        return (self.next_review_date is not None and self.next_review_date < today()
                and self.status is not RiskStatus.CLOSED)

    @classmethod
    def open_condition(cls):
        """In the register: not closed, not archived (its review date counts)."""
        return sa.and_(cls.status != RiskStatus.CLOSED, cls.archived_at.is_(None))

    def participating_org_ids(self) -> set[int]:
        return {self.owner_organization_id} | {
            m.assigned_organization_id for m in self.mitigations if m.assigned_organization_id
        }

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """participating_org_ids() in SQL: one of `org_ids` owns the risk or is assigned a mitigation."""
        return sa.or_(cls.owner_organization_id.in_(org_ids),
                      sa.exists().where(Mitigation.risk_id == cls.id, Mitigation.assigned_organization_id.in_(org_ids)))


class MitigationStatus(LabelledEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    VERIFIED = "verified"
    CANCELLED = "cancelled"


M = MitigationStatus
OPEN_MITIGATION = (M.PLANNED, M.IN_PROGRESS)


class Mitigation(LifecycleMixin, RecordMixin, db.Model):
    __tablename__ = "mitigations"
    TRANSITIONS = MitigationStatus.lifecycle("planned ⇄ in_progress ⇄ implemented → verified → in_progress",
                                           "planned | in_progress → cancelled → planned")
    NOUN = "A mitigation"
    NOT_STARTED = M.PLANNED  # assigned work not begun: "Newly assigned" in the inbox
    DEFAULTS = {"status": MitigationStatus.PLANNED, "effectiveness": 0}
    # A risk's mitigations by assigned organisation: the TLP rule's "a partner takes part through a mitigation"
    # (EXISTS per risk) reads one index entry. Without it SQLite, having no statistics, may walk the
    # organisation's every mitigation for each risk instead (at 1,000 risks, 0.4 → 94 ms for the dashboard's
    # open risks count, depending on the database file).
    __table_args__ = (sa.CheckConstraint("effectiveness BETWEEN 0 AND 100", name="effectiveness_range"),
                      sa.Index("ix_mitigations_risk_organization", "risk_id", "assigned_organization_id"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    risk_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("risks.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    assigned_organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    assigned_user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    due_date: so.Mapped[date | None]
    status: so.Mapped[MitigationStatus] = so.mapped_column(enum_column_type(MitigationStatus), index=True)
    effectiveness: so.Mapped[int] = so.mapped_column(default=0)
    status_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    risk: so.Mapped[Risk] = so.relationship(back_populates="mitigations")
    assigned_organization: so.Mapped["Organization"] = so.relationship()  # noqa: F821
    assigned_user: so.Mapped["User | None"] = so.relationship(foreign_keys=[assigned_user_id])  # noqa: F821

    @property
    def is_overdue(self) -> bool:
        return (self.due_date is not None and self.due_date < today()
                and self.status in OPEN_MITIGATION)

    @classmethod
    def open_condition(cls):
        """Work still to do: planned or in progress, not archived."""
        return sa.and_(cls.status.in_(OPEN_MITIGATION), cls.archived_at.is_(None))

    @classmethod
    def overdue_condition(cls, on: date | None = None):
        return sa.and_(cls.status.in_(OPEN_MITIGATION), cls.due_date < (on or today()))
