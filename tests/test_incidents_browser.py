"""The stage-submission form in Chromium with JavaScript on: the clock in the member's own time zone, a
refused submission that keeps what was typed and writes nothing, then the submitted, sealed stage.

Needs Debian's chromium and playwright; skipped cleanly without them."""
import re
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import IncidentReportStage
from app.models import Role
from app.models import StageKind
from app.models import utcnow
from tests import factories
from tests.browser import sqlite_pass_browser

sync_api = sqlite_pass_browser()


def _seed(app) -> dict:
    with app.app_context():
        operator = factories.organization(name="Northern Grid")
        authority = factories.organization(name="National CSIRT", is_authority=True)
        member = factories.user(role=Role.MEMBER, organization=operator, email="member@grid.example.org",
                                time_zone="Asia/Tokyo")
        report = factories.incident_report(created_by=factories.user(role=Role.COORDINATOR,
                                                                     organization=operator),
                                           authority=authority, aware_at=utcnow() - timedelta(hours=19))
        db.session.commit()
        return {"member": member.email, "report": report.id}


def _early_warning(app, report_id: int) -> IncidentReportStage:
    with app.app_context():
        return db.session.scalars(sa.select(IncidentReportStage).where(
            IncidentReportStage.incident_report_id == report_id,
            IncidentReportStage.kind == StageKind.EARLY_WARNING)).one()


def test_a_member_submits_the_early_warning_in_the_browser(live_app, browser):
    ids = _seed(live_app.app)
    expect = sync_api.expect
    page = browser.new_context(java_script_enabled=True).new_page()
    page.goto(live_app.url + "/auth/login")
    page.fill("input[name=email]", ids["member"])
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    form_url = f"{live_app.url}/incidents/{ids['report']}/stages/early_warning"
    page.goto(form_url)
    expect(page.locator("p.clock")).to_contain_text(re.compile(r"Early warning due in (4|5) h"))
    expect(page.locator("p.clock")).to_contain_text("JST")  # the deadline on the member's own clock

    # Unanswered questions: the form comes back with the message and the text typed; nothing is submitted.
    page.fill("textarea[name=body]", "HMI hosts encrypted at substation 7.")
    page.click("form.app-form button[type=submit]")
    expect(page.locator(".invalid-feedback, .alert").filter(has_text="Answer yes or no.").first).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_have_value("HMI hosts encrypted at substation 7.")
    assert _early_warning(live_app.app, ids["report"]).submitted_at is None

    page.check("input[name=malicious_suspected][value=yes]")
    page.check("input[name=cross_border_suspected][value=no]")
    page.click("form.app-form button[type=submit]")
    page.wait_for_url(f"{live_app.url}/incidents/{ids['report']}")
    expect(page.locator(".alert", has_text="Early warning submitted and issued as a sealed PDF.")).to_be_visible()
    row = page.locator("tr.stage-early_warning")
    expect(row.locator("td.clock")).to_have_text("submitted on time")
    expect(row.locator("a", has_text="PDF")).to_be_visible()
    stage = _early_warning(live_app.app, ids["report"])
    assert stage.submitted_at is not None and stage.malicious_suspected is True and stage.document_id
