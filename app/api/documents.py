"""Issued documents (every kind's sealed PDFs): their metadata and their stored bytes, the very bytes the
pages serve (never rendered again), through the same scope (permissions.visible_documents).

/api/v1/documents/<id> and /api/v1/documents/<id>/content; a record's issues are listed under the record
(`GET /api/v1/agreements/<id>/documents`), with `document_list(record)` below.
"""
import re
from datetime import datetime

from flask import Response
from flask import jsonify
from flask import url_for
from flask_login import current_user
from pydantic import Field

from app import permissions
from app.api import bp
from app.api.schemas import RecordOut
from app.api.schemas import list_of
from app.api.spec import Responses
from app.api.spec import spec
from app.documents.services import issued_documents
from app.extensions import db
from app.models import TLP
from app.models import Document

TAGS = ("Documents",)


class DocumentOut(RecordOut):
    kind: str = Field(description="What was issued: agreement, executed, plan_approved, stage…")
    object_type: str = Field(description="The record's kind (its table): agreements, incident_plans…")
    object_id: int
    version: int = Field(description="The record's version the document was issued from.")
    reference: str
    filename: str
    sha256: str = Field(description="SHA-256 of the bytes that /content serves.")
    size: int
    tlp: TLP
    issued_at: datetime
    content: str = Field(description="Where to download the bytes.")


DocumentList = list_of(DocumentOut)


def _out(document: Document) -> dict:
    return DocumentOut.model_validate(
        {**{name: getattr(document, name) for name in DocumentOut.model_fields if name != "content"},
         "content": url_for("api.get_document_content", document_id=document.id)}).model_dump(mode="json")


def document_list(record) -> Response:
    """A record's issues the token's user may read, newest first (the record loaded through its scope)."""
    return jsonify({"items": [_out(document) for document in issued_documents(current_user, record)]})


def _visible_document(document_id: int) -> Document:
    return db.first_or_404(permissions.visible_documents(current_user).where(Document.id == document_id))


@bp.get("/documents/<int:document_id>")
@spec.validate(resp=Responses(HTTP_200=DocumentOut), tags=TAGS)
def get_document(document_id: int):
    """One issued document's metadata."""
    return jsonify(_out(_visible_document(document_id)))


@bp.get("/documents/<int:document_id>/content")
@spec.validate(resp=Responses("HTTP_200"), tags=TAGS)
def get_document_content(document_id: int):
    """The issued PDF, byte for byte as stored when it was issued (its SHA-256 is in the metadata)."""
    document = _visible_document(document_id)
    response = Response(document.content, mimetype="application/pdf")  # deferred column: loaded only here
    safe_name = re.sub(r"[^A-Za-z0-9._+-]", "_", document.filename)[:150] or "document.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["ETag"] = f'"{document.sha256}"'
    return response
