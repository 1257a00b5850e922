"""The inbox: what awaits the signed-in user, in sections, every entry of every section from ONE statement.

A section is registered with `@provider(order, section)` on a function giving the section's Branches for a user:
each branch a statement of the columns of entry_row() (the record's id, reference, title, TLP, a date, …), the
order its first entries are taken in, and the function making an InboxEntry of a row. Every branch starts from a
visible_* scope; an entry disappears when the work is done because its branch no longer matches. The page asks
every section's first entries in one UNION ALL of the branches (built once per scope and day, compiled once) and
counts them with the navigation bar's counts (one statement): a constant number of statements at any data size.
The decorated function, called, gives the section's entries (user, limit).
"""
import functools
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import url_for

from app import kinds, permissions, precompiled
from app.extensions import UTCDateTime
from app.listing import counting
from app.models import (
    TLP,
    Agreement,
    ReviewOutcome,
    ReviewRequest,
    Role,
    User,
    review_request_reviewers,
    today,
)
from app.template_helpers import row_url

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


# The columns every branch selects (entry_row), each of one type whatever the branch: the UNION ALL's rows.
EntryRow = namedtuple("EntryRow", "id parent_id reference title tlp due moment flag label detail")
_TYPES = {"id": sa.Integer(), "parent_id": sa.Integer(), "reference": sa.String(), "title": sa.String(),
          "tlp": Agreement.__table__.c.tlp.type, "due": sa.Date(), "moment": UTCDateTime(), "flag": sa.Integer(),
          "label": sa.String(), "detail": sa.String()}


def entry_row(**columns) -> list[sa.Label]:
    """The columns of EntryRow, from the given SQL expressions (NULL for the others): id, reference, title and tlp
    always; parent_id, due (a date), moment (a datetime), flag (an integer), label and detail (text) as the branch
    needs them."""
    return [sa.type_coerce(columns[name], _TYPES[name]).label(name) if columns.get(name) is not None
            # typed: PostgreSQL resolves a UNION's columns branch by branch, an untyped NULL as text
            else sa.cast(sa.null(), _TYPES[name]).label(name) for name in EntryRow._fields]


@dataclass(frozen=True)
class Branch:
    rows: sa.Select                               # columns: entry_row(); from a visible_* scope
    order: tuple                                  # its first entries, in this order
    entry: Callable[[EntryRow, User], InboxEntry]  # (row, the reader)


@dataclass(frozen=True)
class Provider:
    order: int
    section: str
    fn: Callable[[User, int | None], list[InboxEntry]]  # (user, limit): the first `limit` entries, or all
    branches: Callable[[User], list[Branch]]

    def count(self, user: User) -> list[sa.Select]:
        """The statements whose rows are the section's entries (counted without loading them)."""
        return [branch.rows for branch in self.branches(user)]


PROVIDERS: list[Provider] = []


def provider(order: int, section: str):
    """Register a section, shown by `order`, from the decorated function `branches(user) -> [Branch]`, which
    builds its statements from the user's id, role and organisations and from today's date, and from nothing
    else (they are built once per such key and reused). The decorated name becomes `(user, limit=None) ->
    [InboxEntry]`: the section's first `limit` entries, or all."""
    def register(branches):
        @functools.wraps(branches)
        def entries(user: User, limit: int | None = None) -> list[InboxEntry]:
            found = _entries(user, [registered], limit)
            return found[0][1] if found else []

        registered = Provider(order, section, entries, branches)
        PROVIDERS.append(registered)
        PROVIDERS.sort(key=lambda p: p.order)
        return entries
    return register


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _statement(user: User, chosen: list[Provider], limit: int | None):
    """(the UNION ALL of the chosen sections' branches, each its first `limit` rows and its number; [(provider,
    branch)] by that number), built once per scope, day, limit and sections."""
    def build():
        branches = [(p, branch) for p in chosen for branch in p.branches(user)]
        parts = []
        for number, (_, branch) in enumerate(branches):
            rows = branch.rows.add_columns(sa.literal(number, sa.Integer).label("branch")).order_by(*branch.order)
            parts.append(sa.select((rows if limit is None else rows.limit(limit)).subquery()))
        statement = None if not parts else parts[0] if len(parts) == 1 else sa.union_all(*parts)
        return statement, branches

    key = f"inbox_entries:{limit}:{','.join(str(p.order) for p in chosen)}"
    return permissions.scoped_statements(key, user, build)


def _entries(user: User, chosen: list[Provider], limit: int | None) -> list[tuple[str, list[InboxEntry]]]:
    """[(section, its first `limit` entries)] of the chosen sections that have some, in one statement."""
    if not _usable(user) or not chosen:
        return []
    statement, branches = _statement(user, chosen, limit)
    found: dict[str, list[InboxEntry]] = {}
    for values in precompiled.rows(statement) if statement is not None else ():
        p, branch = branches[values[-1]]
        found.setdefault(p.section, []).append(branch.entry(EntryRow(*values[:-1]), user))
    return [(p.section, sorted(found[p.section], key=lambda e: (e.rank, e.due or date.max, e.reference))[:limit])
            for p in chosen if p.section in found]


def inbox_sections(user: User, limit: int | None = None,
                   counts: dict[str, int] | None = None) -> list[tuple[str, list[InboxEntry]]]:
    """[(section heading, entries)] for every provider with something for the user; with `limit`, the
    first `limit` entries of each section. Given the sections' `counts` (inbox_counts), the sections known
    empty are not asked."""
    return _entries(user, [p for p in PROVIDERS if counts is None or counts.get(p.section)], limit)


def first_entries(user: User, limit: int, counts: dict[str, int]) -> list[InboxEntry]:
    """The first `limit` entries across sections, in the inbox's order (the dashboard's preview): only the sections
    that hold them are asked (by their `counts`)."""
    chosen, total = [], 0
    for p in PROVIDERS:
        if counts.get(p.section) and total < limit:
            chosen.append(p)
            total += counts[p.section]
    return [entry for _, entries in _entries(user, chosen, limit) for entry in entries][:limit]


def inbox_counts(user: User) -> dict[str, int]:
    """{section heading: how many entries in all}."""
    return counts_with(user)[0]


def counts_with(user: User, also: Callable[[], sa.Select | None] | None = None,
                name: str = "") -> tuple[dict[str, int], tuple]:
    """({section heading: how many entries in all}, the values of the one row of the statement `also()` builds).
    Every section is counted by the database, every count in one statement, `also`'s (a
    statement of one row) with them: the badges are on every page (app/inbox/navbar.py adds the bell's count,
    the dashboard its figures).

    The statement is built once per user scope and day and then reused (permissions.scoped_statements), under
    `name` when `also` is given (`also()` then builds from the same scope alone), and compiled once
    (app/precompiled.py): building, keying and compiling these statements cost more than running them, on
    every page."""
    usable = _usable(user)

    def build():
        counted = [(p.section, p.count(user)) for p in PROVIDERS] if usable else []
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
    return totals, row[:leading]


def inbox_count(user: User) -> int:
    return sum(inbox_counts(user).values())


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


def _edition(reference: str, version: str | None) -> str:
    """The reference, with the version for a kind approved in versions (a plan's "IRP-2026-001 v2.0")."""
    return f"{reference} v{version}" if version else reference


def _version(model) -> sa.ColumnElement | None:
    return getattr(model, "version_label", None)


def _url(kind: kinds.RecordKind, row: EntryRow, anchor: str = "") -> str:
    """The record's page: the URL built once per request and kind (row_url) unless the kind locates its records."""
    if kind.locate is None:
        return row_url(kind.endpoint, kind.id_arg)(row.id) + anchor
    record = SimpleNamespace(id=row.id, **({kind.parent_key.key: row.parent_id} if kind.parent else {}))
    return url_for(kind.endpoint, **kind.locate(record)) + anchor


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


def _submitter_name(model) -> sa.ScalarSelect:
    """The name of who submitted the record's newest open review round (None without one)."""
    return (sa.select(User.name).join(ReviewRequest, ReviewRequest.submitted_by_id == User.id)
            .where(ReviewRequest.linked_to(model),
                   ReviewRequest.outcome == ReviewOutcome.OPEN)
            .order_by(ReviewRequest.id.desc()).limit(1).correlate(model).scalar_subquery())


def _review_branch(user: User, kind: kinds.RecordKind) -> Branch:
    """The records of the kind awaiting the user's review, named reviewer first, with who submitted them."""
    model = kind.model
    named = sa.case((_named_reviewer(user, model), 1), else_=0)
    columns = entry_row(id=model.id, reference=model.reference, title=model.title, tlp=model.tlp, flag=named,
                        label=_version(model), detail=_submitter_name(model))

    def entry(row: EntryRow, user: User) -> InboxEntry:
        return InboxEntry(section="Reviews and approvals", action="Approve or request changes",
                          reference=_edition(row.reference, row.label), title=row.title,
                          url=_url(kind, row, "#review"), tlp=row.tlp, rank=0 if row.flag else 1,
                          note=("You are a named reviewer" if row.flag else "You may approve it")
                          + (f" · submitted by {row.detail}" if row.detail else ""))

    return Branch(_awaiting_review(user, kind).with_only_columns(*columns), (columns[EntryRow._fields.index("flag")].desc(), model.reference), entry)


@provider(10, "Reviews and approvals")
def reviews_to_give(user: User) -> list[Branch]:
    """Records in review (agreements, plans) that the user may approve: named reviewer first."""
    if user.role is not Role.COORDINATOR:
        return []
    return [_review_branch(user, kind) for kind in _reviewed()]


# --- Work assigned to the user ---------------------------------------------------------------


def _assigned_to(user: User, kind: kinds.RecordKind) -> sa.Select:
    """Open work of the kind assigned to the user, under a live parent: not started, or due within a week."""
    model, due = kind.model, getattr(kind.model, kind.deadlines[0].field)
    soon = today() + timedelta(days=DUE_SOON_DAYS)
    return (permissions.visible_records(kind, user)
            .where(getattr(model, kind.assignee) == user.id, model.open_condition(),
                   kind.parent_kind.model.archived_at.is_(None),
                   sa.or_(model.status == model.NOT_STARTED, due <= soon)))


def _assigned_branches(user: User, kind: kinds.RecordKind) -> list[Branch]:
    """The kind's work assigned to the user with its parent's reference (or name) and label: the dated soonest due
    first, then the undated. Two branches: the dated ones read in an index's order of due dates and stop early
    (ix_tasks_assignee_due), where ordering the undated last would sort every open task of the person."""
    model, parent = kind.model, kind.parent_kind.model
    due = getattr(model, kind.deadlines[0].field)
    reference = parent.reference
    if hasattr(parent, "name"):
        reference = sa.func.coalesce(sa.func.nullif(parent.reference, ""), parent.name)
    columns = entry_row(id=model.id, parent_id=kind.parent_key, reference=reference, title=model.title,
                        tlp=parent.tlp, due=due, flag=sa.case((model.status == model.NOT_STARTED, 1), else_=0))

    def entry(row: EntryRow, user: User) -> InboxEntry:
        return InboxEntry(section="Assigned to you", action=kind.inbox_action, reference=row.reference or "",
                          title=row.title, url=_url(kind, row), tlp=row.tlp, due=row.due,
                          note=" · ".join(n for n in ("Newly assigned" if row.flag else "", due_note(row.due)) if n))

    rows = _assigned_to(user, kind).with_only_columns(*columns)
    return [Branch(rows.where(due.is_not(None)), (due, model.id), entry),
            Branch(rows.where(due.is_(None)), (model.id,), entry)]


@provider(20, "Assigned to you")
def assigned_work(user: User) -> list[Branch]:
    """Tasks and mitigations assigned to the user: newly assigned (not started) or due within a week
    or overdue. Done (or implemented, verified, cancelled) work leaves the inbox. Soonest due first."""
    return [branch for kind in _assigned() for branch in _assigned_branches(user, kind)]


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


def _due_branch(user: User, kind: kinds.RecordKind) -> Branch:
    model = kind.model
    columns = entry_row(id=model.id, reference=model.reference, title=model.title, tlp=model.tlp,
                        due=model.next_review_date, label=_version(model))

    def entry(row: EntryRow, user: User) -> InboxEntry:
        return InboxEntry(section="Due for review", action=kind.inbox_action, reference=_edition(row.reference, row.label),
                          title=row.title, url=_url(kind, row), tlp=row.tlp, due=row.due, note=due_note(row.due))

    return Branch(_review_due(user, kind).with_only_columns(*columns), (model.next_review_date, model.id), entry)


@provider(30, "Due for review")
def reviews_due(user: User) -> list[Branch]:
    """Risks and approved plans owned by the user's organisation whose next review date is within
    30 days or past, for its coordinators (who may edit or revise them)."""
    if user.role is not Role.COORDINATOR:
        return []
    return [_due_branch(user, kind) for kind in _dated_reviews()]
