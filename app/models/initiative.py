"""Joint initiatives under the partnership, with their milestones."""
from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import SectorSet
from app.models._common import ShareableMixin
from app.models._common import enum_column_type
from app.models._common import link_table
from app.models._common import today


class InitiativeStatus(LabelledEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Health(LabelledEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


initiative_participants = link_table("initiative_participants", "initiative", "initiatives")


class Initiative(ShareableMixin, db.Model):
    __tablename__ = "initiatives"
    TRANSITIONS = InitiativeStatus.lifecycle("proposed → active ⇄ on_hold", "active → completed",
                                            "proposed | active | on_hold → cancelled")
    NOUN = "An initiative"
    DEFAULTS = {"status": InitiativeStatus.PROPOSED, "health": Health.GREEN, "tlp": TLP.AMBER}

    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    objective: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    agreement_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agreements.id"), index=True)
    lead_organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    sectors: so.Mapped[list] = so.mapped_column(SectorSet(), default=list)
    start_date: so.Mapped[date | None]
    target_date: so.Mapped[date | None]
    status: so.Mapped[InitiativeStatus] = so.mapped_column(enum_column_type(InitiativeStatus), index=True)
    health: so.Mapped[Health] = so.mapped_column(enum_column_type(Health), index=True)
    health_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status_changed_at: so.Mapped[datetime | None]
    # "Decisions needed" in the executive report: set by a coordinator, with the question to decide.
    decision_needed: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    decision_note: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    agreement: so.Mapped["Agreement | None"] = so.relationship()  # noqa: F821
    lead_organization: so.Mapped["Organization"] = so.relationship(  # noqa: F821
        foreign_keys=[lead_organization_id])
    participants: so.Mapped[list["Organization"]] = so.relationship(  # noqa: F821
        secondary=initiative_participants, order_by="Organization.name")
    milestones: so.Mapped[list["Milestone"]] = so.relationship(
        back_populates="initiative", cascade="all, delete-orphan",
        order_by="(Milestone.due_date, Milestone.id)")

    def participating_org_ids(self) -> set[int]:
        return ({self.owner_organization_id, self.lead_organization_id}
                | {o.id for o in self.participants})

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """participating_org_ids() in SQL: one of `org_ids` owns, leads or takes part in the initiative."""
        return sa.or_(cls.owner_organization_id.in_(org_ids), cls.lead_organization_id.in_(org_ids),
                      sa.exists().where(initiative_participants.c.initiative_id == cls.id,
                                        initiative_participants.c.organization_id.in_(org_ids)))

    @property
    def progress(self) -> int:
        """Percentage of milestones completed (0 when there are none)."""
        if not self.milestones:
            return 0
        done = sum(1 for m in self.milestones if m.completed_at is not None)
        return round(100 * done / len(self.milestones))

    def __repr__(self) -> str:
        return f"<Initiative {self.reference} {self.status}>"


class Milestone(db.Model):
    __tablename__ = "milestones"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiatives.id", ondelete="CASCADE"),
                                                     index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    due_date: so.Mapped[date | None]
    completed_at: so.Mapped[datetime | None]

    initiative: so.Mapped[Initiative] = so.relationship(back_populates="milestones")

    @property
    def is_overdue(self) -> bool:
        return self.completed_at is None and self.due_date is not None and self.due_date < today()
