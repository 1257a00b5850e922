"""Incident list (the operator's reports, the authority's queue), new report, detail, history."""
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.extensions import db
from app.incidents import bp
from app.incidents import clocks
from app.incidents import queries
from app.incidents import services
from app.incidents.forms import IncidentEditForm
from app.incidents.forms import IncidentReportForm
from app.incidents.forms import RequestForm
from app.incidents.forms import RiskFromIncidentForm
from app.incidents.forms import StatusForm
from app.incidents.routes import get_visible_report
from app.incidents.routes import zone_name
from app.models import TLP
from app.models import Advisory
from app.models import IncidentReport
from app.models import IncidentStatus
from app.models import Organization
from app.models import Risk
from app.models import Sector
from app.models import Significance
from app.models import utcnow


@bp.get("/")
def index():
    zone = zone_name()
    return listing.list_page(
        queries.list_incident_reports(current_user, queries.read_filters(request.args)), queries.CSV_COLUMNS,
        "incidents.csv", "incidents/index.html", args=request.args, statuses=list(IncidentStatus),
        significances=list(Significance), tlps=list(TLP), sectors=list(Sector),
        local=lambda moment: clocks.local(moment, zone), is_authority=permissions.is_authority_coordinator(current_user),
        page_context=lambda page: {"next_clock": _next_clocks(page.items, zone)})


def _next_clocks(reports: list[IncidentReport], zone: str) -> dict:
    """Each report's clock of its next stage due (None when no stage awaits submission)."""
    now = utcnow()
    return {report.id: clocks.clock(waiting[0], zone, now) if (waiting := report.open_stages()) else None
            for report in reports}


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_incident_report(current_user))
    authorities = db.session.scalars(permissions.active_organizations(current_user).where(
        Organization.is_authority.is_(True), Organization.id != current_user.organization_id)).all()
    form = IncidentReportForm(authorities=authorities, zone_name=zone_name())
    if form.validate_on_submit():
        authority = next(a for a in authorities if a.id == form.authority_organization_id.data)
        with lifecycle.refusing(form, services.IncidentInputError):
            report = services.create_incident_report(
                current_user, authority=authority, **form.model_data(exclude=("authority_organization_id",)))
            return lifecycle.saved(f"Incident {report.reference} reported to {authority.name}. "
                                   "Submit the early warning next.", url_for(".detail", incident_id=report.id))
    return lifecycle.form_page("incidents/form.html", form, authorities=authorities, zone=zone_name())


@bp.get("/<int:incident_id>")
def detail(incident_id: int):
    report = get_visible_report(incident_id, *queries.ROW_OPTIONS)
    now, zone = utcnow(), zone_name()
    stages = [(stage, clocks.clock(stage, zone, now)) for stage in report.ordered_stages()]
    risks = db.session.scalars(permissions.visible_risks(current_user)
                               .where(Risk.incident_report_id == report.id).order_by(Risk.id)).all()
    advisories = db.session.scalars(permissions.visible_advisories(current_user)
                                    .where(Advisory.incident_reports.any(IncidentReport.id == report.id))
                                    .order_by(Advisory.id)).all()
    return render_template(
        "incidents/detail.html", report=report, stages=stages, zone=zone, now=now, risks=risks, advisories=advisories,
        local=lambda moment: clocks.local(moment, zone), events=records.history(report)[:10],
        status_form=StatusForm(formdata=None, version=report.version), request_form=RequestForm(formdata=None, version=report.version),
        risk_form=RiskFromIncidentForm(formdata=None))


@bp.route("/<int:incident_id>/edit", methods=["GET", "POST"])
def edit(incident_id: int):
    """The operator updates what it learned (the end of an ongoing incident, its impact); 409 when stale."""
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_edit_incident_report(current_user, report))
    zone = zone_name()
    form = IncidentEditForm(obj=report, zone_name=zone)
    if request.method == "GET":
        form.load_times(report)
    if form.validate_on_submit():
        with lifecycle.refusing(form, services.IncidentInputError):
            with lifecycle.saving(report, form, url_for(".edit", incident_id=report.id)):
                changes = services.update_incident_report(current_user, report,
                                                          expected_version=form.expected_version(),
                                                          **form.model_data())
            return lifecycle.saved_or_unchanged(changes, f"Incident {report.reference} updated.")
    return lifecycle.form_page("incidents/form.html", form, report=report, zone=zone,
                               local=lambda moment: clocks.local(moment, zone))


@bp.post("/<int:incident_id>/archive", endpoint="archive")
@bp.post("/<int:incident_id>/restore", endpoint="restore")
def archive_or_restore(incident_id: int):
    return lifecycle.archive_or_restore(get_visible_report(incident_id), services.archive_incident_report)


@bp.get("/<int:incident_id>/history")
def history(incident_id: int):
    return lifecycle.history_page("incidents/history.html", report=get_visible_report(incident_id))
