"""Working groups and their tasks, written as their pages write them (same services, same form rules):

    POST  /api/v1/working-groups/                               a new group (you are its chair)
    PATCH /api/v1/working-groups/<id>                           its fields (If-Match)
    POST  /api/v1/working-groups/<id>/transitions               close or reopen
    POST  /api/v1/working-groups/<id>/members                   add a person, with a role
    PATCH /api/v1/working-groups/<id>/members/<user_id>         change a member's role
    DELETE /api/v1/working-groups/<id>/members/<user_id>        remove a member (not one holding open tasks)
    POST  /api/v1/working-groups/<id>/tasks/                    a new task in the group
    PATCH /api/v1/tasks/<id>                                    a task's fields (If-Match)
    POST  /api/v1/tasks/<id>/transitions                        a status change and/or a note, as the task page

The services authorise (403), audit with the token's name and notify; what the forms check and the services
do not (an initiative you may read, an assignee among the group's members, a due date a new task may have)
is checked here and named in the 422.
"""
from datetime import date

from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import Field

from app import permissions
from app.api import bp
from app.api import refused
from app.api import writes
from app.api.schemas import Body
from app.api.schemas import IfMatch
from app.api.schemas import RecordId
from app.api.schemas import Text
from app.api.schemas import transition_of
from app.api.spec import Responses
from app.api.spec import spec
from app.api.working_groups import TAGS
from app.api.working_groups import TaskOut
from app.api.working_groups import WorkingGroupOut
from app.api.working_groups import get_visible_group
from app.api.working_groups import get_visible_task
from app.api.working_groups import group_answer
from app.api.working_groups import task_answer
from app.extensions import db
from app.forms import TASK_DESCRIPTION_MAX
from app.forms import TASK_LATEST_DUE
from app.forms import TASK_TITLE_MAX
from app.models import TLP
from app.models import Initiative
from app.models import MemberRole
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupStatus
from app.models import today
from app.tasks import services as task_services
from app.working_groups import services

NAME_MAX, CHARTER_MAX, NOTE_MAX = 200, 100_000, 2_000  # as the working group form and the task status form


class WorkingGroupIn(Body):
    """A new working group, owned by your organisation, with you as its chair (coordinators)."""

    name: Text(NAME_MAX, required=True)
    charter: Text(CHARTER_MAX) = ""
    initiative_id: RecordId | None = Field(None, description="An initiative you may read (not archived).")
    tlp: TLP = TLP.AMBER


class WorkingGroupPatch(Body):
    """The fields to change (any subset). TLP:RED recipients are kept as they are."""

    name: Text(NAME_MAX, required=True) = None
    charter: Text(CHARTER_MAX) = None
    initiative_id: RecordId | None = Field(None, description="An initiative you may read; null for none.")
    tlp: TLP = None


WorkingGroupTransition = transition_of(WorkingGroupStatus, "The status to move to (closed, or active to reopen).")


class MemberIn(Body):
    user_id: RecordId = Field(description="An active person you may see, not yet a member.")
    role: MemberRole = MemberRole.MEMBER


class MemberPatch(Body):
    role: MemberRole


class TaskIn(Body):
    title: Text(TASK_TITLE_MAX, required=True)
    description: Text(TASK_DESCRIPTION_MAX) = ""
    assignee_id: RecordId | None = Field(None, description="An active member of the group.")
    due_date: date | None = Field(None, description="Not in the past, within ten years.")
    priority: TaskPriority = TaskPriority.MEDIUM


class TaskPatch(Body):
    """The fields to change (any subset)."""

    title: Text(TASK_TITLE_MAX, required=True) = None
    description: Text(TASK_DESCRIPTION_MAX) = None
    assignee_id: RecordId | None = Field(None, description="An active member of the group; null: unassigned.")
    due_date: date | None = Field(None, description="Within ten years.")
    priority: TaskPriority = None


class TaskTransition(Body):
    """A status change, a note, or both (as the task page's status form)."""

    status: TaskStatus | None = Field(None, description="The status to move to; none: a note only.")
    note: Text(NOTE_MAX) = ""


def _initiative(initiative_id: int | None, group: WorkingGroup | None):
    """The form's choices: a readable, unarchived initiative, or the group's current one (kept as it is)."""
    if initiative_id is None:
        return None
    if group is not None and initiative_id == group.initiative_id:
        return group.initiative
    found = db.session.scalar(permissions.visible_initiatives(current_user).where(
        Initiative.id == initiative_id, Initiative.archived_at.is_(None)))
    if found is None:
        raise writes.field_error("initiative_id", "Choose an initiative you may read.")
    return found


def _check_due(due: date | None, *, new: bool) -> None:
    """The task form's rules on the due date."""
    if due is None:
        return
    if due > today() + TASK_LATEST_DUE:
        raise writes.field_error("due_date", "Choose a due date within the next ten years.")
    if new and due < today():
        raise writes.field_error("due_date", "A new task cannot be due in the past.")
    if due < date(2000, 1, 1):
        raise writes.field_error("due_date", "Enter a real date.")


def _assignee(group: WorkingGroup, assignee_id: int | None, current: User | None = None) -> User | None:
    """The form's choices: an active member (or the task's current assignee, kept as it is)."""
    if assignee_id is None:
        return None
    if current is not None and assignee_id == current.id:
        return current
    membership = group.membership_of(assignee_id)
    if membership is None or not membership.user.active:
        raise writes.field_error("assignee_id", "Choose an active member of the working group.")
    return membership.user


@bp.post("/working-groups/")
@spec.validate(json=WorkingGroupIn, resp=Responses(HTTP_201=WorkingGroupOut), tags=TAGS)
def create_working_group():
    """Start a working group owned by your organisation, with you as its chair (as the New group form)."""
    permissions.authorize(permissions.can_create_working_group(current_user))
    body = request.context.json
    with refused():
        group = services.create_working_group(current_user, name=body.name, charter=body.charter, tlp=body.tlp,
                                              initiative=_initiative(body.initiative_id, None))
    return writes.created(group_answer(group), url_for("api.get_working_group", working_group_id=group.id))


@bp.patch("/working-groups/<int:working_group_id>")
@spec.validate(json=WorkingGroupPatch, headers=IfMatch, resp=Responses(HTTP_200=WorkingGroupOut), tags=TAGS)
def update_working_group(working_group_id: int):
    """Change a group's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    group = get_visible_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    version = writes.expected_version(group)
    changes = request.context.json.model_dump(exclude_unset=True)
    if "initiative_id" in changes:
        changes["initiative"] = _initiative(changes.pop("initiative_id"), group)
    recipients = list(group.recipients) if changes.get("tlp", group.tlp) is TLP.RED else []
    with refused():
        services.update_working_group(current_user, group, expected_version=version, recipients=recipients,
                                      **changes)
    return group_answer(group)


@bp.post("/working-groups/<int:working_group_id>/transitions")
@spec.validate(json=WorkingGroupTransition, resp=Responses(HTTP_200=WorkingGroupOut), tags=TAGS)
def transition_working_group(working_group_id: int):
    """Close a working group, or reopen a closed one, as its status buttons do."""
    group = get_visible_group(working_group_id)
    with refused():
        services.transition_working_group(current_user, group, request.context.json.status)
    return group_answer(group)


@bp.post("/working-groups/<int:working_group_id>/members")
@spec.validate(json=MemberIn, resp=Responses(HTTP_201=WorkingGroupOut), tags=TAGS)
def add_working_group_member(working_group_id: int):
    """Add a person to the group; their organisation takes part in it from then on (as the Add member form)."""
    group = get_visible_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    body = request.context.json
    user = db.session.scalar(permissions.visible_users(current_user).where(User.id == body.user_id,
                                                                           User.active.is_(True)))
    if user is None:
        raise writes.field_error("user_id", "Choose an active person you may see.")
    with refused():
        services.add_member(current_user, group, user, body.role)
    response = group_answer(group)
    response.status_code = 201
    return response


@bp.patch("/working-groups/<int:working_group_id>/members/<int:user_id>")
@spec.validate(json=MemberPatch, resp=Responses(HTTP_200=WorkingGroupOut), tags=TAGS)
def change_working_group_member(working_group_id: int, user_id: int):
    """Change a member's role (chair, member, observer…)."""
    group = get_visible_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    with refused():
        services.change_member_role(current_user, group, user_id, request.context.json.role)
    return group_answer(group)


@bp.delete("/working-groups/<int:working_group_id>/members/<int:user_id>")
@spec.validate(resp=Responses(HTTP_200=WorkingGroupOut), tags=TAGS)
def remove_working_group_member(working_group_id: int, user_id: int):
    """Remove a member, unless they hold open tasks in the group (reassign those first: 422)."""
    group = get_visible_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    with refused():
        services.remove_member(current_user, group, user_id)
    return group_answer(group)


@bp.post("/working-groups/<int:working_group_id>/tasks/")
@spec.validate(json=TaskIn, resp=Responses(HTTP_201=TaskOut), tags=TAGS)
def create_task(working_group_id: int):
    """Add a task to an active group (its coordinators), as the New task form does."""
    group = get_visible_group(working_group_id)
    permissions.authorize(permissions.can_add_task(current_user, group))
    body = request.context.json
    _check_due(body.due_date, new=True)
    with refused():
        task = task_services.create_task(current_user, group, title=body.title, description=body.description,
                                         assignee=_assignee(group, body.assignee_id), due_date=body.due_date,
                                         priority=body.priority)
    return writes.created(task_answer(task), url_for("api.get_task", task_id=task.id))


@bp.patch("/tasks/<int:task_id>")
@spec.validate(json=TaskPatch, headers=IfMatch, resp=Responses(HTTP_200=TaskOut), tags=TAGS)
def update_task(task_id: int):
    """Change a task's fields: If-Match must name its current version (412 otherwise, 428 without it)."""
    task = get_visible_task(task_id)
    permissions.authorize(permissions.can_edit_task(current_user, task))
    version = writes.expected_version(task)
    changes = request.context.json.model_dump(exclude_unset=True)
    if "assignee_id" in changes:
        changes["assignee"] = _assignee(task.working_group, changes.pop("assignee_id"), task.assignee)
    if "due_date" in changes and changes["due_date"] != task.due_date:
        _check_due(changes["due_date"], new=False)
    with refused():
        task_services.update_task(current_user, task, expected_version=version, **changes)
    return task_answer(task)


@bp.post("/tasks/<int:task_id>/transitions")
@spec.validate(json=TaskTransition, resp=Responses(HTTP_200=TaskOut), tags=TAGS)
def transition_task(task_id: int):
    """Move a task along its lifecycle and/or add a note to its timeline (its coordinators, its assignee)."""
    task = get_visible_task(task_id)
    permissions.authorize(permissions.can_update_task_status(current_user, task))
    body = request.context.json
    if body.status is None and not body.note:
        raise writes.field_error("note", "Choose a new status or write a note.")
    with refused():
        task_services.update_task_status(current_user, task, body.status, body.note)
    return task_answer(task)
