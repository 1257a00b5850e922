"""The situational picture: the inbox's incident clocks, the calendar feed, the authority coordinator's
dashboard, the executive report's "incidents reported" section per edition, and the demo incidents."""
from datetime import timedelta

import sqlalchemy as sa

from app.documents.executive import executive_document
from app.extensions import db
from app.inbox.providers import inbox_counts
from app.inbox.providers import inbox_sections
from app.models import TLP
from app.models import Document
from app.models import GeographicSpread
from app.models import IncidentReport
from app.models import IncidentStatus
from app.models import Sector
from app.models import Significance
from app.models import utcnow
from app.pdf import render_pdf
from tests import factories as f
from tests.incident_world import build
from tests.incident_world import client
from tests.incident_world import person
from tests.signing_helpers import pdf_text


def _entries(user, section="Incident clocks"):
    return dict(inbox_sections(user)).get(section, [])


def test_due_and_overdue_stages_reach_the_operators_coordinators_and_acknowledgements_the_authority(app):
    world = build(app, aware_hours_ago=30)  # early warning overdue by 6 h, notification due in 42 h
    with app.app_context():
        coordinator = person(world, "operator_coordinator")
        with app.test_request_context():
            entries = _entries(coordinator)
            assert [e.action for e in entries][0] == "Submit the early warning"
            assert "overdue by 6 h" in entries[0].note and entries[0].rank == 0
            assert inbox_counts(coordinator)["Incident clocks"] == len(entries)
            for who in ("operator_member", "authority_coordinator", "third_coordinator", "admin"):
                assert _entries(person(world, who)) == [], who
    response = client(app, world, "operator_member").post(
        f"/incidents/{world.report_id}/stages/early_warning",
        data={"body": "Now.", "malicious_suspected": "no", "cross_border_suspected": "no"})
    assert response.status_code == 302
    with app.app_context(), app.test_request_context():
        authority = person(world, "authority_coordinator")
        assert [e.action for e in _entries(authority)] == ["Acknowledge the early warning"]
        assert inbox_counts(authority)["Incident clocks"] == 1
        assert "Submit the early warning" not in [e.action for e in _entries(person(world, "operator_coordinator"))]


def test_the_calendar_feed_of_the_operators_coordinator_holds_the_stage_deadlines_by_reference_only(app):
    world = build(app, title="Secret substation story")
    token = None
    with app.app_context():
        from app.calendar.services import create_or_regenerate

        token = create_or_regenerate(person(world, "operator_coordinator"))
        other = create_or_regenerate(person(world, "authority_coordinator"))
        reference = db.session.get(IncidentReport, world.report_id).reference
        db.session.commit()
    feed = app.test_client().get(f"/calendar/{token}.ics").text.replace("\r\n ", "")  # unfold long lines
    assert feed.count(reference) >= 2 and "Early warning due" in feed and "Secret substation" not in feed
    assert reference not in app.test_client().get(f"/calendar/{other}.ics").text


def test_the_authority_coordinators_dashboard_shows_open_incidents_by_sector_and_clocks_at_risk(app):
    world = build(app, aware_hours_ago=30, sectors=[Sector.ENERGY, Sector.WATER])
    with app.app_context():
        authority = person(world, "authority_coordinator").organization
        f.incident_report(created_by=person(world, "operator_coordinator"), authority=authority,
                          sectors=[Sector.ENERGY], status=IncidentStatus.CLOSED)
    page = client(app, world, "authority_coordinator").get("/").text
    assert "Incident reports addressed to your organisation" in page
    picture = page[page.index('class="mb-4 incident-picture"'):]
    picture = picture[:picture.index("</section>")]
    assert "Energy</a></span><span>1</span>" in picture and "Water and Wastewater Systems</a></span><span>1</span>" in picture
    assert "early warning overdue by 6 h" in picture
    for who in ("operator_coordinator", "authority_member", "admin", "third_coordinator"):
        assert "incident-picture" not in client(app, world, who).get("/").text, who


def test_the_executive_report_counts_incidents_by_sector_and_significance_and_lists_them_only_in_high_editions(app):
    world = build(app, title="Grid ransomware (strict)", sectors=[Sector.ENERGY],
                  significance=Significance.SIGNIFICANT)
    with app.app_context():
        operator = person(world, "operator_coordinator")
        authority = person(world, "authority_coordinator")
        f.incident_report(created_by=operator, authority=authority.organization, title="Water leak (amber)",
                          sectors=[Sector.WATER], significance=Significance.NOT_SIGNIFICANT, tlp=TLP.AMBER,
                          geographic_spread=GeographicSpread.LOCAL)
        old = f.incident_report(created_by=operator, authority=authority.organization, title="Last year")
        old.created_at = utcnow() - timedelta(days=200)
        db.session.commit()
        with app.test_request_context():
            _, full = executive_document(authority, None, previous=None)
            _, green = executive_document(authority, TLP.GREEN, previous=None)
            _, amber = executive_document(authority, TLP.AMBER, previous=None)
            figures = {key: value for key, value, _label, _trend in full["figures"]}
            assert figures["incidents_reported"] == 2  # the one from 200 days ago is outside the period
            table = dict(full["incident_table"])
            assert table["Energy"][Significance.SIGNIFICANT] == 1
            assert table["Water and Wastewater Systems"][Significance.NOT_SIGNIFICANT] == 1
            assert dict(green["incident_table"]) == table and green["incident_total"] == 2  # counts in every edition
            assert green["incidents"].rows == [] and green["doc"].tlp is TLP.GREEN
            assert [r.title for r in amber["incidents"].rows] == ["Water leak (amber)"]
            assert {r.title for r in full["incidents"].rows} == {"Grid ransomware (strict)", "Water leak (amber)"}
            assert full["doc"].tlp is TLP.AMBER_STRICT  # the listed reports mark the full report
            template, context = executive_document(authority, TLP.GREEN, previous=None)
            text = pdf_text(render_pdf(template, **context))
    assert "Incidents reported in the last 30 days" in text and "counts only" in text
    assert "Grid ransomware" not in text and "Water leak" not in text


def test_the_demo_has_two_authorities_and_incidents_in_every_state_a_late_stage_and_a_cross_border_one(app):
    from app.demo import incidents
    from app.demo.people import seed_people
    from app.signing.keys import ensure_development_key

    with app.app_context():
        ensure_development_key()
        people = seed_people("palisade-demo-passphrase")
        assert incidents.seed(people) == len(incidents.REPORTS)
        assert incidents.seed(people) == 0  # idempotent
        assert {o.name for o in people.orgs.values() if o.is_authority} == {
            "National Infrastructure Resilience Office", "Energy Sector CSIRT"}
        reports = db.session.scalars(sa.select(IncidentReport)).all()
        assert {r.status for r in reports} == set(IncidentStatus)
        assert any(s.late_by for r in reports for s in r.stages)
        assert any(r.is_cross_border and len(r.countries) >= 2 for r in reports)
        assert any(s.is_overdue() for r in reports for s in r.open_stages())
        submitted = [s for r in reports for s in r.stages if s.is_submitted]
        assert submitted and all(s.document_id for s in submitted)
        assert db.session.scalar(sa.select(sa.func.count(Document.id)).where(
            Document.object_type == "incident_reports")) == len(submitted)
