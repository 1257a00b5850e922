"""Working groups, their members and the tasks members carry out."""
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import LifecycleMixin
from app.models._common import RecordMixin
from app.models._common import ShareableMixin
from app.models._common import TimestampMixin
from app.models._common import enum_column_type
from app.models._common import today
from app.models._common import utcnow


class WorkingGroupStatus(LabelledEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class MemberRole(LabelledEnum):
    CHAIR = "chair"
    MEMBER = "member"
    OBSERVER = "observer"


class WorkingGroup(ShareableMixin, db.Model):
    __tablename__ = "working_groups"
    TRANSITIONS = WorkingGroupStatus.lifecycle("active ⇄ closed")
    NOUN = "A working group"
    DEFAULTS = {"status": WorkingGroupStatus.ACTIVE, "tlp": TLP.AMBER}

    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    charter: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    initiative_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("initiatives.id"), index=True)
    status: so.Mapped[WorkingGroupStatus] = so.mapped_column(enum_column_type(WorkingGroupStatus), index=True)

    initiative: so.Mapped["Initiative | None"] = so.relationship()  # noqa: F821
    memberships: so.Mapped[list["WorkingGroupMember"]] = so.relationship(
        back_populates="working_group", cascade="all, delete-orphan")
    tasks: so.Mapped[list["Task"]] = so.relationship(back_populates="working_group",
                                                     order_by="Task.due_date")

    @property
    def title(self) -> str:
        return self.name

    def participating_org_ids(self) -> set[int]:
        return {self.owner_organization_id} | {m.user.organization_id for m in self.memberships}

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """participating_org_ids() in SQL: one of `org_ids` owns the group or has a member in it."""
        from app.models.user import User

        member = so.aliased(User)  # aliased: never correlate with a User in the outer query
        return sa.or_(cls.owner_organization_id.in_(org_ids),
                      sa.exists().where(WorkingGroupMember.working_group_id == cls.id,
                                        WorkingGroupMember.user_id == member.id,
                                        member.organization_id.in_(org_ids)))

    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.memberships}

    def membership_of(self, user_id: int) -> "WorkingGroupMember | None":
        return next((m for m in self.memberships if m.user_id == user_id), None)

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.reference} {self.status}>"


class WorkingGroupMember(db.Model):
    __tablename__ = "working_group_members"

    working_group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)
    role: so.Mapped[MemberRole] = so.mapped_column(enum_column_type(MemberRole), default=MemberRole.MEMBER)
    joined_at: so.Mapped[datetime | None]

    working_group: so.Mapped[WorkingGroup] = so.relationship(back_populates="memberships")
    user: so.Mapped["User"] = so.relationship()  # noqa: F821


class TaskStatus(LabelledEnum):
    TO_DO = "todo", "To do"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"


class TaskPriority(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(TaskPriority).index(self)


T = TaskStatus


# My tasks' default order (open first, then by due date, the undated last) as the index ix_tasks_assignee_order
# holds it: written without parameters, so that the databases match the statement's ORDER BY to the index's
# expressions and read a person's live tasks in order, stopping at the page, instead of sorting every one.
OPEN_FIRST = "(status = 'done')"
UNDATED_LAST = "coalesce(due_date, '9999-12-31')"


class Task(LifecycleMixin, RecordMixin, db.Model):
    __tablename__ = "tasks"
    # Read from the index, not the rows: a group's overdue tasks (the dashboard's per-group counts), and a
    # person's open tasks (their counts and nearest due dates; it serves every lookup by assignee). A person's
    # live tasks by group (My tasks and the dashboard's counts): one range per visible group instead of every
    # task of theirs checked against the visible groups one by one (at 10,000 of them, 8 → 3 ms). A person's
    # live tasks by due date: the dashboard's first few read in order, stopping early (7.6 → 1.6 ms).
    __table_args__ = (sa.Index("ix_tasks_group_due", "working_group_id", "due_date", "status", "archived_at"),
                      sa.Index("ix_tasks_assignee_open", "assignee_id", "status", "due_date", "archived_at",
                               "working_group_id"),
                      sa.Index("ix_tasks_assignee_live", "assignee_id", "archived_at", "working_group_id", "status",
                               "due_date"),
                      sa.Index("ix_tasks_assignee_due", "assignee_id", "archived_at", "due_date", "status",
                               "working_group_id"),
                      sa.Index("ix_tasks_assignee_order", "assignee_id", "archived_at", sa.text(OPEN_FIRST),
                               sa.text(UNDATED_LAST), "id"))
    TRANSITIONS = TaskStatus.lifecycle("todo ⇄ in_progress ⇄ blocked ⇄ todo",
                                       "todo | in_progress | blocked → done → in_progress")
    NOUN = "A task"
    NOT_STARTED = T.TO_DO  # assigned work not begun: "Newly assigned" in the inbox
    DEFAULTS = {"status": TaskStatus.TO_DO, "priority": TaskPriority.MEDIUM}

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    working_group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("working_groups.id"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))  # ix_tasks_assignee_open
    due_date: so.Mapped[date | None] = so.mapped_column(index=True)
    priority: so.Mapped[TaskPriority] = so.mapped_column(enum_column_type(TaskPriority), default=TaskPriority.MEDIUM)
    status: so.Mapped[TaskStatus] = so.mapped_column(enum_column_type(TaskStatus), index=True)
    completed_at: so.Mapped[datetime | None]

    working_group: so.Mapped[WorkingGroup] = so.relationship(back_populates="tasks")
    assignee: so.Mapped["User | None"] = so.relationship(foreign_keys=[assignee_id])  # noqa: F821
    updates: so.Mapped[list["TaskUpdate"]] = so.relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskUpdate.created_at")

    @property
    def is_overdue(self) -> bool:
        return self.status is not TaskStatus.DONE and self.due_date is not None and self.due_date < today()

    @property
    def is_due_this_week(self) -> bool:
        return (self.status is not TaskStatus.DONE and self.due_date is not None
                and today() <= self.due_date <= today() + timedelta(days=7))

    @property
    def is_open(self) -> bool:
        return self.status is not TaskStatus.DONE and not self.is_archived

    @property
    def days_until_due(self) -> int | None:
        return None if self.due_date is None else (self.due_date - today()).days

    @property
    def tlp(self) -> TLP:
        """A task is shared under its working group's label."""
        return self.working_group.tlp

    def participating_org_ids(self) -> set[int]:
        """Tasks take the participation (and so the visibility) of their working group."""
        return self.working_group.participating_org_ids()

    def mark_completion(self) -> None:
        """Keep completed_at in step with the status: set on done, cleared when reopened."""
        if self.status is TaskStatus.DONE:
            self.completed_at = self.completed_at or utcnow()
        else:
            self.completed_at = None

    @classmethod
    def open_condition(cls):
        """Work still to do: not done, not archived (is_open)."""
        return sa.and_(cls.status != TaskStatus.DONE, cls.archived_at.is_(None))

    @classmethod
    def overdue_condition(cls, on: date | None = None):
        return sa.and_(cls.status != TaskStatus.DONE, cls.due_date < (on or today()))

    @classmethod
    def due_within_condition(cls, days: int, on: date | None = None):
        """Open tasks due between today and `days` days from now (inclusive)."""
        start = on or today()
        return sa.and_(cls.status != TaskStatus.DONE, cls.due_date >= start,
                       cls.due_date <= start + timedelta(days=days))

    @classmethod
    def priority_rank(cls):
        """SQL expression ordering priorities low < medium < high < critical (not alphabetical)."""
        return sa.case({p.value: p.rank for p in TaskPriority}, value=cls.priority, else_=0)

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.status}>"


class TaskUpdate(TimestampMixin, db.Model):
    __tablename__ = "task_updates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    from_status: so.Mapped[TaskStatus | None] = so.mapped_column(enum_column_type(TaskStatus))
    to_status: so.Mapped[TaskStatus | None] = so.mapped_column(enum_column_type(TaskStatus))

    task: so.Mapped[Task] = so.relationship(back_populates="updates")
    author: so.Mapped["User"] = so.relationship()  # noqa: F821
