"""Mitigations, nested under their risk: add, edit, status update, archive/restore."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import permissions
from app.attachments import services as attachment_services
from app.attachments.sniff import Refused
from app.conflicts import conflict_page
from app.extensions import db
from app.forms import EmptyForm
from app.models import InvalidTransition, Organization, StaleEdit, User
from app.risks import bp, services
from app.risks.forms import MitigationForm, MitigationStatusForm
from app.risks.routes import get_visible_mitigation, get_visible_risk
from app.shortcuts import back_to


def _choices(current_org_id: int | None = None) -> dict:
    """Active organisations (plus the one already assigned) and the people a coordinator may pick."""
    orgs = permissions.active_organizations(current_user)
    if current_org_id is not None:
        orgs = permissions.visible_organizations(current_user).where(
            (Organization.archived_at.is_(None)) | (Organization.id == current_org_id))
    users = permissions.visible_users(current_user).options(selectinload(User.organization))
    return {"organizations": db.session.scalars(orgs).all(), "users": db.session.scalars(users).all()}


def _back(risk_id: int):
    return redirect(url_for(".detail", risk_id=risk_id, _anchor="mitigations"))


@bp.route("/<int:risk_id>/mitigations/new", methods=["GET", "POST"])
def add_mitigation(risk_id: int):
    risk = get_visible_risk(risk_id)
    permissions.authorize(permissions.can_edit_risk(current_user, risk))
    form = MitigationForm(**_choices())
    if form.validate_on_submit():
        try:
            mitigation = services.create_mitigation(current_user, risk, **form.model_data())
        except services.AssigneeOutsideOrganization as exc:
            db.session.rollback()
            form.assigned_user_id.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Mitigation “{mitigation.title}” added.", "success")
            return _back(risk.id)
    return render_template("risks/mitigation_form.html", form=form, risk=risk, mitigation=None)


@bp.route("/<int:risk_id>/mitigations/<int:mitigation_id>/edit", methods=["GET", "POST"])
def edit_mitigation(risk_id: int, mitigation_id: int):
    risk, mitigation = get_visible_mitigation(risk_id, mitigation_id)
    permissions.authorize(permissions.can_edit_mitigation(current_user, mitigation))
    form = MitigationForm(obj=mitigation, **_choices(mitigation.assigned_organization_id))
    if not form.is_submitted():
        form.version.data = mitigation.version
    if form.validate_on_submit():
        try:
            services.update_mitigation(current_user, mitigation, expected_version=form.expected_version(),
                                       **form.model_data())
            db.session.commit()
        except (StaleEdit, StaleDataError):
            db.session.rollback()
            return conflict_page(mitigation, form, url_for(".edit_mitigation", risk_id=risk.id,
                                                           mitigation_id=mitigation.id))
        except services.AssigneeOutsideOrganization as exc:
            db.session.rollback()
            form.assigned_user_id.errors.append(str(exc))
        else:
            flash("Mitigation saved.", "success")
            return _back(risk.id)
    return render_template("risks/mitigation_form.html", form=form, risk=risk, mitigation=mitigation)


@bp.post("/<int:risk_id>/mitigations/<int:mitigation_id>/status")
def mitigation_status(risk_id: int, mitigation_id: int):
    """Coordinators of the risk, or the assigned person (a member updating their own mitigation)."""
    risk, mitigation = get_visible_mitigation(risk_id, mitigation_id)
    permissions.authorize(permissions.can_update_mitigation_status(current_user, mitigation))
    form = MitigationStatusForm()
    if not form.validate_on_submit():
        problems = "; ".join(f"{form[name].label.text}: {errors[0]}" for name, errors in form.errors.items()
                             if name in form)
        flash(f"Status not updated. {problems}", "danger")
        return _back(risk.id)
    try:
        services.update_mitigation_status(current_user, mitigation, form.new_status.data,
                                          form.effectiveness.data, form.note.data)
        attachment_services.add_update_files(current_user, mitigation, request.files.getlist("files"))
    except (InvalidTransition, Refused) as exc:
        db.session.rollback()
        flash(f"Nothing was saved. {exc}" if isinstance(exc, Refused) else str(exc), "danger")
    else:
        db.session.commit()
        flash(f"“{mitigation.title}” is {mitigation.status.label.lower()} "
              f"({mitigation.effectiveness} % effective).", "success")
    return redirect(back_to(url_for(".detail", risk_id=risk.id, _anchor="mitigations")))


@bp.post("/<int:risk_id>/mitigations/<int:mitigation_id>/archive")
def archive_mitigation(risk_id: int, mitigation_id: int):
    risk, mitigation = get_visible_mitigation(risk_id, mitigation_id)
    permissions.authorize(permissions.can_archive_mitigation(current_user, mitigation))
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.archive_mitigation(current_user, mitigation)
    db.session.commit()
    flash(f"Mitigation “{mitigation.title}” archived.", "success")
    return _back(risk.id)


@bp.post("/<int:risk_id>/mitigations/<int:mitigation_id>/restore")
def restore_mitigation(risk_id: int, mitigation_id: int):
    risk, mitigation = get_visible_mitigation(risk_id, mitigation_id)
    permissions.authorize(permissions.can_archive_mitigation(current_user, mitigation))
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.restore_mitigation(current_user, mitigation)
    db.session.commit()
    flash(f"Mitigation “{mitigation.title}” restored.", "success")
    return _back(risk.id)
