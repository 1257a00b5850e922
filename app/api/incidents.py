"""Incident reports and their stages: list (the incident list's filters), detail with the stages, file a
report, update it while open, status steps, submit a stage on its clock, and the authority's acknowledgement
and request for an intermediate report; a submitted stage's sealed PDF (the page's own bytes).

/api/v1/incidents/, /api/v1/incidents/<id> (GET, PATCH with If-Match), POST …/<id>/transitions,
POST …/<id>/stages/ (If-Match), POST …/<id>/stages/<stage_id>/acknowledgement,
POST …/<id>/intermediate-requests (If-Match), GET …/<id>/stages/<stage_id>.pdf.
"""
import re
from datetime import UTC
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import Field
from sqlalchemy.orm import selectinload

from app import permissions
from app.api import bp
from app.api import paging
from app.api import refused
from app.api import writes
from app.api.paging import ListQuery
from app.api.paging import Page
from app.api.schemas import Body
from app.api.schemas import IfMatch
from app.api.schemas import OrganizationRef
from app.api.schemas import RecordOut
from app.api.schemas import Text
from app.api.schemas import transition_of
from app.api.spec import Responses
from app.api.spec import spec
from app.errors import MAX_ID
from app.extensions import db
from app.incidents import queries
from app.incidents import services
from app.lifecycle import get_visible
from app.models import TLP
from app.models import GeographicSpread
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import Organization
from app.models import Sector
from app.models import Significance
from app.models import StageKind
from app.models import SuspectedCause

TAGS = ("Incident reports",)
MARKDOWN_MAX = 100_000  # as the incident forms (app/incidents/forms.py)
COUNTRY = re.compile(r"^[A-Z]{2}$")


def _utc(value: datetime | None) -> datetime | None:
    """A time without an offset is UTC (the API's clock); one with an offset is converted."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


Moment = Annotated[datetime, AfterValidator(_utc)]


class StageOut(RecordOut):
    kind: StageKind
    due_at: datetime | None
    requested_at: datetime | None
    request_note: str
    submitted_at: datetime | None
    body: str
    malicious_suspected: bool | None
    cross_border_suspected: bool | None
    root_cause: str
    mitigations_applied: str
    cross_border_impact: str
    late_by_seconds: int | None = Field(None, description="How late the stage was submitted.")
    acknowledged_at: datetime | None
    document_id: int | None = Field(description="Its sealed PDF, once submitted.")


class IncidentOut(RecordOut):
    reference: str
    title: str
    status: IncidentStatus
    tlp: TLP
    summary: str
    sectors: list[Sector]
    services_affected: str
    aware_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    users_affected: int | None
    duration: int | None = Field(description="Minutes the service was disrupted, as the operator assesses it.")
    geographic_spread: GeographicSpread
    countries_affected: str
    suspected_cause: SuspectedCause
    significance: Significance
    owner_organization: OrganizationRef
    authority_organization: OrganizationRef
    stages: list[StageOut] = Field(description="In the order the clocks run.")
    version: int = Field(description="The lock version: send it back in If-Match to change the report.")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class IncidentListQuery(ListQuery):
    status: IncidentStatus | None = None
    significance: Significance | None = None
    tlp: TLP | None = None
    sector: Sector | None = None
    cross_border: bool = Field(False, description="Only cross-border incidents.")
    overdue: bool = Field(False, description="Only open reports with a stage past its deadline.")
    queue: str | None = Field(None, pattern="^(received|sent)$",
                              description="received: reports to your organisation; sent: reports it filed.")
    archived: bool = Field(False, description="Archived reports instead of live ones.")


def _dump(report: IncidentReport) -> dict:
    out = IncidentOut.model_validate(report)
    stages = report.ordered_stages()
    out.stages = [StageOut.model_validate(s).model_copy(update={
        "late_by_seconds": int(s.late_by.total_seconds()) if s.late_by else None}) for s in stages]
    return out.model_dump(mode="json")


def _answer(report: IncidentReport):
    return writes.with_etag(jsonify(_dump(report)), report.version)


def get_visible_report(incident_id: int) -> IncidentReport:
    """The report when the token's user may read it (404 otherwise, as on the pages)."""
    return get_visible(IncidentReport, incident_id, *queries.ROW_OPTIONS, selectinload(IncidentReport.stages))


def _stage(report: IncidentReport, stage_id: int) -> IncidentReportStage:
    """A stage only through its (visible) report: another report's stage id is 404."""
    return db.first_or_404(sa.select(IncidentReportStage).where(  # scoped: the report came from its visible_* scope
        IncidentReportStage.id == stage_id, IncidentReportStage.incident_report_id == report.id))


@bp.get("/incidents/")
@spec.validate(query=IncidentListQuery, resp=Responses(HTTP_200=Page[IncidentOut]), tags=TAGS)
def list_incidents():
    """The incident reports the token's user may read, with the incident list's filters."""
    return paging.listed(queries.list_incident_reports, IncidentReport.id, selectinload(IncidentReport.stages),
                         read_filters=queries.read_filters, dump=_dump)


@bp.get("/incidents/<int:incident_id>")
@spec.validate(resp=Responses(HTTP_200=IncidentOut), tags=TAGS)
def get_incident(incident_id: int):
    """One report with its stages; its ETag is its version."""
    return _answer(get_visible_report(incident_id))


@bp.get("/incidents/<int:incident_id>/stages/<int:stage_id>.pdf")
@spec.validate(tags=TAGS)
def incident_stage_document(incident_id: int, stage_id: int):
    """A submitted stage's sealed PDF: the bytes issued when it was submitted, as the report page serves them."""
    _stage(get_visible_report(incident_id), stage_id)
    return current_app.view_functions["documents.incident_stage"](incident_id=incident_id, stage_id=stage_id)


class ReportFields(Body):
    summary: Text(MARKDOWN_MAX) = None
    sectors: list[Sector] = Field(None, min_length=1, max_length=len(Sector))
    services_affected: Text(20_000) = None
    started_at: Moment | None = None
    ended_at: Moment | None = Field(None, description="Null while the incident is ongoing.")
    users_affected: int | None = Field(None, ge=0, le=10**9)
    duration: int | None = Field(None, ge=0, le=10**7)
    geographic_spread: GeographicSpread = None
    countries_affected: Text(200) = Field(None, description="ISO 3166 codes separated by commas, e.g. BE,FR.")
    suspected_cause: SuspectedCause = None
    significance: Significance = None


class IncidentIn(ReportFields):
    """A new report to a competent authority or CSIRT; its clocks run from aware_at."""

    authority_organization_id: int = Field(ge=1, le=MAX_ID)
    title: Text(200, required=True)
    aware_at: Moment
    sectors: list[Sector] = Field(min_length=1, max_length=len(Sector))
    tlp: TLP = Field(TLP.AMBER_STRICT, description="amber_strict or amber.")


class IncidentPatch(ReportFields):
    """What the operator learned (any subset). The authority, aware_at and the TLP are not changed."""

    title: Text(200, required=True) = None


def _fields(model: BaseModel, report: IncidentReport | None = None) -> dict:
    fields = model.model_dump(exclude_unset=True)
    if "countries_affected" in fields or "geographic_spread" in fields:
        raw = fields.get("countries_affected", report.countries_affected if report else "")
        codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
        if any(not COUNTRY.match(c) for c in codes):
            raise writes.field_error("countries_affected", "Use two-letter ISO 3166 codes.")
        spread = fields.get("geographic_spread", report.geographic_spread if report else None)
        if spread is GeographicSpread.CROSS_BORDER and len(codes) < 2:
            raise writes.field_error("countries_affected",
                                     "A cross-border incident affects at least two countries: name them.")
        fields["countries_affected"] = ",".join(dict.fromkeys(codes))
    if "sectors" in fields:
        fields["sectors"] = sorted(set(fields["sectors"]), key=lambda sector: sector.value)
    return fields


@bp.post("/incidents/")
@spec.validate(json=IncidentIn, resp=Responses(HTTP_201=IncidentOut), tags=TAGS)
def create_incident():
    """File an incident report with a competent authority, as the Report an incident form does."""
    permissions.authorize(permissions.can_create_incident_report(current_user))
    fields = _fields(request.context.json)
    authority = db.session.scalar(permissions.visible_organizations(current_user)
                                  .where(Organization.id == fields.pop("authority_organization_id")))
    with refused():
        report = services.create_incident_report(current_user, authority=authority, **fields)
    return writes.created(_answer(report), url_for("api.get_incident", incident_id=report.id))


@bp.patch("/incidents/<int:incident_id>")
@spec.validate(json=IncidentPatch, headers=IfMatch, resp=Responses(HTTP_200=IncidentOut), tags=TAGS)
def update_incident(incident_id: int):
    """Update what the operator learned: If-Match must name the report's current version."""
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_edit_incident_report(current_user, report))
    version = writes.expected_version(report)
    fields = _fields(request.context.json, report)
    with refused():
        services.update_incident_report(current_user, report, expected_version=version, **fields)
    return _answer(report)


IncidentTransition = transition_of(IncidentStatus, "contained, resolved (the operator), closed (the authority).")


@bp.post("/incidents/<int:incident_id>/transitions")
@spec.validate(json=IncidentTransition, resp=Responses(HTTP_200=IncidentOut), tags=TAGS)
def transition_incident(incident_id: int):
    """Mark the incident contained or resolved, or close the case, as the report's status buttons do."""
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_change_incident_report_status(current_user, report))
    with refused():
        services.transition_incident_report(current_user, report, request.context.json.status)
    return _answer(report)


class StageIn(Body):
    """A stage's text: every stage has a body; the early warning says whether malicious or cross-border impact
    is suspected; the final report gives root cause, mitigations applied and cross-border impact."""

    kind: StageKind
    body: Text(MARKDOWN_MAX, required=True)
    malicious_suspected: bool = None
    cross_border_suspected: bool = None
    root_cause: Text(MARKDOWN_MAX) = None
    mitigations_applied: Text(MARKDOWN_MAX) = None
    cross_border_impact: Text(20_000) = None


REQUIRED = {StageKind.EARLY_WARNING: ("malicious_suspected", "cross_border_suspected"),
            StageKind.FINAL: ("root_cause", "mitigations_applied", "cross_border_impact")}


@bp.post("/incidents/<int:incident_id>/stages/")
@spec.validate(json=StageIn, headers=IfMatch, resp=Responses(HTTP_201=StageOut), tags=TAGS)
def submit_incident_stage(incident_id: int):
    """Submit the stage of this kind that awaits submission (an intermediate report may also be sent unasked,
    as a correction). If-Match names the report's version, so a replayed submission is refused (412)."""
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_submit_incident_stage(current_user, report))
    writes.expected_version(report)
    stage_in = request.context.json
    fields = stage_in.model_dump(exclude_unset=True, exclude={"kind"})
    for name in REQUIRED.get(stage_in.kind, ()):
        if not fields.get(name) and fields.get(name) is not False:
            raise writes.field_error(name, f"The {stage_in.kind.label.lower()} needs {name.replace('_', ' ')}.")
    with refused():
        stage = services.submit_stage(current_user, report, stage_in.kind, **fields)
    response = jsonify(StageOut.model_validate(stage).model_copy(update={
        "late_by_seconds": int(stage.late_by.total_seconds()) if stage.late_by else None}).model_dump(mode="json"))
    return writes.created(writes.with_etag(response, report.version),
                          url_for("api.incident_stage_document", incident_id=report.id, stage_id=stage.id))


@bp.post("/incidents/<int:incident_id>/stages/<int:stage_id>/acknowledgement")
@spec.validate(resp=Responses(HTTP_200=IncidentOut), tags=TAGS)
def acknowledge_incident_stage(incident_id: int, stage_id: int):
    """The authority confirms receipt of a submitted stage (again: nothing changes)."""
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_acknowledge_incident_stage(current_user, report))
    stage = _stage(report, stage_id)
    with refused():
        services.acknowledge_stage(current_user, report, stage)
    return _answer(report)


class IntermediateRequest(Body):
    due_at: Moment = Field(description="When the intermediate report is due (in the future).")
    note: Text(20_000) = Field("", description="What the authority needs.")


@bp.post("/incidents/<int:incident_id>/intermediate-requests")
@spec.validate(json=IntermediateRequest, headers=IfMatch, resp=Responses(HTTP_200=IncidentOut), tags=TAGS)
def request_intermediate_report(incident_id: int):
    """The authority asks the operator for an intermediate report; If-Match names the report's version
    (a replayed request is refused, 412)."""
    report = get_visible_report(incident_id)
    permissions.authorize(permissions.can_request_incident_stage(current_user, report))
    writes.expected_version(report)
    step = request.context.json
    with refused():
        services.request_intermediate(current_user, report, step.due_at, step.note)
    return _answer(report)
