"""Column helpers and mixins shared by the models; the one private module of app/models."""
import enum
import itertools
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import ClassVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import declared_attr
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return utcnow().date()


class days_before(FunctionElement):
    """SQL: the date `days` days before `day` (NULL if either is NULL), on PostgreSQL and SQLite alike."""

    type = sa.Date()
    inherit_cache = True
    name = "days_before"


@compiles(days_before)
def _days_before(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} - {compiler.process(days, **kw)})"  # PostgreSQL: date - integer


@compiles(days_before, "sqlite")
def _days_before_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '-' || {compiler.process(days, **kw)} || ' days')"


def due_by(column, until: date):
    """The dated column is set and falls on or before `until` (a deadline reached within a horizon)."""
    return sa.and_(column.is_not(None), column <= until)


class RecordLink:
    """Points at one record by (object_type, object_id), object_type being the record's table (its
    kind's `table` in app/kinds.py): audit events, comments, reviews, attachments, documents,
    notifications. indico's LinkMixin gives each linked type a column and constraints of its own;
    here the kinds registry names the types, so a new kind alters none of these tables."""

    object_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[int]

    @classmethod
    def linked_to(cls, record) -> sa.ColumnElement:
        """SQL: the row points at `record` (an instance, or a model class to correlate with)."""
        return sa.and_(cls.object_type == record.__tablename__, cls.object_id == record.id)


class ReviewedMixin:
    """A record reviewed on a date (`next_review_date`) while it is open (the class's `open_condition()`)."""

    @classmethod
    def review_due_condition(cls, within_days: int = 0, on: date | None = None):
        """Open, and its next review falls within `within_days` days (or is past)."""
        return sa.and_(cls.open_condition(),
                       due_by(cls.next_review_date, (on or today()) + timedelta(days=within_days)))

    @classmethod
    def review_overdue_condition(cls, on: date | None = None):
        """Open, and its next review date has passed."""
        return sa.and_(cls.open_condition(), cls.next_review_date < (on or today()))


def enum_column_type(enum_cls, length: int = 20):
    """Store a StrEnum by value in a VARCHAR (no native DB enum type for Alembic to manage)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        create_constraint=False,
        values_callable=lambda members: [m.value for m in members],
    )


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members read well on screen: `.label`, the value in words ("in_review" → "In review"),
    or the label written beside the member where the words differ: `TO_DO = "todo", "To do"`."""

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_, member._label = value, label
        return member

    @property
    def label(self) -> str:
        return self._label or self.value.replace("_", " ").capitalize()

    @property
    def order(self) -> int:
        """The member's place in the declaration (stages and phases run in that order)."""
        return list(type(self)).index(self)

    @classmethod
    def lifecycle(cls, *paths: str) -> dict:
        """A status enum's TRANSITIONS table, its paths written as DESIGN.md writes lifecycles, by value:
        "draft → in_review → approved", "a | b → cancelled" (each of a and b to cancelled), "draft ⇄ in_review"
        (both ways). A status no path leaves is final; a name that is not a status fails at import."""
        table = {status: set() for status in cls}
        for path in paths:
            parts = re.split(r"\s*([→⇄])\s*", path.strip())
            groups = [[cls(name) for name in part.split(" | ")] for part in parts[::2]]
            for (sources, targets), arrow in zip(itertools.pairwise(groups), parts[1::2], strict=True):
                for a, b in itertools.product(sources, targets):
                    table[a].add(b)
                    if arrow == "⇄":
                        table[b].add(a)
        return {status: frozenset(nexts) for status, nexts in table.items()}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class TLP(LabelledEnum):
    """Traffic Light Protocol 2.0 labels, ordered from least to most restrictive."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber_strict"
    RED = "red"

    @property
    def label(self) -> str:
        return "TLP:AMBER+STRICT" if self is TLP.AMBER_STRICT else f"TLP:{self.name}"

    @property
    def rank(self) -> int:
        return list(TLP).index(self)

    @property
    def colour(self) -> str:
        return {"clear": "#FFFFFF", "green": "#33FF00", "amber": "#FFC000",
                "amber_strict": "#FFC000", "red": "#FF2B2B"}[self.value]

    @property
    def description(self) -> str:
        return {
            "clear": "No limit on disclosure.",
            "green": "Within the partnership community; never on public channels.",
            "amber": "Participating organisations and their clients, need-to-know.",
            "amber_strict": "Participating organisations only.",
            "red": "Named recipients only; no further disclosure.",
        }[self.value]

    @classmethod
    def highest(cls, labels) -> "TLP":
        labels = [TLP(label) for label in labels if label is not None]
        return max(labels, key=lambda t: t.rank) if labels else TLP.CLEAR


class Sector(LabelledEnum):
    """The 16 US critical infrastructure sectors (CISA), stored by a stable code."""

    CHEMICAL = "chemical"
    COMMERCIAL_FACILITIES = "commercial_facilities"
    COMMUNICATIONS = "communications"
    CRITICAL_MANUFACTURING = "critical_manufacturing"
    DAMS = "dams"
    DEFENSE_INDUSTRIAL_BASE = "defense_industrial_base"
    EMERGENCY_SERVICES = "emergency_services"
    ENERGY = "energy"
    FINANCIAL_SERVICES = "financial_services"
    FOOD_AGRICULTURE = "food_agriculture"
    GOVERNMENT_FACILITIES = "government_facilities"
    HEALTHCARE = "healthcare"
    INFORMATION_TECHNOLOGY = "information_technology"
    NUCLEAR = "nuclear"
    TRANSPORTATION = "transportation"
    WATER = "water"

    @property
    def label(self) -> str:
        return SECTOR_LABELS[self.value]


SECTOR_LABELS = {
    "chemical": "Chemical",
    "commercial_facilities": "Commercial Facilities",
    "communications": "Communications",
    "critical_manufacturing": "Critical Manufacturing",
    "dams": "Dams",
    "defense_industrial_base": "Defense Industrial Base",
    "emergency_services": "Emergency Services",
    "energy": "Energy",
    "financial_services": "Financial Services",
    "food_agriculture": "Food and Agriculture",
    "government_facilities": "Government Services and Facilities",
    "healthcare": "Healthcare and Public Health",
    "information_technology": "Information Technology",
    "nuclear": "Nuclear Reactors, Materials, and Waste",
    "transportation": "Transportation Systems",
    "water": "Water and Wastewater Systems",
}


class SectorSet(sa.types.TypeDecorator):
    """A set of sector codes stored as ",energy,water," so `LIKE '%,energy,%'` filters in SQL."""

    impl = sa.String(400)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if not value:
            return ""
        codes = sorted({Sector(v).value for v in value})
        return "," + ",".join(codes) + ","

    def process_result_value(self, value, dialect):
        if not value:
            return []
        return [Sector(v) for v in value.strip(",").split(",") if v]


def _as_sectors(target, value, oldvalue, initiator):
    return [Sector(v) for v in (value or [])]


@sa.event.listens_for(so.Mapper, "mapper_configured")
def _sectors_are_sectors(mapper, class_):
    """A SectorSet attribute holds Sector members from the moment it is set (a form or the demo assigns plain
    codes), not only after a reload: a page or PDF built in the same request reads the same labels."""
    for prop in mapper.column_attrs:
        if prop.parent is mapper and any(isinstance(c.type, SectorSet) for c in prop.columns):
            sa.event.listen(getattr(class_, prop.key), "set", _as_sectors, retval=True)


def sector_filter(column, code: str):
    """SQL condition: the SectorSet column holds the sector `code`.

    The column is compared as plain text: through SectorSet the LIKE pattern itself would be
    converted as if it were a list of sector codes."""
    return sa.type_coerce(column, sa.String()).like(f"%,{Sector(code).value},%")


class SecretFeedMixin:
    """A user's secret feed address (iCalendar, Atom): one per user, and only the SHA-256 of its token is
    stored (the address holds the token itself)."""

    # id and user_id open the table, as in the migrations (a mixin's declared columns otherwise come last).
    id: so.Mapped[int] = so.mapped_column(primary_key=True, sort_order=-2)

    @declared_attr
    def user_id(cls) -> so.Mapped[int]:
        return so.mapped_column(sa.ForeignKey("users.id"), unique=True, sort_order=-1)

    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @declared_attr
    def user(cls) -> so.Mapped["User"]:  # noqa: F821
        return so.relationship()


class InvalidTransition(ValueError):
    """A status change that the lifecycle does not allow."""


class StaleEdit(ValueError):
    """The record changed since the form was loaded (optimistic locking)."""


class TimestampMixin:
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class RecordMixin(TimestampMixin):
    """Editable records: who created them, a version for optimistic locking, soft archive.

    DEFAULTS are the values a new record holds from the moment it is built (a column's `default` only
    arrives at the flush, too late for a page or a rule that reads the record first); a keyword wins."""

    DEFAULTS: ClassVar[dict] = {}

    version: so.Mapped[int] = so.mapped_column(default=1)
    archived_at: so.Mapped[datetime | None]

    @declared_attr
    def created_by_id(cls) -> so.Mapped[int | None]:
        return so.mapped_column(sa.ForeignKey("users.id"), index=True)

    @declared_attr
    def created_by(cls) -> so.Mapped["User | None"]:  # noqa: F821
        return so.relationship(foreign_keys=[cls.created_by_id])

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}

    def __init__(self, **kwargs):
        super().__init__(**(self.DEFAULTS | kwargs))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class LifecycleMixin:
    """A status that moves along the class's TRANSITIONS table {status: frozenset(next statuses)}, declared with
    its status enum's `lifecycle(...)`.

    NOUN names the kind in the refusal message ("A risk cannot go from closed to accepted.").
    A model with a `status_changed_at` column gets it stamped on every step."""

    TRANSITIONS: ClassVar[dict]
    NOUN: ClassVar[str]

    def allowed_transitions(self) -> frozenset:
        return self.TRANSITIONS[self.status]

    def transition_to(self, new_status) -> None:
        if new_status not in self.allowed_transitions():
            raise InvalidTransition(f"{self.NOUN} cannot go from {self.status.label.lower()} "
                                    f"to {new_status.label.lower()}.")
        self.status = new_status
        if hasattr(type(self), "status_changed_at"):
            self.status_changed_at = utcnow()


def link_table(name: str, owner: str, owner_table: str, other: str = "organization_id",
               other_table: str = "organizations") -> sa.Table:
    """A many-to-many table `<name>(<owner>_id, <other>)`; its rows go with the owning record."""
    return sa.Table(
        name,
        db.metadata,
        sa.Column(f"{owner}_id", sa.ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(other, sa.ForeignKey(f"{other_table}.id", ondelete="CASCADE" if other_table == "users" else None),
                  primary_key=True),
    )


def recipients_table(kind: str, table: str) -> sa.Table:
    """The named TLP:RED readers of one kind: `<kind>_recipients(<kind>_id, user_id)`."""
    return link_table(f"{kind}_recipients", kind, table, "user_id", "users")

class ShareableMixin(LifecycleMixin, RecordMixin):
    """A record shared under its own TLP label (a shareable kind of app/kinds.py): its reference, the owning
    organisation, the label, and its named TLP:RED readers (`recipients`, in the table `<kind>_recipients`,
    the kind being the model's table name in the singular: initiative_recipients, risk_recipients)."""

    # First in the table, as in the migrations (a mixin's columns otherwise follow the model's own).
    id: so.Mapped[int] = so.mapped_column(primary_key=True, sort_order=-1)
    reference: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True, sort_order=-1)
    tlp: so.Mapped[TLP] = so.mapped_column(enum_column_type(TLP), index=True)

    @declared_attr
    def owner_organization_id(cls) -> so.Mapped[int]:
        return so.mapped_column(sa.ForeignKey("organizations.id"), index=True)

    @declared_attr
    def owner_organization(cls) -> so.Mapped["Organization"]:  # noqa: F821
        return so.relationship(foreign_keys=[cls.owner_organization_id])

    @declared_attr
    def recipients(cls) -> so.Mapped[list["User"]]:  # noqa: F821
        return so.relationship(secondary=recipients_table(cls.__tablename__.removesuffix("s"), cls.__tablename__))
