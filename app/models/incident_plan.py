"""Incident-response plans (NIST SP 800-61), their sections, contacts and versions."""
import calendar
import re
from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import declared_attr

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import ReviewedMixin
from app.models._common import SectorSet
from app.models._common import ShareableMixin
from app.models._common import enum_column_type
from app.models._common import link_table
from app.models._common import today

MAX_REVIEW_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (29 Feb + 12 months -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_review_date(approved_on: date) -> date:
    """NIST SP 800-61 practice (DOMAIN.md): review an approved plan at least every 12 months."""
    return add_months(approved_on, MAX_REVIEW_MONTHS)


_NUMERIC_LABEL = re.compile(r"^(\d+)(?:\.(\d+))?$")


def next_version_label(existing: set[str], source: str, bump: str = "major") -> str:
    """The label of a new version revised from `source`: 1.0 -> 2.0 (major) or 1.1 (minor).

    Skips labels already used by other versions of the same reference (two revisions of 1.0)."""
    majors = [int(m.group(1)) for m in map(_NUMERIC_LABEL.match, existing | {source}) if m]
    match = _NUMERIC_LABEL.match(source)
    if bump == "minor" and match:
        major, minor = int(match.group(1)), int(match.group(2) or 0) + 1
        candidate = f"{major}.{minor}"
        while candidate in existing:
            minor += 1
            candidate = f"{major}.{minor}"
        return candidate
    major = (max(majors) if majors else len(existing)) + 1
    while f"{major}.0" in existing:
        major += 1
    return f"{major}.0"


class PlanStatus(LabelledEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


P = PlanStatus


class Phase(LabelledEnum):
    """NIST SP 800-61 Rev. 2 phases, in order."""

    PREPARATION = "preparation"
    DETECTION_ANALYSIS = "detection_analysis", "Detection & Analysis"
    CONTAINMENT_RECOVERY = "containment_recovery", "Containment, Eradication & Recovery"
    POST_INCIDENT = "post_incident", "Post-Incident Activity"


incident_plan_organizations = link_table("incident_plan_organizations", "incident_plan", "incident_plans")


class IncidentPlan(ShareableMixin, ReviewedMixin, db.Model):
    __tablename__ = "incident_plans"
    TRANSITIONS = PlanStatus.lifecycle("draft ⇄ in_review → approved → retired")
    NOUN = "A plan"
    DEFAULTS = {"status": PlanStatus.DRAFT, "tlp": TLP.AMBER, "version_label": "1.0"}
    __table_args__ = (sa.UniqueConstraint("reference", "version_label", name="reference_version"),)

    # Each version of a plan is a row of its own: the reference is unique with the version label.
    reference: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    scope: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sectors: so.Mapped[list] = so.mapped_column(SectorSet(), default=list)
    version_label: so.Mapped[str] = so.mapped_column(sa.String(20), default="1.0")
    status: so.Mapped[PlanStatus] = so.mapped_column(enum_column_type(PlanStatus), index=True)
    approver_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    approved_at: so.Mapped[datetime | None]
    next_review_date: so.Mapped[date | None] = so.mapped_column(index=True)
    change_summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    previous_version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("incident_plans.id"))
    # Printed in the plan document: who receives it, when the plan is activated, how incidents are graded.
    distribution_list: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    activation_criteria: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    severity_levels: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    approver: so.Mapped["User | None"] = so.relationship(foreign_keys=[approver_id])  # noqa: F821
    covered_organizations: so.Mapped[list["Organization"]] = so.relationship(  # noqa: F821
        secondary=incident_plan_organizations, order_by="Organization.name")
    previous_version: so.Mapped["IncidentPlan | None"] = so.relationship(remote_side="IncidentPlan.id")
    sections: so.Mapped[list["PlanSection"]] = so.relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanSection.position")
    contacts: so.Mapped[list["PlanContact"]] = so.relationship(
        back_populates="plan", cascade="all, delete-orphan",
        order_by="(PlanContact.escalation_tier, PlanContact.id)")

    @property
    def is_read_only(self) -> bool:
        """Content (fields, sections, contacts) changes only in draft: what reviewers read is what
        gets approved; "request changes" sends a plan in review back to draft, "revise" copies an
        approved or retired one into a new draft version."""
        return self.status is not P.DRAFT or self.is_archived

    @property
    def is_revisable(self) -> bool:
        return self.status in {P.APPROVED, P.RETIRED} and not self.is_archived

    @property
    def is_review_due(self) -> bool:
        return (self.status is P.APPROVED and self.next_review_date is not None
                and self.next_review_date < today())

    @classmethod
    def awaiting_review_condition(cls, user_id: int):
        """In review, for a reviewer other than its submitter who is not its author (the inbox's reviews to give)."""
        return sa.and_(cls.status == P.IN_REVIEW, cls.created_by_id != user_id)

    @classmethod
    def open_condition(cls):
        """In force: approved and not archived (its review date counts; a draft is not reviewed yet)."""
        return sa.and_(cls.status == P.APPROVED, cls.archived_at.is_(None))

    @property
    def is_overdue(self) -> bool:
        """Same as is_review_due; the list macro highlights rows by this name."""
        return self.is_review_due

    def participating_org_ids(self) -> set[int]:
        return {self.owner_organization_id} | {o.id for o in self.covered_organizations}

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """participating_org_ids() in SQL: one of `org_ids` owns the plan or is covered by it."""
        return sa.or_(cls.owner_organization_id.in_(org_ids),
                      sa.exists().where(incident_plan_organizations.c.incident_plan_id == cls.id,
                                        incident_plan_organizations.c.organization_id.in_(org_ids)))

    @property
    def live_sections(self) -> list["PlanSection"]:
        """The plan's content: every section not archived (the page, the PDF, the next version)."""
        return [s for s in self.sections if s.archived_at is None]

    @property
    def archived_sections(self) -> list["PlanSection"]:
        return sorted((s for s in self.sections if s.archived_at is not None),
                      key=lambda s: (s.archived_at, s.id), reverse=True)

    def sections_by_phase(self) -> list[tuple[Phase, list["PlanSection"]]]:
        ordered = sorted(self.live_sections, key=lambda s: (s.phase.order, s.position))
        return [(phase, [s for s in ordered if s.phase is phase]) for phase in Phase]


class _PlanPart:
    """A part of a plan's content (a section, a contact), edited on its own: it goes with its plan, and has a
    version of its own for optimistic locking (two people editing one section get a conflict page)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True, sort_order=-1)
    version: so.Mapped[int] = so.mapped_column(default=1)

    @declared_attr
    def plan_id(cls) -> so.Mapped[int]:
        return so.mapped_column(sa.ForeignKey("incident_plans.id", ondelete="CASCADE"), index=True, sort_order=-1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class PlanSection(_PlanPart, db.Model):
    __tablename__ = "plan_sections"

    phase: so.Mapped[Phase] = so.mapped_column(enum_column_type(Phase, length=30))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    # "Deleting" a section archives it: its text stays and it can be restored from the plan page.
    archived_at: so.Mapped[datetime | None]
    archived_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    plan: so.Mapped[IncidentPlan] = so.relationship(back_populates="sections")
    archived_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[archived_by_id])  # noqa: F821


class PlanContact(_PlanPart, db.Model):
    __tablename__ = "plan_contacts"

    role: so.Mapped[str] = so.mapped_column(sa.String(120))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    organization: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    escalation_tier: so.Mapped[int] = so.mapped_column(default=1)
    available_24_7: so.Mapped[bool] = so.mapped_column(default=False)

    plan: so.Mapped[IncidentPlan] = so.relationship(back_populates="contacts")


