"""Agreements between partners (MOU, CRADA, information sharing, mutual aid…) and their parties."""
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.hybrid import hybrid_property

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import SectorSet
from app.models._common import ShareableMixin
from app.models._common import days_before
from app.models._common import enum_column_type
from app.models._common import today

EXPIRY_WARNING_DAYS = 90


class AgreementKind(LabelledEnum):
    MOU = "mou", "Memorandum of understanding (MOU)"
    MOA = "moa", "Memorandum of agreement (MOA)"
    CRADA = "crada", "Cooperative R&D agreement (CRADA)"
    INFORMATION_SHARING = "information_sharing", "Information-sharing agreement"
    MUTUAL_AID = "mutual_aid", "Mutual-aid agreement"
    NDA = "nda", "Non-disclosure agreement (NDA)"
    OTHER = "other"

    @property
    def short_label(self) -> str:
        return {"information_sharing": "Info sharing", "mutual_aid": "Mutual aid",
                "other": "Other"}.get(self.value, self.value.upper())


class AgreementStatus(LabelledEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    OUT_FOR_SIGNATURE = "out_for_signature"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"


S = AgreementStatus
# Content is frozen once the agreement leaves review: what is signed is what was approved.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.IN_REVIEW})

# Steps no button takes: signing takes them when the last signature is in or a signatory declines.
SIGNING_STEPS = frozenset({(S.OUT_FOR_SIGNATURE, S.ACTIVE), (S.OUT_FOR_SIGNATURE, S.DRAFT)})

# What the button that moves an agreement *to* a status says, in the order buttons are shown
# (the step forward first, the way out last). Each target is reached from one kind of step only.
ACTION_LABELS: dict[AgreementStatus, str] = {
    S.IN_REVIEW: "Submit for review",
    S.APPROVED: "Approve",
    S.OUT_FOR_SIGNATURE: "Issue for signature",
    S.DRAFT: "Request changes",
    S.EXPIRED: "Mark expired",
    S.TERMINATED: "Terminate",
    S.CANCELLED: "Cancel",
}


class PartyRole(LabelledEnum):
    LEAD = "lead"
    PARTNER = "partner"
    OBSERVER = "observer"


class Agreement(ShareableMixin, db.Model):
    __tablename__ = "agreements"
    # Counts by status within a reader's TLP scope read the index, not the rows (dashboard, reports); it also
    # serves every lookup by TLP (it replaced ix_agreements_tlp, which the planner preferred for no gain).
    # The list's default order (live ones, last updated first) read from an index, stopping after a page's rows:
    # without it every page sorted all the visible agreements (6 ms of SQLite at 10,000). With the columns of the
    # TLP rule, the list's total counts from the index alone (3 → 2 ms).
    # The dashboard's counts by status and label (grouped in the index's order) and its agreements expiring soon
    # (a range of expiry dates, read in order) hold the TLP rule's columns too: no agreement row is read.
    __table_args__ = (sa.Index("ix_agreements_tlp_status", "tlp", "status", "archived_at", "owner_organization_id"),
                      sa.Index("ix_agreements_live_order", "archived_at", "updated_at", "id", "tlp",
                               "owner_organization_id", "created_by_id"),
                      sa.Index("ix_agreements_live_status", "archived_at", "status", "tlp", "owner_organization_id",
                               "created_by_id"),
                      sa.Index("ix_agreements_live_expiry", "archived_at", "expiry_date", "status", "tlp",
                               "owner_organization_id", "created_by_id"),
                      sa.Index("ix_agreements_live_status_reference", "archived_at", "status", "reference"))
    # Both steps out of signature are taken by signing (app/signing): the last signature in, or a signatory declining.
    TRANSITIONS = AgreementStatus.lifecycle(
        "draft → in_review → approved → out_for_signature → active → expired | terminated",
        "in_review → draft",  # changes requested
        "out_for_signature → draft",  # a signatory declined
        "draft | in_review | approved → cancelled",
    )
    NOUN = "An agreement"
    DEFAULTS = {"status": AgreementStatus.DRAFT, "tlp": TLP.AMBER}

    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[AgreementKind] = so.mapped_column(enum_column_type(AgreementKind))
    status: so.Mapped[AgreementStatus] = so.mapped_column(enum_column_type(AgreementStatus), index=True)
    tlp: so.Mapped[TLP] = so.mapped_column(enum_column_type(TLP))  # led by ix_agreements_tlp_status
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    terms: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sectors: so.Mapped[list] = so.mapped_column(SectorSet(), default=list)
    effective_date: so.Mapped[date | None]
    expiry_date: so.Mapped[date | None] = so.mapped_column(index=True)
    notice_days: so.Mapped[int] = so.mapped_column(default=30)
    auto_renew: so.Mapped[bool] = so.mapped_column(default=False)
    # The document version: counts changes to the content (terms, parties, dates), not status changes.
    revision: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    status_changed_at: so.Mapped[datetime | None]

    parties: so.Mapped[list["AgreementParty"]] = so.relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.position"
    )

    def transition_actions(self) -> list[tuple[AgreementStatus, str]]:
        """(target status, button label) for every step allowed from the current status."""
        allowed = {t for t in self.allowed_transitions() if (self.status, t) not in SIGNING_STEPS}
        return [(target, label) for target, label in ACTION_LABELS.items() if target in allowed]

    @property
    def is_content_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES and not self.is_archived

    def participating_org_ids(self) -> set[int]:
        return {self.owner_organization_id} | {p.organization_id for p in self.parties}

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """participating_org_ids() in SQL: one of `org_ids` owns the agreement or is a party."""
        return sa.or_(cls.owner_organization_id.in_(org_ids),
                      sa.exists().where(AgreementParty.agreement_id == cls.id,
                                        AgreementParty.organization_id.in_(org_ids)))

    @property
    def signatories(self) -> list["AgreementParty"]:
        return [p for p in self.parties if p.signatory_name]

    def days_to_expiry(self, on: date | None = None) -> int | None:
        if self.expiry_date is None:
            return None
        return (self.expiry_date - (on or today())).days

    @property
    def is_expiring_soon(self) -> bool:
        days = self.days_to_expiry()
        return (days is not None and 0 <= days <= EXPIRY_WARNING_DAYS
                and self.status in {S.ACTIVE, S.OUT_FOR_SIGNATURE, S.APPROVED})

    @hybrid_property
    def notice_date(self) -> date | None:
        """The last day to give notice before expiry (none without an expiry date or a notice period)."""
        if self.expiry_date is None or not self.notice_days:
            return None
        return self.expiry_date - timedelta(days=self.notice_days)

    @notice_date.inplace.expression
    @classmethod
    def _notice_date_expression(cls):
        return sa.case((cls.notice_days > 0, days_before(cls.expiry_date, cls.notice_days)), else_=sa.null())

    @classmethod
    def awaiting_review_condition(cls, user_id: int):
        """In review, for a reviewer other than its submitter (the inbox's reviews to give)."""
        return cls.status == S.IN_REVIEW

    @classmethod
    def open_condition(cls):
        """In force: active and not archived (its expiry and notice dates are announced)."""
        return sa.and_(cls.status == S.ACTIVE, cls.archived_at.is_(None))

    @classmethod
    def expiring_condition(cls, on: date | None = None):
        start = on or today()
        return sa.and_(
            cls.expiry_date.is_not(None),
            cls.expiry_date >= start,
            cls.expiry_date <= start + timedelta(days=EXPIRY_WARNING_DAYS),
            cls.status.in_([S.ACTIVE, S.OUT_FOR_SIGNATURE, S.APPROVED]),
        )

    def __repr__(self) -> str:
        return f"<Agreement {self.reference} {self.status}>"


class AgreementParty(db.Model):
    __tablename__ = "agreement_parties"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "organization_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agreement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"),
                                                    index=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    party_role: so.Mapped[PartyRole] = so.mapped_column(enum_column_type(PartyRole), default=PartyRole.PARTNER)
    signatory_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    signatory_title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    signatory_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    position: so.Mapped[int] = so.mapped_column(default=0)

    agreement: so.Mapped[Agreement] = so.relationship(back_populates="parties")
    organization: so.Mapped["Organization"] = so.relationship()  # noqa: F821
