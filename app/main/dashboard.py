"""Dashboard figures per role, each computed from the user's visible_* scopes (never a global count).

The page is a handful of statements whatever the amount of data: every figure (and the navigation bar's counts,
and the executive report's editions) in ONE statement of one row, each table aggregated once; the short lists of
the portfolio and "My working groups" in ONE statement of light rows (UNION ALL of each list's first rows); the
person's tasks and mitigations (their quick-update forms need the records) in one statement each.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import contains_eager

from app import kinds
from app import permissions
from app import precompiled
from app.documents.executive import at_or_below
from app.documents.executive import report_kinds
from app.extensions import db
from app.inbox import navbar
from app.inbox.providers import given
from app.inbox.shared import assigned_condition
from app.inbox.shared import assigned_name
from app.listing import counting
from app.models import TLP
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Health
from app.models import IncidentPlan
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Mitigation
from app.models import Organization
from app.models import Risk
from app.models import Role
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupMember
from app.models import level_for_score
from app.models import today

LIST_LIMIT = 6
MY_LIMIT = 8


@dataclass(frozen=True)
class Item:
    """One line of a dashboard list: what it links to and the little it shows."""
    kind: str
    id: int
    reference: str
    title: str
    note: str          # an initiative's health reason, a plan's version label
    number: int | None  # a risk's score, a group's overdue tasks
    day: date | None   # an agreement's expiry, a plan's next review
    tlp: str | None
    total: int | None  # the whole list's count, its first rows aside (every group's overdue tasks)

    @property
    def days(self) -> int | None:
        return (self.day - today()).days if self.day is not None else None

    @property
    def level(self):
        return level_for_score(self.number or 0)

    @property
    def label(self) -> TLP | None:
        return TLP(self.tlp) if self.tlp else None


def _tally(condition) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _live(stmt: sa.Select, model) -> sa.Select:
    return stmt.where(model.archived_at.is_(None))


def _line(kind: str, stmt: sa.Select, *, id=None, reference, title, note=None, number=None, day=None, tlp=None,
          total=None, order=(), limit: int | None = LIST_LIMIT) -> sa.Select:
    """A list's first rows as Item columns (one branch of the lists' UNION ALL)."""
    def typed(value, type_):  # a typed NULL (PostgreSQL unions no untyped one); a column uncast (SQLite would
        return sa.cast(sa.null(), type_) if value is None else sa.type_coerce(value, type_)  # make a date a number)

    columns = [sa.literal(kind, sa.String).label("kind"), typed(id, sa.Integer).label("id"),
               typed(reference, sa.String).label("reference"),
               typed(title, sa.String).label("title"), typed(note, sa.Text).label("note"),
               typed(number, sa.Integer).label("number"), typed(day, sa.Date).label("day"),
               typed(tlp, sa.String).label("tlp"), typed(total, sa.Integer).label("total")]
    branch = stmt.with_only_columns(*columns).order_by(None).order_by(*order).limit(limit).subquery()
    return sa.select(*branch.c)


# How each list's rows are ordered again once the UNION ALL has mixed them (the same order as in its branch).
_ORDER = {
    "agreement_counts": lambda i: (i.reference, i.tlp),
    "expiring": lambda i: (i.day, i.reference),
    "red_initiatives": lambda i: i.reference,
    "top_risks": lambda i: (-(i.number or 0), i.reference),
    "plans_due": lambda i: (i.day, i.reference),
    "overdue_by_group": lambda i: (-(i.number or 0), i.title),
    "my_groups": lambda i: i.title,
}


def _first_due(stmt: sa.Select, model, limit: int = MY_LIMIT) -> sa.CompoundSelect:
    """The ids among which the first `limit` rows of `stmt` by due date are (those without one last): the first by
    due date and the first without one, each read in an index's order and stopped early, instead of sorting every
    open item of the person (10,000 tasks at scale) to keep eight. Only ids of `stmt`, the reader's scope."""
    ids = stmt.with_only_columns(model.id).order_by(None)
    dated = ids.where(model.due_date.is_not(None)).order_by(model.due_date, model.id).limit(limit).subquery()
    undated = ids.where(model.due_date.is_(None)).order_by(model.id).limit(limit).subquery()
    return sa.union_all(sa.select(dated.c.id), sa.select(undated.c.id))


def _highest_label(kind: kinds.RecordKind, user: User) -> sa.Select:
    """The rank of the highest label among the live records of the kind the reader sees (None without any): asked
    label by label from the highest, each question stopping at the first such record (the kind's TLP index),
    instead of reading every record the reader sees."""
    live = _live(permissions.visible_records(kind, user), kind.model)
    highest_first = sorted(TLP, key=lambda t: t.rank, reverse=True)
    return sa.select(sa.case(*((live.where(kind.model.tlp == t).exists(), t.rank) for t in highest_first),
                             else_=sa.null()).label(f"label_{kind.table}"))


def _statements(user: User) -> dict:
    """The dashboard's statements for `user` (built once per scope and day: permissions.scoped_statements)."""
    portfolio = user.role in (Role.COORDINATOR, Role.EXECUTIVE)
    mine = user.role in (Role.MEMBER, Role.COORDINATOR)
    aggregates, lines = [], []
    tasks = _live(permissions.visible_tasks(user), Task).where(WorkingGroup.archived_at.is_(None))
    if portfolio:
        agreements = _live(permissions.visible_agreements(user), Agreement)
        open_initiatives = _live(permissions.visible_initiatives(user), Initiative).where(
            Initiative.status.in_([InitiativeStatus.ACTIVE, InitiativeStatus.ON_HOLD, InitiativeStatus.PROPOSED]))
        overdue_tasks = tasks.where(Task.overdue_condition())
        open_risks = _live(permissions.visible_risks(user), Risk).where(Risk.open_condition())
        plans_due = _live(permissions.visible_incident_plans(user), IncidentPlan).where(
            IncidentPlan.review_overdue_condition())
        expiring = agreements.where(Agreement.expiring_condition())
        aggregates += [
            # Counted over ix_agreements_live_expiry's range (the next 90 days), not over every agreement.
            expiring.with_only_columns(sa.func.count().label("expiring_count")),
            open_initiatives.with_only_columns(
                *(_tally(Initiative.health == h).label(f"initiatives_{h.value}") for h in Health)),
            open_risks.with_only_columns(sa.func.count().label("open_risk_count")),
            plans_due.with_only_columns(sa.func.count().label("plans_due_count")),
            # The executive report's editions: the highest label the reader sees among the report's kinds.
            *(_highest_label(kind, user) for kind in report_kinds() if kind.model is not Agreement),
        ]
        lines += [
            # The agreements by status and label: one grouped count read from ix_agreements_live_status (the
            # agreements' rows are not read), which also gives their highest label for the report's editions.
            _line("agreement_counts", agreements.group_by(Agreement.status, Agreement.tlp),
                  reference=Agreement.status, title=sa.literal("", sa.String), tlp=Agreement.tlp,
                  number=sa.func.count(), order=(Agreement.status, Agreement.tlp), limit=None),
            _line("expiring", expiring, id=Agreement.id, reference=Agreement.reference, title=Agreement.title,
                  day=Agreement.expiry_date, order=(Agreement.expiry_date, Agreement.reference)),
            _line("red_initiatives", open_initiatives.where(Initiative.health == Health.RED), id=Initiative.id,
                  reference=Initiative.reference, title=Initiative.title, note=Initiative.health_reason,
                  order=(Initiative.reference,)),
            _line("top_risks", open_risks, id=Risk.id, reference=Risk.reference, title=Risk.title,
                  number=Risk.likelihood * Risk.impact,
                  order=((Risk.likelihood * Risk.impact).desc(), Risk.reference)),
            _line("plans_due", plans_due, id=IncidentPlan.id, reference=IncidentPlan.reference,
                  title=IncidentPlan.title, note=IncidentPlan.version_label, day=IncidentPlan.next_review_date,
                  order=(IncidentPlan.next_review_date, IncidentPlan.reference)),
            # Every group's overdue count in one grouped query over the overdue tasks (ix_tasks_group_due), with
            # their sum over every group (the overdue figure): the overdue tasks are read once, not twice.
            _line("overdue_by_group", overdue_tasks.group_by(WorkingGroup.id, WorkingGroup.name), id=WorkingGroup.id,
                  reference=WorkingGroup.reference, title=WorkingGroup.name, number=sa.func.count(Task.id),
                  total=sa.cast(sa.func.sum(sa.func.count(Task.id)).over(), sa.Integer),
                  order=(sa.func.count(Task.id).desc(), WorkingGroup.name)),
        ]
    statements = {}
    if mine:
        my_tasks = tasks.where(Task.assignee_id == user.id, Task.open_condition())
        my_mitigations = (_live(permissions.visible_mitigations(user), Mitigation)
                          .where(Mitigation.assigned_user_id == user.id, Mitigation.open_condition()))
        my_groups = (_live(permissions.visible_working_groups(user), WorkingGroup)
                     .where(WorkingGroup.memberships.any(WorkingGroupMember.user_id == user.id)))
        task, mitigation = kinds.BY_KEY["task"], kinds.BY_KEY["mitigation"]
        aggregates += [
            # Open and overdue in one pass over the person's open tasks (ix_tasks_assignee_open), with those of
            # the inbox's "Assigned to you" (counted here for the inbox's count: app/inbox/providers.counts_with).
            my_tasks.with_only_columns(sa.func.count().label("my_task_count"),
                                       _tally(Task.overdue_condition()).label("my_overdue_count"),
                                       _tally(assigned_condition(task)).label(given(assigned_name(task)))),
            my_mitigations.with_only_columns(
                sa.func.count().label("my_mitigation_count"),
                _tally(assigned_condition(mitigation)).label(given(assigned_name(mitigation)))),
            my_groups.with_only_columns(sa.func.count().label("my_group_count")),
        ]
        lines.append(_line("my_groups", my_groups, id=WorkingGroup.id, reference=WorkingGroup.reference,
                           title=WorkingGroup.name, tlp=WorkingGroup.tlp,
                           order=(WorkingGroup.name,), limit=MY_LIMIT))
        statements["my_tasks"] = (sa.select(Task).join(Task.working_group).where(Task.id.in_(_first_due(my_tasks, Task)))
                                  .options(contains_eager(Task.working_group))
                                  .order_by(Task.due_date.is_(None), Task.due_date, Task.id).limit(MY_LIMIT))
        statements["my_mitigations"] = (my_mitigations.options(contains_eager(Mitigation.risk))
                                        .order_by(Mitigation.due_date.is_(None), Mitigation.due_date, Mitigation.id)
                                        .limit(MY_LIMIT))
    subqueries = [stmt.order_by(None).subquery() for stmt in aggregates]
    if subqueries:
        joined = subqueries[0]
        for subquery in subqueries[1:]:
            joined = joined.join(subquery, sa.true())
        statements["figures"] = sa.select(*(c for s in subqueries for c in s.c)).select_from(joined)
    if lines:
        statements["lines"] = sa.union_all(*lines)
    return statements


def _figures(user: User, stmt: sa.Select | None) -> dict:
    """The figures' row by name (with the navigation bar's counts in the same statement)."""
    row = navbar.counts_with(user, stmt, "dashboard")
    return dict(zip(stmt.selected_columns.keys(), row, strict=True)) if stmt is not None else {}


def _portfolio(figures: dict, items: dict[str, list[Item]]) -> dict:
    counts = items.get("agreement_counts", [])
    by_status = {s: sum(i.number for i in counts if i.reference == s.value) for s in AgreementStatus}
    agreements_by_status = {s: n for s, n in by_status.items() if n}
    initiatives_by_health = {h: figures[f"initiatives_{h.value}"] for h in Health if figures[f"initiatives_{h.value}"]}
    ranks = [figures[f"label_{kind.table}"] for kind in report_kinds() if kind.model is not Agreement]
    ranks += [i.label.rank for i in counts]
    highest = max((rank for rank in ranks if rank is not None), default=TLP.CLEAR.rank)
    g.report_editions = at_or_below(next(t for t in TLP if t.rank == highest))  # the page header's edition list
    return {
        "agreements_by_status": agreements_by_status,
        "agreement_statuses": list(AgreementStatus),
        "agreement_total": sum(agreements_by_status.values()),
        "expiring_count": figures["expiring_count"],
        "expiring": items.get("expiring", []),
        "initiatives_by_health": initiatives_by_health,
        "healths": list(Health),
        "initiative_total": sum(initiatives_by_health.values()),
        "red_initiatives": items.get("red_initiatives", []),
        "overdue_task_count": next((i.total for i in items.get("overdue_by_group", [])), 0),
        "overdue_by_group": items.get("overdue_by_group", []),
        "open_risk_count": figures["open_risk_count"],
        "top_risks": items.get("top_risks", []),
        "plans_due_count": figures["plans_due_count"],
        "plans_due": items.get("plans_due", []),
    }


def _my_work(figures: dict, items: dict[str, list[Item]], statements: dict) -> dict:
    return {
        "my_task_count": figures["my_task_count"],
        "my_overdue_count": figures["my_overdue_count"],
        "my_tasks": db.session.scalars(statements["my_tasks"]).all(),
        "my_mitigation_count": figures["my_mitigation_count"],
        "my_mitigations": db.session.scalars(statements["my_mitigations"]).all(),
        "my_group_count": figures["my_group_count"],
        "my_groups": items.get("my_groups", []),
    }


def count(stmt: sa.Select) -> int:
    return db.session.scalar(counting(stmt)) or 0


def administration(user: User) -> dict:
    return {
        "organization_count": count(permissions.active_organizations(user)),
        "archived_organization_count": count(
            permissions.visible_organizations(user).where(Organization.archived_at.is_not(None))),
        "user_count": count(permissions.visible_users(user).where(User.active.is_(True))),
        "inactive_user_count": count(permissions.visible_users(user).where(User.active.is_(False))),
        "users_by_role": dict(db.session.execute(
            sa.select(User.role, sa.func.count()).where(User.active.is_(True)).group_by(User.role)).all()),
        "users_without_two_factor": count(permissions.visible_users(user).where(
            User.active.is_(True), User.totp_enabled.is_(False), User.role == Role.ADMIN)),
        "recent_organizations": db.session.scalars(
            permissions.active_organizations(user).order_by(None)
            .order_by(Organization.created_at.desc()).limit(5)).all(),
    }


def dashboard_for(user: User) -> dict:
    context: dict = {"role": user.role, "roles": Role}
    if user.role is Role.ADMIN:
        context.update(administration(user))
    statements = permissions.scoped_statements("dashboard", user, lambda: _statements(user))
    figures = _figures(user, statements.get("figures"))
    items: dict[str, list[Item]] = {}
    if "lines" in statements:
        keys = statements["lines"].selected_columns.keys()
        for row in precompiled.rows(statements["lines"]):
            item = Item(**dict(zip(keys, row, strict=True)))
            items.setdefault(item.kind, []).append(item)
        items = {kind: sorted(rows, key=_ORDER[kind]) for kind, rows in items.items()}
    if user.role in (Role.COORDINATOR, Role.EXECUTIVE):
        context.update(_portfolio(figures, items))
    if user.role in (Role.MEMBER, Role.COORDINATOR):
        context.update(_my_work(figures, items, statements))
    context["kind_panels"] = _kind_panels(user, context)
    return context


def _kind_panels(user: User, context: dict) -> list[str]:
    """The kinds' own dashboard panels (app/kinds.py: the incident picture of authority coordinators, one more
    query for them only): each panel's values join the context; the templates of those with values."""
    panels = []
    for kind in kinds.KINDS:
        values = kind.part("dashboard_panel")(user) if kind.dashboard_panel else None
        if values:
            context.update(values)
            panels.append(f"{kind.blueprint}/_dashboard.html")
    return panels
