"""The inbox: what awaits the signed-in user, in sections, every entry of every section from ONE statement.

A section is registered with `@provider(order, section)` on a function giving the section's Branches for a user:
each branch a statement of the columns of entry_row() (the record's id, reference, title, TLP, a date, …), the
order its first entries are taken in, and the function making an InboxEntry of a row. Every branch starts from a
visible_* scope; an entry disappears when the work is done because its branch no longer matches. The page asks
every section's first entries in one UNION ALL of the branches (built once per scope and day, compiled once); the
sections it reads in full are counted by that, the longer ones with the navigation bar's counts (one statement, kept
a few seconds: app/inbox/navbar.py): a constant number of statements at any data size. The sections every kind
shares are in app/inbox/shared.py. The decorated function, called, gives the section's entries (user, limit).
"""
import functools
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app import kinds
from app import permissions
from app import precompiled
from app.extensions import UTCDateTime
from app.listing import counting
from app.models import TLP
from app.models import Agreement
from app.models import User
from app.models import today

DUE_SOON_DAYS = 7


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
    # A name under which a statement counted with the sections (counts_with's `also`) may give the number of this
    # branch's rows, together with the other branches of the same name: a column labelled given(name).
    counted_as: str = ""


GIVEN = "inbox_given_"


def given(name: str) -> str:
    """The label of a column of counts_with's `also` statement that counts the branches `counted_as` name."""
    return GIVEN + name


@dataclass(frozen=True)
class Provider:
    order: int
    section: str
    fn: Callable[[User, int | None], list[InboxEntry]]  # (user, limit): the first `limit` entries, or all
    branches: Callable[[User], list[Branch]]

    def count(self, user: User, given_names: frozenset[str] = frozenset()) -> tuple[list[sa.Select], list[str]]:
        """(the statements whose rows are the section's entries, counted without loading them; the names of
        `given_names` that count its other branches)."""
        branches = self.branches(user)
        return ([branch.rows for branch in branches if branch.counted_as not in given_names],
                sorted({branch.counted_as for branch in branches if branch.counted_as in given_names}))


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


def _read(user: User, chosen: list[Provider], limit: int | None) -> tuple[dict[str, list[InboxEntry]], dict]:
    """({section: its entries read}, {section: True where a branch gave `limit` rows}) of the chosen sections, in one
    statement: each branch's first `limit` rows."""
    found: dict[str, list[InboxEntry]] = {}
    full: dict[str, bool] = {}
    if not _usable(user) or not chosen:
        return found, full
    statement, branches = _statement(user, chosen, limit)
    read = [0] * len(branches)
    for values in precompiled.rows(statement) if statement is not None else ():
        read[values[-1]] += 1
        p, branch = branches[values[-1]]
        found.setdefault(p.section, []).append(branch.entry(EntryRow(*values[:-1]), user))
    for (p, _), n in zip(branches, read, strict=True):
        full[p.section] = full.get(p.section, False) or (limit is not None and n >= limit)
    return found, full


def _shown(chosen: list[Provider], found: dict[str, list[InboxEntry]], limit: int | None) -> list:
    """[(section, its first `limit` entries in the inbox's order)] of the sections with some."""
    return [(p.section, sorted(found[p.section], key=lambda e: (e.rank, e.due or date.max, e.reference))[:limit])
            for p in chosen if p.section in found]


def _entries(user: User, chosen: list[Provider], limit: int | None) -> list[tuple[str, list[InboxEntry]]]:
    """[(section, its first `limit` entries)] of the chosen sections that have some, in one statement."""
    return _shown(chosen, _read(user, chosen, limit)[0], limit)


def page_sections(user: User, limit: int) -> tuple[list[tuple[str, list[InboxEntry]]], dict[str, int], dict[str, int]]:
    """(every section's first `limit` entries; {section: how many it has} where all were read; {section: at least
    how many} where a branch gave `limit` rows, perhaps of more) in one statement: the inbox page counts only those."""
    found, full = _read(user, PROVIDERS, limit)
    exact = {p.section: len(found.get(p.section, ())) for p in PROVIDERS if not full.get(p.section)}
    return _shown(PROVIDERS, found, limit), exact, {section: limit for section in full if full[section]}


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
    every page. A column of `also`'s labelled given(name) counts the branches `counted_as` that name, which are
    then not counted again (the dashboard counts the person's assigned work in its pass over it)."""
    usable = _usable(user)

    def build():
        first = also() if also is not None else None
        labels = list(first.selected_columns.keys()) if first is not None else []
        names = frozenset(label[len(GIVEN):] for label in labels if label.startswith(GIVEN))
        counted = [(p.section, *p.count(user, names)) for p in PROVIDERS] if usable else []
        columns = [counting(stmt).scalar_subquery() for _, stmts, _ in counted for stmt in stmts]
        statement = first.add_columns(*columns) if first is not None else sa.select(*columns) if columns else None
        sizes = [(section, len(stmts), [labels.index(given(n)) for n in from_also]) for section, stmts, from_also in counted]
        return statement, sizes, len(columns)

    statement, sizes, counted = permissions.scoped_statements(f"inbox_count:{name}:{usable}", user, build)
    row = precompiled.one(statement) if statement is not None else ()
    leading = len(row) - counted
    numbers = iter(row[leading:])
    totals = {section: sum(next(numbers) for _ in range(size)) + sum(row[i] or 0 for i in from_also)
              for section, size, from_also in sizes}
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


def covered() -> set[tuple[type, str]]:
    """(model, dated field) of the records the inbox lists by their date: the DATED of every kind's inbox
    module (app/kinds.py, inbox_sections)."""
    modules = {kind.part("inbox_sections") for kind in kinds.KINDS} - {None}
    return {dated for module in modules for dated in getattr(module, "DATED", ())}


def load_sections() -> None:
    """Import every kind's inbox module (app/kinds.py, inbox_sections): each registers its @provider sections."""
    for kind in kinds.KINDS:
        kind.part("inbox_sections")
