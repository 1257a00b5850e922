"""Plan sections per NIST SP 800-61 phase: add, edit, archive ("delete") and restore, move up/down
within the phase."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle
from app.incident_plans import bp
from app.incident_plans import services
from app.incident_plans.forms import MoveForm
from app.incident_plans.forms import SectionForm
from app.incident_plans.routes import get_plan_section
from app.incident_plans.routes import get_visible_plan
from app.models import IncidentPlan
from app.models import Phase


def _load(plan_id: int) -> IncidentPlan:
    plan = get_visible_plan(plan_id, selectinload(IncidentPlan.sections))
    services.authorize_content_change(current_user, plan)
    return plan


def _back(plan_id: int, section_id: int | None = None):
    return redirect(_back_url(plan_id, section_id))


def _back_url(plan_id: int, section_id: int | None = None) -> str:
    anchor = f"section-{section_id}" if section_id else "sections"
    return url_for(".detail", plan_id=plan_id, _anchor=anchor)


@bp.route("/<int:plan_id>/sections/new", methods=["GET", "POST"])
def add_section(plan_id: int):
    plan = _load(plan_id)
    form = SectionForm()
    if request.method == "GET" and request.args.get("phase") in Phase.__members__.values():
        form.phase.data = Phase(request.args["phase"])
    if form.validate_on_submit():
        section = services.add_section(current_user, plan, phase=form.phase.data, title=form.title.data,
                                       body=form.body.data or "")
        flash(f"Section “{section.title}” added to {section.phase.label}.", "success")
        return _back(plan_id, section.id)
    return render_template("incident_plans/section_form.html", form=form, plan=plan, section=None)


@bp.route("/<int:plan_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
def edit_section(plan_id: int, section_id: int):
    plan = _load(plan_id)
    section = get_plan_section(plan, section_id)
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        with lifecycle.saving(section, form, url_for(".edit_section", plan_id=plan_id, section_id=section_id)) as saved:
            services.update_section(current_user, plan, section, expected_version=form.expected_version(),
                                    phase=form.phase.data, title=form.title.data, body=form.body.data or "")
        return lifecycle.saved_or_unchanged(saved.changed, "Section saved.", _back_url(plan_id, section_id))
    return render_template("incident_plans/section_form.html", form=form, plan=plan, section=section)


@bp.post("/<int:plan_id>/sections/<int:section_id>/delete")
def delete_section(plan_id: int, section_id: int):
    """Archives the section: it leaves the plan and its PDF, its text stays, it can be restored."""
    plan = _load(plan_id)
    section = get_plan_section(plan, section_id)
    message = (f"Section “{section.title}” removed from the plan. Its text is kept under “Removed sections” "
               "at the end of the procedures, where you can restore it.")
    return lifecycle.act(section, lambda: services.archive_section(current_user, plan, section),
                         back=url_for(".detail", plan_id=plan_id, _anchor="sections"), done=message,
                         unchanged=f"Section “{section.title}” was already removed from the plan.")


@bp.post("/<int:plan_id>/sections/<int:section_id>/restore")
def restore_section(plan_id: int, section_id: int):
    plan = _load(plan_id)
    section = get_plan_section(plan, section_id)
    return lifecycle.act(section, lambda: services.restore_section(current_user, plan, section),
                         back=url_for(".detail", plan_id=plan_id, _anchor=f"section-{section_id}"),
                         done=f"Section “{section.title}” restored to {section.phase.label}.",
                         unchanged=f"Section “{section.title}” is in the plan.")


@bp.post("/<int:plan_id>/sections/<int:section_id>/move")
def move_section(plan_id: int, section_id: int):
    plan = _load(plan_id)
    section = get_plan_section(plan, section_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash("Choose to move the section up or down.", "danger")
        return _back(plan_id, section_id)
    with lifecycle.saving(section, None, url_for(".detail", plan_id=plan_id, _anchor="sections")):
        moved = services.move_section(current_user, plan, section, form.direction.data)
    if not moved:
        flash(f"“{section.title}” is already {'first' if form.direction.data == 'up' else 'last'} "
              f"in {section.phase.label}.", "info")
    return _back(plan_id, section_id)
