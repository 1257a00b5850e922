"""Shared set-up for the working-group and task tests (no tests here).

world(): three organisations (gov, water, energy) plus a client of energy, with a coordinator,
member and executive each, and an admin; enough for "sees two of three" bugs to show.
"""
import re
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import MemberRole
from app.models import Role
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import today
from tests import factories

ROLES = {"coord": Role.COORDINATOR, "member": Role.MEMBER, "exec": Role.EXECUTIVE}


def world(app, client_as) -> SimpleNamespace:
    """Organisations, users (and a signed-in client per user); call outside any app context."""
    w = SimpleNamespace(users={}, ids={}, c={}, org_ids={})
    with app.app_context():
        orgs = {"gov": factories.organization(name="Gov Office", short_name="GOV"),
                "water": factories.organization(name="Water Co", short_name="WATER"),
                "energy": factories.organization(name="Energy Co", short_name="ENERGY")}
        orgs["client"] = factories.organization(name="Energy Client", short_name="CLIENT", parent=orgs["energy"])
        for key, org in orgs.items():
            w.org_ids[key] = org.id
            for role_key, role in ROLES.items():
                if key == "client" and role_key != "member":
                    continue
                user = factories.user(role=role, organization=org, name=f"{role_key.title()} {key.title()}",
                                      email=f"{role_key}@{key}.example.org")
                name = f"{role_key}_{key}"
                w.users[name] = user
                w.ids[name] = user.id
                w.c[name] = client_as(user)
        admin = factories.user(role=Role.ADMIN, organization=orgs["gov"], name="Admin Gov")
        w.ids["admin"] = admin.id
        w.c["admin"] = client_as(admin)
    return w


def make_group(app, w, owner="coord_gov", members=(), **kw) -> int:
    """A working group created by `owner` (their org owns it); members: names or (name, MemberRole)."""
    with app.app_context():
        creator = db.session.get(User, w.ids[owner])
        member_rows = []
        for m in members:
            name, role = m if isinstance(m, tuple) else (m, MemberRole.MEMBER)
            member_rows.append((db.session.get(User, w.ids[name]), role))
        if not any(u.id == creator.id for u, _ in member_rows):
            member_rows.insert(0, (creator, MemberRole.CHAIR))
        group = factories.working_group(created_by=creator, members=member_rows, **kw)
        return group.id


def make_task(app, w, group_id: int, assignee: str | None = None, **kw) -> int:
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id)
        if assignee is not None:
            kw["assignee_id"] = w.ids[assignee]
        kw.setdefault("created_by_id", group.created_by_id)
        task = factories.task(working_group=group, **kw)
        return task.id


def days(n: int):
    return today() + timedelta(days=n)


def audit_count(app, object_type: str | None = None, object_id: int | None = None, action: str | None = None) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count(AuditEvent.id))
        if object_type:
            stmt = stmt.where(AuditEvent.object_type == object_type)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == object_id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return db.session.scalar(stmt)


def last_audit(app, action: str) -> AuditEvent | None:
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id.desc()))
        if event is not None:
            db.session.expunge(event)
        return event


def group_row(app, group_id: int) -> WorkingGroup:
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id)
        db.session.expunge(group)
        return group


def task_row(app, task_id: int) -> Task:
    with app.app_context():
        task = db.session.get(Task, task_id)
        db.session.expunge(task)
        return task


def member_ids(app, group_id: int) -> dict[int, str]:
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id)
        return {m.user_id: m.role.value for m in group.memberships}


def csv_column(response, index: int = 0) -> set[str]:
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[1:]
    import csv

    return {row[index] for row in csv.reader(lines) if row}


def text(response) -> str:
    return response.get_data(as_text=True)


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)
