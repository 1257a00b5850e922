"""Advisories: what partners share with each other (DESIGN.md, "Advisories"). Co-authored by one or more
organisations, each of which approves (four eyes) before the release; released in a restricted edition at
the advisory's TLP and, optionally, a public edition (its own title and text) at TLP:CLEAR; acknowledged by
each recipient organisation. A released advisory never changes: a correction is an update that supersedes it.
"""
from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import declared_attr

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import SecretFeedMixin
from app.models._common import SectorSet
from app.models._common import ShareableMixin
from app.models._common import enum_column_type
from app.models._common import link_table
from app.models._common import today
from app.models._common import utcnow


class AdvisoryKind(LabelledEnum):
    THREAT_ALERT = "threat_alert"
    VULNERABILITY = "vulnerability", "Vulnerability advisory"
    INCIDENT_SUMMARY = "incident_summary"
    BEST_PRACTICE = "best_practice"
    SITUATIONAL_REPORT = "situational_report"


class Severity(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def urgent(self) -> bool:
        return self in (Severity.HIGH, Severity.CRITICAL)


class AdvisoryStatus(LabelledEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RELEASED = "released"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"

    @property
    def is_released(self) -> bool:
        """Released once (whatever happened after): readers beyond the authors may have it."""
        return self in PUBLISHED


PUBLISHED = (AdvisoryStatus.RELEASED, AdvisoryStatus.SUPERSEDED, AdvisoryStatus.WITHDRAWN)


class AcknowledgementStatus(LabelledEnum):
    RECEIVED = "received"
    ACTED = "acted"
    NOT_APPLICABLE = "not_applicable"


class ActionKind(LabelledEnum):
    RISK = "risk"
    TASK = "task"


# The named TLP:RED readers (the shareable records' scope builder needs one for every kind). An advisory
# goes to organisations, so it is never RED; the table stays empty.
advisory_readers = link_table("advisory_readers", "advisory", "advisories", "user_id", "users")
advisory_risks = link_table("advisory_risks", "advisory", "advisories", "risk_id", "risks")
advisory_incident_reports = link_table("advisory_incident_reports", "advisory", "advisories",
                                       "incident_report_id", "incident_reports")
advisory_agreements = link_table("advisory_agreements", "advisory", "advisories", "agreement_id", "agreements")


class Advisory(ShareableMixin, db.Model):
    __tablename__ = "advisories"
    TRANSITIONS = AdvisoryStatus.lifecycle("draft ⇄ in_review → released → superseded | withdrawn")
    NOUN = "An advisory"
    DEFAULTS = {"status": AdvisoryStatus.DRAFT, "tlp": TLP.AMBER, "severity": Severity.MEDIUM,
                "kind": AdvisoryKind.THREAT_ALERT}

    kind: so.Mapped[AdvisoryKind] = so.mapped_column(enum_column_type(AdvisoryKind), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    recommended_actions: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sectors: so.Mapped[list] = so.mapped_column(SectorSet(), default=list)
    # Distribution by sector: expanded to the sector's organisations (advisory_recipients) at the release.
    recipient_sectors: so.Mapped[list] = so.mapped_column(SectorSet(), default=list)
    severity: so.Mapped[Severity] = so.mapped_column(enum_column_type(Severity), index=True)
    status: so.Mapped[AdvisoryStatus] = so.mapped_column(enum_column_type(AdvisoryStatus), index=True)
    status_changed_at: so.Mapped[datetime | None]
    released_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    supersedes_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("advisories.id"), index=True)
    withdrawal_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    withdrawn_at: so.Mapped[datetime | None]
    public_title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    public_body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    acknowledgement_deadline: so.Mapped[date | None]
    # Four eyes: the person whose edit the approvals are about never approves it.
    last_edited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    last_edited_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[last_edited_by_id])  # noqa: F821
    authors: so.Mapped[list["AdvisoryAuthor"]] = so.relationship(
        back_populates="advisory", cascade="all, delete-orphan", order_by="AdvisoryAuthor.id")
    # The recipient organisations (advisory_recipients), named or expanded from a sector at the release.
    distribution: so.Mapped[list["AdvisoryRecipient"]] = so.relationship(
        back_populates="advisory", cascade="all, delete-orphan", order_by="AdvisoryRecipient.id")
    acknowledgements: so.Mapped[list["AdvisoryAcknowledgement"]] = so.relationship(
        back_populates="advisory", cascade="all, delete-orphan", order_by="AdvisoryAcknowledgement.id")
    # The TLP:RED readers every shareable kind has (app/kinds.py); an advisory is never RED: always empty.
    recipients: so.Mapped[list["User"]] = so.relationship(secondary=advisory_readers)  # noqa: F821
    risks: so.Mapped[list["Risk"]] = so.relationship(secondary=advisory_risks)  # noqa: F821
    incident_reports: so.Mapped[list["IncidentReport"]] = so.relationship(  # noqa: F821
        secondary=advisory_incident_reports)
    agreements: so.Mapped[list["Agreement"]] = so.relationship(secondary=advisory_agreements)  # noqa: F821
    supersedes: so.Mapped["Advisory | None"] = so.relationship(
        remote_side="Advisory.id", foreign_keys=[supersedes_id], back_populates="superseded_by")
    superseded_by: so.Mapped[list["Advisory"]] = so.relationship(
        foreign_keys=[supersedes_id], back_populates="supersedes")

    @property
    def author_org_ids(self) -> set[int]:
        return {a.organization_id for a in self.authors}

    @property
    def recipient_org_ids(self) -> set[int]:
        return {r.organization_id for r in self.distribution}

    def participating_org_ids(self) -> set[int]:
        return self.author_org_ids | self.recipient_org_ids

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """SQL: one of `org_ids` authors or receives the advisory."""
        return sa.or_(
            sa.exists().where(AdvisoryAuthor.advisory_id == cls.id, AdvisoryAuthor.organization_id.in_(org_ids)),
            sa.exists().where(AdvisoryRecipient.advisory_id == cls.id, AdvisoryRecipient.organization_id.in_(org_ids)))

    @classmethod
    def read_condition(cls, tlp_condition, organization_id: int):
        """SQL: who reads an edition of it, given what its TLP label alone allows (`tlp_condition`): a draft
        only its authors; once released, whoever the label lets read it (authors and recipients take part),
        and everyone signed in when it has a public edition (TLP:CLEAR)."""
        return sa.or_(cls.restricted_condition(tlp_condition, organization_id),
                      sa.and_(cls.status.in_(PUBLISHED), cls.public_title != ""))

    @classmethod
    def restricted_condition(cls, tlp_condition, organization_id: int):
        """SQL: who reads the restricted edition: its authors, and once released whoever the label lets."""
        author = sa.exists().where(AdvisoryAuthor.advisory_id == cls.id,
                                   AdvisoryAuthor.organization_id == organization_id)
        return sa.or_(author, sa.and_(cls.status.in_(PUBLISHED), tlp_condition))

    @property
    def has_public_edition(self) -> bool:
        return bool((self.public_title or "").strip())

    @property
    def is_released(self) -> bool:
        return self.status.is_released

    @property
    def is_editable(self) -> bool:
        return self.status in (AdvisoryStatus.DRAFT, AdvisoryStatus.IN_REVIEW)

    @property
    def fully_approved(self) -> bool:
        return bool(self.authors) and all(a.is_approved for a in self.authors)

    def acknowledgement_of(self, organization_id: int) -> "AdvisoryAcknowledgement | None":
        return next((a for a in self.acknowledgements if a.organization_id == organization_id), None)

    @classmethod
    def acknowledgement_overdue_condition(cls, on: date | None = None):
        """SQL: released, urgent (high or critical) and past its acknowledgement deadline: the reminders go
        out for it, and the inbox lists it first (`is_acknowledgement_overdue`)."""
        return sa.and_(cls.status == AdvisoryStatus.RELEASED, cls.severity.in_([s for s in Severity if s.urgent]),
                       cls.acknowledgement_deadline.is_not(None), cls.acknowledgement_deadline < (on or today()))

    def is_acknowledgement_overdue(self, on: date | None = None) -> bool:
        return (self.status is AdvisoryStatus.RELEASED and self.severity.urgent
                and self.acknowledgement_deadline is not None and self.acknowledgement_deadline < (on or today()))


class _PerOrganization:
    """An organisation's part in an advisory (an author, a recipient, an acknowledgement): one row per
    organisation, which goes with the advisory. Its columns come first in the table, as in the migrations."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True, sort_order=-1)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (sa.UniqueConstraint("advisory_id", "organization_id"),)

    @declared_attr
    def advisory_id(cls) -> so.Mapped[int]:
        return so.mapped_column(sa.ForeignKey("advisories.id", ondelete="CASCADE"), index=True, sort_order=-1)

    @declared_attr
    def organization_id(cls) -> so.Mapped[int]:
        return so.mapped_column(sa.ForeignKey("organizations.id"), index=True, sort_order=-1)

    @declared_attr
    def organization(cls) -> so.Mapped["Organization"]:  # noqa: F821
        return so.relationship()


class AdvisoryAuthor(_PerOrganization, db.Model):
    """A co-authoring organisation and its approval of the current text (cleared by every edit)."""

    __tablename__ = "advisory_authors"

    approved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    approved_at: so.Mapped[datetime | None]

    advisory: so.Mapped[Advisory] = so.relationship(back_populates="authors")
    approved_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class AdvisoryRecipient(_PerOrganization, db.Model):
    """A recipient organisation, chosen by name or expanded from a sector at the release (`sector`)."""

    __tablename__ = "advisory_recipients"

    sector: so.Mapped[str | None] = so.mapped_column(sa.String(40))

    advisory: so.Mapped[Advisory] = so.relationship(back_populates="distribution")


class AdvisoryAcknowledgement(_PerOrganization, db.Model):
    """One per recipient organisation: received, acted or not applicable, with a note."""

    __tablename__ = "advisory_acknowledgements"

    status: so.Mapped[AcknowledgementStatus] = so.mapped_column(enum_column_type(AcknowledgementStatus))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    advisory: so.Mapped[Advisory] = so.relationship(back_populates="acknowledgements")
    by: so.Mapped["User | None"] = so.relationship()  # noqa: F821


class AdvisoryAction(db.Model):
    """What a recipient organisation did with an advisory: a risk opened in its register or tasks added to
    a working group. Authors see counts; the details stay within the organisation."""

    __tablename__ = "advisory_actions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    advisory_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("advisories.id", ondelete="CASCADE"), index=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    kind: so.Mapped[ActionKind] = so.mapped_column(enum_column_type(ActionKind))
    risk_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("risks.id"))
    task_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("tasks.id"))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    risk: so.Mapped["Risk | None"] = so.relationship()  # noqa: F821
    task: so.Mapped["Task | None"] = so.relationship()  # noqa: F821


class AdvisoryRead(db.Model):
    """When a user first opened an advisory (the sharing feed marks the others unread)."""

    __tablename__ = "advisory_reads"

    advisory_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("advisories.id", ondelete="CASCADE"),
                                                   primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class SharingFeed(SecretFeedMixin, db.Model):
    """A user's secret Atom feed of what was shared with their organisation."""

    __tablename__ = "sharing_feeds"
