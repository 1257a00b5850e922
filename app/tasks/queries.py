"""The My tasks list: tasks the user may see (through their group's visibility), filtered and sorted.

The page and its CSV come from this statement, so both hold exactly what the user may see.
Invalid filter values are ignored (never an error page).
"""
from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.models import Task
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import User
from app.models import WorkingGroup

# The default order's terms as the index ix_tasks_assignee_order holds them (app/models/working_group.py): with
# their values written in the statement, not bound, the databases read a person's live tasks in that index's order
# and stop at the page (at 12,000 tasks of theirs, a sort of every one took about 3 ms).
OPEN_FIRST = Task.status == sa.literal_column(f"'{TaskStatus.DONE.value}'")
UNDATED_LAST = sa.func.coalesce(Task.due_date, sa.literal_column("'9999-12-31'", sa.Date))
TASK_SORTS = {
    "title": Task.title,
    "group": WorkingGroup.name,
    "due": UNDATED_LAST,
    "priority": Task.priority_rank(),
    "status": Task.status,
    "updated": Task.updated_at,
}


def read_filters(args: Mapping) -> dict:
    """The valid filters of the request (invalid values dropped). Everyone starts on their own tasks;
    ?scope=all widens to every task they may see."""
    return {"scope": "all" if args.get("scope") == "all" else "mine", "q": listing.text_arg(args),
            "status": listing.enum_arg("status", TaskStatus, args),
            "priority": listing.enum_arg("priority", TaskPriority, args),
            "working_group": listing.int_arg("working_group", args),
            "due": args.get("due") if args.get("due") in ("overdue", "week") else None,
            "archived": listing.flag("archived", args), "sort": args.get("sort")}


# What the My tasks page shows of each row: not the task's description nor its group's charter, and of the
# assignee the name alone (the CSV and the API load them in full).
ASSIGNEE_IN_FULL = selectinload(Task.assignee).selectinload(User.organization)
PAGE_LOADS = (so.defer(Task.description), so.defer(Task.completed_at), so.defer(Task.created_by_id),
              so.contains_eager(Task.working_group).load_only(WorkingGroup.name, WorkingGroup.tlp,
                                                              WorkingGroup.archived_at),
              selectinload(Task.assignee).load_only(User.name))


def list_tasks(user: User, filters: dict, loads=(ASSIGNEE_IN_FULL,)) -> sa.Select:
    """Tasks the user may see (their group's visibility), narrowed by the My tasks filters, with `loads`."""
    stmt = permissions.visible_tasks(user)  # already joins Task.working_group
    if filters["scope"] != "all":
        stmt = stmt.where(Task.assignee_id == user.id)
    if filters["archived"]:
        stmt = stmt.where(sa.or_(Task.archived_at.is_not(None), WorkingGroup.archived_at.is_not(None)))
    else:
        stmt = stmt.where(Task.archived_at.is_(None), WorkingGroup.archived_at.is_(None))
    stmt = listing.search(stmt, [Task.title, Task.description, WorkingGroup.name, WorkingGroup.reference],
                          filters["q"])
    stmt = listing.where_equal(stmt, (Task.status, filters["status"]), (Task.priority, filters["priority"]))
    if (group_id := filters["working_group"]) is not None:
        stmt = stmt.where(Task.working_group_id == group_id)
    due = filters["due"]
    if due == "overdue":
        stmt = stmt.where(Task.overdue_condition())
    elif due == "week":
        stmt = stmt.where(Task.due_within_condition(7))
    if filters["sort"] not in TASK_SORTS:
        # Default view: open work first, so finished tasks with old due dates do not bury it.
        stmt = stmt.order_by(OPEN_FIRST)
    stmt = listing.sort(stmt, TASK_SORTS, "due", tie_breaker=Task.id)
    return stmt.options(so.contains_eager(Task.working_group), *loads)
