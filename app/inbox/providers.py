"""The inbox: what awaits the signed-in user, one provider function per source.

A provider takes the user and returns InboxEntry rows, each linking to the page where the user acts;
an entry disappears when the work is done because the provider's query no longer matches. Every
provider starts from a visible_* scope. Another feature adds its source with `@provider(order)`
(e.g. signatures to give) in a module the app imports, and the page shows it as one more section.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from app import kinds, permissions, precompiled
from app.extensions import db
from app.listing import counting
from app.models import (
    TLP,
    ReviewOutcome,
    ReviewRequest,
    Role,
    User,
    review_request_reviewers,
    today,
)

DUE_SOON_DAYS = 7
REVIEW_DUE_DAYS = 30


@dataclass(frozen=True)
class InboxEntry:
    section: str      # heading on the page ("Reviews and approvals", …)
    action: str       # what to do: "Approve or request changes"
    reference: str
    title: str
    url: str
    tlp: TLP
    note: str = ""    # why it is here: "You are a named reviewer", "Overdue by 3 days"
    due: date | None = None
    rank: int = 1     # within a section: lower first


@dataclass(frozen=True)
class Provider:
    order: int
    section: str
    fn: Callable[[User, int | None], list[InboxEntry]]  # (user, limit): the first `limit` entries, or all
    # The statements whose rows are the section's entries, counted without loading them (None: len(fn(user, None)))
    count: Callable[[User], list[sa.Select]] | None


PROVIDERS: list[Provider] = []


def provider(order: int, section: str, count: Callable[[User], list[sa.Select]] | None = None):
    """Register a source of inbox entries; sections are shown by `order`. A provider whose entries can
    be many gives a `count` that asks the database, so that the count on every page stays cheap.

    A `count` builds its statements from the user's id, role and organisations and from today's date,
    and from nothing else: the statements are built once per such key and reused (see _count_statement)."""
    def register(fn):
        PROVIDERS.append(Provider(order, section, fn, count))
        PROVIDERS.sort(key=lambda p: p.order)
        return fn
    return register


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def inbox_sections(user: User, limit: int | None = None,
                   counts: dict[str, int] | None = None) -> list[tuple[str, list[InboxEntry]]]:
    """[(section heading, entries)] for every provider with something for the user; with `limit`, the
    first `limit` entries of each section. Given the sections' `counts` (inbox_counts), the sections known
    empty are not asked, nor any after `limit` entries in all (the dashboard's preview)."""
    if not _usable(user):
        return []
    sections, total = [], 0
    for p in PROVIDERS:
        if counts is not None and (not counts.get(p.section) or (limit is not None and total >= limit)):
            continue
        entries = sorted(p.fn(user, limit), key=lambda e: (e.rank, e.due or date.max, e.reference))[:limit]
        if entries:
            sections.append((p.section, entries))
            total += len(entries)
    return sections


def inbox_counts(user: User) -> dict[str, int]:
    """{section heading: how many entries in all}."""
    return counts_with(user)[0]


def counts_with(user: User, also: Callable[[], sa.Select | None] | None = None,
                name: str = "") -> tuple[dict[str, int], tuple]:
    """({section heading: how many entries in all}, the values of the one row of the statement `also()` builds).
    The sections that can be long are counted by the database, every count in one statement, `also`'s (a
    statement of one row) with them: the badges are on every page (app/inbox/navbar.py adds the bell's count,
    the dashboard its figures).

    The statement is built once per user scope and day and then reused (permissions.scoped_statements), under
    `name` when `also` is given (`also()` then builds from the same scope alone), and compiled once
    (app/precompiled.py): building, keying and compiling these statements cost more than running them, on
    every page."""
    usable = _usable(user)

    def build():
        counted = [(p.section, p.count(user)) for p in PROVIDERS if p.count] if usable else []
        columns = [counting(stmt).scalar_subquery() for _, stmts in counted for stmt in stmts]
        first = also() if also is not None else None
        statement = first.add_columns(*columns) if first is not None else sa.select(*columns) if columns else None
        return statement, [(section, len(stmts)) for section, stmts in counted], len(columns)

    statement, sizes, counted = permissions.scoped_statements(f"inbox_count:{name}:{usable}", user, build)
    row = precompiled.one(statement) if statement is not None else ()
    leading = len(row) - counted
    numbers = iter(row[leading:])
    totals = {section: sum(next(numbers) for _ in range(size)) for section, size in sizes}
    if not usable:
        return {}, row[:leading]
    return ({p.section: totals[p.section] if p.count else len(p.fn(user, None)) for p in PROVIDERS},
            row[:leading])


def inbox_count(user: User) -> int:
    return sum(inbox_counts(user).values())


def _ordered(stmt: sa.Select, limit: int | None, *order) -> sa.Select:
    """`stmt` in `order`, the first `limit` rows when a limit is given."""
    stmt = stmt.order_by(*order)
    return stmt if limit is None else stmt.limit(limit)


def _first(stmt: sa.Select, limit: int | None, *order) -> list:
    """The rows of `stmt` in `order`, the first `limit` of them when a limit is given."""
    return db.session.scalars(_ordered(stmt, limit, *order)).all()


def due_note(due: date | None, on: date | None = None) -> str:
    if due is None:
        return ""
    days = (due - (on or today())).days
    if days < 0:
        return f"Overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "Due today"
    return f"Due in {days} day{'s' if days != 1 else ''}"


# The sections below list the kinds whose registry entry names this module (app/kinds.py, inbox_sections), each by
# what it is: reviewed (reviews to give), assigned to someone (assigned work), reviewed on a date (reviews due).


def _shared() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in kinds.KINDS if kind.inbox_sections == __name__)


def _reviewed() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in _shared() if kind.reviewed)


def _assigned() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in _shared() if kind.assignee)


def _dated_reviews() -> tuple[kinds.RecordKind, ...]:
    return tuple(kind for kind in _shared() if kind.shareable and hasattr(kind.model, "review_due_condition"))


def _edition(record) -> str:
    """The reference, with the version for a kind approved in versions (a plan's "IRP-2026-001 v2.0")."""
    version = getattr(record, "version_label", None)
    return f"{record.reference} v{version}" if version else record.reference


def _url(kind: kinds.RecordKind, record, anchor: str = "") -> str:
    return url_for(kind.endpoint, **kind.url_values(record)) + anchor


# --- Reviews and approvals -------------------------------------------------------------------


def _awaiting_review(user: User, kind: kinds.RecordKind) -> sa.Select:
    """Records of the kind in review, taking part through the user's organisation, that the user may
    approve: not submitted by them (the newest open round's submitter, else the creator) and whatever the
    kind adds (`awaiting_review_condition`: a plan's author does not approve it)."""
    model = kind.model
    submitter = (sa.select(ReviewRequest.submitted_by_id)
                 .where(ReviewRequest.linked_to(model),
                        ReviewRequest.outcome == ReviewOutcome.OPEN)
                 .order_by(ReviewRequest.id.desc()).limit(1).correlate(model).scalar_subquery())
    return permissions.visible_records(kind, user).where(
        model.awaiting_review_condition(user.id), model.archived_at.is_(None),
        model.participation_condition([user.organization_id]),
        sa.func.coalesce(submitter, model.created_by_id) != user.id)


def _named_reviewer(user: User, model) -> sa.Exists:
    return (sa.exists().where(ReviewRequest.linked_to(model),
                              ReviewRequest.outcome == ReviewOutcome.OPEN,
                              review_request_reviewers.c.review_request_id == ReviewRequest.id,
                              review_request_reviewers.c.user_id == user.id)
            .correlate(model))


def _count_reviews(user: User) -> list[sa.Select]:
    if user.role is not Role.COORDINATOR:
        return []
    return [_awaiting_review(user, kind) for kind in _reviewed()]


def _submitter_name(model) -> sa.ScalarSelect:
    """The name of who submitted the record's newest open review round (None without one)."""
    return (sa.select(User.name).join(ReviewRequest, ReviewRequest.submitted_by_id == User.id)
            .where(ReviewRequest.linked_to(model),
                   ReviewRequest.outcome == ReviewOutcome.OPEN)
            .order_by(ReviewRequest.id.desc()).limit(1).correlate(model).scalar_subquery())


def _in_review(user: User, kind: kinds.RecordKind, limit: int | None) -> list:
    """(record, named reviewer?, submitter's name) of the records of the kind awaiting the user's review,
    named reviewer first: one statement."""
    model = kind.model

    def build() -> sa.Select:
        named = _named_reviewer(user, model)
        stmt = (_awaiting_review(user, kind)
                .add_columns(named.label("named"), _submitter_name(model).label("submitter"))
                .order_by(named.desc(), model.reference))
        return stmt if limit is None else stmt.limit(limit)

    # Built once per scope and day (the dashboard's preview and the inbox ask it on every visit).
    return db.session.execute(permissions.scoped_statements(f"in_review:{model.__name__}:{limit}", user, build)).all()


@provider(10, "Reviews and approvals", count=_count_reviews)
def reviews_to_give(user: User, limit: int | None = None) -> list[InboxEntry]:
    """Records in review (agreements, plans) that the user may approve: named reviewer first."""
    if user.role is not Role.COORDINATOR:
        return []
    return [InboxEntry(section="Reviews and approvals", action="Approve or request changes",
                       reference=_edition(record), title=record.title, url=_url(kind, record, "#review"),
                       tlp=record.tlp, rank=0 if named else 1,
                       note=("You are a named reviewer" if named else "You may approve it")
                       + (f" · submitted by {submitter}" if submitter else ""))
            for kind in _reviewed() for record, named, submitter in _in_review(user, kind, limit)]


# --- Work assigned to the user ---------------------------------------------------------------


def _assigned_to(user: User, kind: kinds.RecordKind) -> sa.Select:
    """Open work of the kind assigned to the user, under a live parent: not started, or due within a week."""
    model, due = kind.model, getattr(kind.model, kind.deadlines[0].field)
    soon = today() + timedelta(days=DUE_SOON_DAYS)
    return (permissions.visible_records(kind, user)
            .where(getattr(model, kind.assignee) == user.id, model.open_condition(),
                   kind.parent_kind.model.archived_at.is_(None),
                   sa.or_(model.status == model.NOT_STARTED, due <= soon)))


def _count_assigned(user: User) -> list[sa.Select]:
    return [_assigned_to(user, kind) for kind in _assigned()]


def _assigned_statement(user: User, kind: kinds.RecordKind, limit: int | None) -> sa.Select:
    """_assigned_to with its parent loaded, soonest due first: built once per scope and day."""
    model = kind.model
    due = getattr(model, kind.deadlines[0].field)
    return permissions.scoped_statements(f"assigned_{kind.table}:{limit}", user, lambda: _ordered(
        _assigned_to(user, kind).options(contains_eager(getattr(model, kind.parent))), limit,
        due.is_(None), due, model.id))


@provider(20, "Assigned to you", count=_count_assigned)
def assigned_work(user: User, limit: int | None = None) -> list[InboxEntry]:
    """Tasks and mitigations assigned to the user: newly assigned (not started) or due within a week
    or overdue. Done (or implemented, verified, cancelled) work leaves the inbox. Soonest due first."""
    entries = []
    for kind in _assigned():
        field = kind.deadlines[0].field
        for record in db.session.scalars(_assigned_statement(user, kind, limit)).all():
            parent = kind.parent_of(record)
            new = "Newly assigned" if record.status is kind.model.NOT_STARTED else ""
            entries.append(InboxEntry(
                section="Assigned to you", action=kind.inbox_action,
                reference=parent.reference or getattr(parent, "name", ""), title=record.title,
                url=_url(kind, record), tlp=parent.tlp, due=getattr(record, field),
                note=" · ".join(n for n in (new, due_note(getattr(record, field))) if n)))
    return entries


# --- Reviews of risks and plans the user's organisation owns --------------------------------


def _review_due(user: User, kind: kinds.RecordKind) -> sa.Select:
    return (permissions.visible_records(kind, user)
            .where(kind.model.owner_organization_id == user.organization_id,
                   kind.model.review_due_condition(REVIEW_DUE_DAYS)))


# The dated fields these sections list by their date (assigned work, reviews due); a kind's own inbox module
# declares its DATED too.
DATED = (tuple((kind.model, deadline.field) for kind in _assigned() for deadline in kind.deadlines[:1])
         + tuple((kind.model, "next_review_date") for kind in _dated_reviews()))


def covered() -> set[tuple[type, str]]:
    """(model, dated field) of the records the inbox lists by their date: the DATED of every kind's inbox
    module (app/kinds.py, inbox_sections)."""
    modules = {kind.part("inbox_sections") for kind in kinds.KINDS} - {None}
    return {dated for module in modules for dated in getattr(module, "DATED", ())}


def load_sections() -> None:
    """Import every kind's inbox module (app/kinds.py, inbox_sections): each registers its @provider sections."""
    for kind in kinds.KINDS:
        kind.part("inbox_sections")


def _count_due(user: User) -> list[sa.Select]:
    return [_review_due(user, kind) for kind in _dated_reviews()] if user.role is Role.COORDINATOR else []


@provider(30, "Due for review", count=_count_due)
def reviews_due(user: User, limit: int | None = None) -> list[InboxEntry]:
    """Risks and approved plans owned by the user's organisation whose next review date is within
    30 days or past, for its coordinators (who may edit or revise them)."""
    if user.role is not Role.COORDINATOR:
        return []
    return [InboxEntry(section="Due for review", action=kind.inbox_action, reference=_edition(record),
                       title=record.title, url=_url(kind, record), tlp=record.tlp, due=record.next_review_date,
                       note=due_note(record.next_review_date))
            for kind in _dated_reviews()
            for record in _first(_review_due(user, kind), limit, kind.model.next_review_date, kind.model.id)]
