"""Reminders of the exercise programme, each sent once: a corrective action due (3 days before, on the day,
overdue) to its point of contact, and the AAR/IP owed 90 days after the exercise (30 and 7 days before, overdue)
to the lead coordinators until it is approved. The text names the reference only."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import Notification
from app.models import NotificationKind
from app.models import ReviewOutcome
from app.models import ReviewRequest
from app.models import SentReminder
from app.models import today
from app.notifications import reminders
from tests.exercise_world import build
from tests.exercise_world import person


def _sent(kind):
    return {(r.object_id, r.threshold, r.recipient_id) for r in db.session.scalars(
        sa.select(SentReminder).where(SentReminder.kind == kind))}


def test_corrective_action_and_aar_reminders_are_sent_once_each(app):
    world = build(app, status=ExerciseStatus.EVALUATED)
    on = today()
    with app.app_context():
        action = db.session.get(CorrectiveAction, world.ids["corrective_action_id"])
        action.due_date, action.point_of_contact_id = on + timedelta(days=2), person(world, "player").id
        exercise = db.session.get(Exercise, world.ids["exercise_id"])
        exercise.conducted_on = on - timedelta(days=85)  # the AAR/IP is due in 5 days
        db.session.commit()
        player, leads = person(world, "player").id, {person(world, w).id for w in ("lead_coordinator",
                                                                                   "lead_coordinator_2")}
        reminders.run(on)
        reminders.run(on)  # twice: nothing new
        assert _sent("corrective_action_due") == {(action.id, "3d", player)}
        assert _sent("aar_due") == {(exercise.id, "7d", lead) for lead in leads}
        texts = db.session.scalars(sa.select(Notification.summary).where(
            Notification.kind == NotificationKind.REMINDER)).all()
        assert len(texts) == 3 and not any("Stock generator fuel" in t or exercise.title in t for t in texts)
        reminders.run(on + timedelta(days=6))  # the action is overdue, the report too
        assert ("overdue" in {t for _, t, _ in _sent("corrective_action_due")})
        assert {t for _, t, _ in _sent("aar_due")} == {"7d", "overdue"}
        count = db.session.scalar(sa.select(sa.func.count(SentReminder.id)))
        reminders.run(on + timedelta(days=6))
        assert db.session.scalar(sa.select(sa.func.count(SentReminder.id))) == count


def test_no_aar_reminder_once_the_report_is_approved(app):
    world = build(app, status=ExerciseStatus.EVALUATED)
    on = today()
    with app.app_context():
        exercise = db.session.get(Exercise, world.ids["exercise_id"])
        exercise.conducted_on = on - timedelta(days=100)
        db.session.add(ReviewRequest(object_type="exercises", object_id=exercise.id,
                                     submitted_by_id=person(world, "lead_coordinator").id,
                                     outcome=ReviewOutcome.APPROVED))
        db.session.commit()
        reminders.run(on)
        assert _sent("aar_due") == set()


def test_the_aar_due_date_is_in_the_lead_coordinators_calendar_until_it_is_approved(app):
    from app.calendar.services import create_or_regenerate

    world = build(app, status=ExerciseStatus.EVALUATED)
    with app.app_context():
        exercise = db.session.get(Exercise, world.ids["exercise_id"])
        exercise.conducted_on = today() - timedelta(days=10)
        due, reference, title = exercise.aar_due_on, exercise.reference, exercise.title
        tokens = {who: create_or_regenerate(person(world, who))
                  for who in ("lead_coordinator", "lead_member", "partner_coordinator", "evaluator")}
        db.session.commit()
    anonymous = app.test_client()  # the token is the credential
    feed = anonymous.get(f"/calendar/{tokens['lead_coordinator']}.ics").get_data(as_text=True)
    assert f"Exercise {reference} (TLP:AMBER+STRICT)" in feed.replace("\r\n ", "")
    assert "After-action report due" in feed and f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in feed
    assert title not in feed  # AMBER+STRICT: the reference and the label only
    for who in ("lead_member", "partner_coordinator", "evaluator"):
        assert "After-action report" not in anonymous.get(f"/calendar/{tokens[who]}.ics").get_data(as_text=True), who
    with app.app_context():
        db.session.add(ReviewRequest(object_type="exercises", object_id=world.ids["exercise_id"],
                                     submitted_by_id=person(world, "lead_coordinator").id,
                                     outcome=ReviewOutcome.APPROVED))
        db.session.commit()
    assert "After-action report" not in anonymous.get(f"/calendar/{tokens['lead_coordinator']}.ics").get_data(
        as_text=True)
