"""Milestones inline on the initiative page: add, edit, complete, reopen, delete, progress and overdue."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Initiative
from app.models import Milestone
from app.models import Role
from app.models import today
from tests import factories


@pytest.fixture
def initiative(app, client_as):
    with app.app_context():
        coord = factories.user(role=Role.COORDINATOR)
        ini = factories.initiative(created_by=coord, title="Tabletop series")
        ids = {"initiative": ini.id}
        client = client_as(coord)
    return ids, client


def actions(initiative_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "initiatives", AuditEvent.object_id == initiative_id).order_by(AuditEvent.id)))


def test_milestone_lifecycle_is_audited_and_never_bumps_the_initiative(app, initiative):
    ids, client = initiative
    base = f"/initiatives/{ids['initiative']}/milestones"
    assert client.post(base, data={"title": "Scenario drafted", "due_date": "2026-02-01"}).status_code == 302
    with app.app_context():
        milestone_id = db.session.scalar(sa.select(Milestone.id).where(Milestone.title == "Scenario drafted"))
    m = f"{base}/{milestone_id}"
    assert client.post(f"{m}/edit", data={f"m{milestone_id}-title": "Scenario agreed",
                                          f"m{milestone_id}-due_date": "2026-03-01"}).status_code == 302
    assert client.post(f"{m}/complete").status_code == 302
    with app.app_context():
        milestone = db.session.get(Milestone, milestone_id)
        assert milestone.title == "Scenario agreed" and milestone.completed_at is not None
        assert str(milestone.due_date) == "2026-03-01"
        assert db.session.get(Initiative, ids["initiative"]).progress == 100
    assert client.post(f"{m}/reopen").status_code == 302
    assert client.post(f"{m}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Milestone, milestone_id) is None
        ini = db.session.get(Initiative, ids["initiative"])
        assert ini.version == 1  # milestones are audited on the initiative but do not bump its version
        assert actions(ini.id) == ["initiative.milestone_added", "initiative.milestone_edited",
                                   "initiative.milestone_completed", "initiative.milestone_reopened",
                                   "initiative.milestone_deleted"]
        edited = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "initiative.milestone_edited"))
        assert "title: Scenario drafted → Scenario agreed" in edited.summary


@pytest.mark.parametrize("data, error", [
    ({"title": ""}, "This field is required."),
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"title": "ok", "due_date": "tomorrow"}, "Not a valid date value."),
])
def test_bad_milestone_input_is_shown_and_writes_nothing(app, initiative, data, error):
    ids, client = initiative
    response = client.post(f"/initiatives/{ids['initiative']}/milestones", data=data)
    assert response.status_code == 400 and error in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 0
        assert actions(ids["initiative"]) == []


def test_bad_milestone_edit_reopens_the_inline_form_with_the_error(app, initiative):
    ids, client = initiative
    with app.app_context():
        milestone = Milestone(initiative_id=ids["initiative"], title="Keep me")
        db.session.add(milestone)
        db.session.commit()
        mid = milestone.id
    response = client.post(f"/initiatives/{ids['initiative']}/milestones/{mid}/edit", data={f"m{mid}-title": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<details open>" in html and "This field is required." in html
    with app.app_context():
        assert db.session.get(Milestone, mid).title == "Keep me"


def test_progress_bar_and_overdue_milestones_on_the_detail_page(app, initiative):
    ids, client = initiative
    now = today()
    with app.app_context():
        db.session.add_all([
            Milestone(initiative_id=ids["initiative"], title="Done one", due_date=now - timedelta(days=30),
                      completed_at=db.func.now()),
            Milestone(initiative_id=ids["initiative"], title="Late one", due_date=now - timedelta(days=3)),
            Milestone(initiative_id=ids["initiative"], title="Future one", due_date=now + timedelta(days=30)),
            Milestone(initiative_id=ids["initiative"], title="Undated one"),
        ])
        db.session.commit()
    html = client.get(f"/initiatives/{ids['initiative']}").get_data(as_text=True)
    assert 'max="100" value="25"' in html
    late_row = html[html.index("Late one") - 300:html.index("Late one")]
    assert "row-overdue" in late_row
    assert html.count(">Overdue<") == 1
    assert "Mark complete" in html and "Reopen" in html
