"""Rendered PDFs kept for reuse, and the background render jobs that produce them.

`rendered_documents` is a bounded cache keyed by the SHA-256 of the document's HTML as one reader sees
it: the HTML already holds the reader's scope (what they may see) and every figure, so two readers share
an entry only when they would render the very same document. Issued documents stay in `documents`.
"""
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import utcnow


class RenderedDocument(db.Model):
    __tablename__ = "rendered_documents"

    digest: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    size: so.Mapped[int] = so.mapped_column(default=0)
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    used_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class KnownDocument(db.Model):
    """Which cached document a download path gave a reader, at which content generation, scope and day
    (app/documents/renders.known_key, hashed): shared by every web worker and host, so an unchanged document
    is served from the cache whichever of them answers. Rows whose document left the cache are pruned with it."""

    __tablename__ = "known_documents"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    digest: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class RenderStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RenderJob(db.Model):
    """One reader's request for a document; only that reader may follow or download it."""

    __tablename__ = "render_jobs"

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: so.Mapped[str] = so.mapped_column(sa.String(64))
    title: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    source_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=RenderStatus.QUEUED.value)
    error: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    error_code: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    started_at: so.Mapped[datetime | None]
    finished_at: so.Mapped[datetime | None]
    # The content generation (app/transactions.py) the worker built the document at: it is downloadable only
    # while nothing a document shows (records, sharing, roles, organisations) has changed since.
    generation: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)


class ContentGeneration(db.Model):
    """One row (id 1) whose `value` is new (random) after every committed transaction that wrote a table
    documents are made of (app/transactions.py): a document built at one value is built the same again while the
    value stays, for the same reader, path and day (app/documents/renders.py's known documents)."""

    __tablename__ = "content_generation"

    id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    value: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
