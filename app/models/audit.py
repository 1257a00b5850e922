"""Audit events: who changed what, when; written in the same transaction as the change."""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import RecordLink
from app.models._common import utcnow


class AuditEvent(RecordLink, db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_organization_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organizations.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    object_id: so.Mapped[int | None] = so.mapped_column()  # none for a few events about no single record
    object_version: so.Mapped[int | None]
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    ip: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    request_id: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    # How the actor acted when not through the pages: "API token “Nightly sync” (pal_Ab12Cd34)".
    via: so.Mapped[str] = so.mapped_column(sa.String(160), default="", server_default="")

    actor: so.Mapped["User | None"] = so.relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"


# The audit trail is append-only at the database level, whatever the application does: an UPDATE or
# DELETE of an audit row fails (PostgreSQL with SQLSTATE 42501, insufficient_privilege). The same
# statements are in the initial migration; these listeners cover schemas built with create_all().
POSTGRES_APPEND_ONLY = [
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
for _statement in POSTGRES_APPEND_ONLY:
    sa.event.listen(AuditEvent.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_APPEND_ONLY:
    sa.event.listen(AuditEvent.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite"))
