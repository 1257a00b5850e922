"""Every PDF route. Each loads through the reader's visible_* scope (404 out of scope, exactly like
the HTML pages), is rate limited per user, and answers `attachment` + `no-store`."""
import re

import sqlalchemy as sa
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import permissions
from app.documents import bp
from app.documents import renders
from app.documents import specs
from app.documents.content import AGREEMENT_ISSUED
from app.documents.content import REGISTER_FILTERS
from app.documents.content import content_digest
from app.documents.executive import parse_edition
from app.documents.executive import previous_snapshot
from app.documents.executive import report_editions
from app.documents.services import KIND_AGREEMENT
from app.documents.services import KIND_EXECUTED
from app.documents.services import KIND_PLAN
from app.documents.services import KIND_PLAN_APPROVED
from app.documents.services import issued_documents
from app.documents.services import latest_issue
from app.extensions import db
from app.extensions import limiter
from app.models import Advisory
from app.models import Agreement
from app.models import Document
from app.models import IncidentPlan
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import Initiative
from app.models import PlanStatus
from app.models import RenderJob
from app.models import RenderStatus
from app.pdf import DocumentTooLarge
from app.pdf import RenderFailed
from app.pdf import failure_reason


def _rate_limit() -> str:
    return current_app.config.get("PDF_RATE_LIMIT", "30/minute")


def _rate_key() -> str:
    user_id = getattr(current_user, "id", None)
    return f"pdf-user:{user_id}" if user_id is not None else "pdf-anonymous"


# One budget per user across every PDF route: renders are the most expensive requests we serve.
pdf_rate_limit = limiter.shared_limit(_rate_limit, scope="pdf", key_func=_rate_key)


def pdf_response(content: bytes, filename: str) -> Response:
    safe_name = re.sub(r"[^A-Za-z0-9._+-]", "_", filename)[:150] or "document.pdf"
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def rendered(document: dict, title: str, extra: tuple = ()) -> Response:
    """A document known unchanged for this reader (served from the render cache without building it), else
    built and rendered by the worker (or found in the render cache there); a slow one answers a progress page.
    `document`: a specs.spec(); `title`: what the progress page calls it until built; `extra`: what the
    document shows beyond the records the content generation counts (renders.known_key)."""
    path = request.full_path.rstrip("?")
    key = renders.known_key(current_user, path, extra)
    known = renders.known_document(key)
    if known is not None:
        db.session.commit()  # the cache entry's use, at most once a minute
        return pdf_response(known[0].content, known[1])
    job = renders.request_build(current_user, document, title=title, source_url=path, known=key)
    db.session.commit()  # the worker must see the job before this request waits for it
    return _render_outcome(renders.wait_for(job.id, current_app.config["PDF_WAIT_SECONDS"]))


def _render_outcome(job: RenderJob | None) -> Response:
    # The worker has recorded the document as known for this request's key (renders.build_document).
    if job is not None and job.status == RenderStatus.DONE:
        cached = renders.cached_document(job.digest, with_content=True)
        if cached is not None:
            return pdf_response(cached.content, job.filename)
    if job is not None and job.status == RenderStatus.FAILED:
        error = (DocumentTooLarge(job.error) if job.error_code == 413
                 else specs.NoLongerVisible(job.error) if job.error_code == 404
                 else RenderFailed(job.error, reason=failure_reason(job.error or "")))
        return render_template("documents/too_large.html", error=error, code=job.error_code), job.error_code
    return redirect(url_for("documents.render_status", render_id=job.id), 303)


def issued(document: Document) -> Response:
    """The stored bytes of an issue, never re-rendered."""
    return pdf_response(document.content, document.filename)  # deferred column: loaded only here


def issued_or_back(document: Document | None, not_yet: str, back: str) -> Response:
    """The issue of a record's document, or, before there is one, back to the record's page with why."""
    if document is None:
        flash(not_yet, "info")
        return redirect(back)
    return issued(document)


@bp.get("/agreements/<int:agreement_id>.pdf")
@pdf_rate_limit
def agreement(agreement_id: int):
    record = db.first_or_404(permissions.visible_agreements(current_user).where(Agreement.id == agreement_id))
    if record.status in AGREEMENT_ISSUED:
        document = latest_issue(current_user, record, KIND_AGREEMENT)
        if document is not None:
            return issued(document)
    return rendered(specs.spec("agreement", record_id=record.id), f"{record.reference} — {record.title}")


@bp.get("/agreements/<int:agreement_id>/executed.pdf")
@pdf_rate_limit
def executed(agreement_id: int):
    """The sealed executed agreement (issued pages, signature page, certificate of completion)."""
    record = db.first_or_404(permissions.visible_agreements(current_user).where(Agreement.id == agreement_id))
    return issued_or_back(latest_issue(current_user, record, KIND_EXECUTED),
                          "This agreement has no executed document yet: it is one once every party has signed.",
                          url_for("agreements.detail", agreement_id=agreement_id))


@bp.get("/incident-plans/<int:plan_id>.pdf")
@pdf_rate_limit
def incident_plan(plan_id: int):
    plan = db.first_or_404(permissions.visible_incident_plans(current_user).where(IncidentPlan.id == plan_id))
    if plan.status in (PlanStatus.IN_REVIEW, PlanStatus.APPROVED):
        kind = KIND_PLAN if plan.status is PlanStatus.IN_REVIEW else KIND_PLAN_APPROVED
        document = latest_issue(current_user, plan, kind)
        # A plan may still be edited in review: the issue is served only while it is current.
        if document is not None and document.version == plan.version:
            return issued(document)
    return rendered(specs.spec("incident_plan", record_id=plan.id), f"{plan.reference} — {plan.title}")


@bp.get("/incidents/<int:incident_id>/stages/<int:stage_id>.pdf")
@pdf_rate_limit
def incident_stage(incident_id: int, stage_id: int):
    """A submitted stage of an incident report: the sealed PDF issued when it was submitted, never re-rendered."""
    report = db.first_or_404(permissions.visible_incident_reports(current_user)
                             .where(IncidentReport.id == incident_id))
    stage = db.first_or_404(sa.select(IncidentReportStage).where(  # scoped: report came from its visible_* scope
        IncidentReportStage.id == stage_id, IncidentReportStage.incident_report_id == report.id,
        IncidentReportStage.document_id.is_not(None)))
    return issued(db.first_or_404(permissions.visible_documents(current_user, IncidentReport, report.id)
                                  .where(Document.id == stage.document_id)))


@bp.get("/advisories/<int:advisory_id>.pdf")
@pdf_rate_limit
def advisory(advisory_id: int):
    """The sealed PDF of the advisory edition the reader may have: the restricted one when the TLP rule allows
    it, else (or with ?edition=public) the public one, TLP:CLEAR; 404 when there is no such edition."""
    from app.documents.services import KIND_ADVISORY
    from app.documents.services import KIND_ADVISORY_PUBLIC

    record = db.first_or_404(permissions.visible_advisories(current_user).where(Advisory.id == advisory_id))
    restricted = db.session.scalar(permissions.visible_advisories(current_user).with_only_columns(Advisory.id).where(
        Advisory.id == advisory_id, permissions.advisory_restricted_condition(current_user)))
    public = request.args.get("edition") == "public" or restricted is None
    if not record.is_released or (public and not record.has_public_edition):
        abort(404)
    return issued(db.first_or_404(sa.select(Document).where(  # scoped: the advisory and its edition checked above
        Document.object_type == Advisory.__tablename__, Document.object_id == record.id,
        Document.kind == (KIND_ADVISORY_PUBLIC if public else KIND_ADVISORY)).order_by(Document.id.desc())))


@bp.get("/initiatives/<int:initiative_id>/status-report.pdf")
@pdf_rate_limit
def initiative_status(initiative_id: int):
    initiative = db.first_or_404(
        permissions.visible_initiatives(current_user).where(Initiative.id == initiative_id))
    return rendered(specs.spec("initiative", record_id=initiative.id),
                    f"{initiative.reference} — {initiative.title} (status report)")


@bp.get("/risks/register.pdf")
@pdf_rate_limit
def risk_register():
    """?tlp= chooses the edition as for the executive report; the risk list's filters narrow it."""
    ceiling = _edition()
    filters = {key: request.args[key] for key in REGISTER_FILTERS if request.args.get(key)}
    document = specs.spec("risk_register", edition=ceiling.value if ceiling is not None else None, filters=filters)
    return rendered(document, "Risk register" + (f" — {ceiling.label} edition" if ceiling is not None else ""))


def _edition():
    try:
        return parse_edition(request.args.get("tlp"))
    except ValueError:
        abort(400, description="Unknown edition: choose tlp=clear, green, amber, amber_strict or red.")


@bp.get("/reports/executive.pdf")
@pdf_rate_limit
def executive():
    """?tlp= chooses the edition (its ceiling); every report produced is kept as a snapshot of its
    figures so the next report of that edition shows the trend."""
    permissions.authorize(permissions.can_download_reports(current_user))
    ceiling = _edition()
    previous = previous_snapshot(current_user, ceiling)
    # The trend is against the previous report of the edition: a report known for that baseline is unchanged.
    previous_id = previous.id if previous is not None else None
    document = specs.spec("executive", edition=ceiling.value if ceiling is not None else None, previous_id=previous_id)
    title = "Executive status report" + (f" — {ceiling.label} edition" if ceiling is not None else "")
    return rendered(document, title, extra=(previous_id,))


@bp.get("/documents/<int:document_id>.pdf")
@pdf_rate_limit
def download(document_id: int):
    """One issue of a record, by id: scoped through the record it belongs to."""
    document = db.first_or_404(permissions.visible_documents(current_user).where(Document.id == document_id))
    return issued(document)


def _visible_render(render_id: str) -> RenderJob:
    return db.first_or_404(permissions.visible_render_jobs(current_user).where(RenderJob.id == render_id))


@bp.get("/documents/renders/<render_id>")
def render_status(render_id: str):
    """Progress of a render: refreshes itself (meta refresh without JavaScript, polling with it)."""
    job = _visible_render(render_id)
    if job.status == RenderStatus.FAILED:
        return _render_outcome(job)
    return render_template("documents/render_status.html", job=job, ready=renders.downloadable(job) is not None)


@bp.get("/documents/renders/<render_id>.json")
def render_state(render_id: str):
    job = _visible_render(render_id)
    ready = renders.downloadable(job) is not None
    return jsonify(status="expired" if job.status == RenderStatus.DONE and not ready else job.status,
                   error=job.error, download_url=url_for(".render_download", render_id=job.id) if ready else None)


@bp.get("/documents/renders/<render_id>.pdf")
def render_download(render_id: str):
    job = _visible_render(render_id)
    cached = renders.downloadable(job)
    if cached is None:  # not ready, changed since or evicted: the status page says so and offers to ask again
        return redirect(url_for(".render_status", render_id=job.id), 303)
    renders.touch(cached)
    db.session.commit()  # a GET: the edge commits no read; the cache entry's use
    return pdf_response(cached.content, job.filename)


@bp.app_template_global("issued_documents")
def issued_documents_global(record) -> list[Document]:
    """For templates/documents/_issued.html on the record pages."""
    return issued_documents(current_user, record)


@bp.app_template_global("agreement_content_digest")
def agreement_content_digest_global(agreement) -> str:
    """The digest printed in the agreement's PDF, for the agreement page (templates/documents/_issued.html)."""
    return content_digest(agreement)


@bp.app_template_global("report_editions")
def report_editions_global() -> list:
    """For the dashboard's executive report form: the editions the signed-in reader may produce (once per
    request: the page header is rendered for the wide and the narrow layout)."""
    if "report_editions" not in g:
        g.report_editions = report_editions(current_user)
    return g.report_editions


@bp.app_template_global("register_filter_args")
def register_filter_args_global() -> list[tuple[str, str]]:
    """The risk list's current filters the register PDF takes, for the register form's hidden fields."""
    return [(key, request.args[key]) for key in REGISTER_FILTERS if request.args.get(key)]


@bp.app_errorhandler(DocumentTooLarge)
@bp.app_errorhandler(RenderFailed)
def document_error(error: DocumentTooLarge | RenderFailed):
    # Anything the request had started (an issuing transition) is abandoned with the render.
    db.session.rollback()
    return render_template("documents/too_large.html", error=error, code=error.status), error.status
