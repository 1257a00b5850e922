"""An exercise's people and its organisations stay together: the lead cannot take an organisation out of a
planned exercise while its people still take part (they would stay listed as players, controllers or observers
of an exercise they can no longer open)."""
import pytest

from app.extensions import db
from app.models import Exercise, ExerciseStatus
from tests.conftest import drop_shared_app, shared_app
from tests.exercise_world import build, client


@pytest.fixture(scope="module")
def world():
    app = shared_app()
    yield app, build(app, status=ExerciseStatus.PLANNING)
    drop_shared_app(app)


@pytest.mark.xfail(strict=True, reason="app/exercises/services.update_exercise drops an organisation whose people "
                                       "take part: they stay participants and get 404 on the exercise")
def test_an_organisation_whose_people_take_part_is_not_taken_out_of_the_exercise(world):
    app, world = world
    exercise_id = world.ids["exercise_id"]
    with app.app_context():
        exercise = db.session.get(Exercise, exercise_id)
        form = {"type": exercise.type.value, "title": exercise.title, "scenario": exercise.scenario,
                "starts_at": exercise.starts_at.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": exercise.ends_at.strftime("%Y-%m-%dT%H:%M"), "tlp": exercise.tlp.value,
                "organization_ids": [world.ids["other_partner_id"]],  # the partner, whose player takes part, left out
                "agreement_ids": [a.id for a in exercise.agreements],
                "incident_plan_id": exercise.incident_plan_id or "", "version": exercise.version}
    refused = client(app, world, "lead_coordinator").post(f"/exercises/{exercise_id}/edit", data=form)
    assert refused.status_code == 400 and "take" in refused.get_data(as_text=True)
    with app.app_context():
        kept = db.session.get(Exercise, exercise_id)
        assert world.ids["partner_id"] in {o.id for o in kept.organizations}
    assert client(app, world, "player").get(f"/exercises/{exercise_id}").status_code == 200
