"""Every PDF route. Each loads through the reader's visible_* scope (404 out of scope, exactly like
the HTML pages), is rate limited per user, and answers `attachment` + `no-store`."""
import re

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user

from app import permissions
from app.documents import bp
from app.documents.content import (
    AGREEMENT_ISSUED,
    agreement_document,
    content_digest,
    incident_plan_document,
    initiative_document,
    risk_register_document,
)
from app.documents.executive import executive_document, parse_edition, record_snapshot, report_editions
from app.documents.services import KIND_AGREEMENT, KIND_PLAN, issued_documents, latest_issue
from app.extensions import db, limiter
from app.models import Agreement, Document, IncidentPlan, Initiative, PlanStatus
from app.pdf import DocumentTooLarge, RenderFailed, render_pdf


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


def rendered(template: str, context: dict) -> Response:
    return pdf_response(render_pdf(template, **context), context["doc"].filename)


def issued(document: Document) -> Response:
    """The stored bytes of an issue, never re-rendered."""
    return pdf_response(document.content, document.filename)  # deferred column: loaded only here


@bp.get("/agreements/<int:agreement_id>.pdf")
@pdf_rate_limit
def agreement(agreement_id: int):
    record = db.first_or_404(permissions.visible_agreements(current_user).where(Agreement.id == agreement_id))
    if record.status in AGREEMENT_ISSUED:
        document = latest_issue(current_user, record, KIND_AGREEMENT)
        if document is not None:
            return issued(document)
    return rendered(*agreement_document(record))


@bp.get("/incident-plans/<int:plan_id>.pdf")
@pdf_rate_limit
def incident_plan(plan_id: int):
    plan = db.first_or_404(permissions.visible_incident_plans(current_user).where(IncidentPlan.id == plan_id))
    if plan.status is PlanStatus.IN_REVIEW:
        document = latest_issue(current_user, plan, KIND_PLAN)
        # A plan may still be edited in review: the issue is served only while it is current.
        if document is not None and document.version == plan.version:
            return issued(document)
    return rendered(*incident_plan_document(plan, current_user))


@bp.get("/initiatives/<int:initiative_id>/status-report.pdf")
@pdf_rate_limit
def initiative_status(initiative_id: int):
    initiative = db.first_or_404(
        permissions.visible_initiatives(current_user).where(Initiative.id == initiative_id))
    return rendered(*initiative_document(initiative, current_user))


@bp.get("/risks/register.pdf")
@pdf_rate_limit
def risk_register():
    return rendered(*risk_register_document(current_user))


@bp.get("/reports/executive.pdf")
@pdf_rate_limit
def executive():
    """?tlp= chooses the edition (its ceiling); every report produced is kept as a snapshot of its
    figures so the next report of that edition shows the trend."""
    permissions.authorize(permissions.can_download_reports(current_user))
    try:
        ceiling = parse_edition(request.args.get("tlp"))
    except ValueError:
        abort(400, description="Unknown edition: choose tlp=clear, green, amber, amber_strict or red.")
    template, context = executive_document(current_user, ceiling)
    response = rendered(template, context)
    record_snapshot(current_user, context)
    db.session.commit()
    return response


@bp.get("/documents/<int:document_id>.pdf")
@pdf_rate_limit
def download(document_id: int):
    """One issue of a record, by id: scoped through the record it belongs to."""
    document = db.first_or_404(permissions.visible_documents(current_user).where(Document.id == document_id))
    return issued(document)


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
    """For the dashboard's executive report form: the editions the signed-in reader may produce."""
    return report_editions(current_user)


@bp.app_errorhandler(DocumentTooLarge)
@bp.app_errorhandler(RenderFailed)
def document_error(error: DocumentTooLarge | RenderFailed):
    # Anything the request had started (an issuing transition) is abandoned with the render.
    db.session.rollback()
    return render_template("documents/too_large.html", error=error, code=error.status), error.status
