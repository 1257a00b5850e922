"""Issued PDF documents: the exact bytes that went out for signature or review."""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import TLP
from app.models._common import RecordLink
from app.models._common import enum_column_type
from app.models._common import utcnow


class Document(RecordLink, db.Model):
    __tablename__ = "documents"
    __table_args__ = (sa.Index("ix_documents_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    version: so.Mapped[int]
    reference: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    size: so.Mapped[int] = so.mapped_column(default=0)
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    tlp: so.Mapped[TLP] = so.mapped_column(enum_column_type(TLP))
    issuer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    issued_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    issuer: so.Mapped["User | None"] = so.relationship()  # noqa: F821
