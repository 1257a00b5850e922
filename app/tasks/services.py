"""Use cases of the tasks: create, edit, status updates with notes, archive and restore.

Every function authorizes first, audits in the same transaction, flushes and never commits.
"""
import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.comments.services import followers
from app.extensions import db
from app.models import Task
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import TaskUpdate
from app.models import User
from app.models import WorkingGroup
from app.notifications.services import notify

KIND = kinds.by_model(Task).key  # its audit actions' key (app/kinds.py)


class AssigneeError(ValueError):
    """The assignee is not a member of the task's working group."""


def _check_assignee(group: WorkingGroup, assignee: User | None) -> None:
    # Forms only offer members; this is the rule itself, for every caller.
    if assignee is not None and group.membership_of(assignee.id) is None:
        raise AssigneeError(f"{assignee.name} is not a member of {group.name}.")


def create_task(actor: User, group: WorkingGroup, *, title: str, description: str = "",
                assignee: User | None = None, due_date=None,
                priority: TaskPriority = TaskPriority.MEDIUM) -> Task:
    permissions.authorize(permissions.can_add_task(actor, group))
    _check_assignee(group, assignee)
    task = Task(working_group=group, title=title, description=description or "", assignee=assignee,
                due_date=due_date, priority=priority, status=TaskStatus.TO_DO, created_by=actor)
    db.session.add(task)
    db.session.flush()
    parts = [f"title: {title}", f"priority: {priority.label}"]
    if assignee is not None:
        parts.append(f"assignee: {assignee.name}")
    if due_date is not None:
        parts.append(f"due: {due_date.isoformat()}")
    audit.record(actor, f"{KIND}.created", task, summary="; ".join(parts))
    notify([assignee], "assignment", task, actor=actor)
    return task


def update_task(actor: User, task: Task, *, expected_version: int | None, **fields) -> dict:
    permissions.authorize(permissions.can_edit_task(actor, task))
    records.check_version(task, expected_version)
    editable = {"title", "description", "assignee", "due_date", "priority"}
    fields = {k: v for k, v in fields.items() if k in editable}
    if "assignee" in fields and fields["assignee"] is not task.assignee:  # keeping one is no new choice
        _check_assignee(task.working_group, fields["assignee"])
    changes = audit.diff(task, fields)
    for key, value in fields.items():
        setattr(task, key, value)
    if changes:
        db.session.flush()  # raises StaleDataError if a concurrent writer won the race
        summary = audit.summarize(changes)
        audit.record(actor, f"{KIND}.updated", task, summary=summary)
    notify([task.assignee] if "assignee" in changes else [], "assignment", task, actor=actor)
    return changes


def update_task_status(actor: User, task: Task, new_status: TaskStatus | None, note: str = "") -> TaskUpdate:
    """Move the task along Task.TRANSITIONS and/or add a note; both land on the task's timeline."""
    permissions.authorize(permissions.can_update_task_status(actor, task))
    note = (note or "").strip()
    old = task.status
    if new_status is None and not note:
        raise ValueError("Choose a new status or write a note.")
    if new_status is not None:
        task.transition_to(new_status)  # raises InvalidTransition
        task.mark_completion()
    update = TaskUpdate(task=task, author=actor, note=note,
                        from_status=old if new_status is not None else None, to_status=new_status)
    db.session.add(update)
    db.session.flush()
    parts = []
    if new_status is not None:
        parts.append(f"status: {old.label} → {new_status.label}")
    if note:
        parts.append(f"note: {note}")
    action = f"{KIND}.status_changed" if new_status is not None else f"{KIND}.note_added"
    audit.record(actor, action, task, summary="; ".join(parts))
    if note:  # the update is where a task is discussed: its note reaches whoever a comment would
        notify(_update_followers(task, actor), "comment", task, actor=actor, comment=note)
    return update


def _update_followers(task: Task, actor: User) -> list[User]:
    """A comment's followers (creator, assignee, earlier commenters) and whoever posted an update before."""
    people = {user.id: user for user in followers(task, exclude=actor)}
    authors = db.session.scalars(sa.select(User).join(TaskUpdate, TaskUpdate.author_id == User.id).where(
        TaskUpdate.task_id == task.id, User.id != actor.id, User.active.is_(True)).distinct())
    people.update({user.id: user for user in authors})
    return list(people.values())


def archive_task(actor: User, task: Task, archived: bool = True) -> bool:
    """Archive, or restore (archived=False): an assignee who left the group meanwhile is unassigned (the
    task keeps its members rule); a task of an archived group stays archived with it (403)."""
    permissions.authorize(permissions.can_archive(actor, task))
    if archived:
        return records.archive(actor, task, KIND)
    if not task.is_archived:
        return False
    permissions.authorize(not task.working_group.is_archived)
    summary = ""
    if task.assignee is not None and task.working_group.membership_of(task.assignee_id) is None:
        summary = f"assignee: {task.assignee.name} → — (no longer a member)"
        task.assignee = None
    return records.restore(actor, task, KIND, summary=summary)
