"""Working groups and tasks written through the API as their pages write them: created with the form's rules,
changed under If-Match (a stale version is a 412 and changes nothing), members added and removed, a task moved
along its lifecycle with a note, every change audited with the token's name."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import MemberRole
from app.models import Role
from app.models import Task
from app.models import TaskUpdate
from app.models import User
from app.models import WorkingGroup
from app.models import today
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for
from tests.conftest import drop_shared_app
from tests.conftest import shared_app


@pytest.fixture(scope="module")
def world():
    app = shared_app()
    with app.app_context():
        org = factories.organization(name="Owner utility")
        partner = factories.organization(name="Partner grid")
        coordinator = factories.user(role=Role.COORDINATOR, organization=org, name="Coordinator")
        member = factories.user(role=Role.MEMBER, organization=partner, name="Partner member")
        stranger = factories.user(role=Role.MEMBER, organization=partner, name="Not in the group")
        ids = {"coordinator": coordinator.id, "member": member.id, "stranger": stranger.id}
        secrets = {"coordinator": token_for(coordinator, name="Workplan sync"), "member": token_for(member),
                   "read": token_for(coordinator, write=False)}
    yield app, ids, secrets
    drop_shared_app(app)


def _via(app, object_type: str, object_id: int) -> set[tuple[str, str]]:
    with app.app_context():
        return {(e.action, e.via) for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == object_type, AuditEvent.object_id == object_id))}


def test_a_group_and_its_tasks_are_written_as_the_pages_write_them(world):
    app, ids, secrets = world
    client, auth = app.test_client(), bearer(secrets["coordinator"])
    created = client.post("/api/v1/working-groups/", json={"name": "Grid drills", "tlp": "green"}, headers=auth)
    assert created.status_code == 201, created.json
    group = created.json
    assert created.headers["Location"] == f"/api/v1/working-groups/{group['id']}"
    assert [(m["user"]["id"], m["role"]) for m in group["memberships"]] == [(ids["coordinator"], "chair")]
    members = f"/api/v1/working-groups/{group['id']}/members"
    added = client.post(members, json={"user_id": ids["member"], "role": "member"}, headers=auth)
    assert added.status_code == 201 and len(added.json["memberships"]) == 2
    assert client.post(members, json={"user_id": ids["member"]}, headers=auth).status_code == 422  # already in
    tasks = f"/api/v1/working-groups/{group['id']}/tasks/"
    assert client.post(tasks, json={"title": "Drill", "assignee_id": ids["stranger"]}, headers=auth).json[
        "errors"][0]["field"] == "assignee_id"
    past = (today() - timedelta(days=1)).isoformat()
    assert client.post(tasks, json={"title": "Drill", "due_date": past}, headers=auth).json[
        "errors"][0]["field"] == "due_date"
    task = client.post(tasks, json={"title": "Drill", "assignee_id": ids["member"], "priority": "high"},
                       headers=auth)
    assert task.status_code == 201 and task.json["assignee"]["id"] == ids["member"], task.json
    task_id = task.json["id"]
    # The assignee holds an open task: removing her is refused, as on the page.
    assert client.delete(f"{members}/{ids['member']}", headers=auth).status_code == 422
    assert client.patch(f"{members}/{ids['member']}", json={"role": "observer"}, headers=auth).json[
        "memberships"][1]["role"] == "observer"
    moved = client.post(f"/api/v1/tasks/{task_id}/transitions", json={"status": "in_progress", "note": "On it"},
                        headers=bearer(secrets["member"]))
    assert moved.status_code == 200 and moved.json["status"] == "in_progress", moved.json
    assert client.post(f"/api/v1/tasks/{task_id}/transitions", headers=auth).status_code == 422  # nothing asked
    assert client.post(f"/api/v1/tasks/{task_id}/transitions", json={"status": "in_progress"},
                       headers=auth).status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(TaskUpdate.note).where(TaskUpdate.task_id == task_id)) == "On it"
        assert db.session.get(WorkingGroup, group["id"]).membership_of(ids["member"]).role is MemberRole.OBSERVER
    assert {("working_group.created", "Workplan sync"), ("working_group.member_added", "Workplan sync"),
            ("working_group.role_changed", "Workplan sync")} <= {
        (action, "Workplan sync" if "Workplan sync" in via else via) for action, via in
        _via(app, "working_groups", group["id"])}
    assert {action for action, via in _via(app, "tasks", task_id) if "API token" in via} == {
        "task.created", "task.status_changed"}
    assert client.post("/api/v1/working-groups/", json={"name": "Read only"},
                       headers=bearer(secrets["read"])).status_code == 403


@pytest.mark.parametrize("kind", ["working-groups", "tasks"])
def test_a_stale_if_match_is_a_412_and_changes_nothing(world, kind):
    app, ids, secrets = world
    with app.app_context():
        coordinator = db.session.get(User, ids["coordinator"])
        group = factories.working_group(created_by=coordinator, owner_organization=coordinator.organization)
        record = group if kind == "working-groups" else factories.task(working_group=group,
                                                                        created_by_id=coordinator.id)
        record_id, version = record.id, record.version
    client, auth = app.test_client(), bearer(secrets["coordinator"])
    url = f"/api/v1/{kind}/{record_id}"
    field = "name" if kind == "working-groups" else "title"
    assert client.patch(url, json={field: "No If-Match"}, headers=auth).status_code == 428
    first = client.patch(url, json={field: "First"}, headers={**auth, "If-Match": f'"{version}"'})
    assert first.status_code == 200 and first.headers["ETag"] == f'"{version + 1}"', first.json
    stale = client.patch(url, json={field: "Second"}, headers={**auth, "If-Match": f'"{version}"'})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert client.get(url, headers=auth).json[field] == "First"
    untouched = client.patch(url, json={}, headers={**auth, "If-Match": first.headers["ETag"]})
    assert untouched.status_code == 200 and untouched.headers["ETag"] == first.headers["ETag"]
    with app.app_context():
        model = WorkingGroup if kind == "working-groups" else Task
        assert getattr(db.session.get(model, record_id), field) == "First"


def test_milestones_are_added_changed_and_completed_once(world):
    app, ids, secrets = world
    with app.app_context():
        coordinator = db.session.get(User, ids["coordinator"])
        initiative = factories.initiative(created_by=coordinator, owner_organization=coordinator.organization)
        other = factories.initiative(created_by=coordinator, owner_organization=coordinator.organization)
        initiative_id, other_id, version = initiative.id, other.id, initiative.version
    client, auth = app.test_client(), bearer(secrets["coordinator"])
    base = f"/api/v1/initiatives/{initiative_id}/milestones/"
    added = client.post(base, json={"title": "Pilot", "due_date": "2030-05-01"}, headers=auth)
    assert added.status_code == 201 and added.headers["Location"] == f"{base}{added.json['id']}", added.json
    url = f"{base}{added.json['id']}"
    assert client.patch(url, json={"title": ""}, headers=auth).json["errors"][0]["field"] == "title"
    assert client.patch(url, json={"due_date": None}, headers=auth).json == {**added.json, "due_date": None}
    first, again = (client.post(f"{url}/complete", headers=auth) for _ in range(2))
    assert first.json["completed_at"] and again.json["completed_at"] == first.json["completed_at"]
    assert client.post(f"{url}/reopen", headers=bearer(secrets["member"])).status_code == 404  # not a reader
    assert client.post(f"{url}/reopen", headers=auth).json["completed_at"] is None
    assert client.get(f"/api/v1/initiatives/{other_id}/milestones/{added.json['id']}",
                      headers=auth).status_code == 404
    with app.app_context():
        actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == "initiatives", AuditEvent.object_id == initiative_id,
            AuditEvent.via.contains("Workplan sync")).order_by(AuditEvent.id))]
    assert actions == ["initiative.milestone_added", "initiative.milestone_edited", "initiative.milestone_completed",
                       "initiative.milestone_reopened"]
    assert client.get(f"/api/v1/initiatives/{initiative_id}", headers=auth).headers["ETag"] == f'"{version}"'
