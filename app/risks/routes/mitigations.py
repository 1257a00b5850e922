"""Mitigations, nested under their risk: add, edit, status update, archive/restore."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle
from app import permissions
from app.attachments import services as attachment_services
from app.attachments.sniff import Refused
from app.extensions import db
from app.forms import with_current
from app.models import Mitigation
from app.models import Organization
from app.models import User
from app.risks import bp
from app.risks import services
from app.risks.forms import MitigationForm
from app.risks.forms import MitigationStatusForm
from app.risks.routes import get_visible_mitigation
from app.risks.routes import get_visible_risk
from app.shortcuts import back_to


def _choices(mitigation: Mitigation | None = None) -> dict:
    """Active organisations and the people a coordinator may pick, plus the organisation and person
    already assigned (archived, deactivated), so that an unchanged save keeps them."""
    orgs = permissions.active_organizations(current_user)
    if mitigation is not None:
        orgs = permissions.visible_organizations(current_user).where(
            (Organization.archived_at.is_(None)) | (Organization.id == mitigation.assigned_organization_id))
    users = db.session.scalars(permissions.visible_users(current_user).options(selectinload(User.organization)))
    return {"organizations": db.session.scalars(orgs).all(),
            "users": with_current(users, [mitigation.assigned_user] if mitigation is not None else [])}


def _back(risk_id: int):
    return redirect(_back_url(risk_id))


def _back_url(risk_id: int) -> str:
    return url_for(".detail", risk_id=risk_id, _anchor="mitigations")


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
            flash(f"Mitigation “{mitigation.title}” added.", "success")
            return _back(risk.id)
    return render_template("risks/mitigation_form.html", form=form, risk=risk, mitigation=None)


@bp.route("/<int:risk_id>/mitigations/<int:mitigation_id>/edit", methods=["GET", "POST"])
def edit_mitigation(risk_id: int, mitigation_id: int):
    risk, mitigation = get_visible_mitigation(risk_id, mitigation_id)
    permissions.authorize(permissions.can_edit_mitigation(current_user, mitigation))
    form = MitigationForm(obj=mitigation, **_choices(mitigation))
    if form.validate_on_submit():
        try:
            with lifecycle.saving(mitigation, form, url_for(".edit_mitigation", risk_id=risk.id,
                                                            mitigation_id=mitigation.id)) as saved:
                services.update_mitigation(current_user, mitigation, expected_version=form.expected_version(),
                                           **form.model_data())
        except services.AssigneeOutsideOrganization as exc:
            form.assigned_user_id.errors.append(str(exc))
        else:
            return lifecycle.saved_or_unchanged(saved.changed, "Mitigation saved.", _back_url(risk.id))
    return render_template("risks/mitigation_form.html", form=form, risk=risk, mitigation=mitigation)


@bp.post("/<int:risk_id>/mitigations/<int:mitigation_id>/status")
def mitigation_status(risk_id: int, mitigation_id: int):
    """Coordinators of the risk, or the assigned person (a member updating their own mitigation)."""
    risk, mitigation = get_visible_mitigation(risk_id, mitigation_id)
    permissions.authorize(permissions.can_update_mitigation_status(current_user, mitigation))
    form = MitigationStatusForm()

    def step(actor, m, new_status):
        services.update_mitigation_status(actor, m, new_status, form.effectiveness.data, form.note.data)
        try:
            attachment_services.add_update_files(actor, m, request.files.getlist("files"))
        except Refused as exc:  # the whole update is refused with its files
            raise Refused(f"Nothing was saved. {exc}") from exc

    return lifecycle.change_status(
        mitigation, form, step, refused=(Refused,),
        back=back_to(url_for(".detail", risk_id=risk.id, _anchor="mitigations")),
        done=lambda m: f"“{m.title}” is {m.status.label.lower()} ({m.effectiveness} % effective).")


@bp.post("/<int:risk_id>/mitigations/<int:mitigation_id>/archive", endpoint="archive_mitigation")
@bp.post("/<int:risk_id>/mitigations/<int:mitigation_id>/restore", endpoint="restore_mitigation")
def archive_or_restore_mitigation(risk_id: int, mitigation_id: int):
    _, mitigation = get_visible_mitigation(risk_id, mitigation_id)
    return lifecycle.archive_or_restore(mitigation, services.archive_mitigation, f"Mitigation “{mitigation.title}”",
                                        back=url_for(".detail", risk_id=risk_id, _anchor="mitigations"), note="")
