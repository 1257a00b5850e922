"""The reminder engine: every dated field, the tightest threshold, once per (object, kind, threshold,
recipient) — across two runs and across two processes running at the same moment."""
import os
import subprocess
import sys
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AgreementStatus
from app.models import MitigationStatus
from app.models import Notification
from app.models import NotificationKind
from app.models import OutboxEmail
from app.models import PlanStatus
from app.models import Role
from app.models import SentReminder
from app.models import TaskStatus
from app.notifications import reminders
from config import TestConfig
from tests import factories
from tests.conftest import USING_POSTGRES
from tests.conftest import make_app

TODAY = date(2027, 3, 1)
ROOT = Path(__file__).resolve().parent.parent


def _seed(tlp=TLP.AMBER):
    """One record per rule, each reaching a threshold on TODAY; returns the people to remind."""
    org = factories.organization()
    coordinator = factories.user(role=Role.COORDINATOR, organization=org, email=f"coord{org.id}@example.org")
    member = factories.user(role=Role.MEMBER, organization=org, email=f"member{org.id}@example.org")
    group = factories.working_group(created_by=coordinator, members=[coordinator, member], tlp=tlp)
    factories.task(working_group=group, assignee=member, due_date=TODAY + timedelta(days=2))  # 3d
    factories.task(working_group=group, assignee=member, due_date=TODAY)  # today
    factories.task(working_group=group, assignee=member, due_date=TODAY - timedelta(days=4))  # overdue
    factories.task(working_group=group, assignee=member, due_date=TODAY - timedelta(days=4),
                   status=TaskStatus.DONE)  # done: never reminded
    factories.task(working_group=group, assignee=member, due_date=TODAY + timedelta(days=20))  # not yet
    risk = factories.risk(created_by=coordinator, tlp=tlp, next_review_date=TODAY + timedelta(days=5))  # 7d
    factories.mitigation(risk=risk, assigned_user=member, due_date=TODAY - timedelta(days=1))  # overdue
    factories.mitigation(risk=risk, assigned_user=member, due_date=TODAY - timedelta(days=1),
                         status=MitigationStatus.VERIFIED)  # finished: never reminded
    factories.incident_plan(created_by=coordinator, tlp=tlp, status=PlanStatus.APPROVED,
                            next_review_date=TODAY + timedelta(days=10))  # 30d
    factories.agreement(created_by=coordinator, tlp=tlp, status=AgreementStatus.ACTIVE, notice_days=30,
                        expiry_date=TODAY + timedelta(days=40))  # expiry 60d; notice in 10 days: 30d
    return coordinator, member


EXPECTED = {
    ("tasks", "task_due", "3d"), ("tasks", "task_due", "today"), ("tasks", "task_due", "overdue"),
    ("risks", "risk_review", "7d"), ("mitigations", "mitigation_due", "overdue"),
    ("incident_plans", "plan_review", "30d"),
    ("agreements", "agreement_expiry", "60d"), ("agreements", "agreement_notice", "30d"),
}


def _sent(app):
    with app.app_context():
        rows = db.session.scalars(sa.select(SentReminder).where(SentReminder.kind != "digest")).all()
        notes = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == NotificationKind.REMINDER))
        return {(r.object_type, r.kind, r.threshold, r.recipient.email) for r in rows}, len(rows), notes


def test_every_dated_field_reminds_the_right_people_once(app):
    with app.app_context():
        coordinator, member = _seed()
        emails = {"member": member.email, "coordinator": coordinator.email}
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "run", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Sent 8 reminder(s)." in result.output
    keys, rows, notes = _sent(app)
    assert {(t, k, th) for t, k, th, _ in keys} == EXPECTED
    by_kind = {k: email for _, k, _, email in keys}
    assert by_kind["task_due"] == by_kind["mitigation_due"] == emails["member"]
    assert by_kind["risk_review"] == by_kind["plan_review"] == by_kind["agreement_expiry"] == emails["coordinator"]
    assert rows == notes == 8

    again = runner.invoke(args=["reminders", "run", "--today", TODAY.isoformat()])
    assert "Sent 0 reminder(s)." in again.output
    assert _sent(app)[1:] == (8, 8)
    # the next day only a newly crossed threshold is sent: the task due "today" is now overdue; the
    # others stay within the threshold already sent (3 days, 7 days, 30 days, 60 days, overdue)
    runner.invoke(args=["reminders", "run", "--today", (TODAY + timedelta(days=1)).isoformat()])
    keys, rows, notes = _sent(app)
    assert rows == notes == 9
    assert ("tasks", "task_due", "overdue", emails["member"]) in keys


def test_reminder_mail_is_tlp_safe(app):
    with app.app_context():
        _seed(tlp=TLP.RED)  # creators and named recipients only: the assignee cannot read it
        _seed(tlp=TLP.AMBER_STRICT)
        reminders.run(TODAY)
        mails = db.session.scalars(sa.select(OutboxEmail)).all()
        assert mails
        for mail in mails:
            text = mail.subject + mail.body + (mail.html or "")
            for word in ("Task ", "Risk ", "Mitigation ", "Incident-response plan ", "Agreement "):
                assert f"Title: {word}" not in text
            assert "TLP:AMBER+STRICT" in text or "TLP:RED" in text


def test_threshold_picks_the_tightest_one():
    rule = reminders.RULES[0]  # agreement expiry 90/60/30/7
    assert [reminders.threshold_for(rule, d) for d in (120, 90, 61, 60, 45, 30, 8, 7, 0, -1)] == [
        None, "90d", "90d", "60d", "60d", "30d", "30d", "7d", "7d", None]


def _db_url(tmp_path) -> str:
    return os.environ["TEST_DATABASE_URL"] if USING_POSTGRES else f"sqlite:///{tmp_path / 'reminders.sqlite'}"


@pytest.mark.parametrize("processes", [2])
def test_two_processes_at_once_send_each_reminder_once(tmp_path, processes):
    url = _db_url(tmp_path)
    config = type("FileDB", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = make_app(config)
    with app.app_context():
        for _ in range(6):
            _seed()
    env = {**os.environ, "DATABASE_URL": url, "PALISADE_CONFIG": "development", "HUEY_IMMEDIATE": "1",
           "MAIL_SERVER": ""}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "run", "--today", TODAY.isoformat()]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(processes)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    sent = [int(out.split("Sent ")[1].split(" ")[0]) for out, _ in outputs]
    assert sum(sent) == 6 * 8, outputs
    _, rows, notes = _sent(app)
    assert rows == notes == 6 * 8
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
