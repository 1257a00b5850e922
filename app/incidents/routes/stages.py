"""Submitting a stage on its clock (the operator's coordinators and members)."""
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.extensions import db
from app.incidents import bp
from app.incidents import clocks
from app.incidents import services
from app.incidents.forms import StageForm
from app.incidents.routes import get_visible_report
from app.incidents.routes import zone_name
from app.models import StageKind
from app.models import utcnow

STAGE_KINDS = "any(" + ", ".join(k.value for k in StageKind) + ")"


@bp.route(f"/<int:incident_id>/stages/<{STAGE_KINDS}:stage_kind>", methods=["GET", "POST"])
def submit_stage(incident_id: int, stage_kind: str):
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_submit_incident_stage(current_user, report))
    kind = StageKind(stage_kind)
    stage = services.open_stage(report, kind)
    back = url_for(".detail", incident_id=report.id)
    if stage is None:
        flash("The final report is due one month after the notification: submit the notification first."
              if kind is StageKind.FINAL else
              f"The {kind.label.lower()} was already submitted; send a correction as an intermediate report.",
              "warning")
        return redirect(back)
    form = StageForm(kind=kind, version=report.version)
    submitted = form.validate_on_submit()
    if submitted and form.is_stale(report):
        form.form_errors.append("The report changed since you opened this form (a stage was submitted or its status "
                                "changed), so nothing was submitted. Check the report, then submit again.")
        form.version.data = report.version  # submitting this page again is a deliberate second submission
        return _page(report, kind, stage, form), 409
    if submitted:
        try:
            sent = services.submit_stage(current_user, report, kind, **form.model_data())
        except services.StageUnavailable as exc:
            db.session.rollback()
            flash(str(exc), "warning")
            return redirect(back)
        late = f" ({clocks.span(sent.late_by)} late)" if sent.late_by else ""
        return lifecycle.saved(f"{kind.label} submitted{late} and issued as a sealed PDF.", back)
    if form.errors and not form.is_submitted():
        abort(400)
    return _page(report, kind, stage, form), 400 if form.errors else 200


def _page(report, kind: StageKind, stage, form: StageForm) -> str:
    return render_template("incidents/stage_form.html", report=report, kind=kind, stage=stage, form=form,
                           clock=clocks.clock(stage, zone_name(), utcnow()))
