"""Files attached to records (DESIGN.md, "Attachments"): kept in the database, archived, never deleted."""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import RecordLink
from app.models._common import utcnow


class Attachment(RecordLink, db.Model):
    """One uploaded file of one record, addressed by (object_type, object_id) like audit events.

    `content_type` is what the bytes were sniffed as, never the name or the browser's header.
    `update_id` ties a file to the timeline entry it came with: a task update (tasks) or the status
    change's audit event (mitigations, whose timeline is their audit trail)."""

    __tablename__ = "attachments"
    __table_args__ = (sa.Index("ix_attachments_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    uploaded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    archived_at: so.Mapped[datetime | None]
    update_id: so.Mapped[int | None]

    uploaded_by: so.Mapped["User"] = so.relationship()  # noqa: F821

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def sha256_prefix(self) -> str:
        return self.sha256[:12]

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.object_type}:{self.object_id}>"


# PostgreSQL: keep the bytes uncompressed out of line so SUBSTR reads only the TOAST chunks of the
# slice it streams (uploads are mostly compressed formats already). The migration does the same.
sa.event.listen(Attachment.__table__, "after_create", sa.DDL(
    "ALTER TABLE attachments ALTER COLUMN content SET STORAGE EXTERNAL").execute_if(dialect="postgresql"))
