"""Incident reports: the clocks of every stage (DST, another time zone), reporting with clear messages
for bad input, submitting stages (late recorded, immutable), the stage-reminders engine."""
import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents import clocks
from app.incidents import reminders as stage_reminders
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import Notification
from app.models import OutboxEmail
from app.models import SentReminder
from app.models import StageKind
from app.models import User
from app.models import utcnow
from tests.incident_world import build
from tests.incident_world import client
from tests.incident_world import person

BRUSSELS, NEW_YORK = "Europe/Brussels", "America/New_York"


def _stage(kind, due_at, submitted_at=None, late_by=None):
    return IncidentReportStage(kind=kind, due_at=due_at, submitted_at=submitted_at, late_by=late_by)


# --- Clocks -------------------------------------------------------------------------------------


def test_each_stage_is_due_on_its_regulatory_clock_from_aware_at():
    aware = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    assert clocks.early_warning_due(aware) == datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    assert clocks.notification_due(aware) == datetime(2026, 2, 3, 10, 0, tzinfo=UTC)
    # The final report: one month after the notification was submitted, clamped to the month's end.
    assert clocks.final_due(datetime(2026, 1, 31, 10, 0, tzinfo=UTC)) == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert clocks.final_due(datetime(2026, 2, 3, 9, 30, tzinfo=UTC)) == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("aware_local, zone_name, early_local, notification_local", [
    # Spring forward in Brussels (29 March 2026, 02:00 -> 03:00): 24 elapsed hours read 11:00 on the wall.
    ("2026-03-28T10:00", BRUSSELS, "2026-03-29 11:00 CEST", "2026-03-31 11:00 CEST"),
    # Fall back (25 October 2026, 03:00 -> 02:00): 24 elapsed hours read 09:00.
    ("2026-10-24T10:00", BRUSSELS, "2026-10-25 09:00 CET", "2026-10-27 09:00 CET"),
    # New York changes a fortnight earlier (8 March 2026).
    ("2026-03-07T12:00", NEW_YORK, "2026-03-08 13:00 EDT", "2026-03-10 13:00 EDT"),
])
def test_clocks_count_elapsed_hours_across_daylight_saving_changes(aware_local, zone_name, early_local,
                                                                    notification_local):
    aware = clocks.to_utc(datetime.fromisoformat(aware_local), zone_name)
    assert clocks.local(clocks.early_warning_due(aware), zone_name) == early_local
    assert clocks.local(clocks.notification_due(aware), zone_name) == notification_local
    assert clocks.early_warning_due(aware) - aware == timedelta(hours=24)


def test_a_user_in_another_time_zone_reads_the_same_deadline_in_their_own_clock():
    aware = clocks.to_utc(datetime(2026, 3, 28, 10, 0), BRUSSELS)  # typed by the operator in Brussels
    assert aware == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    due = clocks.early_warning_due(aware)
    assert clocks.local(due, BRUSSELS) == "2026-03-29 11:00 CEST"
    assert clocks.local(due, NEW_YORK) == "2026-03-29 05:00 EDT"
    assert clocks.local(due, "Asia/Tokyo") == "2026-03-29 18:00 JST"
    assert clocks.local(due, "Not/AZone") == "2026-03-29 09:00 UTC"  # an unknown zone never fails a page


def test_the_clock_says_how_long_is_left_or_how_late_it_is():
    due = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    notification = _stage(StageKind.NOTIFICATION, due)
    assert clocks.clock(notification, "UTC", due - timedelta(hours=5, minutes=10)).text == "notification due in 5 h"
    assert clocks.clock(notification, "UTC", due - timedelta(hours=5)).state == "at_risk"
    assert clocks.clock(notification, "UTC", due - timedelta(days=2, hours=1)).state == "due"
    overdue = clocks.clock(notification, "UTC", due + timedelta(hours=2, minutes=5))
    assert overdue.text == "notification overdue by 2 h" and overdue.state == "overdue"
    early = _stage(StageKind.EARLY_WARNING, due)
    assert clocks.clock(early, "UTC", due - timedelta(minutes=40)).text == "early warning due in 40 min"
    late = _stage(StageKind.EARLY_WARNING, due, due + timedelta(hours=3), timedelta(hours=3))
    assert clocks.clock(late, "UTC", due + timedelta(days=9)).text == "submitted 3 h late"


# --- Reporting ------------------------------------------------------------------------------------


def _form(world, **changes) -> dict:
    data = {"authority_organization_id": world.authority_id, "title": "Substation SCADA outage",
            "summary": "Operators lost view of 3 substations.", "aware_at": "2026-03-28T10:00",
            "started_at": "2026-03-28T09:15", "ended_at": "", "sectors": ["energy"],
            "services_affected": "Grid telemetry", "users_affected": "12000", "duration": "90",
            "geographic_spread": "regional", "countries_affected": "", "suspected_cause": "malicious",
            "significance": "significant", "tlp": "amber_strict"}
    data.update(changes)
    return data


def test_a_member_reports_in_their_time_zone_and_the_authority_is_told_by_reference_only(app):
    world = build(app)
    with app.app_context():
        member = person(world, "operator_member")
        member.time_zone = BRUSSELS
        db.session.commit()
    response = client(app, world, "operator_member").post("/incidents/new", data=_form(world))
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalars(sa.select(IncidentReport).order_by(IncidentReport.id.desc())).first()
        assert report.reference.startswith("INC-") and report.owner_organization_id == world.operator_id
        assert report.aware_at == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
        assert {s.kind: s.due_at for s in report.stages} == {
            StageKind.EARLY_WARNING: datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
            StageKind.NOTIFICATION: datetime(2026, 3, 31, 9, 0, tzinfo=UTC)}
        told = db.session.scalars(sa.select(Notification).where(Notification.object_id == report.id)).all()
        assert [n.user.email for n in told] == [world.emails["authority_coordinator"]]
        mail = db.session.scalars(sa.select(OutboxEmail)).all()
        assert mail and all("Substation" not in m.subject + m.body + (m.html or "") for m in mail)
        assert all(report.reference in m.subject for m in mail)
        report_id = report.id
    page = client(app, world, "operator_member").get(f"/incidents/{report_id}").text
    assert "2026-03-29 11:00 CEST" in page  # the early warning deadline, on the member's own clock


@pytest.mark.parametrize("changes, message", [
    ({"aware_at": "2099-01-01T10:00"}, "Became aware cannot be in the future."),
    ({"started_at": "2026-03-28T09:00", "ended_at": "2026-03-28T08:00"}, "cannot end before it started"),
    ({"aware_at": ""}, "Say when: became aware."),
    ({"geographic_spread": "cross_border", "countries_affected": "BE"}, "at least two countries"),
    ({"countries_affected": "Belgium"}, "two-letter ISO 3166 codes"),
    ({"tlp": "clear"}, "Not a valid choice"),
    ({"sectors": []}, "Choose at least one sector."),
])
def test_bad_report_input_gets_a_clear_message_and_writes_nothing(app, changes, message):
    world = build(app)
    response = client(app, world, "operator_coordinator").post("/incidents/new", data=_form(world, **changes))
    assert response.status_code == 400 and message in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentReport.id))) == 1  # the world's own


def test_only_authorities_are_offered_and_a_forged_one_is_refused(app):
    world = build(app)
    with app.app_context():
        third = person(world, "third_coordinator").organization_id
    page = client(app, world, "operator_coordinator").get("/incidents/new").text
    assert "National CSIRT" in page and "Third Water" not in page
    response = client(app, world, "operator_coordinator").post(
        "/incidents/new", data=_form(world, authority_organization_id=third))
    assert response.status_code == 400 and "Not a valid choice" in response.text


# --- Stages ----------------------------------------------------------------------------------------


def _submit(app, world, who, kind, **data):
    data.setdefault("body", f"{kind} text")
    return client(app, world, who).post(f"/incidents/{world.report_id}/stages/{kind}", data=data)


def _stages(app, world) -> dict:
    with app.app_context():
        return {(s.kind.value, s.id): s for s in db.session.scalars(sa.select(IncidentReportStage).where(
            IncidentReportStage.incident_report_id == world.report_id))}


def test_a_late_early_warning_records_how_late_and_never_changes_again(app):
    world = build(app, aware_hours_ago=30)  # the early warning was due 6 hours ago
    response = _submit(app, world, "operator_member", "early_warning", malicious_suspected="yes",
                       cross_border_suspected="no")
    assert response.status_code == 302
    stage = next(s for (kind, _), s in _stages(app, world).items() if kind == "early_warning")
    assert stage.submitted_at is not None and stage.malicious_suspected is True
    assert timedelta(hours=5, minutes=59) < stage.late_by < timedelta(hours=6, minutes=1)
    page = client(app, world, "authority_coordinator").get(f"/incidents/{world.report_id}").text
    assert "submitted 6 h late" in page
    again = _submit(app, world, "operator_coordinator", "early_warning", body="rewritten",
                    malicious_suspected="no", cross_border_suspected="no")
    assert again.status_code == 302
    after = next(s for (kind, _), s in _stages(app, world).items() if kind == "early_warning")
    assert after.body == stage.body and after.submitted_at == stage.submitted_at  # submitted stages never change


def test_the_early_warning_must_answer_malicious_and_cross_border(app):
    world = build(app)
    response = _submit(app, world, "operator_member", "early_warning")
    assert response.status_code == 400 and "Answer yes or no." in response.text
    assert all(s.submitted_at is None for s in _stages(app, world).values())


def test_the_notification_starts_the_final_reports_month_and_the_final_needs_root_cause(app):
    world = build(app)
    assert _submit(app, world, "operator_member", "final").status_code == 302  # not yet: flashed, nothing written
    assert [k for k, _ in _stages(app, world)] == ["early_warning", "notification"]
    assert _submit(app, world, "operator_member", "notification").status_code == 302
    stages = _stages(app, world)
    notification = next(s for (k, _), s in stages.items() if k == "notification")
    final = next(s for (k, _), s in stages.items() if k == "final")
    assert final.due_at == clocks.final_due(notification.submitted_at) and notification.late_by is None
    refused = _submit(app, world, "operator_member", "final")
    assert refused.status_code == 400 and "Root cause" in refused.text
    done = _submit(app, world, "operator_member", "final", root_cause="Phished VPN credentials",
                   mitigations_applied="MFA everywhere", cross_border_impact="None")
    assert done.status_code == 302
    assert next(s for (k, _), s in _stages(app, world).items() if k == "final").root_cause == "Phished VPN credentials"


def test_an_unrequested_intermediate_report_is_a_correction_without_a_deadline(app):
    world = build(app)
    assert _submit(app, world, "operator_member", "intermediate", body="Correction: 4 substations").status_code == 302
    assert _submit(app, world, "operator_member", "intermediate", body="Second update").status_code == 302
    intermediates = [s for (k, _), s in _stages(app, world).items() if k == "intermediate"]
    assert len(intermediates) == 2 and all(s.due_at is None and s.late_by is None for s in intermediates)


# --- Reminders ---------------------------------------------------------------------------------------


def test_stage_reminders_go_to_the_operators_coordinators_once_each_threshold(app):
    world = build(app, aware_hours_ago=0)
    with app.app_context():
        report = db.session.get(IncidentReport, world.report_id)
        early = report.stage_of(StageKind.EARLY_WARNING).due_at
        coordinator = person(world, "operator_coordinator")
        assert stage_reminders.run(early - timedelta(hours=13)) == 0  # nothing reached yet
        assert stage_reminders.run(early - timedelta(hours=11)) == 1  # 12 h before
        assert stage_reminders.run(early - timedelta(hours=10)) == 0  # once
        assert stage_reminders.run(early - timedelta(hours=1)) == 1   # 2 h before
        assert stage_reminders.run(early - timedelta(minutes=30)) == 0
        assert stage_reminders.run(early + timedelta(hours=1)) == 1   # overdue
        assert stage_reminders.run(early + timedelta(hours=5)) == 0
        sent = db.session.scalars(sa.select(SentReminder).where(SentReminder.kind == "incident_stage")).all()
        assert {r.recipient_id for r in sent} == {coordinator.id}
        assert sorted(r.threshold.split(" #")[0] for r in sent) == [
            "early_warning 12h", "early_warning 2h", "early_warning overdue"]
        texts = [n.summary for n in db.session.scalars(sa.select(Notification).where(
            Notification.user_id == coordinator.id, Notification.kind == "reminder").order_by(Notification.id))]
        assert texts[0].startswith(f"{report.reference}: early warning due in 11 h")
        assert "overdue by 1 h" in texts[-1]
        assert all(report.title not in t for t in texts)
        members = db.session.scalars(sa.select(User).where(User.email.in_(
            [world.emails["operator_member"], world.emails["authority_coordinator"]]))).all()
        assert not db.session.scalars(sa.select(Notification).where(
            Notification.user_id.in_([m.id for m in members]), Notification.kind == "reminder")).all()


def test_a_submitted_stage_gets_no_more_reminders(app):
    world = build(app, aware_hours_ago=23)
    assert _submit(app, world, "operator_member", "early_warning", malicious_suspected="no",
                   cross_border_suspected="no").status_code == 302
    with app.app_context():
        assert stage_reminders.run(utcnow()) == 0


def test_the_reminders_command_also_runs_the_stage_clocks_once(app):
    world = build(app, aware_hours_ago=23)  # the early warning is due within the hour: the 2 h reminder
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "run"])
    assert first.exit_code == 0 and "Sent 1 incident stage reminder(s)." in first.output
    assert "Sent 0 incident stage reminder(s)." in runner.invoke(args=["reminders", "run"]).output
    with app.app_context():
        coordinator = person(world, "operator_coordinator")
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == coordinator.id, Notification.kind == "reminder")) == 1


# --- Editing a filed report ------------------------------------------------------------------------


def _edit_page(app, world, who="operator_member") -> dict:
    from tests.browser_forms import browser_form_data

    html = client(app, world, who).get(f"/incidents/{world.report_id}/edit").text
    return browser_form_data(html, lambda f: "app-form" in f["class"] and f["method"] == "post")


def _report_state(app, world) -> tuple:
    from app.models import AuditEvent

    with app.app_context():
        report = db.session.get(IncidentReport, world.report_id)
        return (report.version, report.title, report.started_at, report.ended_at, report.countries_affected,
                db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))


def test_the_operator_fills_in_the_end_later_and_it_shows_on_the_page_and_in_history(app):
    started = utcnow().replace(second=0, microsecond=0) - timedelta(hours=3)
    world = build(app, started_at=started)
    with app.app_context():
        person(world, "operator_member").time_zone = BRUSSELS
        report = db.session.get(IncidentReport, world.report_id)
        before = (report.version, report.aware_at, report.tlp, report.authority_organization_id,
                  sorted((s.kind.value, s.due_at) for s in report.stages))
        db.session.commit()
    data = _edit_page(app, world)
    assert "aware_at" not in data and "tlp" not in data and "authority_organization_id" not in data
    ended = started + timedelta(hours=2)
    ended_local = clocks.to_local_input(ended, BRUSSELS)
    data["ended_at"] = ended_local.strftime("%Y-%m-%dT%H:%M")
    # Fields the form does not offer are ignored even when forged.
    data.update(aware_at="2020-01-01T00:00", tlp="amber", authority_organization_id="1")
    response = client(app, world, "operator_member").post(f"/incidents/{world.report_id}/edit", data=data)
    assert response.status_code == 302, response.text[:2000]
    with app.app_context():
        report = db.session.get(IncidentReport, world.report_id)
        assert report.ended_at == ended and report.version == before[0] + 1
        assert (report.aware_at, report.tlp, report.authority_organization_id,
                sorted((s.kind.value, s.due_at) for s in report.stages)) == before[1:]
    shown = clocks.local(ended, BRUSSELS)
    page = client(app, world, "operator_member").get(f"/incidents/{world.report_id}").text
    assert shown in page and "ongoing or unknown" not in page
    history = client(app, world, "authority_coordinator").get(f"/incidents/{world.report_id}/history").text
    assert "ended_at" in history and f"{ended:%Y-%m-%d %H:%M}:00+00:00" in history
    with app.app_context():
        from app.models import AuditEvent

        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "incident_report.updated")).all()
        assert [e.summary.split(":")[0] for e in events] == ["ended_at"]


@pytest.mark.parametrize("changes, message", [
    ({"ended_at": "2099-01-01T10:00"}, "Ended cannot be in the future."),
    ({"started_at": "2026-03-28T09:00", "ended_at": "2026-03-28T08:00"}, "cannot end before it started"),
    ({"ended_at": "1900-01-01T10:00"}, "give a date between 1970 and 2199"),
    ({"geographic_spread": "cross_border", "countries_affected": "BE"}, "at least two countries"),
    ({"title": ""}, "This field is required."),
])
def test_bad_edit_input_gets_a_clear_message_and_writes_nothing(app, changes, message):
    world = build(app)
    before = _report_state(app, world)
    data = {**_edit_page(app, world, "operator_coordinator"), **changes}
    response = client(app, world, "operator_coordinator").post(f"/incidents/{world.report_id}/edit", data=data)
    assert response.status_code == 400 and message in response.text
    assert _report_state(app, world) == before


def test_a_stale_edit_gets_the_conflict_page_and_writes_nothing(app):
    world = build(app)
    data = _edit_page(app, world)
    assert client(app, world, "operator_coordinator").post(
        f"/incidents/{world.report_id}/edit", data={**data, "title": "First writer"}).status_code == 302
    before = _report_state(app, world)
    response = client(app, world, "operator_member").post(
        f"/incidents/{world.report_id}/edit", data={**data, "title": "Second writer"})
    assert response.status_code == 409 and "Second writer" in response.text
    assert _report_state(app, world) == before and before[1] == "First writer"


def test_the_conflict_page_keeps_times_in_the_readers_zone_and_its_merge_moves_no_time(app):
    """A Brussels operator whose save crossed another's: the merged form carries the times as she typed
    them (her wall clock), so saving the merge leaves started_at where it was."""
    from tests.browser_forms import browser_form_data

    world = build(app, started_at=utcnow().replace(second=0, microsecond=0) - timedelta(hours=3))
    with app.app_context():
        person(world, "operator_member").time_zone = BRUSSELS
        db.session.commit()
    data = _edit_page(app, world)
    started_local = data["started_at"]
    assert client(app, world, "operator_coordinator").post(
        f"/incidents/{world.report_id}/edit", data={**_edit_page(app, world, "operator_coordinator"),
                                                   "title": "Other writer"}).status_code == 302
    member = client(app, world, "operator_member")
    response = member.post(f"/incidents/{world.report_id}/edit", data={**data, "impact_description": "Mine"})
    assert response.status_code == 409
    with app.app_context():
        saved_start = db.session.get(IncidentReport, world.report_id).started_at
    assert f"{saved_start:%H:%M}" not in response.text  # the saved value is read on her clock, not in UTC
    merged = browser_form_data(response.text, lambda f: f["method"] == "post" and any(n == "started_at" for n, _ in f["fields"]))
    assert merged["started_at"] == started_local and merged["title"] == "Other writer"
    before = _report_state(app, world)
    assert member.post(f"/incidents/{world.report_id}/edit", data=merged).status_code == 302
    after = _report_state(app, world)
    assert after[2] == before[2] and after[1] == "Other writer"
    assert json.loads(merged["original"])["started_at"] == f"{started_local}:00"


def test_the_edit_link_is_for_the_operator_on_an_open_case_only(app):
    from app.models import IncidentStatus

    world = build(app)
    url = f"/incidents/{world.report_id}"
    assert f"{url}/edit" in client(app, world, "operator_member").get(url).text
    assert f"{url}/edit" not in client(app, world, "authority_coordinator").get(url).text
    with app.app_context():
        db.session.get(IncidentReport, world.report_id).status = IncidentStatus.CLOSED
        db.session.commit()
    coordinator = client(app, world, "operator_coordinator")
    assert f"{url}/edit" not in coordinator.get(url).text
    assert coordinator.get(f"{url}/edit").status_code == 403
