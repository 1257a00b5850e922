"""Exercises over the API, as a partner's planning tool uses them: plan one, change it (a stale version refused),
find it with the programme's filters and search, move it along its lifecycle (the rules of the page apply),
and what a stranger never gets.
"""
import sqlalchemy as sa

from app.exercises import services
from app.exercises.services import CORE_CAPABILITIES
from app.extensions import db
from app.models import AuditEvent
from app.models import Exercise
from app.models import Role
from app.models import User
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for

PLAN = {"type": "tabletop", "title": "Flooded pump station", "starts_at": "2030-03-01T09:00:00+01:00",
        "ends_at": "2030-03-01T13:00:00+01:00", "tlp": "amber", "scenario": "Heavy rain for a week."}


def test_plan_update_with_a_stale_version_refused_then_transition(app, client):
    with app.app_context():
        owner = factories.organization(name="Water")
        coordinator = factories.user(role=Role.COORDINATOR, organization=owner)
        stranger = factories.user(role=Role.COORDINATOR, organization=factories.organization(name="Telecom"))
        auth, stranger_auth, coordinator_id = bearer(token_for(coordinator)), bearer(token_for(stranger)), coordinator.id
    created = client.post("/api/v1/exercises/", json=PLAN, headers=auth)
    assert created.status_code == 201, created.json
    exercise = created.json
    assert exercise["reference"].startswith("EX-") and exercise["status"] == "planning"
    assert exercise["starts_at"].startswith("2030-03-01T08:00:00")  # stored in UTC
    url, etag = created.headers["Location"], created.headers["ETag"]
    assert client.get(url, headers=stranger_auth).status_code == 404
    backwards = client.post("/api/v1/exercises/", json={**PLAN, "ends_at": "2030-03-01T08:00:00+01:00"}, headers=auth)
    assert backwards.status_code == 422 and backwards.json["errors"][0]["field"] == "ends_at"

    changed = client.patch(url, json={"title": "Flooded pump station 4"}, headers={**auth, "If-Match": etag})
    assert changed.status_code == 200 and changed.json["title"] == "Flooded pump station 4"
    assert changed.json["scenario"] == PLAN["scenario"] and changed.json["starts_at"] == exercise["starts_at"]
    stale = client.patch(url, json={"title": "Lost update"}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    assert client.patch(url, json={"title": "No precondition"}, headers=auth).status_code == 428

    found = client.get("/api/v1/exercises/?q=pump+station+4&status=planning&type=tabletop", headers=auth).json
    assert [e["id"] for e in found["items"]] == [exercise["id"]]
    assert client.get("/api/v1/exercises/?type=drill", headers=auth).json["items"] == []

    early = client.post(f"{url}/transitions", json={"status": "ready"}, headers=auth)
    assert early.status_code == 422 and "objective" in early.json["detail"]
    with app.app_context():
        services.add_objective(db.session.get(User, coordinator_id), db.session.get(Exercise, exercise["id"]),
                               "Restore pumping within 4 hours", next(iter(CORE_CAPABILITIES)))
        db.session.commit()
    moved = client.post(f"{url}/transitions", json={"status": "ready"}, headers=auth)
    assert moved.status_code == 200 and moved.json["status"] == "ready"
    assert client.post(f"{url}/transitions", json={"status": "ready"}, headers=auth).status_code == 409
    with app.app_context():
        stored = db.session.get(Exercise, exercise["id"])
        assert stored.title == "Flooded pump station 4" and stored.status.value == "ready"
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_id == exercise["id"], AuditEvent.object_type == "exercises")).all()
        assert {"exercise.created", "exercise.updated", "exercise.status_changed"} <= set(actions)


def test_a_corrective_action_updated_stale_refused_then_started_by_the_responsible_partner(app, client):
    with app.app_context():
        owner, partner = factories.organization(name="Water"), factories.organization(name="Grid")
        lead = factories.user(role=Role.COORDINATOR, organization=owner)
        engineer = factories.user(role=Role.MEMBER, organization=partner)
        stranger = factories.user(role=Role.COORDINATOR, organization=factories.organization(name="Telecom"))
        exercise = factories.exercise(created_by=lead, owner_organization=owner, organizations=[partner])
        action_id = factories.corrective_action(exercise=exercise, responsible_organization_id=partner.id).id
        lead_auth, engineer_auth = bearer(token_for(lead)), bearer(token_for(engineer))
        stranger_auth = bearer(token_for(stranger))
    url = f"/api/v1/corrective-actions/{action_id}"
    assert client.get(url, headers=stranger_auth).status_code == 404
    read = client.get(url, headers=lead_auth)
    assert read.status_code == 200 and read.json["responsible_organization"]["name"] == "Grid"
    changed = client.patch(url, json={"title": "Second pump feed", "due_date": "2030-06-30"},
                           headers={**lead_auth, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["title"] == "Second pump feed"
    stale = client.patch(url, json={"title": "Lost update"}, headers={**lead_auth, "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412
    assert client.post(f"{url}/transitions", json={"status": "in_progress"}, headers=lead_auth).status_code == 403
    started = client.post(f"{url}/transitions", json={"status": "in_progress"}, headers=engineer_auth)
    assert started.status_code == 200 and started.json["status"] == "in_progress"
    done = client.post(f"{url}/transitions", json={"status": "completed"}, headers=engineer_auth)
    assert done.status_code == 422 and "evidence" in done.json["detail"]
    found = client.get("/api/v1/corrective-actions/?status=in_progress&q=second+pump", headers=lead_auth).json
    assert [a["id"] for a in found["items"]] == [action_id]
