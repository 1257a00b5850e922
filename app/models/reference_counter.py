"""The last number issued per reference prefix and year (AGR-2026-0042 → ("AGR", 2026, 42))."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db


class ReferenceCounter(db.Model):
    """One row per prefix and year, taken with a row lock (an upsert) by records.next_reference."""

    __tablename__ = "reference_counters"

    prefix: so.Mapped[str] = so.mapped_column(sa.String(10), primary_key=True)
    year: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    last: so.Mapped[int] = so.mapped_column(default=0)
