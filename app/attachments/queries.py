"""Loading a record's files for its pages and for the API, in the same scope (both call these).

A record is loaded in the scope of its attachment panel: `permissions.readable_in_full` (for a kind read in
editions, an advisory, its files belong to the restricted text: only that edition's readers reach them);
an attachment only through its record (an attachment id alone never reaches a file). 404 outside.
"""
from urllib.parse import quote

import sqlalchemy as sa
from flask import Response
from flask import abort

from app import kinds
from app import permissions
from app.attachments import services
from app.extensions import db
from app.models import Attachment
from app.models import User


def load_record(user: User, kind: kinds.RecordKind | None, record_id: int, **where):
    """The record of `kind` with this id when `user` may read its files (404 otherwise, and for a kind
    without files). `where`: more columns the record must match (a mitigation's risk_id, from its URL)."""
    if kind is None or not kind.attachments:
        abort(404)
    stmt = permissions.readable_in_full(kind, user).where(kind.model.id == record_id)
    for column, value in where.items():
        stmt = stmt.where(getattr(kind.model, column) == value)
    return db.first_or_404(stmt)


def load_attachment(record, attachment_id: int) -> Attachment:
    return db.first_or_404(sa.select(Attachment).where(Attachment.linked_to(record),
                                                       Attachment.id == attachment_id))  # scoped: via the record


def record_files(record) -> sa.Select:
    """The files of a record loaded through load_record, oldest first (archived ones included)."""
    return (sa.select(Attachment).where(Attachment.linked_to(record))  # scoped: via the record
            .order_by(Attachment.uploaded_at, Attachment.id))


def content_disposition(filename: str) -> str:
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._- ") else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name or 'attachment'}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(attachment: Attachment) -> Response:
    """The file's stored bytes, streamed, with the headers every download of it carries (page and API alike):
    its sniffed type, an attachment disposition, no sniffing, a sandbox, never cached."""
    response = Response(services.iter_content(db.engine, attachment.id, attachment.size),
                        content_type=attachment.content_type)
    response.content_length = attachment.size
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
