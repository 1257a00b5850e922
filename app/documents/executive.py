"""The executive status report: one summary page, then the exceptions in detail.

Every figure and row comes from the reader's visible_* scopes; aggregates are computed in SQL so
500 initiatives cost a few queries, and lists are capped ("and N more") so the report stays short:
exceptions first (red and amber initiatives, overdue work, expiring agreements), greens counted.
The TLP label is the highest of every record that contributed to a figure or a row.
"""
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.documents.content import DocumentInfo, heat_map, highest_tlp, report_reference
from app.extensions import db
from app.models import (
    Agreement,
    Health,
    IncidentPlan,
    Initiative,
    InitiativeStatus,
    PlanStatus,
    Risk,
    RiskStatus,
    Task,
    User,
    WorkingGroup,
    today,
)

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


def _count(stmt) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _capped(stmt, cap: int = CAP) -> Capped:
    return Capped(db.session.scalars(stmt.limit(cap)).all(), _count(stmt))


def _labels(stmt, model) -> list:
    return db.session.scalars(sa.select(model.tlp).distinct().where(
        model.id.in_(stmt.order_by(None).with_only_columns(model.id)))).all()


def executive_document(reader: User) -> tuple[str, dict]:
    on = today()
    initiatives = permissions.visible_initiatives(reader).where(
        Initiative.archived_at.is_(None), Initiative.status.in_(OPEN_INITIATIVE))
    health_counts = dict(db.session.execute(
        sa.select(Initiative.health, sa.func.count()).where(
            Initiative.id.in_(initiatives.with_only_columns(Initiative.id))).group_by(Initiative.health)).all())
    by_health = {h: Capped([], health_counts.get(h, 0)) for h in Health}
    for health in (Health.RED, Health.AMBER, Health.GREEN):
        by_health[health] = _capped(initiatives.where(Initiative.health == health).options(
            so.selectinload(Initiative.lead_organization)).order_by(Initiative.target_date.is_(None),
                                                                    Initiative.target_date, Initiative.id),
            CAP if health is Health.GREEN else EXCEPTION_CAP)

    risks = permissions.visible_risks(reader).where(Risk.archived_at.is_(None), Risk.status != RiskStatus.CLOSED)
    cells = {(likelihood, impact): n for likelihood, impact, n in db.session.execute(
        sa.select(Risk.likelihood, Risk.impact, sa.func.count()).where(
            Risk.id.in_(risks.with_only_columns(Risk.id))).group_by(Risk.likelihood, Risk.impact))}
    residual = sa.func.coalesce(Risk.residual_likelihood * Risk.residual_impact, Risk.likelihood * Risk.impact)
    top_risks = _capped(risks.options(so.selectinload(Risk.owner_organization))
                        .order_by(residual.desc(), (Risk.likelihood * Risk.impact).desc(), Risk.reference), 15)
    critical_high = sum(n for (likelihood, impact), n in cells.items() if likelihood * impact >= 10)

    overdue = permissions.visible_tasks(reader).where(
        Task.archived_at.is_(None), WorkingGroup.archived_at.is_(None), Task.overdue_condition(on))
    overdue_ids = overdue.order_by(None).with_only_columns(Task.id)
    by_group_stmt = (sa.select(WorkingGroup.reference, WorkingGroup.name, sa.func.count(Task.id).label("n"),
                               sa.func.min(Task.due_date).label("oldest"))
                     .join(Task, Task.working_group_id == WorkingGroup.id).where(Task.id.in_(overdue_ids))
                     .group_by(WorkingGroup.id, WorkingGroup.reference, WorkingGroup.name)
                     .order_by(sa.desc("n"), WorkingGroup.name))
    groups = db.session.execute(by_group_stmt.limit(CAP)).all()
    group_total = _count(by_group_stmt)
    overdue_total = _count(overdue)
    oldest_tasks = _capped(overdue.options(so.contains_eager(Task.working_group), so.selectinload(Task.assignee))
                           .order_by(Task.due_date, Task.id))

    expiring = _capped(permissions.visible_agreements(reader).where(
        Agreement.archived_at.is_(None), Agreement.expiring_condition(on)).order_by(
        Agreement.expiry_date, Agreement.reference))
    expiring_stmt = permissions.visible_agreements(reader).where(
        Agreement.archived_at.is_(None), Agreement.expiring_condition(on))
    plans_stmt = permissions.visible_incident_plans(reader).where(
        IncidentPlan.archived_at.is_(None), IncidentPlan.status == PlanStatus.APPROVED,
        IncidentPlan.next_review_date < on)
    plans_due = _capped(plans_stmt.options(so.selectinload(IncidentPlan.owner_organization))
                        .order_by(IncidentPlan.next_review_date, IncidentPlan.reference))

    tlp = highest_tlp(_labels(initiatives, Initiative), _labels(risks, Risk), _labels(expiring_stmt, Agreement),
                      _labels(plans_stmt, IncidentPlan),
                      db.session.scalars(sa.select(WorkingGroup.tlp).distinct().where(WorkingGroup.id.in_(
                          overdue.order_by(None).with_only_columns(Task.working_group_id)))).all())
    info = DocumentInfo(
        kind="Executive status report", reference=report_reference("EXEC"), version=None, tlp=tlp,
        heading="Executive status report", organisations=[f"Prepared for {reader.organization.name}"])
    # The contents open the detail (page 2): the first page is the one-page summary.
    detail_toc = [("initiatives", "Initiatives needing attention"), ("agreements", "Agreements expiring in 90 days"),
             ("risks", "Top residual risks"), ("tasks", "Overdue tasks by working group"),
             ("plans", "Plans overdue for review")]
    figures = [
        (sum(health_counts.values()), "open initiatives"),
        (health_counts.get(Health.RED, 0), "initiatives in red"),
        (_count(risks), "open risks"),
        (critical_high, "high or critical risks"),
        (overdue_total, "overdue tasks"),
        (expiring.total, "agreements expiring ≤ 90 days"),
        (plans_due.total, "plans overdue for review"),
    ]
    health_bars = [(h.label, health_counts.get(h, 0), HEALTH_COLOURS[h])
                   for h in (Health.GREEN, Health.AMBER, Health.RED)]
    group_bars = [(row.name, row.n, "#13294b") for row in groups[:8]]
    return "pdf/executive.html", {
        "doc": info, "detail_toc": detail_toc, "figures": figures, "health_bars": health_bars, "group_bars": group_bars,
        "more_groups_in_chart": max(0, group_total - 8), "heat": heat_map(cells), "by_health": by_health,
        "top_risks": top_risks, "groups": groups, "group_total": group_total, "oldest_tasks": oldest_tasks,
        "expiring": expiring, "plans_due": plans_due, "summary_rows": SUMMARY_ROWS, "today": on,
        "health_red": Health.RED, "health_amber": Health.AMBER, "health_green": Health.GREEN}
