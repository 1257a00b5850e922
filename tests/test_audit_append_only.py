"""SECURITY LOG-01: audit rows cannot be changed or removed, whatever the application code does."""
import pytest
import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import AuditEvent
from app.models import Role
from tests import factories
from tests.conftest import USING_POSTGRES


def _event_id(app) -> int:
    with app.app_context():
        actor = factories.user(role=Role.ADMIN)
        event = audit.record(actor, "organization.created", actor.organization, summary="name: A")
        db.session.commit()
        return event.id


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET summary = 'rewritten' WHERE id = :id",
    "DELETE FROM audit_events WHERE id = :id",
])
def test_log01_audit_rows_cannot_be_updated_or_deleted(app, statement):
    event_id = _event_id(app)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as refused:
            db.session.execute(sa.text(statement), {"id": event_id})
        db.session.rollback()
        if USING_POSTGRES:
            import psycopg

            assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
        assert "append-only" in str(refused.value.orig)
        event = db.session.get(AuditEvent, event_id)
        assert event is not None and event.summary == "name: A"


def test_log01_new_audit_rows_are_still_written(app):
    event_id = _event_id(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) >= 1
        assert db.session.get(AuditEvent, event_id).action == "organization.created"
