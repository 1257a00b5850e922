"""Tryout findings on incident reports: times at the ends of the calendar, replays and insiders."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import IncidentReport
from app.models import IncidentReportStage
from tests.incident_world import build
from tests.incident_world import client
from tests.incident_world import person
from tests.test_incidents import _form


def _zone(app, world, who, zone_name):
    with app.app_context():
        person(world, who).time_zone = zone_name
        db.session.commit()


@pytest.mark.parametrize("changes", [{"aware_at": "0001-01-01T00:00"}, {"started_at": "0001-01-01T05:00"}])
def test_a_time_before_the_calendar_starts_in_the_users_zone_is_a_clear_message(app, changes):
    world = build(app)
    _zone(app, world, "operator_coordinator", "Pacific/Kiritimati")  # UTC+14: year 1 in UTC does not exist
    response = client(app, world, "operator_coordinator").post("/incidents/new", data=_form(world, **changes))
    assert response.status_code == 400 and "between" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentReport.id))) == 1


def test_an_incident_aware_in_year_one_is_refused_so_readers_west_of_utc_can_open_it(app):
    world = build(app)
    response = client(app, world, "operator_coordinator").post(
        "/incidents/new", data=_form(world, aware_at="0001-01-01T00:00", started_at=""))
    assert response.status_code == 400 and "between" in response.text


def test_an_intermediate_due_at_the_end_of_the_calendar_is_a_clear_message(app):
    world = build(app)
    _zone(app, world, "authority_coordinator", "America/Los_Angeles")
    response = client(app, world, "authority_coordinator").post(
        f"/incidents/{world.report_id}/intermediate", data={"due_at": "9999-12-31T23:00", "request_note": "x"},
        follow_redirects=True)
    assert response.status_code == 200 and "Nothing was requested" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentReportStage.id)).where(
            IncidentReportStage.incident_report_id == world.report_id)) == 2


def _stage_count(app, world) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(IncidentReportStage.id)).where(
            IncidentReportStage.incident_report_id == world.report_id, IncidentReportStage.submitted_at.is_not(None)))


def test_a_replayed_stage_form_submits_nothing_a_second_time_and_keeps_the_text(app):
    """A double click, or a colleague submitting meanwhile: the form opened on one version of the report
    neither duplicates an unrequested intermediate report nor lands in the next requested one."""
    world = build(app)
    operator = client(app, world, "operator_member")
    page = operator.get(f"/incidents/{world.report_id}/stages/intermediate").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {"body": "Correction: 4 substations, not 3.", "version": version}
    assert operator.post(f"/incidents/{world.report_id}/stages/intermediate", data=data).status_code == 302
    assert _stage_count(app, world) == 1
    again = operator.post(f"/incidents/{world.report_id}/stages/intermediate", data=data)
    assert again.status_code == 409 and "nothing was submitted" in again.text
    assert "Correction: 4 substations, not 3." in again.text
    assert _stage_count(app, world) == 1
    # The refusal page carries the current version: submitting it again is a deliberate second report.
    current = re.search(r'name="version" type="hidden" value="(\d+)"', again.text).group(1)
    assert current != version
    assert operator.post(f"/incidents/{world.report_id}/stages/intermediate",
                         data={**data, "version": current}).status_code == 302
    assert _stage_count(app, world) == 2


def test_a_replayed_intermediate_request_asks_only_once(app):
    world = build(app)
    authority = client(app, world, "authority_coordinator")
    page = authority.get(f"/incidents/{world.report_id}").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {"due_at": "2199-01-01T10:00", "request_note": "Scope of the outage?", "version": version}
    first = authority.post(f"/incidents/{world.report_id}/intermediate", data=data, follow_redirects=True)
    assert "Intermediate report requested" in first.text
    again = authority.post(f"/incidents/{world.report_id}/intermediate", data=data, follow_redirects=True)
    assert "Nothing was requested" in again.text and "requested: the operator" not in again.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentReportStage.id)).where(
            IncidentReportStage.incident_report_id == world.report_id,
            IncidentReportStage.requested_at.is_not(None))) == 1


def test_the_report_page_lists_its_advisories_by_reference_and_offers_one_to_the_authority_only(app):
    """The authority starts an advisory from the report's page; both sides see the advisories linked to it by
    reference only (an advisory's title may be of an edition above the reader's)."""
    from app.models import TLP
    from tests import factories

    world = build(app)
    with app.app_context():
        report = db.session.get(IncidentReport, world.report_id)
        advisory = factories.advisory(created_by=person(world, "authority_coordinator"), tlp=TLP.AMBER_STRICT,
                                      title="Restricted advisory title", recipients=[report.owner_organization],
                                      status="released")
        advisory.incident_reports = [report]
        db.session.commit()
        reference = advisory.reference
    authority_page = client(app, world, "authority_coordinator").get(f"/incidents/{world.report_id}").get_data(
        as_text=True)
    operator_page = client(app, world, "operator_coordinator").get(f"/incidents/{world.report_id}").get_data(
        as_text=True)
    assert reference in authority_page and reference in operator_page
    assert "Restricted advisory title" not in operator_page
    assert f"/advisories/new?incident_id={world.report_id}" in authority_page
    assert "/advisories/new?incident_id=" not in operator_page
