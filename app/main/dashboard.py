"""Dashboard figures per role, each computed from the user's visible_* scopes (never a global count)."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import permissions
from app.extensions import db
from app.listing import counting
from app.models import (
    Agreement,
    AgreementStatus,
    Health,
    IncidentPlan,
    Initiative,
    InitiativeStatus,
    Mitigation,
    MitigationStatus,
    Organization,
    PlanStatus,
    Risk,
    RiskStatus,
    Role,
    Task,
    TaskStatus,
    User,
    WorkingGroup,
    WorkingGroupMember,
    today,
)

LIST_LIMIT = 6


def count(stmt: sa.Select) -> int:
    return db.session.scalar(counting(stmt)) or 0


def _grouped(stmt: sa.Select, column) -> sa.Select:
    """(value, count) of `column` over the rows of a scoped select."""
    return stmt.with_only_columns(column, sa.func.count()).order_by(None).group_by(column)


def _live(stmt: sa.Select, model) -> sa.Select:
    return stmt.where(model.archived_at.is_(None))


def _portfolio_statements(user: User) -> dict[str, sa.Select]:
    """The coordinator/executive figures' statements (from the user's scopes and today's date alone)."""
    agreements = _live(permissions.visible_agreements(user), Agreement)
    initiatives = _live(permissions.visible_initiatives(user), Initiative)
    tasks = _live(permissions.visible_tasks(user), Task).where(WorkingGroup.archived_at.is_(None))
    risks = _live(permissions.visible_risks(user), Risk)
    plans = _live(permissions.visible_incident_plans(user), IncidentPlan)

    expiring = agreements.where(Agreement.expiring_condition())
    open_initiatives = initiatives.where(Initiative.status.in_([InitiativeStatus.ACTIVE, InitiativeStatus.ON_HOLD,
                                                                InitiativeStatus.PROPOSED]))
    overdue_tasks = tasks.where(Task.overdue_condition())
    open_risks = risks.where(Risk.status != RiskStatus.CLOSED)
    plans_due = plans.where(IncidentPlan.status == PlanStatus.APPROVED, IncidentPlan.next_review_date < today())
    return {
        # Every group's overdue count in one grouped query over the overdue tasks (ix_tasks_group_due); their
        # sum is the overdue total.
        "overdue_by_group": overdue_tasks.with_only_columns(WorkingGroup.id, WorkingGroup.name, sa.func.count(Task.id))
        .order_by(None).group_by(WorkingGroup.id, WorkingGroup.name)
        .order_by(sa.func.count(Task.id).desc(), WorkingGroup.name),
        "agreements_by_status": _grouped(agreements, Agreement.status),
        "initiatives_by_health": _grouped(open_initiatives, Initiative.health),
        "expiring_count": counting(expiring),
        "expiring": expiring.order_by(Agreement.expiry_date).limit(LIST_LIMIT),
        "red_initiatives": open_initiatives.where(Initiative.health == Health.RED).order_by(Initiative.reference)
        .limit(LIST_LIMIT),
        "open_risk_count": counting(open_risks),
        "top_risks": open_risks.options(selectinload(Risk.owner_organization))
        .order_by((Risk.likelihood * Risk.impact).desc(), Risk.reference).limit(LIST_LIMIT),
        "plans_due_count": counting(plans_due),
        "plans_due": plans_due.order_by(IncidentPlan.next_review_date).limit(LIST_LIMIT),
    }


def portfolio(user: User) -> dict:
    """The coordinator/executive figures."""
    stmts = permissions.scoped_statements("dashboard_portfolio", user, lambda: _portfolio_statements(user))
    by_group = db.session.execute(stmts["overdue_by_group"]).all()
    agreements_by_status = dict(db.session.execute(stmts["agreements_by_status"]).all())
    initiatives_by_health = dict(db.session.execute(stmts["initiatives_by_health"]).all())
    return {
        "agreements_by_status": agreements_by_status,
        "agreement_statuses": list(AgreementStatus),
        "agreement_total": sum(agreements_by_status.values()),  # the grouped counts add up: no second scan
        "expiring_count": db.session.scalar(stmts["expiring_count"]) or 0,
        "expiring": db.session.scalars(stmts["expiring"]).all(),
        "initiatives_by_health": initiatives_by_health,
        "healths": list(Health),
        "initiative_total": sum(initiatives_by_health.values()),
        "red_initiatives": db.session.scalars(stmts["red_initiatives"]).all(),
        "overdue_task_count": sum(number for _, _, number in by_group),
        "overdue_by_group": by_group[:LIST_LIMIT],
        "open_risk_count": db.session.scalar(stmts["open_risk_count"]) or 0,
        "top_risks": db.session.scalars(stmts["top_risks"]).all(),
        "plans_due_count": db.session.scalar(stmts["plans_due_count"]) or 0,
        "plans_due": db.session.scalars(stmts["plans_due"]).all(),
    }


def _my_work_statements(user: User) -> dict[str, sa.Select]:
    tasks = (_live(permissions.visible_tasks(user), Task)
             .where(Task.assignee_id == user.id, Task.status != TaskStatus.DONE))
    mitigations = (_live(permissions.visible_mitigations(user), Mitigation)
                   .where(Mitigation.assigned_user_id == user.id,
                          Mitigation.status.in_([MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS])))
    groups = (_live(permissions.visible_working_groups(user), WorkingGroup)
              .where(WorkingGroup.memberships.any(WorkingGroupMember.user_id == user.id)))
    return {
        # Open and overdue in one pass over the person's open tasks (ix_tasks_assignee_open).
        "task_counts": tasks.with_only_columns(
            sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((Task.overdue_condition(), 1), else_=0)), 0))
        .order_by(None),
        "my_tasks": tasks.options(selectinload(Task.working_group))
        .order_by(Task.due_date.is_(None), Task.due_date).limit(8),
        "my_mitigation_count": counting(mitigations),
        "my_mitigations": mitigations.options(selectinload(Mitigation.risk))
        .order_by(Mitigation.due_date.is_(None), Mitigation.due_date).limit(8),
        "my_group_count": counting(groups),
        "my_groups": groups.order_by(WorkingGroup.name).limit(8),
    }


def my_work(user: User) -> dict:
    """The member's figures: their tasks, mitigations and groups."""
    stmts = permissions.scoped_statements("dashboard_my_work", user, lambda: _my_work_statements(user))
    task_count, overdue_count = db.session.execute(stmts["task_counts"]).one()
    return {
        "my_task_count": task_count,
        "my_overdue_count": overdue_count,
        "my_tasks": db.session.scalars(stmts["my_tasks"]).all(),
        "my_mitigation_count": db.session.scalar(stmts["my_mitigation_count"]) or 0,
        "my_mitigations": db.session.scalars(stmts["my_mitigations"]).all(),
        "my_group_count": db.session.scalar(stmts["my_group_count"]) or 0,
        "my_groups": db.session.scalars(stmts["my_groups"]).all(),
    }


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
    if user.role in (Role.COORDINATOR, Role.EXECUTIVE):
        context.update(portfolio(user))
    if user.role in (Role.MEMBER, Role.COORDINATOR):
        context.update(my_work(user))
    return context
