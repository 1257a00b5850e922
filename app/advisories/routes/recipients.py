"""The recipients' steps: acknowledge, and turn the advisory into action in one step (a risk in their own
register, or tasks in one of their working groups)."""
from flask import flash
from flask import redirect
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.advisories import bp
from app.advisories import distribution
from app.advisories.forms import AcknowledgeForm
from app.advisories.forms import RiskFromRecordForm
from app.advisories.forms import TasksFromAdvisoryForm
from app.advisories.routes import get_visible_advisory
from app.extensions import db
from app.models import WorkingGroup


def _back(advisory, anchor: str = "recipients"):
    return url_for(".detail", advisory_id=advisory.id, _anchor=anchor)


@bp.post("/<int:advisory_id>/acknowledge")
def acknowledge(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(permissions.can_acknowledge_advisory(current_user, advisory))
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        return lifecycle.refused_form(form, _back(advisory))
    changed = distribution.acknowledge(current_user, advisory, form.status.data, form.note.data)
    flash(f"Acknowledged for {current_user.organization.name}: {form.status.data.label.lower()}."
          if changed else "Nothing changed: that acknowledgement was already recorded.", "success")
    return redirect(_back(advisory))


@bp.post("/<int:advisory_id>/risk")
def open_risk(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(permissions.can_act_on_advisory(current_user, advisory))
    form = RiskFromRecordForm()
    if not form.validate_on_submit():
        return lifecycle.refused_form(form, _back(advisory, "act"))
    risk = distribution.open_risk(current_user, advisory, **form.model_data())
    return lifecycle.saved(f"Risk {risk.reference} opened in your register from {advisory.reference}.",
                           url_for("risks.detail", risk_id=risk.id))


@bp.post("/<int:advisory_id>/tasks")
def add_tasks(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(permissions.can_act_on_advisory(current_user, advisory))
    groups = [g for g in db.session.scalars(permissions.visible_working_groups(current_user)
                                            .where(WorkingGroup.archived_at.is_(None)))
              if permissions.can_add_task(current_user, g)]
    form = TasksFromAdvisoryForm(groups=groups)
    if not form.validate_on_submit():
        return lifecycle.refused_form(form, _back(advisory, "act"))
    group = next(g for g in groups if g.id == form.working_group_id.data)
    tasks = distribution.add_tasks(current_user, advisory, group, form.task_titles(), form.due_date.data)
    return lifecycle.saved(f"{len(tasks)} task(s) added to {group.name} from {advisory.reference}.",
                           url_for("working_groups.detail", working_group_id=group.id))
