"""The plan's contact and escalation roster: add, edit, delete contacts."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle
from app.incident_plans import bp
from app.incident_plans import services
from app.incident_plans.forms import CONTACT_ROLES
from app.incident_plans.forms import ContactForm
from app.incident_plans.routes import get_plan_contact
from app.incident_plans.routes import get_visible_plan
from app.models import IncidentPlan


def _load(plan_id: int) -> IncidentPlan:
    plan = get_visible_plan(plan_id, selectinload(IncidentPlan.contacts))
    services.authorize_content_change(current_user, plan)
    return plan


def _back(plan_id: int):
    return redirect(_back_url(plan_id))


def _back_url(plan_id: int) -> str:
    return url_for(".detail", plan_id=plan_id, _anchor="roster")


@bp.route("/<int:plan_id>/contacts/new", methods=["GET", "POST"])
def add_contact(plan_id: int):
    plan = _load(plan_id)
    form = ContactForm()
    if form.validate_on_submit():
        contact = services.add_contact(current_user, plan, **form.model_data())
        flash(f"{contact.name} added to the roster.", "success")
        return _back(plan_id)
    return render_template("incident_plans/contact_form.html", form=form, plan=plan, contact=None,
                           roles=CONTACT_ROLES)


@bp.route("/<int:plan_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
def edit_contact(plan_id: int, contact_id: int):
    plan = _load(plan_id)
    contact = get_plan_contact(plan, contact_id)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        with lifecycle.saving(contact, form, url_for(".edit_contact", plan_id=plan_id, contact_id=contact_id),
                              title=contact.name) as saved:
            services.update_contact(current_user, plan, contact, expected_version=form.expected_version(),
                                    **form.model_data())
        return lifecycle.saved_or_unchanged(saved.changed, "Contact saved.", _back_url(plan_id))
    return render_template("incident_plans/contact_form.html", form=form, plan=plan, contact=contact,
                           roles=CONTACT_ROLES)


@bp.post("/<int:plan_id>/contacts/<int:contact_id>/delete")
def delete_contact(plan_id: int, contact_id: int):
    plan = _load(plan_id)
    contact = get_plan_contact(plan, contact_id)
    message = f"{contact.name} removed from the roster."
    return lifecycle.act(contact, lambda: services.delete_contact(current_user, plan, contact),
                         back=url_for(".detail", plan_id=plan_id, _anchor="roster"), done=message)
