"""Working groups and their tasks, read: lists with the pages' filters and details.

/api/v1/working-groups/, /api/v1/working-groups/<id> (members inside), /api/v1/tasks/, /api/v1/tasks/<id>.
"""
from datetime import date
from datetime import datetime
from typing import Literal

from flask import jsonify
from pydantic import Field
from sqlalchemy.orm import selectinload

from app.api import bp
from app.api import links
from app.api import paging
from app.api import writes
from app.api.paging import ListQuery
from app.api.paging import Page
from app.api.schemas import FromRecord
from app.api.schemas import OrganizationRef
from app.api.schemas import RecordOut
from app.api.schemas import UserRef
from app.api.spec import Responses
from app.api.spec import spec
from app.lifecycle import get_visible
from app.models import TLP
from app.models import MemberRole
from app.models import Task
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import WorkingGroup
from app.models import WorkingGroupMember
from app.models import WorkingGroupStatus
from app.tasks import queries as task_queries
from app.working_groups import queries

TAGS = ("Working groups and tasks",)
ID = Field(None, ge=1, le=2**31 - 1)
MEMBERS = selectinload(WorkingGroup.memberships).selectinload(WorkingGroupMember.user)


class MemberOut(FromRecord):
    user: UserRef
    role: MemberRole


class WorkingGroupOut(RecordOut):
    reference: str
    name: str
    charter: str
    status: WorkingGroupStatus
    tlp: TLP
    initiative_id: int | None = Field(description="The group's initiative, when the reader may read it (else null).")
    owner_organization: OrganizationRef
    memberships: list[MemberOut]
    version: int
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class WorkingGroupListQuery(ListQuery):
    status: WorkingGroupStatus | None = None
    tlp: TLP | None = None
    initiative: int | None = ID
    organization: int | None = ID
    mine: bool = Field(False, description="Only groups you are a member of.")
    archived: bool = Field(False, description="Archived groups instead of live ones.")


class TaskOut(RecordOut):
    working_group_id: int
    title: str
    description: str
    status: TaskStatus
    priority: TaskPriority
    due_date: date | None
    assignee: UserRef | None
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class TaskListQuery(ListQuery):
    scope: Literal["all", "mine"] = Field("all", description="Every task you may read, or those assigned to you.")
    status: TaskStatus | None = None
    priority: TaskPriority | None = None
    working_group: int | None = ID
    due: Literal["overdue", "week"] | None = None
    archived: bool = Field(False, description="Archived tasks (or tasks of archived groups) instead of live ones.")


def _groups(groups: list[WorkingGroup]) -> list[dict]:
    return links.dump(WorkingGroupOut, groups, "initiative")


def _task(task: Task) -> dict:
    return TaskOut.model_validate(task).model_dump(mode="json")


def get_visible_group(working_group_id: int) -> WorkingGroup:
    """The group, with its members, when the token's user may read it (404 otherwise, as on the pages)."""
    return get_visible(WorkingGroup, working_group_id, MEMBERS)


def get_visible_task(task_id: int) -> Task:
    """The task when the token's user may read it (its group's scope; 404 otherwise)."""
    return get_visible(Task, task_id, selectinload(Task.assignee))


def group_answer(group: WorkingGroup):
    return writes.with_etag(jsonify(_groups([group])[0]), group.version)


def task_answer(task: Task):
    return writes.with_etag(jsonify(_task(task)), task.version)


@bp.get("/working-groups/")
@spec.validate(query=WorkingGroupListQuery, resp=Responses(HTTP_200=Page[WorkingGroupOut]), tags=TAGS)
def list_working_groups():
    """The working groups the token's user may read, with the list page's filters."""
    return paging.listed(queries.list_working_groups, WorkingGroup.id, MEMBERS, read_filters=queries.read_filters,
                         dump_page=_groups)


@bp.get("/working-groups/<int:working_group_id>")
@spec.validate(resp=Responses(HTTP_200=WorkingGroupOut), tags=TAGS)
def get_working_group(working_group_id: int):
    """One working group with its members; its ETag is its version."""
    return group_answer(get_visible_group(working_group_id))


@bp.get("/tasks/")
@spec.validate(query=TaskListQuery, resp=Responses(HTTP_200=Page[TaskOut]), tags=TAGS)
def list_tasks():
    """The tasks the token's user may read (their groups' scope), with the My tasks page's filters."""
    return paging.listed(task_queries.list_tasks, Task.id, selectinload(Task.assignee),
                         read_filters=task_queries.read_filters, dump=_task)


@bp.get("/tasks/<int:task_id>")
@spec.validate(resp=Responses(HTTP_200=TaskOut), tags=TAGS)
def get_task(task_id: int):
    """One task; its ETag is its version."""
    return task_answer(get_visible_task(task_id))
