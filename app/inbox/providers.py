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
    Agreement,
    AgreementStatus,
    IncidentPlan,
    Mitigation,
    MitigationStatus,
    PlanStatus,
    ReviewOutcome,
    ReviewRequest,
    Risk,
    Role,
    Task,
    TaskStatus,
    User,
    WorkingGroup,
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


# --- Reviews and approvals -------------------------------------------------------------------


def _awaiting_review(user: User, model) -> sa.Select:
    """Records of `model` in review, taking part through the user's organisation, that the user may
    approve: not submitted by them (the newest open round's submitter, else the creator) and, for
    plans, not authored by them."""
    status = AgreementStatus.IN_REVIEW if model is Agreement else PlanStatus.IN_REVIEW
    visible = permissions.visible_agreements if model is Agreement else permissions.visible_incident_plans
    submitter = (sa.select(ReviewRequest.submitted_by_id)
                 .where(ReviewRequest.linked_to(model),
                        ReviewRequest.outcome == ReviewOutcome.OPEN)
                 .order_by(ReviewRequest.id.desc()).limit(1).correlate(model).scalar_subquery())
    stmt = visible(user).where(model.status == status, model.archived_at.is_(None),
                               model.participation_condition([user.organization_id]),
                               sa.func.coalesce(submitter, model.created_by_id) != user.id)
    return stmt.where(model.created_by_id != user.id) if model is IncidentPlan else stmt


def _named_reviewer(user: User, model) -> sa.Exists:
    return (sa.exists().where(ReviewRequest.linked_to(model),
                              ReviewRequest.outcome == ReviewOutcome.OPEN,
                              review_request_reviewers.c.review_request_id == ReviewRequest.id,
                              review_request_reviewers.c.user_id == user.id)
            .correlate(model))


def _count_reviews(user: User) -> list[sa.Select]:
    if user.role is not Role.COORDINATOR:
        return []
    return [_awaiting_review(user, Agreement), _awaiting_review(user, IncidentPlan)]


def _submitter_name(model) -> sa.ScalarSelect:
    """The name of who submitted the record's newest open review round (None without one)."""
    return (sa.select(User.name).join(ReviewRequest, ReviewRequest.submitted_by_id == User.id)
            .where(ReviewRequest.linked_to(model),
                   ReviewRequest.outcome == ReviewOutcome.OPEN)
            .order_by(ReviewRequest.id.desc()).limit(1).correlate(model).scalar_subquery())


def _in_review(user: User, model, limit: int | None) -> list:
    """(record, named reviewer?, submitter's name) of the records of `model` awaiting the user's review,
    named reviewer first: one statement."""
    def build() -> sa.Select:
        named = _named_reviewer(user, model)
        stmt = (_awaiting_review(user, model)
                .add_columns(named.label("named"), _submitter_name(model).label("submitter"))
                .order_by(named.desc(), model.reference))
        return stmt if limit is None else stmt.limit(limit)

    # Built once per scope and day (the dashboard's preview and the inbox ask it on every visit).
    return db.session.execute(permissions.scoped_statements(f"in_review:{model.__name__}:{limit}", user, build)).all()


@provider(10, "Reviews and approvals", count=_count_reviews)
def reviews_to_give(user: User, limit: int | None = None) -> list[InboxEntry]:
    """Agreements and plans in review that the user may approve: named reviewer first."""
    if user.role is not Role.COORDINATOR:
        return []
    entries = []
    for record, named, submitter in [*_in_review(user, Agreement, limit), *_in_review(user, IncidentPlan, limit)]:
        is_agreement = isinstance(record, Agreement)
        entries.append(InboxEntry(
            section="Reviews and approvals", action="Approve or request changes",
            reference=record.reference if is_agreement else f"{record.reference} v{record.version_label}",
            title=record.title,
            url=(url_for("agreements.detail", agreement_id=record.id) if is_agreement
                 else url_for("incident_plans.detail", plan_id=record.id)) + "#review",
            tlp=record.tlp, rank=0 if named else 1,
            note=("You are a named reviewer" if named else "You may approve it")
            + (f" · submitted by {submitter}" if submitter else "")))
    return entries


# --- Work assigned to the user ---------------------------------------------------------------


def _assigned_tasks(user: User) -> sa.Select:
    soon = today() + timedelta(days=DUE_SOON_DAYS)
    return (permissions.visible_tasks(user)
            .where(Task.assignee_id == user.id, Task.open_condition(), WorkingGroup.archived_at.is_(None),
                   sa.or_(Task.status == TaskStatus.TO_DO, Task.due_date <= soon)))


def _assigned_mitigations(user: User) -> sa.Select:
    soon = today() + timedelta(days=DUE_SOON_DAYS)
    return (permissions.visible_mitigations(user)
            .where(Mitigation.assigned_user_id == user.id, Mitigation.open_condition(), Risk.archived_at.is_(None),
                   sa.or_(Mitigation.status == MitigationStatus.PLANNED, Mitigation.due_date <= soon)))


def _count_assigned(user: User) -> list[sa.Select]:
    return [_assigned_tasks(user), _assigned_mitigations(user)]


@provider(20, "Assigned to you", count=_count_assigned)
def assigned_work(user: User, limit: int | None = None) -> list[InboxEntry]:
    """Tasks and mitigations assigned to the user: newly assigned (not started) or due within a week
    or overdue. Done (or implemented, verified, cancelled) work leaves the inbox. Soonest due first."""
    tasks = permissions.scoped_statements(f"assigned_tasks:{limit}", user, lambda: _ordered(
        _assigned_tasks(user).options(contains_eager(Task.working_group)), limit,
        Task.due_date.is_(None), Task.due_date, Task.id))
    mitigations = permissions.scoped_statements(f"assigned_mitigations:{limit}", user, lambda: _ordered(
        _assigned_mitigations(user).options(contains_eager(Mitigation.risk)), limit,
        Mitigation.due_date.is_(None), Mitigation.due_date, Mitigation.id))
    tasks, mitigations = db.session.scalars(tasks).all(), db.session.scalars(mitigations).all()
    entries = []
    for task in tasks:
        new = task.status is TaskStatus.TO_DO
        entries.append(InboxEntry(
            section="Assigned to you", action="Task: start it or post an update",
            reference=task.working_group.reference or task.working_group.name, title=task.title,
            url=url_for("tasks.detail", task_id=task.id), tlp=task.working_group.tlp, due=task.due_date,
            note=" · ".join(n for n in ("Newly assigned" if new else "", due_note(task.due_date)) if n)))
    for m in mitigations:
        entries.append(InboxEntry(
            section="Assigned to you", action="Mitigation: update its status",
            reference=m.risk.reference, title=m.title,
            url=url_for("risks.detail", risk_id=m.risk_id) + f"#mitigation-{m.id}", tlp=m.risk.tlp, due=m.due_date,
            note=" · ".join(n for n in ("Newly assigned" if m.status is MitigationStatus.PLANNED else "",
                                        due_note(m.due_date)) if n)))
    return entries


# --- Reviews of risks and plans the user's organisation owns --------------------------------


def _risks_due(user: User) -> sa.Select:
    return (permissions.visible_risks(user)
            .where(Risk.owner_organization_id == user.organization_id, Risk.review_due_condition(REVIEW_DUE_DAYS)))


def _plans_due(user: User) -> sa.Select:
    return (permissions.visible_incident_plans(user)
            .where(IncidentPlan.owner_organization_id == user.organization_id,
                   IncidentPlan.review_due_condition(REVIEW_DUE_DAYS)))


# The dated fields these sections list by their date (assigned work, reviews due); a kind's own inbox module
# declares its DATED too.
DATED = ((Task, "due_date"), (Mitigation, "due_date"), (Risk, "next_review_date"), (IncidentPlan, "next_review_date"))


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
    return [_risks_due(user), _plans_due(user)] if user.role is Role.COORDINATOR else []


@provider(30, "Due for review", count=_count_due)
def reviews_due(user: User, limit: int | None = None) -> list[InboxEntry]:
    """Risks and approved plans owned by the user's organisation whose next review date is within
    30 days or past, for its coordinators (who may edit or revise them)."""
    if user.role is not Role.COORDINATOR:
        return []
    risks = _first(_risks_due(user), limit, Risk.next_review_date, Risk.id)
    plans = _first(_plans_due(user), limit, IncidentPlan.next_review_date, IncidentPlan.id)
    entries = [InboxEntry(section="Due for review", action="Risk: review it and set the next review date",
                          reference=r.reference, title=r.title, url=url_for("risks.detail", risk_id=r.id),
                          tlp=r.tlp, due=r.next_review_date, note=due_note(r.next_review_date))
               for r in risks]
    entries += [InboxEntry(section="Due for review", action="Plan: revise it and have the new version approved",
                           reference=f"{p.reference} v{p.version_label}", title=p.title,
                           url=url_for("incident_plans.detail", plan_id=p.id), tlp=p.tlp,
                           due=p.next_review_date, note=due_note(p.next_review_date))
                for p in plans]
    return entries
