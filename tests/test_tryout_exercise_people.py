"""An exercise's people and its organisations stay together: an organisation taken out of a planned exercise
leaves with its participants (none stays listed in an exercise it can no longer open), and is not taken out
while an inject is addressed to it or it answers for a corrective action."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Exercise
from app.models import ExerciseInject
from app.models import ExerciseParticipant
from app.models import ExerciseStatus
from app.models import ParticipantRole
from app.models import User
from tests.conftest import drop_shared_app
from tests.conftest import shared_app
from tests.exercise_world import build
from tests.exercise_world import client


@pytest.fixture(scope="module")
def world():
    app = shared_app()
    yield app, build(app, status=ExerciseStatus.PLANNING)
    drop_shared_app(app)


def _form(app, exercise_id: int, organization_ids: list[int]) -> dict:
    with app.app_context():
        exercise = db.session.get(Exercise, exercise_id)
        return {"type": exercise.type.value, "title": exercise.title, "scenario": exercise.scenario,
                "starts_at": exercise.starts_at.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": exercise.ends_at.strftime("%Y-%m-%dT%H:%M"), "tlp": exercise.tlp.value,
                "organization_ids": organization_ids, "agreement_ids": [a.id for a in exercise.agreements],
                "incident_plan_id": exercise.incident_plan_id or "", "version": exercise.version}


def _organization_ids(app, exercise_id: int) -> set[int]:
    with app.app_context():
        return {o.id for o in db.session.get(Exercise, exercise_id).organizations}


def test_an_organisation_whose_people_take_part_is_not_taken_out_of_the_exercise(world):
    app, world = world
    exercise_id = world.ids["exercise_id"]
    # the partner, which answers for a corrective action, left out
    form = _form(app, exercise_id, [world.ids["other_partner_id"]])
    refused = client(app, world, "lead_coordinator").post(f"/exercises/{exercise_id}/edit", data=form)
    assert refused.status_code == 400 and "Grid Power Co still take part" in refused.get_data(as_text=True)
    assert world.ids["partner_id"] in _organization_ids(app, exercise_id)
    assert client(app, world, "player").get(f"/exercises/{exercise_id}").status_code == 200


def test_an_organisation_leaves_once_nothing_of_the_exercise_names_it(world):
    app, world = world
    exercise_id, other_id = world.ids["exercise_id"], world.ids["other_partner_id"]
    with app.app_context():  # an inject addressed to the other partner holds it in
        inject = ExerciseInject(exercise_id=exercise_id, number=9, offset_minutes=60, from_="SIMCELL", to="Rail",
                                message="Signal failure at the depot", to_organization_id=other_id)
        db.session.add(inject)
        db.session.commit()
        inject_id = inject.id
    lead = client(app, world, "lead_coordinator")
    refused = lead.post(f"/exercises/{exercise_id}/edit", data=_form(app, exercise_id, [world.ids["partner_id"]]))
    assert refused.status_code == 400 and "Rail Transit Co still take part" in refused.get_data(as_text=True)
    assert other_id in _organization_ids(app, exercise_id)
    with app.app_context():
        db.session.delete(db.session.get(ExerciseInject, inject_id))
        db.session.commit()
    with app.app_context():  # one of its people takes part: she leaves with it
        exercise = db.session.get(Exercise, exercise_id)
        leaver = db.session.scalar(sa.select(User).where(User.email == world.emails["other_partner_coordinator"]))
        exercise.participants.append(ExerciseParticipant(user_id=leaver.id, role=ParticipantRole.OBSERVER))
        db.session.commit()
        leaver_name = leaver.name
    assert client(app, world, "other_partner_coordinator").get(f"/exercises/{exercise_id}").status_code == 200
    saved = lead.post(f"/exercises/{exercise_id}/edit", data=_form(app, exercise_id, [world.ids["partner_id"]]))
    assert saved.status_code == 302
    assert _organization_ids(app, exercise_id) == {world.ids["partner_id"]}
    assert client(app, world, "other_partner_coordinator").get(f"/exercises/{exercise_id}").status_code == 404
    with app.app_context():
        exercise = db.session.get(Exercise, exercise_id)
        assert other_id not in {p.user.organization_id for p in exercise.participants}
        assert len(exercise.participants) == 4  # the partner's and the lead's people stay
        summary = db.session.scalars(sa.select(AuditEvent.summary).where(AuditEvent.action == "exercise.updated")
                                     .order_by(AuditEvent.id.desc())).first()
        assert f"{leaver_name} (observer)" in summary
