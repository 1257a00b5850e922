"""Files on every kind that takes them (its registry entry says so), under the record's API path:

    GET  /api/v1/<record>/attachments/                      metadata, oldest first (archived ones included)
    POST /api/v1/<record>/attachments/                      upload: multipart/form-data, one or more `files`
    GET  /api/v1/<record>/attachments/<attachment_id>         one file's metadata
    GET  /api/v1/<record>/attachments/<attachment_id>/content the bytes, as the page's download serves them
    POST /api/v1/<record>/attachments/<attachment_id>/archive | /restore

<record> is the record's path (app/api/record_paths.py): /agreements/7, /risks/2/mitigations/5. The record is
loaded in the scope of its page's attachment panel (app/attachments/queries.py: for an advisory, the readers of
its restricted edition), an attachment only through its record (404 otherwise). Uploads go through the page's
service (app/attachments/services.py): the same size limits (413), type sniffing and refusals of dangerous files
(415), the same permission (403: a released advisory takes no files), audited with the token's name.
"""
from datetime import datetime
from typing import Annotated
from typing import Any

from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import BaseModel
from pydantic import Field
from pydantic import WithJsonSchema

from app import kinds
from app import permissions
from app.api import bp
from app.api import paging
from app.api import record_paths
from app.api import writes
from app.api.schemas import RecordOut
from app.api.schemas import UserRef
from app.api.schemas import list_of
from app.api.spec import Responses
from app.api.spec import spec
from app.attachments import queries
from app.attachments import services
from app.attachments.sniff import Refused
from app.extensions import db
from app.models import Attachment
from app.problems import ProblemError

TAGS = ("Attachments",)
FIELD = "files"


class AttachmentOut(RecordOut):
    filename: str
    content_type: str = Field(description="The type the content was identified as (never the one sent).")
    size: int
    sha256: str = Field(description="SHA-256 of the bytes that /content serves.")
    uploaded_by: UserRef | None
    uploaded_at: datetime
    archived_at: datetime | None
    content: str = Field(description="Where to download the bytes.")


AttachmentList = list_of(AttachmentOut)


class AttachmentQuery(BaseModel):
    cursor: str | None = Field(None, max_length=64, description="The `next` link's cursor (opaque).")
    limit: int = Field(50, ge=1, le=100, description="Items per page.")


# One part or several under the same name: the form's parser gives one file or a list (read again below).
Files = Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "string", "format": "binary"}})]


class AttachmentUpload(BaseModel):
    """One or more files, as the page's upload form sends them (field `files`)."""

    # Optional for the validator (its error would echo the parts it got, which JSON cannot hold): the view names it.
    files: Files = Field(None, description="The files: multipart/form-data parts named `files`, each with a "
                                           "filename.")


class ArchivedOut(BaseModel):
    id: int
    archived_at: datetime | None
    changed: bool = Field(description="False when it already was in that state (nothing was done).")


def _record(kind: kinds.RecordKind, values: dict):
    return queries.load_record(current_user, kind, record_paths.record_id(kind, values),
                               **record_paths.parent_values(kind, values))


def _out(kind: kinds.RecordKind, values: dict, attachment: Attachment) -> dict:
    content = url_for(f"api.{kind.key}_attachment_content", **values, attachment_id=attachment.id)
    return AttachmentOut.model_validate(
        {**{name: getattr(attachment, name) for name in AttachmentOut.model_fields if name != "content"},
         "content": content}).model_dump(mode="json")


def _uploaded_files() -> list:
    files = [f for f in request.files.getlist(FIELD) if (f.filename or "").strip()]
    if not files:
        raise writes.field_error(FIELD, "Choose at least one file to upload (multipart/form-data parts named "
                                        "`files`, each with a filename).")
    if len(files) > current_app.config["ATTACHMENT_MAX_FILES"]:
        raise writes.field_error(FIELD, f"At most {current_app.config['ATTACHMENT_MAX_FILES']} files at once.")
    return files


def _register(kind: kinds.RecordKind) -> None:  # noqa: C901 -- one closure per operation, like the comments'
    base = f"{record_paths.record_rule(kind)}/attachments"
    one = f"{base}/<int:attachment_id>"

    def list_attachments(**values):
        record = _record(kind, values)
        return jsonify(paging.page_of(queries.record_files(record), Attachment.id, request.context.query,
                                      lambda attachment: _out(kind, values, attachment)))

    def upload_attachments(**values):
        record = _record(kind, values)
        permissions.authorize(permissions.can_add_attachment(current_user, record))
        files = _uploaded_files()
        try:
            added = services.add_attachments(current_user, record, files)
        except services.TooLarge as error:
            raise ProblemError(413, str(error)) from error
        except Refused as error:
            raise ProblemError(415, str(error), errors=[{"field": FIELD, "message": str(error)}]) from error
        db.session.flush()
        return writes.created(jsonify({"items": [_out(kind, values, attachment) for attachment in added]}),
                              url_for(f"api.{kind.key}_attachment", **values, attachment_id=added[0].id))

    def get_attachment(attachment_id: int, **values):
        record = _record(kind, values)
        return jsonify(_out(kind, values, queries.load_attachment(record, attachment_id)))

    def get_attachment_content(attachment_id: int, **values):
        record = _record(kind, values)
        attachment = queries.load_attachment(record, attachment_id)
        services.note_download(current_user, record, attachment)
        db.session.commit()  # the download's audit row (TLP:AMBER+STRICT, RED), as the page's download does
        return queries.download_response(attachment)

    def archive_attachment(attachment_id: int, **values):
        return _set_archived(attachment_id, values, archived=True)

    def restore_attachment(attachment_id: int, **values):
        return _set_archived(attachment_id, values, archived=False)

    def _set_archived(attachment_id: int, values: dict, *, archived: bool):
        record = _record(kind, values)
        attachment = queries.load_attachment(record, attachment_id)
        change = services.archive_attachment if archived else services.restore_attachment
        changed = change(current_user, record, attachment)
        db.session.flush()
        return jsonify(ArchivedOut(id=attachment.id, archived_at=attachment.archived_at,
                                   changed=changed).model_dump(mode="json"))

    label = kind.label
    operations = [
        (base + "/", "GET", f"{kind.key}_attachments", list_attachments, f"The files of one {label}, oldest first.",
         {"query": AttachmentQuery, "resp": Responses(HTTP_200=paging.Page[AttachmentOut])}),
        (base + "/", "POST", f"upload_{kind.key}_attachments", upload_attachments,
         f"Upload files to one {label} (multipart/form-data, parts named `files`): the page's limits and checks.",
         {"form": AttachmentUpload, "resp": Responses(HTTP_201=AttachmentList)}),
        (one, "GET", f"{kind.key}_attachment", get_attachment, f"One file's metadata, of one {label}.",
         {"resp": Responses(HTTP_200=AttachmentOut)}),
        (one + "/content", "GET", f"{kind.key}_attachment_content", get_attachment_content,
         f"One file of one {label}: the bytes and headers of the page's download.", {"resp": Responses("HTTP_200")}),
        (one + "/archive", "POST", f"archive_{kind.key}_attachment", archive_attachment,
         f"Archive one file of one {label} (archiving an archived file does nothing).",
         {"resp": Responses(HTTP_200=ArchivedOut)}),
        (one + "/restore", "POST", f"restore_{kind.key}_attachment", restore_attachment,
         f"Restore one archived file of one {label} (restoring a live file does nothing).",
         {"resp": Responses(HTTP_200=ArchivedOut)}),
    ]
    for rule, method, endpoint, view, doc, validation in operations:
        view.__doc__ = doc
        view.__name__ = endpoint
        bp.add_url_rule(rule, endpoint=endpoint, methods=[method], view_func=spec.validate(
            tags=TAGS, operation_id=endpoint, **validation)(view))


for _kind in kinds.with_attachments():
    _register(_kind)
    writes.UPLOAD_ENDPOINTS.add(f"api.upload_{_kind.key}_attachments")
