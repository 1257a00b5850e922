"""Figures of each executive report produced, so the next one can show the trend since then."""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import TLP
from app.models._common import enum_column_type
from app.models._common import utcnow


class ReportSnapshot(db.Model):
    """One executive report as issued to one reader, for one edition (TLP ceiling).

    Kept per reader and edition: the figures are computed through that reader's scopes, so comparing
    with another reader's report could reveal what this reader may not see."""

    __tablename__ = "report_snapshots"
    __table_args__ = (sa.Index("ix_report_snapshots_reader_edition", "user_id", "tlp", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    tlp: so.Mapped[TLP] = so.mapped_column(enum_column_type(TLP))
    reference: so.Mapped[str] = so.mapped_column(sa.String(40))
    figures: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
