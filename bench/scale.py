"""Bulk data for the page benchmarks and the query-count tests: many records of every listed kind, visible to one
user (shared labels, their organisation as a party or owner, assigned to them), on top of whatever the database
holds (the demo data, a test's world). Inserted in batches with executemany; runs inside an app context and
commits.

    seed_scale("coordinator@niro.example.gov")          # 10,000 agreements, 50,000 tasks, 100,000 audit events,
                                                        # 1,000 notifications for that user (bench/pages.py --scale)
"""
import random
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

BATCH = 5000


def _insert(model, rows: list[dict]) -> None:
    from app.extensions import db

    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start:start + BATCH])


def _cycle(enum, n: int):
    """Every value in turn: each status is present from the first few records on."""
    members = list(enum)
    return members[n % len(members)]


def _next_id(model) -> int:
    from app.extensions import db

    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def seed_scale(email: str, *, agreements: int = 10_000, tasks: int = 50_000, audit_events: int = 100_000,
               notifications: int = 1_000, risks: int | None = None, groups: int | None = None,
               seed: int = 7) -> dict[str, int]:
    """Add the bulk records; risks, initiatives and plans number a tenth of the agreements, working groups a
    hundredth of the tasks, unless given."""
    from app.extensions import db
    from app.models import TLP
    from app.models import Agreement
    from app.models import AgreementKind
    from app.models import AgreementParty
    from app.models import AgreementStatus
    from app.models import AuditEvent
    from app.models import Health
    from app.models import IncidentPlan
    from app.models import Initiative
    from app.models import InitiativeStatus
    from app.models import MemberRole
    from app.models import Mitigation
    from app.models import MitigationStatus
    from app.models import Notification
    from app.models import NotificationKind
    from app.models import Organization
    from app.models import PlanStatus
    from app.models import Risk
    from app.models import RiskStatus
    from app.models import Task
    from app.models import TaskPriority
    from app.models import TaskStatus
    from app.models import Treatment
    from app.models import User
    from app.models import WorkingGroup
    from app.models import WorkingGroupMember

    rng = random.Random(seed)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    orgs = db.session.scalars(sa.select(Organization.id)).all()
    others = db.session.scalars(sa.select(User.id).where(User.active.is_(True))).all()
    shared = [TLP.CLEAR, TLP.GREEN, TLP.AMBER]
    today = date.today()
    risks = agreements // 10 if risks is None else risks
    first = {model: _next_id(model) for model in (Agreement, Risk, Initiative, IncidentPlan, WorkingGroup, Task)}
    stamp = f"{first[Agreement]:05d}"

    def day(low: int, high: int) -> date:
        return today + timedelta(days=rng.randint(low, high))

    agreement_rows = [dict(
        id=first[Agreement] + i, reference=f"AGB-{stamp}-{i:05d}"[:20], title=f"Bulk agreement {i}",
        kind=rng.choice(list(AgreementKind)), status=_cycle(AgreementStatus, i), tlp=rng.choice(shared),
        summary="Bulk.", terms="Bulk.", sectors=["energy"], effective_date=day(-700, 0), expiry_date=day(-100, 900),
        owner_organization_id=rng.choice(orgs), created_by_id=rng.choice(others), version=1) for i in range(agreements)]
    _insert(Agreement, agreement_rows)
    _insert(AgreementParty, [dict(agreement_id=row["id"], organization_id=org, position=position)
                             for row in agreement_rows
                             for position, org in enumerate({user.organization_id, rng.choice(orgs)})])
    _insert(Initiative, [dict(
        id=first[Initiative] + i, reference=f"INB-{stamp}-{i:05d}"[:20], title=f"Bulk initiative {i}",
        lead_organization_id=user.organization_id, owner_organization_id=rng.choice(orgs),
        status=_cycle(InitiativeStatus, i), health=_cycle(Health, i), tlp=rng.choice(shared),
        start_date=day(-300, 0), target_date=day(0, 400), created_by_id=user.id, version=1) for i in range(risks)])
    risk_rows = [dict(
        id=first[Risk] + i, reference=f"RKB-{stamp}-{i:05d}"[:20], title=f"Bulk risk {i}",
        likelihood=rng.randint(1, 5), impact=rng.randint(1, 5), owner_organization_id=rng.choice(orgs),
        treatment=_cycle(Treatment, i), status=_cycle(RiskStatus, i), tlp=rng.choice(shared),
        next_review_date=day(-60, 200), created_by_id=user.id, version=1) for i in range(risks)]
    _insert(Risk, risk_rows)
    _insert(Mitigation, [dict(
        risk_id=row["id"], title=f"Bulk mitigation {n}", assigned_organization_id=user.organization_id,
        assigned_user_id=user.id if n % 4 == 0 else None, due_date=day(-30, 120),
        status=rng.choice([MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS]), created_by_id=user.id,
        version=1) for row in risk_rows for n in range(2)])
    _insert(IncidentPlan, [dict(
        id=first[IncidentPlan] + i, reference=f"IRB-{stamp}-{i:05d}"[:20], title=f"Bulk plan {i}",
        owner_organization_id=user.organization_id if i % 3 == 0 else rng.choice(orgs),
        status=_cycle(PlanStatus, i), tlp=rng.choice(shared), next_review_date=day(-60, 300),
        created_by_id=rng.choice(others), version=1) for i in range(risks)])
    n_groups = max(1, tasks // 100 if groups is None else groups)
    group_rows = [dict(
        id=first[WorkingGroup] + g, reference=f"WGB-{stamp}-{g:04d}"[:20], name=f"Bulk working group {g}",
        charter="", tlp=rng.choice(shared), status="active", owner_organization_id=rng.choice(orgs),
        created_by_id=user.id, version=1) for g in range(n_groups)]
    _insert(WorkingGroup, group_rows)
    _insert(WorkingGroupMember, [dict(working_group_id=row["id"], user_id=member, role=MemberRole.MEMBER)
                                 for row in group_rows
                                 for member in {user.id, *rng.sample(others, min(3, len(others)))}])
    _insert(Task, [dict(
        working_group_id=group_rows[t % n_groups]["id"], title=f"Bulk task {t}", description="",
        assignee_id=user.id if t % 5 == 0 else rng.choice(others), due_date=day(-30, 90),
        priority=_cycle(TaskPriority, t), status=_cycle(TaskStatus, t), created_by_id=user.id,
        version=1) for t in range(tasks)])
    _insert(AuditEvent, [dict(
        actor_id=user.id, actor_organization_id=user.organization_id, action="agreement.updated",
        object_type="agreement", object_id=first[Agreement] + (n % max(1, agreements)), object_version=1,
        summary="Bulk change.") for n in range(audit_events)])
    _insert(Notification, [dict(
        user_id=user.id, kind=NotificationKind.ASSIGNMENT, object_type="task",
        object_id=first[Task] + n * 5, summary=f"Bulk task {n * 5} assigned to you")
        for n in range(notifications)])
    db.session.commit()
    return {"agreements": agreements, "tasks": tasks, "audit events": audit_events,
            "notifications": notifications, "risks": risks, "working groups": n_groups}
