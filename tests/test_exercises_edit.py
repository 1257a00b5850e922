"""Editing and archiving exercises and corrective actions, and talking about them: the lead organisation edits
a planned exercise (a stale form gets the conflict page, an untouched save writes nothing, the plan version kept
is the one recorded), archives one called off or closed with its improvement plan done (never one under way),
edits and archives the actions of its improvement plan; everyone taking part comments."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Comment
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import IncidentPlan
from app.models import Notification
from app.models import today
from tests.exercise_world import build
from tests.exercise_world import client
from tests.exercise_world import person


def _exercise(app, world) -> Exercise:
    return db.session.get(Exercise, world.ids["exercise_id"])


def _form(app, world, **overrides) -> dict:
    """The edit form as the page fills it (times in UTC: the world's people have no time zone of their own)."""
    with app.app_context():
        exercise = _exercise(app, world)
        form = {"type": exercise.type.value, "title": exercise.title, "scenario": exercise.scenario,
                "starts_at": exercise.starts_at.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": exercise.ends_at.strftime("%Y-%m-%dT%H:%M"), "tlp": exercise.tlp.value,
                "organization_ids": [o.id for o in exercise.organizations],
                "agreement_ids": [a.id for a in exercise.agreements],
                "incident_plan_id": exercise.incident_plan_id or "", "version": exercise.version}
    return {**form, **overrides}


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_lead_edits_a_planned_exercise_and_the_history_says_what_changed(app):
    world = build(app, status=ExerciseStatus.PLANNING)
    lead = client(app, world, "lead_coordinator")
    page = lead.get(f"/exercises/{world.ids['exercise_id']}/edit").get_data(as_text=True)
    assert "Save changes" in page and "Rail Transit Co" in page
    response = lead.post(f"/exercises/{world.ids['exercise_id']}/edit", data=_form(
        app, world, title="Heatwave tabletop, second run", organization_ids=[world.ids["partner_id"]]))
    assert response.status_code == 302
    with app.app_context():
        exercise = _exercise(app, world)
        assert exercise.title == "Heatwave tabletop, second run"
        assert [o.id for o in exercise.organizations] == [world.ids["partner_id"]]
    (event,) = _events(app, "exercise.updated")
    assert "title:" in event.summary and "Rail Transit Co" in event.summary
    history = lead.get(f"/exercises/{world.ids['exercise_id']}/history").get_data(as_text=True)
    assert "Heatwave tabletop, second run" in history


def test_an_untouched_save_writes_nothing_and_a_stale_form_gets_the_conflict_page(app):
    world = build(app, status=ExerciseStatus.PLANNING)
    lead = client(app, world, "lead_coordinator")
    url = f"/exercises/{world.ids['exercise_id']}/edit"
    untouched = _form(app, world)
    with app.app_context():
        version = _exercise(app, world).version
    unchanged = lead.post(url, data=untouched, follow_redirects=True)
    assert unchanged.status_code == 200 and "No changes to save." in unchanged.get_data(as_text=True)
    with app.app_context():
        assert _exercise(app, world).version == version
    assert _events(app, "exercise.updated") == []
    assert lead.post(url, data=_form(app, world, title="Theirs")).status_code == 302
    stale = client(app, world, "lead_coordinator_2").post(url, data={**untouched, "title": "Mine"})
    assert stale.status_code == 409
    assert "Mine" in stale.get_data(as_text=True)
    with app.app_context():
        assert _exercise(app, world).title == "Theirs"


def test_the_plan_version_kept_on_an_edit_is_the_one_recorded_after_a_revision(app):
    world = build(app, status=ExerciseStatus.PLANNING)
    with app.app_context():
        plan = db.session.get(IncidentPlan, world.ids["plan_id"])
        label = plan.version_label
        plan.version_label = "9.9"  # what a later revision would read; the exercise keeps its label
        db.session.commit()
    lead = client(app, world, "lead_coordinator")
    assert lead.post(f"/exercises/{world.ids['exercise_id']}/edit",
                     data=_form(app, world, title="Renamed")).status_code == 302
    with app.app_context():
        exercise = _exercise(app, world)
        assert exercise.incident_plan_id == world.ids["plan_id"] and exercise.plan_version_label == label


def test_bad_dates_on_an_edit_get_a_clear_message_and_change_nothing(app):
    world = build(app, status=ExerciseStatus.PLANNING)
    form = _form(app, world)
    response = client(app, world, "lead_coordinator").post(
        f"/exercises/{world.ids['exercise_id']}/edit", data={**form, "ends_at": form["starts_at"], "title": "X"})
    assert response.status_code == 400
    assert "The exercise must end after it starts." in response.get_data(as_text=True)
    with app.app_context():
        assert _exercise(app, world).title != "X"


def test_once_ready_the_exercise_is_no_longer_edited(app):
    world = build(app, status=ExerciseStatus.READY)
    lead = client(app, world, "lead_coordinator")
    assert lead.get(f"/exercises/{world.ids['exercise_id']}/edit").status_code == 403
    assert f"/exercises/{world.ids['exercise_id']}/edit" not in lead.get(
        f"/exercises/{world.ids['exercise_id']}").get_data(as_text=True)


def test_a_planned_exercise_is_called_off_by_archiving_it_and_comes_back_on_restore(app):
    world = build(app, status=ExerciseStatus.PLANNING)
    lead, exercise_id = client(app, world, "lead_coordinator"), world.ids["exercise_id"]
    with app.app_context():
        reference = _exercise(app, world).reference
        db.session.get(CorrectiveAction, world.ids["corrective_action_id"]).status = CorrectiveActionStatus.VERIFIED
        db.session.commit()
    row = f'href="/exercises/{exercise_id}"'
    assert lead.post(f"/exercises/{exercise_id}/archive").status_code == 302
    assert row not in lead.get("/exercises/").get_data(as_text=True)
    assert row in lead.get("/exercises/?archived=1").get_data(as_text=True)
    assert "was already archived" in lead.post(f"/exercises/{exercise_id}/archive", follow_redirects=True).get_data(
        as_text=True)
    assert len(_events(app, "exercise.archived")) == 1
    assert lead.post(f"/exercises/{exercise_id}/restore").status_code == 302
    assert row in lead.get("/exercises/").get_data(as_text=True)
    assert reference in lead.get(f"/exercises/{exercise_id}").get_data(as_text=True)


def test_an_exercise_under_way_or_with_open_corrective_actions_is_not_archived(app):
    world = build(app, status=ExerciseStatus.CONDUCTED)
    lead, exercise_id = client(app, world, "lead_coordinator"), world.ids["exercise_id"]
    page = lead.post(f"/exercises/{exercise_id}/archive", follow_redirects=True).get_data(as_text=True)
    assert "An exercise that is conducted stays in the programme" in page
    with app.app_context():
        _exercise(app, world).status = ExerciseStatus.CLOSED
        db.session.commit()
    page = lead.post(f"/exercises/{exercise_id}/archive", follow_redirects=True).get_data(as_text=True)
    assert "1 corrective action(s) are not verified yet" in page
    with app.app_context():
        assert _exercise(app, world).archived_at is None
    assert _events(app, "exercise.archived") == []


# --- Corrective actions -------------------------------------------------------------------------------


def _action_form(app, world, **overrides) -> dict:
    with app.app_context():
        action = db.session.get(CorrectiveAction, world.ids["corrective_action_id"])
        form = {"title": action.title, "area_for_improvement": action.area_for_improvement,
                "objective_id": action.objective_id or "", "capability_element": action.capability_element.value,
                "responsible_organization_id": action.responsible_organization_id,
                "point_of_contact_id": action.point_of_contact_id or "", "start_date": "", "due_date": "",
                "task_id": "", "mitigation_id": "", "incident_plan_id": "", "agreement_id": "",
                "version": action.version}
    return {**form, **overrides}


def test_the_lead_edits_a_corrective_action_and_its_new_point_of_contact_hears_of_it(app):
    world = build(app, status=ExerciseStatus.EVALUATED)
    lead, action_id = client(app, world, "lead_coordinator"), world.ids["corrective_action_id"]
    url = f"/corrective-actions/{action_id}/edit"
    untouched = lead.post(url, data=_action_form(app, world), follow_redirects=True)  # nothing written
    assert "No changes to save." in untouched.get_data(as_text=True)
    assert _events(app, "corrective_action.updated") == []
    with app.app_context():
        player_id = person(world, "player").id
    due = today() + timedelta(days=30)
    saved = lead.post(url, data=_action_form(app, world, point_of_contact_id=player_id, due_date=due.isoformat()),
                      follow_redirects=True)
    assert f"Corrective action #{action_id} saved." in saved.get_data(as_text=True)
    with app.app_context():
        action = db.session.get(CorrectiveAction, action_id)
        assert action.point_of_contact_id == player_id and action.due_date == due
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == player_id, Notification.object_id == action_id)) == 1
    response = lead.post(url, data=_action_form(app, world, start_date=due.isoformat(),
                                                due_date=(due - timedelta(days=1)).isoformat()))
    assert response.status_code == 400
    assert "The due date cannot come before the start date." in response.get_data(as_text=True)


def test_a_corrective_action_is_archived_out_of_the_improvement_plan_and_restored(app):
    world = build(app, status=ExerciseStatus.EVALUATED)
    lead, action_id = client(app, world, "lead_coordinator"), world.ids["corrective_action_id"]
    with app.app_context():
        reference = db.session.get(CorrectiveAction, action_id).exercise.reference
    page = lead.get(f"/corrective-actions/{action_id}").get_data(as_text=True)
    # The shared record header, named by its exercise's reference (it has none of its own).
    assert f'<span class="text-body-secondary fw-semibold">{reference} corrective action #{action_id}</span>' in page
    assert f"Archive corrective action #{action_id}? It leaves the improvement plan but can be restored." in page
    assert lead.post(f"/corrective-actions/{action_id}/archive").status_code == 302
    assert "Stock generator fuel" not in lead.get("/corrective-actions/").get_data(as_text=True)
    assert "Stock generator fuel" not in lead.get(f"/exercises/{world.ids['exercise_id']}").get_data(as_text=True)
    detail = lead.get(f"/corrective-actions/{action_id}").get_data(as_text=True)
    assert "was archived" in detail and ">Restore</button>" in detail and "text-bg-dark\">Archived" in detail
    # An archived action takes no step, no edit and no file.
    moved = client(app, world, "partner_coordinator").post(f"/corrective-actions/{action_id}/status",
                                                           data={"new_status": "in_progress", "version": 2})
    assert moved.status_code == 403
    assert lead.get(f"/corrective-actions/{action_id}/edit").status_code == 403
    assert lead.post(f"/corrective-actions/{action_id}/restore").status_code == 302
    with app.app_context():
        action = db.session.get(CorrectiveAction, action_id)
        assert action.archived_at is None and action.status is CorrectiveActionStatus.OPEN
    assert [e.action for e in _events(app, "corrective_action.archived")] == ["corrective_action.archived"]


# --- Comments ---------------------------------------------------------------------------------------------


def test_players_comment_on_the_exercise_and_partners_on_a_corrective_action(app):
    world = build(app, status=ExerciseStatus.EVALUATED)
    exercise_id, action_id = world.ids["exercise_id"], world.ids["corrective_action_id"]
    player = client(app, world, "player")
    assert player.post(f"/comments/exercises/{exercise_id}", data={"body": "Inject 1 came **late**."}).status_code == 302
    page = client(app, world, "lead_member").get(f"/exercises/{exercise_id}").get_data(as_text=True)
    assert "<strong>late</strong>" in page
    assert client(app, world, "partner_coordinator").post(
        f"/comments/corrective-actions/{action_id}", data={"body": "Fuel contract signed."}).status_code == 302
    assert "Fuel contract signed." in client(app, world, "lead_coordinator").get(
        f"/corrective-actions/{action_id}").get_data(as_text=True)
    assert client(app, world, "admin").post(f"/comments/exercises/{exercise_id}", data={"body": "x"}).status_code == 403
    assert client(app, world, "client_member").post(f"/comments/exercises/{exercise_id}",
                                                    data={"body": "x"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 2


# --- TLP:RED --------------------------------------------------------------------------------------------


def test_a_red_exercise_names_its_readers_and_nobody_else_reads_it(app):
    world = build(app, status=ExerciseStatus.PLANNING)
    lead, url = client(app, world, "lead_coordinator"), f"/exercises/{world.ids['exercise_id']}/edit"
    with app.app_context():
        partner_id = person(world, "partner_coordinator").id
    refused = lead.post(url, data=_form(app, world, tlp="red"))
    assert refused.status_code == 400 and "Name at least one recipient for TLP:RED" in refused.get_data(as_text=True)
    assert lead.post(url, data=_form(app, world, tlp="red", recipients=[partner_id])).status_code == 302
    assert client(app, world, "partner_coordinator").get(f"/exercises/{world.ids['exercise_id']}").status_code == 200
    for who in ("lead_coordinator_2", "player", "admin"):  # RED: the named readers and the creator only
        assert client(app, world, who).get(f"/exercises/{world.ids['exercise_id']}").status_code == 404, who
    (event,) = _events(app, "exercise.updated")
    assert "recipients: added" in event.summary
    # The edit form keeps the named reader on an untouched save.
    assert lead.post(url, data=_form(app, world, recipients=[partner_id])).status_code == 302
    assert len(_events(app, "exercise.updated")) == 1
