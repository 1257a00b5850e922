"""Organisations: government agencies, operators, international partners and their clients."""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import SectorSet
from app.models._common import TimestampMixin
from app.models._common import enum_column_type
from app.models.user import Role


class OrganizationKind(LabelledEnum):
    GOVERNMENT = "government"
    PRIVATE_SECTOR = "private_sector"
    INTERNATIONAL = "international", "International partner"
    NGO_ACADEMIA = "ngo_academia", "NGO / academia"


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    short_name: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    kind: so.Mapped[OrganizationKind] = so.mapped_column(enum_column_type(OrganizationKind))
    country: so.Mapped[str] = so.mapped_column(sa.String(2))
    sectors: so.Mapped[list] = so.mapped_column(SectorSet(), default=list)
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    # A competent authority or CSIRT: operators address their incident reports to it.
    is_authority: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    version: so.Mapped[int] = so.mapped_column(default=1)
    archived_at: so.Mapped[datetime | None]

    parent: so.Mapped["Organization | None"] = so.relationship(remote_side=[id], back_populates="clients")
    clients: so.Mapped[list["Organization"]] = so.relationship(back_populates="parent")
    users: so.Mapped[list["User"]] = so.relationship(back_populates="organization")  # noqa: F821

    __mapper_args__ = {"version_id_col": version}

    @property
    def has_active_users(self) -> bool:
        """Whether anyone of the organisation can act in Palisade (platform admins aside)."""
        return any(user.active and user.role is not Role.ADMIN for user in self.users)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"
