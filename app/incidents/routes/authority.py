"""The authority's side: acknowledge a stage, request an intermediate report, close the case, open a
risk from the report; and the operator's status steps (contained, resolved)."""
from flask import flash
from flask import redirect
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.extensions import db
from app.incidents import bp
from app.incidents import services
from app.incidents.forms import RequestForm
from app.incidents.forms import RiskFromIncidentForm
from app.incidents.forms import StatusForm
from app.incidents.routes import get_report_stage
from app.incidents.routes import get_visible_report
from app.incidents.routes import zone_name
from app.models import IncidentStatus

DONE = {IncidentStatus.CONTAINED: "Incident marked contained.", IncidentStatus.RESOLVED: "Incident marked resolved.",
        IncidentStatus.CLOSED: "Case closed."}


@bp.post("/<int:incident_id>/stages/<int:stage_id>/acknowledge")
def acknowledge(incident_id: int, stage_id: int):
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_acknowledge_incident_stage(current_user, report))
    stage = get_report_stage(report, stage_id)
    return lifecycle.act(report, lambda: services.acknowledge_stage(current_user, report, stage),
                         back=url_for(".detail", incident_id=report.id, _anchor=f"stage-{stage.id}"),
                         done=f"{stage.kind.label} acknowledged.", unchanged=f"{stage.kind.label} was already acknowledged.",
                         refused=(services.StageUnavailable,))


@bp.post("/<int:incident_id>/intermediate")
def request_intermediate(incident_id: int):
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_request_incident_stage(current_user, report))
    form = RequestForm(zone_name=zone_name())
    back = url_for(".detail", incident_id=report.id)
    if not form.validate_on_submit():
        flash(f"Nothing was requested. {lifecycle.problems(form)}", "danger")
        return redirect(back)
    if form.is_stale(report):
        flash("Nothing was requested: the report changed since you opened it (perhaps this request was just "
              "sent). Check its stages, then ask again.", "warning")
        return redirect(back)
    try:
        services.request_intermediate(current_user, report, form.utc("due_at"), form.request_note.data or "")
    except services.IncidentInputError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back)
    return lifecycle.saved("Intermediate report requested: the operator's coordinators are told.", back)


@bp.post("/<int:incident_id>/status")
def change_status(incident_id: int):
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_change_incident_report_status(current_user, report))
    return lifecycle.change_status(report, StatusForm(), services.transition_incident_report,
                                   back=url_for(".detail", incident_id=report.id), done=lambda r: DONE[r.status])


@bp.route("/<int:incident_id>/risk", methods=["GET", "POST"])
def open_risk(incident_id: int):
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_open_risk_from_incident(current_user, report))
    form = RiskFromIncidentForm()
    if form.validate_on_submit():
        risk = services.open_risk(current_user, report, **form.model_data())
        return lifecycle.saved(f"Risk {risk.reference} opened from {report.reference}. Assign its mitigations "
                               "to the partners who must act.", url_for("risks.detail", risk_id=risk.id))
    return lifecycle.form_page("incidents/risk_form.html", form, report=report)
