"""New task in a working group (/working-groups/<id>/tasks/new); the task pages live in app/tasks."""
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.forms import TaskForm
from app.models import WorkingGroup
from app.tasks import services as task_services
from app.working_groups import bp
from app.working_groups.routes import get_visible_working_group


def assignable_members(group: WorkingGroup) -> list:
    return sorted((m.user for m in group.memberships if m.user.active), key=lambda u: u.name.lower())


@bp.route("/<int:working_group_id>/tasks/new", methods=["GET", "POST"])
def add_task(working_group_id: int):
    group = get_visible_working_group(working_group_id)
    permissions.authorize(permissions.can_add_task(current_user, group))
    form = TaskForm(members=assignable_members(group), is_new=True)
    if form.validate_on_submit():
        assignee = group.membership_of(form.assignee_id.data).user if form.assignee_id.data else None
        task = task_services.create_task(current_user, group, title=form.title.data,
                                         description=form.description.data or "", assignee=assignee,
                                         due_date=form.due_date.data, priority=form.priority.data)
        return lifecycle.saved("Task created.", url_for("tasks.detail", task_id=task.id))
    return lifecycle.form_page("tasks/form.html", form, task=None, group=group,
                               cancel_url=url_for(".detail", working_group_id=group.id))
