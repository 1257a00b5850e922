"""The executive status report: one summary page, then the exceptions in detail.

Every figure and row comes from the reader's visible_* scopes; aggregates are computed in SQL so
500 initiatives cost a few queries, and lists are capped ("and N more") so the report stays short:
exceptions first (red and amber initiatives, overdue work, expiring agreements), greens counted.
Editions: `ceiling` (?tlp=) keeps only records labelled at or below it, and the edition is marked
with that label, so an AMBER edition can go to a board that may not receive RED. Without a ceiling the
report holds everything the reader sees and is marked with the highest label of its content.
Each report produced is kept as a snapshot of its figures (per reader and edition) so the next one
shows the trend; items coordinators flagged "decision needed" open the summary page.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import kinds
from app import permissions
from app.documents.content import DocumentInfo
from app.documents.content import heat_map
from app.documents.content import highest_tlp
from app.documents.content import report_reference
from app.extensions import db
from app.listing import counting
from app.models import TLP
from app.models import Agreement
from app.models import Health
from app.models import IncidentPlan
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import ReportSnapshot
from app.models import Risk
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import today

CAP = 40  # rows of one detail list
EXCEPTION_CAP = 25  # red and amber initiatives are shown in full blocks (with their reasons)
SUMMARY_ROWS = 4  # rows of a list on the summary page
HEALTH_COLOURS = {Health.GREEN: "#5a9e4b", Health.AMBER: "#e0a800", Health.RED: "#c00000"}
OPEN_INITIATIVE = (InitiativeStatus.PROPOSED, InitiativeStatus.ACTIVE, InitiativeStatus.ON_HOLD)


@dataclass
class Capped:
    rows: list
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


@dataclass(frozen=True)
class ExecutiveSection:
    """A kind's own section of the report, after the sections every report has (its registry entry names it:
    app/kinds.py, executive_section). Its statements are built from the reader's scopes, the edition's labels and
    the day alone (built once per such key)."""
    anchor: str       # its id in the contents: "incidents"
    heading: str      # its line in the contents
    template: str     # templates/pdf/executive/_<section>.html
    statements: Callable[[User, list, date], dict]  # (reader, labels at or below the edition, today) -> statements
    context: Callable[[User, dict], dict]  # (reader, its statements) -> what its template shows (joins the report's)
    labels: Callable[[dict], list]  # its statements -> the labels of what it lists (they mark the report)
    figures: Callable[[dict], list] = lambda context: []  # its context -> summary figures (key, value, label)


# The kinds the report's own sections cover (agreements, initiatives, tasks of working groups, risks, plans); any
# other reported kind has a section of its own.
CORE_KINDS = ("agreement", "initiative", "working_group", "risk", "incident_plan")


def kind_sections() -> list[tuple[kinds.RecordKind, ExecutiveSection]]:
    return [(kind, kind.part("executive_section")) for kind in report_kinds() if kind.executive_section]


def _labels(stmt, model) -> list:
    """The distinct TLP labels among the rows of a scoped select of `model`."""
    return db.session.scalars(labels_statement(stmt, model)).all()


def labels_statement(stmt, model) -> sa.Select:
    return stmt.order_by(None).with_only_columns(model.tlp).distinct()


def at_or_below(ceiling: TLP | None) -> list[TLP]:
    return list(TLP) if ceiling is None else [t for t in TLP if t.rank <= ceiling.rank]


def report_kinds() -> tuple[kinds.RecordKind, ...]:
    """The kinds the report covers: every shareable kind whose entry says it is reported."""
    return tuple(kind for kind in kinds.shareable() if kind.reported)


def report_editions(reader: User, of: tuple[kinds.RecordKind, ...] | None = None) -> list[TLP]:
    """The editions a reader may produce: every label up to the highest the reader can see (of the kinds
    `of`; by default the report's kinds)."""
    highest = TLP.CLEAR
    for kind in report_kinds() if of is None else of:
        stmt = permissions.visible_records(kind, reader).where(kind.model.archived_at.is_(None))
        highest = TLP.highest([highest, *_labels(stmt, kind.model)])
        if highest is TLP.RED:
            break
    return at_or_below(highest)


def parse_edition(value: str | None) -> TLP | None:
    """?tlp=clear|green|amber|amber_strict|red (also AMBER+STRICT); ValueError for anything else."""
    if value is None or value == "":
        return None
    value = value.strip().lower().replace("tlp:", "").replace("+", "_").replace("-", "_")
    return TLP(value)


def previous_snapshot(reader: User, ceiling: TLP | None) -> ReportSnapshot | None:
    edition = ceiling if ceiling is not None else TLP.RED
    return db.session.scalars(sa.select(ReportSnapshot).where(
        ReportSnapshot.user_id == reader.id, ReportSnapshot.tlp == edition)
        .order_by(ReportSnapshot.created_at.desc(), ReportSnapshot.id.desc()).limit(1)).first()


def record_snapshot(reader: User, context: dict) -> ReportSnapshot | None:
    """Keep this report's figures for the next one's trend (flush only; the view commits). None when the
    report compared with one of the same day and figures: that one stays the baseline (a report read again
    is the same report, not a new point of the trend)."""
    figures = {key: value for key, value, _label, _trend in context["figures"]}
    previous = context["previous"]
    if (previous is not None and previous.figures == figures
            and previous.created_at.date() == context["doc"].generated_at.date()):
        return None
    snapshot = ReportSnapshot(user_id=reader.id, tlp=context["edition"] or TLP.RED,
                              reference=context["doc"].reference, figures=figures)
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def capped_statements(stmt, cap: int = CAP) -> tuple[sa.Select, sa.Select]:
    """(the first `cap` rows, how many in all) of a scoped select."""
    return stmt.limit(cap), counting(stmt)


def run_capped(statements: tuple[sa.Select, sa.Select]) -> Capped:
    rows, total = statements
    return Capped(db.session.scalars(rows).all(), db.session.scalar(total) or 0)


def _statements(reader: User, ceiling: TLP | None) -> dict:
    """The report's statements, from the reader's scopes, the edition and today's date alone: built once per
    such key (permissions.scoped_statements), so an unchanged report read again costs its queries only."""
    on = today()
    labels = at_or_below(ceiling)
    initiatives = permissions.visible_initiatives(reader).where(
        Initiative.archived_at.is_(None), Initiative.status.in_(OPEN_INITIATIVE), Initiative.tlp.in_(labels))
    risks = permissions.visible_risks(reader).where(Risk.open_condition(), Risk.tlp.in_(labels))
    # Ranked by residual score; risks whose residual is not assessed yet come after the assessed ones.
    residual = Risk.residual_likelihood * Risk.residual_impact
    overdue = permissions.visible_tasks(reader).where(
        Task.open_condition(), WorkingGroup.archived_at.is_(None), Task.overdue_condition(on),
        WorkingGroup.tlp.in_(labels))
    overdue_ids = overdue.order_by(None).with_only_columns(Task.id)
    by_group_stmt = (sa.select(WorkingGroup.reference, WorkingGroup.name, sa.func.count(Task.id).label("n"),
                               sa.func.min(Task.due_date).label("oldest"))
                     .join(Task, Task.working_group_id == WorkingGroup.id).where(Task.id.in_(overdue_ids))
                     .group_by(WorkingGroup.id, WorkingGroup.reference, WorkingGroup.name)
                     .order_by(sa.desc("n"), WorkingGroup.name))
    expiring_stmt = permissions.visible_agreements(reader).where(
        Agreement.archived_at.is_(None), Agreement.expiring_condition(on), Agreement.tlp.in_(labels))
    plans_stmt = permissions.visible_incident_plans(reader).where(
        IncidentPlan.review_overdue_condition(on), IncidentPlan.tlp.in_(labels))
    return {
        "on": on, "labels": labels,
        "health_counts": sa.select(Initiative.health, sa.func.count()).where(
            Initiative.id.in_(initiatives.with_only_columns(Initiative.id))).group_by(Initiative.health),
        "by_health": {health: capped_statements(
            initiatives.where(Initiative.health == health).options(so.selectinload(Initiative.lead_organization))
            .order_by(Initiative.target_date.is_(None), Initiative.target_date, Initiative.id),
            CAP if health is Health.GREEN else EXCEPTION_CAP) for health in (Health.RED, Health.AMBER, Health.GREEN)},
        "cells": sa.select(Risk.likelihood, Risk.impact, sa.func.count()).where(
            Risk.id.in_(risks.with_only_columns(Risk.id))).group_by(Risk.likelihood, Risk.impact),
        "top_risks": capped_statements(risks.options(so.selectinload(Risk.owner_organization)).order_by(
            residual.is_(None), residual.desc(), (Risk.likelihood * Risk.impact).desc(), Risk.reference), 15),
        "open_risks": counting(risks),
        "groups": by_group_stmt.limit(CAP),
        "group_total": counting(by_group_stmt),
        "oldest_tasks": capped_statements(overdue.options(so.contains_eager(Task.working_group),
                                                           so.selectinload(Task.assignee))
                                           .order_by(Task.due_date, Task.id)),
        "expiring": capped_statements(expiring_stmt.order_by(Agreement.expiry_date, Agreement.reference)),
        "decisions": capped_statements(initiatives.where(Initiative.decision_needed.is_(True))
                                        .order_by(Initiative.reference), 10),
        "risk_decisions": capped_statements(risks.where(Risk.decision_needed.is_(True)).order_by(Risk.reference), 10),
        "plans_due": capped_statements(plans_stmt.options(so.selectinload(IncidentPlan.owner_organization))
                                        .order_by(IncidentPlan.next_review_date, IncidentPlan.reference)),
        "labels_of": [labels_statement(initiatives, Initiative), labels_statement(risks, Risk),
                      labels_statement(expiring_stmt, Agreement), labels_statement(plans_stmt, IncidentPlan),
                      sa.select(WorkingGroup.tlp).distinct().where(WorkingGroup.id.in_(
                          overdue.order_by(None).with_only_columns(Task.working_group_id)))],
        "sections": {kind.key: section.statements(reader, labels, on) for kind, section in kind_sections()},
    }


_UNSET = object()


def executive_document(reader: User, ceiling: TLP | None = None, previous=_UNSET) -> tuple[str, dict]:
    """The report and its context; `previous`: the snapshot its trend compares with (looked up if not given)."""
    stmts = permissions.scoped_statements(f"executive:{ceiling}", reader, lambda: _statements(reader, ceiling))
    on, labels = stmts["on"], stmts["labels"]
    health_counts = dict(db.session.execute(stmts["health_counts"]).all())
    by_health = {h: Capped([], health_counts.get(h, 0)) for h in Health}
    for health, statements in stmts["by_health"].items():
        by_health[health] = run_capped(statements)
    cells = {(likelihood, impact): n for likelihood, impact, n in db.session.execute(stmts["cells"])}
    top_risks = run_capped(stmts["top_risks"])
    critical_high = sum(n for (likelihood, impact), n in cells.items() if likelihood * impact >= 10)
    groups = db.session.execute(stmts["groups"]).all()
    group_total = db.session.scalar(stmts["group_total"]) or 0
    oldest_tasks = run_capped(stmts["oldest_tasks"])
    overdue_total = oldest_tasks.total
    expiring = run_capped(stmts["expiring"])
    decisions = run_capped(stmts["decisions"])
    risk_decisions = run_capped(stmts["risk_decisions"])
    plans_due = run_capped(stmts["plans_due"])
    sections = [(section, section.context(reader, stmts["sections"][kind.key]), section.labels(stmts["sections"][kind.key]))
                for kind, section in kind_sections()]

    tlp = highest_tlp(*(db.session.scalars(stmt).all() for stmt in stmts["labels_of"]),
                      *(listed for _, _, listed in sections))
    if ceiling is not None:
        tlp = ceiling  # an edition is marked with its ceiling, whatever its content happens to hold
    info = DocumentInfo(
        kind="Executive status report" + (f" — {ceiling.label} edition" if ceiling is not None else ""),
        reference=report_reference("EXEC"), version=None, tlp=tlp,
        heading="Executive status report", organisations=[f"Prepared for {reader.organization.name}"])
    # The contents open the detail (page 2): the first page is the one-page summary.
    detail_toc = [("initiatives", "Initiatives needing attention"), ("agreements", "Agreements expiring in 90 days"),
             ("risks", "Top residual risks"), ("tasks", "Overdue tasks by working group"),
             ("plans", "Plans overdue for review"), *((section.anchor, section.heading) for section, _, _ in sections)]
    if previous is _UNSET:
        previous = previous_snapshot(reader, ceiling)
    figures = [(key, value, label, _trend(previous, key, value)) for key, value, label in (
        ("open_initiatives", sum(health_counts.values()), "open initiatives"),
        ("red_initiatives", health_counts.get(Health.RED, 0), "initiatives in red"),
        ("open_risks", db.session.scalar(stmts["open_risks"]) or 0, "open risks"),
        ("high_risks", critical_high, "high or critical risks"),
        ("overdue_tasks", overdue_total, "overdue tasks"),
        ("expiring_agreements", expiring.total, "agreements expiring ≤ 90 days"),
        ("plans_overdue", plans_due.total, "plans overdue for review"),
        *(figure for section, context, _ in sections for figure in section.figures(context)),
    )]
    health_bars = [(h.label, health_counts.get(h, 0), HEALTH_COLOURS[h])
                   for h in (Health.GREEN, Health.AMBER, Health.RED)]
    # Bars are labelled with the group's reference (never clipped); the legend gives the full names.
    group_bars = [(row.reference, row.n, "#13294b") for row in groups[:6]]
    context = {
        "doc": info, "edition": ceiling, "scope_labels": labels, "reader_org": reader.organization.name, "previous": previous, "on": on,
        "decisions": decisions, "risk_decisions": risk_decisions, "group_legend": groups[:6], "detail_toc": detail_toc, "figures": figures, "health_bars": health_bars, "group_bars": group_bars,
        "more_groups_in_chart": max(0, group_total - 6), "heat": heat_map(cells), "by_health": by_health,
        "top_risks": top_risks, "groups": groups, "group_total": group_total, "oldest_tasks": oldest_tasks,
        "expiring": expiring, "plans_due": plans_due, "summary_rows": SUMMARY_ROWS, "today": on,
        "health_red": Health.RED, "health_amber": Health.AMBER, "health_green": Health.GREEN,
        "kind_sections": [section.template for section, _, _ in sections]}
    for _, section_context, _ in sections:
        context.update(section_context)
    return "pdf/executive.html", context


def _trend(previous: ReportSnapshot | None, key: str, value: int) -> int | None:
    """Change since the previous report of the same reader and edition (None: no earlier report)."""
    if previous is None or not isinstance((previous.figures or {}).get(key), int):
        return None
    return value - previous.figures[key]
