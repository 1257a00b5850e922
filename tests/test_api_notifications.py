"""The API's notifications and inbox: a person's own only, as the bell and /inbox/ show them; a notification
about a record the person can no longer read names nothing of it; marking read is a write (read-write token)."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Notification
from app.models import NotificationKind
from app.models import Role
from app.models import Task
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def _world(app):
    with app.app_context():
        org = factories.organization(name="Grid operator")
        other_org = factories.organization(name="Other partner")
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        member = factories.user(role=Role.MEMBER, organization=org)
        stranger = factories.user(role=Role.COORDINATOR, organization=other_org)
        group = factories.working_group(created_by=coordinator, tlp=TLP.AMBER)
        task = factories.task(working_group=group, assignee=member, title="Patch the historian")
        hidden = factories.task(working_group=factories.working_group(created_by=stranger, tlp=TLP.AMBER),
                                title="Stranger's secret task")
        notes = [Notification(user_id=member.id, kind=NotificationKind.ASSIGNMENT, object_type="tasks",
                              object_id=task.id, summary="A task was assigned to you", detail="Please **today**"),
                 Notification(user_id=member.id, kind=NotificationKind.ASSIGNMENT, object_type="tasks",
                              object_id=hidden.id, summary="A task was assigned to you", detail="Secret detail"),
                 Notification(user_id=stranger.id, kind=NotificationKind.ASSIGNMENT, object_type="tasks",
                              object_id=hidden.id, summary="A task was assigned to you")]
        db.session.add_all(notes)
        db.session.commit()
        return {"member": token_for(member), "member_read": token_for(member, write=False),
                "stranger": token_for(stranger), "mine": notes[0].id, "hidden": notes[1].id, "theirs": notes[2].id,
                "task": task.id, "member_id": member.id}


def test_a_person_reads_only_her_own_notifications_and_nothing_of_a_record_she_cannot_read(app):
    w = _world(app)
    client = app.test_client()
    body = client.get("/api/v1/notifications/", headers=bearer(w["member"])).get_json()
    assert [item["id"] for item in body["items"]] == [w["mine"], w["hidden"]] and body["next"] is None
    mine, hidden = body["items"]
    assert mine["record"]["title"] == "Patch the historian" and mine["record"]["url"] == f"/tasks/{w['task']}"
    assert mine["detail"] == "Please **today**" and mine["read_at"] is None
    assert hidden["record"] is None and hidden["detail"] == ""
    assert "Stranger's secret task" not in str(body) and "Secret detail" not in str(body)
    # Another person's notification does not exist for her.
    response = client.post(f"/api/v1/notifications/{w['theirs']}/read", json={}, headers=bearer(w["member"]))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.get(Notification, w["theirs"]).read_at is None


def test_marking_read_needs_a_read_write_token_and_is_what_the_bell_counts(app):
    w = _world(app)
    client = app.test_client()
    refused = client.post(f"/api/v1/notifications/{w['mine']}/read", json={}, headers=bearer(w["member_read"]))
    assert refused.status_code == 403
    response = client.post(f"/api/v1/notifications/{w['mine']}/read", json={}, headers=bearer(w["member"]))
    assert response.status_code == 200 and response.get_json()["read_at"] is not None
    unread = client.get("/api/v1/notifications/?unread=true", headers=bearer(w["member"])).get_json()["items"]
    assert [item["id"] for item in unread] == [w["hidden"]]
    assert client.post("/api/v1/notifications/read-all", json={}, headers=bearer(w["member"])).get_json() == {
        "marked": 1}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == w["member_id"], Notification.read_at.is_(None))) == 0
    assert client.post("/api/v1/notifications/read-all", json={"all": 1}, headers=bearer(w["member"])).status_code == 422


def test_the_inbox_holds_what_the_inbox_page_shows(app):
    w = _world(app)
    api = app.test_client().get("/api/v1/inbox/", headers=bearer(w["member"])).get_json()
    with app.app_context():
        member = db.session.get(Task, w["task"]).assignee
        page = app.test_client(user=member).get("/inbox/").get_data(as_text=True)
    references = [item["reference"] for section in api["sections"] for item in section["items"]]
    assert references, "the assigned task is in the member's inbox"
    assert all(reference in page for reference in references)
    assert all(section["section"] in page for section in api["sections"])
    assert {item["url"] for s in api["sections"] for item in s["items"]} >= {f"/tasks/{w['task']}"}
    stranger = app.test_client().get("/api/v1/inbox/", headers=bearer(w["stranger"])).get_json()
    assert not any(re.search("Patch the historian", item["title"]) for s in stranger["sections"] for item in s["items"])
