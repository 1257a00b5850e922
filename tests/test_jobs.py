"""app/jobs.py: jobs queued after commit run in their own context; a rollback drops them."""
import sqlalchemy as sa

from app.extensions import db
from app.jobs import enqueue_after_commit, huey, job
from app.models import Organization
from tests import factories

SEEN: list = []


@job()
def record_names(org_id: int) -> None:
    # Runs in an app context of its own: it sees only what was committed.
    SEEN.append(db.session.scalar(sa.select(Organization.name).where(Organization.id == org_id)))


def test_tests_run_jobs_immediately(app):
    assert huey.immediate


def test_job_queued_after_commit_sees_the_committed_row(app):
    SEEN.clear()
    with app.app_context():
        org = factories.organization(name="Northgrid Power")
        org.name = "Northgrid Power (renamed)"
        enqueue_after_commit(record_names, org.id)
        assert SEEN == []  # not before the commit
        db.session.commit()
    assert SEEN == ["Northgrid Power (renamed)"]


def test_rollback_drops_the_queued_job(app):
    SEEN.clear()
    with app.app_context():
        org = factories.organization(name="Riverside Water")
        enqueue_after_commit(record_names, org.id)
        db.session.rollback()
        db.session.commit()
    assert SEEN == []


def test_worker_command_refuses_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0
    assert "HUEY_IMMEDIATE" in result.output
