"""An edit form saved as the browser sends it, untouched, changes nothing.

The page's form is read as Chromium submits it (tests/browser_forms.py: a select with no selected
option sends its first option, textareas send CRLF line breaks), so the tests see what people see.
The every-form sweep in a real browser is tests/test_forms_browser.py.
"""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP, Initiative, Milestone, Risk, User, today, utcnow
from tests import factories
from tests.browser_forms import browser_form_data
from tests.test_working_groups_helpers import text, world


def _edit_form(html: str) -> dict:
    return browser_form_data(html, lambda f: "app-form" in f["class"] and f["method"] == "post")


def test_initiative_edit_never_recreates_its_milestones_and_35_milestones_still_edit(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        creator = db.session.get(User, w.ids["coord_gov"])
        initiative = factories.initiative(created_by=creator, tlp=TLP.AMBER)
        for n in range(35):
            db.session.add(Milestone(initiative=initiative, title=f"Step {n}", due_date=today() + timedelta(days=n),
                                     completed_at=None))
        db.session.commit()
        initiative_id = initiative.id
    coord = w.c["coord_gov"]
    page = coord.get(f"/initiatives/{initiative_id}/edit")
    assert page.status_code == 200  # was 500 above 30 milestones
    html = text(page)
    assert 'value="Step 0"' not in html  # the "Add milestones" rows start empty
    saved = coord.post(f"/initiatives/{initiative_id}/edit", data=_edit_form(html))
    assert saved.status_code == 302, text(saved)[:2000]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 35
        assert db.session.get(Initiative, initiative_id).version == 1


def test_initiative_edit_with_four_milestones_saved_twice_keeps_four(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        creator = db.session.get(User, w.ids["coord_gov"])
        initiative = factories.initiative(created_by=creator, tlp=TLP.AMBER)
        for n in range(4):
            db.session.add(Milestone(initiative=initiative, title=f"Step {n}", due_date=None,
                                     completed_at=None if n == 3 else utcnow()))
        db.session.commit()
        initiative_id = initiative.id
    coord = w.c["coord_gov"]
    for _ in range(2):
        html = text(coord.get(f"/initiatives/{initiative_id}/edit"))
        assert coord.post(f"/initiatives/{initiative_id}/edit", data=_edit_form(html)).status_code == 302
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert len(initiative.milestones) == 4 and initiative.progress == 75


def test_risk_edit_keeps_an_initiative_the_editor_cannot_pick(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        gov_coord = db.session.get(User, w.ids["coord_gov"])
        water_coord = db.session.get(User, w.ids["coord_water"])
        # An initiative of the government office, shared only within it: the water coordinator who
        # edits the risk does not see it, so the picker cannot offer it.
        initiative = factories.initiative(created_by=gov_coord, tlp=TLP.AMBER_STRICT)
        risk = factories.risk(created_by=water_coord, tlp=TLP.GREEN, initiative_id=initiative.id,
                              next_review_date=today() + timedelta(days=90))
        risk_id, initiative_id, reference = risk.id, initiative.id, initiative.reference
    coord = w.c["coord_water"]
    html = text(coord.get(f"/risks/{risk_id}/edit"))
    assert reference not in html  # the editor is not told which initiative it is
    saved = coord.post(f"/risks/{risk_id}/edit", data=_edit_form(html))
    assert saved.status_code == 302, text(saved)[:2000]
    with app.app_context():
        risk = db.session.get(Risk, risk_id)
        assert risk.initiative_id == initiative_id
        assert risk.version == 1


def test_risk_edit_keeps_an_archived_initiative(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        coord_user = db.session.get(User, w.ids["coord_gov"])
        initiative = factories.initiative(created_by=coord_user, tlp=TLP.GREEN, archived_at=utcnow())
        risk = factories.risk(created_by=coord_user, tlp=TLP.GREEN, initiative_id=initiative.id)
        risk_id, initiative_id = risk.id, initiative.id
    coord = w.c["coord_gov"]
    html = text(coord.get(f"/risks/{risk_id}/edit"))
    assert coord.post(f"/risks/{risk_id}/edit", data=_edit_form(html)).status_code == 302
    with app.app_context():
        assert db.session.get(Risk, risk_id).initiative_id == initiative_id
