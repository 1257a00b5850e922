"""Upload, download, archive and restore, with URLs nested under the record:

    POST /attachments/<slug>/<record id>/                       upload (several files at once)
    GET  /attachments/<slug>/<record id>/<attachment id>        download (streamed)
    POST /attachments/<slug>/<record id>/<attachment id>/archive | /restore

Every view loads the record through its kind's visible_* scope (404 out of scope), then the
attachment by (record, id): an attachment id alone never reaches a file. The list is the panel on
each record's detail page (templates/attachments/_panel.html).
"""
import json

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import kinds
from app import permissions
from app.attachments import bp
from app.attachments import queries
from app.attachments import services
from app.attachments.sniff import ACCEPT_ATTRIBUTE
from app.attachments.sniff import Refused
from app.extensions import db

RECORD = "/<slug>/<int:record_id>"  # slug: a RecordKind slug (tasks, mitigations, working-groups, …)
# Endpoints whose requests may carry files: only these get ATTACHMENT_REQUEST_MAX_MB; every other
# request keeps MAX_CONTENT_LENGTH (2 MiB).
UPLOAD_ENDPOINTS = frozenset({"attachments.upload", "tasks.change_status", "risks.mitigation_status",
                              "signing.record_paper", "signing.verify"})


def _raise_upload_limit() -> None:
    from app.upload_limit import may_upload  # signed in with a valid CSRF token: anonymous bodies stay small

    if request.endpoint in UPLOAD_ENDPOINTS and may_upload():
        request.max_content_length = current_app.config["ATTACHMENT_REQUEST_MAX_MB"] * services.MB


@bp.record_once
def _install_upload_limit(state) -> None:
    # First of the app's before_request hooks: CSRFProtect's hook parses the form and would apply
    # the 2 MiB default before any later hook could raise the limit.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _raise_upload_limit)


@bp.after_app_request
def _redirect_for_upload_script(response: Response) -> Response:
    """attachments.js sends an upload by XMLHttpRequest (for its progress bar), with X-Upload-Progress.
    A redirect the request followed would draw the next page inside the script, spending its flash
    message and losing its #anchor; so the script gets the redirect's target as JSON and the browser
    loads it itself, exactly as without the script."""
    if (request.method == "POST" and request.headers.get("X-Upload-Progress") == "1"
            and request.endpoint in UPLOAD_ENDPOINTS and response.status_code in (301, 302, 303, 307, 308)):
        # The same response turned into the answer: headers other hooks set (security, session) stay.
        location = response.headers.pop("Location")
        response.status_code = 200
        response.set_data(json.dumps({"location": location}))
        response.mimetype = "application/json"
        response.headers["Cache-Control"] = "no-store"
    return response


def load_record(slug: str, record_id: int) -> tuple[kinds.RecordKind, object]:
    kind = kinds.BY_SLUG.get(slug)
    return kind, queries.load_record(current_user, kind, record_id)


def record_url(kind: kinds.RecordKind, record) -> str:
    """The record's page; for a kind shown on its parent's page (a mitigation), with its files open."""
    values = kind.url_values(record)
    if kind.locate is not None:
        values = {**values, "files": record.id}
    return url_for(kind.endpoint, **values)


def refused(kind: kinds.RecordKind, record, message: str, status: int):
    return render_template("attachments/refused.html", message=message, kind=kind, record=record,
                           back_url=record_url(kind, record), limits=services.limits()), status


@bp.post(f"{RECORD}/")
def upload(slug: str, record_id: int):
    kind, record = load_record(slug, record_id)
    permissions.authorize(permissions.can_add_attachment(current_user, record))
    files = request.files.getlist("files")
    try:
        added = services.add_attachments(current_user, record, files)
        if not added:
            raise Refused("Choose at least one file to upload.")
    except Refused as exc:
        db.session.rollback()
        return refused(kind, record, str(exc), 413 if isinstance(exc, services.TooLarge) else 400)
    names = ", ".join(a.filename for a in added)
    flash(f"Uploaded: {names}." if len(added) > 1 else f"Uploaded {names}.", "success")
    return redirect(f"{record_url(kind, record).split('#')[0]}#attachments-{kind.slug}-{record.id}", 303)


@bp.get(f"{RECORD}/<int:attachment_id>")
def download(slug: str, record_id: int, attachment_id: int):
    kind, record = load_record(slug, record_id)
    attachment = queries.load_attachment(record, attachment_id)
    services.note_download(current_user, record, attachment)
    db.session.commit()  # a GET: the edge commits no read; the download's audit row must stay
    return queries.download_response(attachment)


@bp.post(f"{RECORD}/<int:attachment_id>/archive")
def archive(slug: str, record_id: int, attachment_id: int):
    return _set_archived(slug, record_id, attachment_id, archived=True)


@bp.post(f"{RECORD}/<int:attachment_id>/restore")
def restore(slug: str, record_id: int, attachment_id: int):
    return _set_archived(slug, record_id, attachment_id, archived=False)


def _set_archived(slug: str, record_id: int, attachment_id: int, *, archived: bool):
    kind, record = load_record(slug, record_id)
    attachment = queries.load_attachment(record, attachment_id)
    change = services.archive_attachment if archived else services.restore_attachment
    if change(current_user, record, attachment):
        flash(f"{'Archived' if archived else 'Restored'} {attachment.filename}.", "success")
    else:
        flash(f"{attachment.filename} {'was already archived' if archived else 'is not archived'}.", "info")
    return redirect(record_url(kind, record), 303)


@bp.app_template_global()
def attachment_panel(record) -> dict:
    """What the panel shows for a record its page already loaded through the record's scope."""
    files = services.record_attachments(record)
    return {"kind": kinds.kind_of(record), "active": [a for a in files if not a.is_archived],
            "archived": [a for a in files if a.is_archived],
            "can_add": permissions.can_add_attachment(current_user, record),
            "limits": services.limits(), "accept": ACCEPT_ATTRIBUTE}


@bp.app_template_global()
def attachment_upload_limits() -> dict | None:
    """On a 413 from an upload route, the limits to show; None elsewhere."""
    return services.limits() if request.endpoint in UPLOAD_ENDPOINTS else None


@bp.app_template_global()
def attachment_files_by_update(record) -> dict:
    return services.files_by_update(record)


@bp.app_template_global()
def attachment_panel_slug(record) -> str:
    return kinds.kind_of(record).slug


@bp.app_template_global()
def attachment_accept() -> str:
    return ACCEPT_ATTRIBUTE


