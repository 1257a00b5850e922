"""Task pages: My tasks (the list), detail with its updates timeline, edit, status updates, archive.

Every view loads its task through get_visible_task(): tasks take the visibility of their working
group, so a task of a group the user may not read is 404 on every sub-route.
"""
import functools

import sqlalchemy as sa
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape
from sqlalchemy.orm import selectinload

from app import lifecycle
from app import listing
from app import permissions
from app import precompiled
from app import records
from app.attachments import services as attachment_services
from app.attachments.sniff import Refused
from app.extensions import db
from app.forms import TaskForm
from app.forms import with_current
from app.kept import kept
from app.models import Task
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import TaskUpdate
from app.models import WorkingGroup
from app.shortcuts import back_to
from app.tasks import bp
from app.tasks import queries
from app.tasks import services
from app.tasks.forms import TaskStatusForm
from app.template_helpers import select_options

CSV_COLUMNS = [
    ("Title", lambda t: t.title),
    ("Working group", lambda t: f"{t.working_group.reference} {t.working_group.name}"),
    ("TLP", lambda t: t.working_group.tlp),
    ("Assignee", lambda t: t.assignee.name if t.assignee else ""),
    ("Assignee organisation", lambda t: t.assignee.organization.name if t.assignee else ""),
    ("Due date", lambda t: t.due_date),
    ("Overdue", lambda t: t.is_overdue),
    ("Priority", lambda t: t.priority),
    ("Status", lambda t: t.status),
    ("Completed", lambda t: t.completed_at),
    ("Updated", lambda t: t.updated_at),
]


def get_visible_task(task_id: int) -> Task:
    return lifecycle.get_visible(Task, task_id)


@bp.get("/")
def index():
    filters = queries.read_filters(request.args)
    if listing.wants_csv():
        return listing.csv_response(db.session.scalars(queries.list_tasks(current_user, filters)), CSV_COLUMNS,
                                    "tasks.csv")
    page = listing.paginate(queries.list_tasks(current_user, filters, queries.PAGE_LOADS))
    return render_template("tasks/index.html", page=page, scope=filters["scope"], args=request.args,
                           groups=kept("task_group_options", current_user, _group_options), statuses=TaskStatus,
                           priorities=TaskPriority)


def _group_options() -> Markup:
    """The group filter's <option>s (every visible, unarchived group: 500 at scale), written once per reader's
    scope and content generation (app/kept.py) from light rows of a statement compiled once per scope."""
    groups = precompiled.rows(permissions.scoped_statements("task_group_options", current_user, lambda: (
        permissions.visible_working_groups(current_user).where(WorkingGroup.archived_at.is_(None))
        .order_by(WorkingGroup.name).with_only_columns(WorkingGroup.id, WorkingGroup.name))))
    return select_options(groups, "")


@bp.app_template_global()
@functools.cache
def quick_status_options(status: TaskStatus) -> Markup:
    """The quick update's <option>s for a task in `status` (the moves its lifecycle allows, in the statuses'
    order): the same for every row of that status, so written once per process, not once per row."""
    allowed = Task.TRANSITIONS[status]
    return Markup("".join(f'\n        <option value="{escape(s.value)}">{escape(s.label)}</option>'
                          for s in TaskStatus if s in allowed))


def render_detail(task: Task, status_form: TaskStatusForm | None = None, status: int = 200):
    updates = db.session.scalars(sa.select(TaskUpdate).where(TaskUpdate.task_id == task.id)
                                 .options(selectinload(TaskUpdate.author))  # scoped: task from get_visible_task
                                 .order_by(TaskUpdate.created_at.desc(), TaskUpdate.id.desc())).all()
    if status_form is None:
        status_form = TaskStatusForm(formdata=None, task=task)
        status_form.version.data = task.version
    return render_template("tasks/detail.html", task=task, group=task.working_group, updates=updates,
                           status_form=status_form,
                           allowed=sorted(task.allowed_transitions(), key=lambda s: list(TaskStatus).index(s)),
                           events=records.history(task, limit=10)), status


@bp.get("/<int:task_id>")
def detail(task_id: int):
    return render_detail(get_visible_task(task_id))


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
def edit(task_id: int):
    task = get_visible_task(task_id)
    permissions.authorize(permissions.can_edit_task(current_user, task))
    group = task.working_group
    members = [m.user for m in group.memberships if m.user.active or m.user_id == task.assignee_id]
    # The current assignee stays choosable (deactivated, or no longer a member once the task was done),
    # so that an unchanged save keeps them.
    members = with_current(members, [task.assignee])
    form = TaskForm(obj=task if request.method == "GET" else None,
                    members=sorted(members, key=lambda u: u.name.lower()), is_new=False)
    if form.validate_on_submit():
        chosen = form.assignee_id.data
        assignee = (task.assignee if chosen == task.assignee_id
                    else group.membership_of(chosen).user if chosen else None)
        with lifecycle.saving(task, form, url_for(".edit", task_id=task.id)):
            changes = services.update_task(
                current_user, task, expected_version=form.expected_version(), title=form.title.data,
                description=form.description.data or "", assignee=assignee, due_date=form.due_date.data,
                priority=form.priority.data)
        return lifecycle.saved_or_unchanged(changes, "Task saved.", url_for(".detail", task_id=task.id))
    return lifecycle.form_page("tasks/form.html", form, task=task, group=group,
                               cancel_url=url_for(".detail", task_id=task.id))


@bp.get("/<int:task_id>/history")
def history(task_id: int):
    return lifecycle.history_page("tasks/history.html", task=get_visible_task(task_id))


@bp.post("/<int:task_id>/status")
def change_status(task_id: int):
    task = get_visible_task(task_id)
    permissions.authorize(permissions.can_update_task_status(current_user, task))
    form = TaskStatusForm(task=task)
    if not form.validate_on_submit():
        return render_detail(task, status_form=form, status=400)
    new_status = form.new_status.data

    def step(actor, t, status):
        update = services.update_task_status(actor, t, status, form.note.data or "")
        try:
            attachment_services.add_update_files(actor, t, request.files.getlist("files"), update_id=update.id)
        except Refused as exc:  # the whole update is refused with its files
            raise Refused(f"Nothing was saved. {exc}") from exc

    return lifecycle.change_status(
        task, form, step, refused=(Refused,),
        back=back_to(url_for(".detail", task_id=task_id, _anchor="updates")),
        done=lambda t: f"Status changed to {new_status.label.lower()}." if new_status else "Note added.")


@bp.post("/<int:task_id>/archive", endpoint="archive")
@bp.post("/<int:task_id>/restore", endpoint="restore")
def archive_or_restore(task_id: int):
    task = get_visible_task(task_id)
    return lifecycle.archive_or_restore(task, services.archive_task, "Task")
