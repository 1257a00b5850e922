"""The links of an exercise read both ways: the incident plan version exercised and the agreements tested list
the exercise; the task, risk mitigation, plan and agreement a corrective action is carried out as list the
action. Each side as the reader may see it: a reader of the plan who may not read the exercise sees nothing of
it; an archived action is gone from the other side."""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import ExerciseStatus
from tests import factories as f
from tests.exercise_world import build
from tests.exercise_world import client
from tests.exercise_world import person

HEADING = "Exercises and corrective actions"


def _linked_world(app):
    """The world's exercise tests an agreement; its corrective action is carried out as a task, a mitigation,
    a revision of the plan and an amendment of the agreement (all readable by the lead and the partner)."""
    world = build(app, status=ExerciseStatus.EVALUATED)
    with app.app_context():
        lead, partner = person(world, "lead_coordinator"), person(world, "partner_coordinator")
        exercise = db.session.get(Exercise, world.ids["exercise_id"])
        agreement = f.agreement(created_by=lead, tlp=TLP.AMBER, parties=[partner.organization],
                                title="Water-power mutual aid")
        group = f.working_group(created_by=lead, tlp=TLP.AMBER, members=[lead, partner])
        task = f.task(working_group=group, title="Buy fuel bladders", created_by_id=lead.id)
        risk = f.risk(created_by=lead, tlp=TLP.AMBER, title="Fuel shortage in a long outage")
        mitigation = f.mitigation(risk=risk, title="Second fuel supplier", assigned_organization=partner.organization)
        exercise.agreements = [agreement]
        action = db.session.get(CorrectiveAction, world.ids["corrective_action_id"])
        action.task_id, action.mitigation_id = task.id, mitigation.id
        action.incident_plan_id, action.agreement_id = world.ids["plan_id"], agreement.id
        db.session.commit()
        pages = {"agreement": f"/agreements/{agreement.id}", "plan": f"/incident-plans/{world.ids['plan_id']}",
                 "task": f"/tasks/{task.id}", "risk": f"/risks/{risk.id}"}
        return world, pages, exercise.reference


def test_linked_pages_list_the_exercises_and_corrective_actions_that_reference_them(app):
    world, pages, reference = _linked_world(app)
    action_link = f'href="/corrective-actions/{world.ids["corrective_action_id"]}"'
    exercise_link = f'href="/exercises/{world.ids["exercise_id"]}"'
    for who in ("lead_coordinator", "partner_coordinator"):
        browser = client(app, world, who)
        for name, url in pages.items():
            html = browser.get(url).get_data(as_text=True)
            assert HEADING in html and action_link in html, f"{name} as {who}"
            assert (exercise_link in html) is (name in ("agreement", "plan")), f"{name} as {who}"
    plan_page = client(app, world, "lead_coordinator").get(pages["plan"]).get_data(as_text=True)
    assert f"{reference}</a>" in plan_page and "Stock generator fuel" in plan_page


def test_a_reader_of_the_plan_who_may_not_read_the_exercise_learns_nothing_of_it(app):
    world, pages, reference = _linked_world(app)
    # The plan is AMBER (its covered partner's client reads it); the exercise is AMBER+STRICT.
    response = client(app, world, "client_member").get(pages["plan"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert HEADING not in html and reference not in html and "Stock generator fuel" not in html


def test_an_archived_corrective_action_leaves_the_linked_pages(app):
    world, pages, _ = _linked_world(app)
    lead = client(app, world, "lead_coordinator")
    assert lead.post(f"/corrective-actions/{world.ids['corrective_action_id']}/archive").status_code == 302
    assert HEADING not in lead.get(pages["task"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(CorrectiveAction.archived_at)) is not None
