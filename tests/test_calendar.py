"""Secret iCalendar feeds: scope, TLP-safe entries, token stored hashed, regenerate and revoke."""
import re
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar

from app.extensions import db
from app.models import TLP
from app.models import AgreementStatus
from app.models import CalendarFeed
from app.models import PlanStatus
from app.models import Role
from app.models import TaskStatus
from tests import factories

DUE = date(2027, 5, 10)


def _token_from(html: str) -> str:
    return re.search(r'value="http://localhost/calendar/([A-Za-z0-9_-]+)\.ics"', html).group(1)


def _events(response):
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return {str(e.get("summary")): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_feed_lists_the_users_due_dates_within_scope_and_tlp_safe(app, client_as, client):
    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        member = factories.user(organization=org)
        other = factories.user(organization=org)
        amber = factories.working_group(created_by=coordinator, members=[coordinator, member, other], tlp=TLP.AMBER)
        green = factories.working_group(created_by=coordinator, members=[coordinator, member], tlp=TLP.GREEN)
        red = factories.working_group(created_by=coordinator, members=[coordinator, member], tlp=TLP.RED)
        t_amber = factories.task(working_group=amber, assignee=member, due_date=DUE, title="Amber Secret Task")
        t_green = factories.task(working_group=green, assignee=member, due_date=DUE, title="Green Open Task")
        factories.task(working_group=red, assignee=member, due_date=DUE, title="Red Hidden Task")  # not a recipient
        factories.task(working_group=amber, assignee=other, due_date=DUE, title="Someone Else's Task")
        factories.task(working_group=amber, assignee=member, due_date=DUE, title="Done Task", status=TaskStatus.DONE)
        risk = factories.risk(created_by=coordinator, tlp=TLP.AMBER_STRICT, next_review_date=DUE)
        factories.mitigation(risk=risk, assigned_user=member, due_date=DUE, title="Mitigation Secret")
        plan = factories.incident_plan(created_by=coordinator, tlp=TLP.CLEAR, status=PlanStatus.APPROVED,
                                       next_review_date=DUE, title="Open Plan")
        agreement = factories.agreement(created_by=coordinator, tlp=TLP.AMBER, status=AgreementStatus.ACTIVE,
                                        expiry_date=DUE + timedelta(days=60), notice_days=30)
        member_client, coordinator_client = client_as(member), client_as(coordinator)
        refs = {"amber_task": f"{amber.reference} task #{t_amber.id}", "green_task": t_green.id,
                "risk": risk.reference, "plan": plan.reference, "agreement": agreement.reference}

    member_token = _token_from(member_client.post("/calendar/feed").get_data(as_text=True))
    events = _events(client.get(f"/calendar/{member_token}.ics"))  # anonymous: the token is the credential
    assert len(events) == 3, list(events)
    text = "\n".join(events)
    assert f"Due: Task {refs['amber_task']} (TLP:AMBER)" in events
    assert "Green Open Task" in text  # CLEAR/GREEN may be named
    assert "Amber Secret Task" not in text and "Mitigation Secret" not in text  # never above GREEN
    assert "Red Hidden Task" not in text and "Someone Else" not in text and "Done Task" not in text
    assert any(refs["risk"] in s for s in events)  # the mitigation names its risk's reference
    event = events[f"Due: Task {refs['amber_task']} (TLP:AMBER)"]
    assert event.decoded("dtstart") == DUE and "/tasks/" in str(event.get("url"))

    coordinator_token = _token_from(coordinator_client.post("/calendar/feed").get_data(as_text=True))
    events = _events(client.get(f"/calendar/{coordinator_token}.ics"))
    summaries = "\n".join(events)
    assert f"Review: Risk {refs['risk']} (TLP:AMBER+STRICT)" in events
    assert f"Review: Incident plan {refs['plan']}: Open Plan (TLP:CLEAR)" in events
    assert f"Expiry: Agreement {refs['agreement']} (TLP:AMBER)" in events
    assert f"Notice deadline: Agreement {refs['agreement']} (TLP:AMBER)" in events
    assert "Task" not in summaries  # the coordinator is assigned nothing


def test_token_is_long_random_stored_hashed_regenerated_and_revoked(app, client_as, client):
    with app.app_context():
        user = factories.user()
        user_client = client_as(user)
    first = _token_from(user_client.post("/calendar/feed").get_data(as_text=True))
    assert len(first) >= 43
    with app.app_context():
        feed = db.session.scalars(sa.select(CalendarFeed)).one()
        assert first not in feed.token_hash and len(feed.token_hash) == 64
    assert client.get(f"/calendar/{first}.ics").status_code == 200

    second = _token_from(user_client.post("/calendar/feed").get_data(as_text=True))
    assert second != first
    assert client.get(f"/calendar/{first}.ics").status_code == 404  # the old address is dead
    assert client.get(f"/calendar/{second}.ics").status_code == 200

    response = user_client.post("/calendar/feed/revoke", follow_redirects=True)
    assert "Calendar feed revoked" in response.get_data(as_text=True)
    assert client.get(f"/calendar/{second}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get(f"/calendar/{'x' * 500}.ics").status_code == 404


def test_feed_of_a_deactivated_account_is_gone(app, client_as, client):
    with app.app_context():
        user = factories.user()
        user_client = client_as(user)
    token = _token_from(user_client.post("/calendar/feed").get_data(as_text=True))
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET active = false"))
        db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
