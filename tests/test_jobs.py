"""app/jobs.py: jobs queued after commit run in their own context; a rollback drops them."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import enqueue_after_commit
from app.jobs import huey
from app.jobs import job
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


def _autogroup_nice_after_lowering(new_session: bool) -> tuple[int, int]:
    """(the child's nice value, its scheduling group's) after lower_priority(10) in a fresh process."""
    import subprocess
    import sys

    code = ("import os, re; from app.jobs import lower_priority; lower_priority(10); "
            "print(os.nice(0), re.search(r'nice (-?\\d+)', open('/proc/self/autogroup').read()).group(1))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         start_new_session=new_session).stdout.split()
    return int(out[0]), int(out[1])


def _own_autogroup_nice() -> int | None:
    """This process's scheduling group nice value, or None where autogroup scheduling does not apply (not Linux,
    turned off, or a container whose CPU controller puts the process in a task group of its own: the file is then
    empty)."""
    try:
        found = re.search(r"nice (-?\d+)", open("/proc/self/autogroup").read())
    except OSError:
        return None
    return int(found.group(1)) if found else None


@pytest.mark.skipif(_own_autogroup_nice() is None, reason="no autogroup scheduling here")
def test_a_worker_in_its_own_session_lowers_its_scheduling_group_too():
    """With autogroup scheduling a nice value only counts within a session: a worker started as a service (a
    session of its own) must lower its session's group or its renders take the web server's CPU as an equal."""
    base = _own_autogroup_nice()
    own_nice, own_group = _autogroup_nice_after_lowering(new_session=True)
    assert own_nice >= 10 and own_group == 10
    # Sharing the session (make run): the group is the web server's too, left as it was.
    shared_nice, shared_group = _autogroup_nice_after_lowering(new_session=False)
    assert shared_nice >= 10 and shared_group == base
