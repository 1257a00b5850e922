"""The My tasks list: tasks the user may see (through their group's visibility), filtered and sorted.

The page and its CSV come from this statement, so both hold exactly what the user may see.
Invalid filter values are ignored (never an error page).
"""
from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import selectinload

from app import listing, permissions
from app.models import Task, TaskPriority, TaskStatus, User, WorkingGroup

TASK_SORTS = {
    "title": Task.title,
    "group": WorkingGroup.name,
    "due": sa.func.coalesce(Task.due_date, sa.literal(date(9999, 12, 31), sa.Date)),
    "priority": Task.priority_rank(),
    "status": Task.status,
    "updated": Task.updated_at,
}


def task_list(user: User, args: Mapping, *, scope: str = "mine") -> sa.Select:
    """Tasks the user may see (their group's visibility), narrowed by the My tasks filters."""
    stmt = permissions.visible_tasks(user)  # already joins Task.working_group
    if scope != "all":
        stmt = stmt.where(Task.assignee_id == user.id)
    if listing.flag("archived", args):
        stmt = stmt.where(sa.or_(Task.archived_at.is_not(None), WorkingGroup.archived_at.is_not(None)))
    else:
        stmt = stmt.where(Task.archived_at.is_(None), WorkingGroup.archived_at.is_(None))
    stmt = listing.search(stmt, [Task.title, Task.description, WorkingGroup.name, WorkingGroup.reference],
                          args.get("q"))
    stmt = listing.where_equal(stmt, (Task.status, listing.enum_arg("status", TaskStatus, args)),
                               (Task.priority, listing.enum_arg("priority", TaskPriority, args)))
    if (group_id := listing.int_arg("working_group", args)) is not None:
        stmt = stmt.where(Task.working_group_id == group_id)
    due = args.get("due")
    if due == "overdue":
        stmt = stmt.where(Task.overdue_condition())
    elif due == "week":
        stmt = stmt.where(Task.due_within_condition(7))
    if args.get("sort") not in TASK_SORTS:
        # Default view: open work first, so finished tasks with old due dates do not bury it.
        stmt = stmt.order_by(sa.case((Task.status == TaskStatus.DONE, 1), else_=0))
    stmt = listing.sort(stmt, TASK_SORTS, "due", tie_breaker=Task.id)
    return stmt.options(so.contains_eager(Task.working_group),
                        selectinload(Task.assignee).selectinload(User.organization))
