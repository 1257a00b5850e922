"""The risk and initiative edit forms in Chromium with JavaScript on: saved untouched they write nothing and say
that nothing changed; an initiative whose participants alone change is saved and says so.

Needs Debian's chromium and playwright; skipped cleanly without them."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Initiative
from app.models import Risk
from app.models import Role
from app.models import today
from tests import factories
from tests.browser import sign_in
from tests.browser import sqlite_pass_browser

sync_api = sqlite_pass_browser()


def _seed(app) -> dict:
    with app.app_context():
        ours = factories.organization(name="Northern Grid")
        partner = factories.organization(name="River Water")
        other = factories.organization(name="Meridian Telecom")
        coordinator = factories.user(role=Role.COORDINATOR, organization=ours, email="coord@grid.example.org")
        reader = factories.user(role=Role.MEMBER, organization=partner, email="reader@water.example.org")
        risk = factories.risk(created_by=coordinator, tlp=TLP.RED, recipients=[reader], title="Substation theft",
                              description="Copper theft at night.", next_review_date=today() + timedelta(days=90))
        initiative = factories.initiative(created_by=coordinator, participants=[partner], tlp=TLP.AMBER,
                                          title="Fence programme", objective="Fence every substation.")
        db.session.commit()
        return {"coordinator": coordinator.email, "risk": risk.id, "initiative": initiative.id,
                "partner": partner.id, "other": other.id}


def _state(app, model, record_id: int) -> tuple:
    """The record's version, its audit rows and its linked organisations or people: what a save would change."""
    with app.app_context():
        record = db.session.get(model, record_id)
        audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.object_id == record_id, AuditEvent.object_type == model.__tablename__))
        participants = sorted(o.id for o in getattr(record, "participants", []))
        return record.version, audited, participants, sorted(u.id for u in record.recipients)


def _save_untouched(page, url: str) -> None:
    page.goto(url)
    page.locator(".form-actions button[type=submit].btn-primary").click()
    page.wait_for_load_state()


def test_untouched_risk_and_initiative_forms_save_nothing_and_say_so(live_app, browser):
    ids = _seed(live_app.app)
    expect = sync_api.expect
    page = browser.new_context(java_script_enabled=True).new_page()
    sign_in(page, live_app.url, ids["coordinator"])
    for model, record_id, path in ((Risk, ids["risk"], f"/risks/{ids['risk']}"),
                                   (Initiative, ids["initiative"], f"/initiatives/{ids['initiative']}")):
        before = _state(live_app.app, model, record_id)
        _save_untouched(page, f"{live_app.url}{path}/edit")
        expect(page).to_have_url(f"{live_app.url}{path}")
        expect(page.locator(".alert-info", has_text="No changes to save.")).to_be_visible()
        expect(page.locator(".alert-success")).to_have_count(0)
        assert _state(live_app.app, model, record_id) == before, path


def test_changing_only_the_participants_saves_and_says_so(live_app, browser):
    ids = _seed(live_app.app)
    expect = sync_api.expect
    page = browser.new_context(java_script_enabled=True).new_page()
    sign_in(page, live_app.url, ids["coordinator"])
    version, audited, participants, _ = _state(live_app.app, Initiative, ids["initiative"])
    assert participants == [ids["partner"]]
    page.goto(f"{live_app.url}/initiatives/{ids['initiative']}/edit")
    page.check(f"input[name=participant_ids][value='{ids['other']}']")
    page.locator(".form-actions button[type=submit].btn-primary").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success", has_text="Initiative saved.")).to_be_visible()
    after = _state(live_app.app, Initiative, ids["initiative"])
    assert after[2] == sorted([ids["partner"], ids["other"]])
    assert after[0] == version + 1 and after[1] == audited + 1
