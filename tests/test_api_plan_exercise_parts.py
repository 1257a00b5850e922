"""An incident plan's versions and roster, an exercise's participants, objectives and injects through the API,
by the pages' rules: a new version only from an approved one and one draft at a time, the roster only on a
draft (If-Match on each contact), the MSEL hidden from players until a controller delivers an inject; every
change audited with the token's name; bad input refused by field name with nothing changed."""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import IncidentPlan
from app.models import Organization
from app.models import PlanContact
from app.models import PlanStatus
from app.models import Role
from app.models import User
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def _people(app):
    with app.app_context():
        owner = factories.organization(name="Riverbend Water")
        partner = factories.organization(name="Northgrid")
        other = factories.organization(name="Elsewhere Ltd")
        users = {"coordinator": factories.user(role=Role.COORDINATOR, organization=owner),
                 "member": factories.user(role=Role.MEMBER, organization=owner, name="Carla Controller"),
                 "partner coordinator": factories.user(role=Role.COORDINATOR, organization=partner),
                 "partner member": factories.user(role=Role.MEMBER, organization=partner, name="Pia Player"),
                 "other coordinator": factories.user(role=Role.COORDINATOR, organization=other)}
        tokens = {name: token_for(user, name="Resilience sync") for name, user in users.items()}
        return {"owner": owner.id, "partner": partner.id, "other": other.id}, \
            {name: user.id for name, user in users.items()}, tokens


def _via(app, object_type: str, object_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(AuditEvent.via).where(
            AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)))


def test_a_plan_is_revised_and_its_roster_kept_on_the_draft(app, client):
    orgs, ids, tokens = _people(app)
    with app.app_context():
        approved = factories.incident_plan(created_by=db.session.get(User, ids["coordinator"]), tlp=TLP.AMBER,
                                           owner_organization_id=orgs["owner"], status=PlanStatus.APPROVED,
                                           covered=[db.session.get(Organization, orgs["partner"])])
        db.session.add(PlanContact(plan_id=approved.id, role="Legal counsel", name="Lee", email="lee@example.org"))
        db.session.commit()
        approved_id = approved.id
    owner, partner_member, other = (bearer(tokens[n]) for n in ("coordinator", "partner member", "other coordinator"))
    base = "/api/v1/incident-plans"
    contact_id = client.get(f"{base}/{approved_id}/contacts/", headers=owner).json["items"][0]["id"]
    locked = client.post(f"{base}/{approved_id}/contacts/", json={"role": "Lead", "name": "Al", "phone": "1"},
                         headers=owner)
    assert locked.status_code == 403 and "revise it" in locked.json["detail"]
    assert client.delete(f"{base}/{approved_id}/contacts/{contact_id}", headers={**owner, "If-Match": '"1"'}
                         ).status_code == 403
    assert client.post(f"{base}/{approved_id}/revisions", json={"bump": "minor"}, headers=partner_member
                       ).status_code == 403
    assert client.get(f"{base}/{approved_id}/revisions", headers=other).status_code == 404

    revised = client.post(f"{base}/{approved_id}/revisions", json={"bump": "minor"}, headers=owner)
    assert revised.status_code == 201, revised.json
    draft = revised.json
    assert (draft["version_label"], draft["status"], draft["previous_version_id"]) == ("1.1", "draft", approved_id)
    assert revised.headers["Location"] == f"{base}/{draft['id']}"
    assert [c["name"] for c in draft["contacts"]] == ["Lee"]
    again = client.post(f"{base}/{approved_id}/revisions", json={}, headers=owner)
    assert again.status_code == 409 and "already being revised" in again.json["detail"]
    assert client.post(f"{base}/{approved_id}/revisions", json={"bump": "huge"}, headers=owner
                       ).json["errors"][0]["field"] == "bump"
    versions = client.get(f"{base}/{draft['id']}/revisions", headers=partner_member).json["items"]
    assert [(v["id"], v["version_label"], v["status"]) for v in versions] == [
        (approved_id, "1.0", "approved"), (draft["id"], "1.1", "draft")]

    contacts = f"{base}/{draft['id']}/contacts/"
    unreachable = client.post(contacts, json={"role": "Technical lead", "name": "Tam"}, headers=owner)
    assert unreachable.status_code == 422 and unreachable.json["errors"][0]["field"] == "phone"
    bad_email = client.post(contacts, json={"role": "Technical lead", "name": "Tam", "email": "tam at home"},
                            headers=owner)
    assert bad_email.status_code == 422 and bad_email.json["errors"][0]["field"] == "email"
    assert client.post(contacts, json={"role": "Technical lead", "name": "Tam", "phone": "call me"},
                       headers=owner).json["errors"][0]["field"] == "phone"
    assert client.post(contacts, json={"role": "Technical lead", "name": "Tam", "phone": "+1 555"},
                       headers=partner_member).status_code == 403  # a party's member reads the roster only
    assert client.post(contacts, json={"role": "Technical lead", "name": "Tam", "phone": "+1 555"},
                       headers=other).status_code == 404
    added = client.post(contacts, json={"role": "Technical lead", "name": "Tam", "phone": "+1 555 0100",
                                        "escalation_tier": 2}, headers=owner)
    assert added.status_code == 201, added.json
    one = f"{contacts}{added.json['id']}"
    assert client.patch(one, json={"name": "Tamsin"}, headers=owner).status_code == 428
    assert client.patch(one, json={"name": "Tamsin"}, headers={**owner, "If-Match": '"7"'}).status_code == 412
    assert client.patch(one, json={"phone": "", "email": ""}, headers={**owner, "If-Match": added.headers["ETag"]}
                        ).json["errors"][0]["field"] == "phone"
    assert client.patch(one, json={"name": None}, headers={**owner, "If-Match": added.headers["ETag"]}
                        ).status_code == 422
    changed = client.patch(one, json={"name": "Tamsin", "available_24_7": True},
                           headers={**owner, "If-Match": added.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["name"] == "Tamsin" and changed.json["phone"] == "+1 555 0100"
    assert client.delete(one, headers={**owner, "If-Match": added.headers["ETag"]}).status_code == 412
    assert client.delete(f"{base}/{approved_id}/contacts/{added.json['id']}",  # another plan's contact
                         headers={**owner, "If-Match": changed.headers["ETag"]}).status_code == 403
    assert client.delete(one, headers={**owner, "If-Match": changed.headers["ETag"]}).status_code == 204
    assert [c["name"] for c in client.get(contacts, headers=owner).json["items"]] == ["Lee"]
    with app.app_context():
        assert db.session.get(IncidentPlan, approved_id).status is PlanStatus.APPROVED
        assert db.session.scalar(sa.select(sa.func.count(PlanContact.id))) == 2  # Lee on each version
    assert "" not in _via(app, "incident_plans", draft["id"])
    assert all("Resilience sync" in via for via in _via(app, "incident_plans", draft["id"]))


def test_an_exercise_is_planned_and_its_injects_reach_players_only_when_delivered(app, client):
    orgs, ids, tokens = _people(app)
    with app.app_context():
        partner = db.session.get(User, ids["partner member"]).organization
        exercise = factories.exercise(created_by=db.session.get(User, ids["coordinator"]), tlp=TLP.AMBER,
                                      owner_organization_id=orgs["owner"], organizations=[partner])
        exercise_id = exercise.id
    owner, member, partner_coordinator, player, other = (
        bearer(tokens[n]) for n in ("coordinator", "member", "partner coordinator", "partner member",
                                    "other coordinator"))
    url = f"/api/v1/exercises/{exercise_id}"
    assert client.post(f"{url}/participants/", json={"user_id": ids["other coordinator"]}, headers=owner
                       ).json["errors"][0]["field"] == "user_id"
    assert client.post(f"{url}/participants/", json={"user_id": ids["partner member"]}, headers=partner_coordinator
                       ).status_code == 403  # only the lead plans
    for user, role in (("partner member", "player"), ("member", "controller")):
        added = client.post(f"{url}/participants/", json={"user_id": ids[user], "role": role}, headers=owner)
        assert added.status_code == 201 and added.json["role"] == role, added.json
    twice = client.post(f"{url}/participants/", json={"user_id": ids["member"], "role": "controller"}, headers=owner)
    assert twice.status_code == 422 and "already takes part" in twice.json["detail"]
    assert client.post(f"{url}/objectives/", json={"text": "Restore", "core_capability": "magic"}, headers=owner
                       ).json["errors"][0]["field"] == "core_capability"
    objective = client.post(f"{url}/objectives/", json={"text": "Restore water within 24 hours",
                                                        "core_capability": "operational_coordination"}, headers=owner)
    assert objective.status_code == 201
    assert client.post(f"{url}/injects/", json={"message": "Pumps fail", "to_organization_id": orgs["other"]},
                       headers=owner).json["errors"][0]["field"] == "to_organization_id"
    inject = client.post(f"{url}/injects/", json={"message": "Pumps fail at station 4", "sender": "Plant operator",
                                                  "to_organization_id": orgs["partner"], "offset_minutes": 30},
                         headers=owner)
    assert inject.status_code == 201 and inject.json["number"] == 1 and inject.json["sender"] == "Plant operator"
    assert client.get(f"{url}/injects/", headers=player).json["items"] == []  # controller material until delivered
    assert [i["id"] for i in client.get(f"{url}/injects/", headers=member).json["items"]] == [inject.json["id"]]
    delivery = f"{url}/injects/{inject.json['id']}/delivery"
    assert client.post(delivery, json={}, headers=player).status_code == 404
    assert client.post(delivery, json={}, headers=member).status_code == 403  # not while planned
    assert client.get(f"{url}/participants/", headers=other).status_code == 404

    ready = client.post(f"{url}/transitions", json={"status": "ready"}, headers=owner)
    assert ready.status_code == 200, ready.json
    delivered = client.post(delivery, json={}, headers=member)
    assert delivered.status_code == 200 and delivered.json["delivered_at"]
    assert client.post(delivery, json={}, headers=member).json["delivered_at"] == delivered.json["delivered_at"]
    assert [i["message"] for i in client.get(f"{url}/injects/", headers=player).json["items"]] == [
        "Pumps fail at station 4"]
    assert client.post(f"{url}/transitions", json={"status": "conducted"}, headers=owner).status_code == 200
    assert client.post(f"{url}/objectives/", json={"text": "Late", "core_capability": "operational_coordination"},
                       headers=owner).status_code == 403  # planned no more
    action = {"title": "Spare pumps", "area_for_improvement": "No spare pump at station 4",
              "responsible_organization_id": orgs["partner"], "point_of_contact_id": ids["partner member"],
              "objective_id": objective.json["id"], "due_date": "2030-01-31"}
    assert client.post(f"{url}/corrective-actions", json=action, headers=partner_coordinator).status_code == 403
    assert client.post(f"{url}/corrective-actions", json={**action, "point_of_contact_id": ids["member"]},
                       headers=owner).json["errors"][0]["field"] == "point_of_contact_id"
    assert client.post(f"{url}/corrective-actions", json={**action, "agreement_id": 2**31 - 1},
                       headers=owner).json["errors"][0]["field"] == "agreement_id"
    assert client.post(f"{url}/corrective-actions", json={**action, "start_date": "2030-02-01"},
                       headers=owner).json["errors"][0]["field"] == "due_date"
    created = client.post(f"{url}/corrective-actions", json=action, headers=owner)
    assert created.status_code == 201, created.json
    assert (created.json["objective_id"], created.json["point_of_contact"]["id"]) == (objective.json["id"],
                                                                                     ids["partner member"])
    assert client.get(created.headers["Location"], headers=player).json["links"] == {
        "task_id": None, "mitigation_id": None, "incident_plan_id": None, "agreement_id": None}
    with app.app_context():
        assert db.session.get(Exercise, exercise_id).status is ExerciseStatus.CONDUCTED
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "exercises", AuditEvent.object_id == exercise_id,
            AuditEvent.via.contains("Resilience sync"))).all()
    assert {"exercise.participant_added", "exercise.objective_added", "exercise.inject_added",
            "exercise.inject_delivered"} <= set(actions)
