"""Mitigations: add, edit, status updates by coordinators and the assigned person, archive, access."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import Risk
from app.models import User
from app.models import today
from tests import factories
from tests.test_risks import csv_refs  # noqa: F401  -- the world fixture
from tests.test_risks import world  # noqa: F401  -- the world fixture


def org_of(app, user_id) -> int:
    with app.app_context():
        return db.session.get(User, user_id).organization_id


def mitigation_form(org_id, user_id=None, **overrides) -> dict:
    data = {"title": "Replace perimeter fence", "description": "Anti-climb fence and CCTV.",
            "assigned_organization_id": str(org_id), "assigned_user_id": str(user_id) if user_id else "",
            "due_date": (today() + timedelta(days=60)).isoformat(), "effectiveness": "40"}
    data.update(overrides)
    return data


def load(app, mitigation_id) -> Mitigation:
    with app.app_context():
        mitigation = db.session.get(Mitigation, mitigation_id)
        db.session.expunge(mitigation)
        return mitigation


def make_mitigation(app, world, risk_key="a_amber", user_key="member_a", **kw) -> int:
    with app.app_context():
        user = db.session.get(User, world.ids[user_key])
        mitigation = factories.mitigation(risk=db.session.get(Risk, world.risks[risk_key]),
                                          assigned_organization_id=user.organization_id,
                                          assigned_user_id=user.id, **kw)
        return mitigation.id


def test_coordinator_adds_mitigation_assigned_to_another_org_which_then_participates(app, world):
    risk_id = world.risks["a_amber"]
    org_b = org_of(app, world.ids["member_b"])
    assert world.clients["member_b"].get(f"/risks/{risk_id}").status_code == 404
    response = world.clients["coord_a"].post(f"/risks/{risk_id}/mitigations/new",
                                             data=mitigation_form(org_b, world.ids["member_b"], risk_id="999",
                                                                  status="verified"))
    assert response.status_code == 302
    with app.app_context():
        mitigation = db.session.scalar(sa.select(Mitigation).where(Mitigation.title == "Replace perimeter fence"))
        assert mitigation.risk_id == risk_id and mitigation.status is MitigationStatus.PLANNED
        assert mitigation.effectiveness == 40 and mitigation.created_by_id == world.ids["coord_a"]
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mitigation.created"))
        assert event.object_id == mitigation.id
    # B now takes part in the AMBER risk: its member reads it and sees it in the register.
    assert world.clients["member_b"].get(f"/risks/{risk_id}").status_code == 200
    assert world.refs["a_amber"] in csv_refs(world.clients["member_b"], "mine=1")
    history = world.clients["coord_a"].get(f"/risks/{risk_id}/history").data.decode()
    assert "mitigation: Replace perimeter fence" in history


def test_assigned_user_must_belong_to_the_assigned_organisation(app, world):
    risk_id = world.risks["a_amber"]
    org_a = org_of(app, world.ids["coord_a"])
    response = world.clients["coord_a"].post(f"/risks/{risk_id}/mitigations/new",
                                             data=mitigation_form(org_a, world.ids["member_b"]))
    assert response.status_code == 200 and b"does not belong to the assigned organisation" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Mitigation)) == 1  # the world's one


@pytest.mark.parametrize("field_name, value", [("effectiveness", "101"), ("effectiveness", "-1"),
                                               ("effectiveness", "x"), ("title", ""), ("title", "y" * 201),
                                               ("assigned_organization_id", "99999"),
                                               ("assigned_organization_id", ""), ("assigned_user_id", "99999"),
                                               ("due_date", "2026-02-30")])
def test_bad_mitigation_input_writes_nothing(app, world, field_name, value):
    org_a = org_of(app, world.ids["coord_a"])
    response = world.clients["coord_a"].post(f"/risks/{world.risks['a_amber']}/mitigations/new",
                                             data=mitigation_form(org_a, **{field_name: value}))
    assert response.status_code == 200 and b"invalid-feedback" in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Mitigation)) == 1


def test_coordinator_edits_mitigation_and_stale_edit_conflicts(app, world):
    mitigation_id = make_mitigation(app, world)
    risk_id = world.risks["a_amber"]
    org_a = org_of(app, world.ids["coord_a"])
    url = f"/risks/{risk_id}/mitigations/{mitigation_id}/edit"
    client = world.clients["coord_a"]
    assert client.get(url).status_code == 200
    version = load(app, mitigation_id).version
    first = client.post(url, data=mitigation_form(org_a, world.ids["member_a"], title="Edited", version=str(version)))
    assert first.status_code == 302 and load(app, mitigation_id).title == "Edited"
    second = client.post(url, data=mitigation_form(org_a, title="Stale", version=str(version)))
    assert second.status_code == 409 and load(app, mitigation_id).title == "Edited"
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mitigation.updated"))
        assert "title:" in event.summary and "Edited" in event.summary


def test_assigned_member_updates_own_mitigation_status_with_note(app, world):
    mitigation_id = make_mitigation(app, world)
    url = f"/risks/{world.risks['a_amber']}/mitigations/{mitigation_id}/status"
    response = world.clients["member_a"].post(url, data={"new_status": "in_progress", "effectiveness": "25",
                                                         "note": "Contractor on site."})
    assert response.status_code == 302
    mitigation = load(app, mitigation_id)
    assert mitigation.status is MitigationStatus.IN_PROGRESS and mitigation.effectiveness == 25
    assert mitigation.status_note == "Contractor on site."
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mitigation.status_changed"))
        assert event.actor_id == world.ids["member_a"]
        assert "Planned → In progress" in event.summary and "Contractor on site." in event.summary


def test_refused_mitigation_transition_and_bad_status_input(app, world):
    mitigation_id = make_mitigation(app, world)
    url = f"/risks/{world.risks['a_amber']}/mitigations/{mitigation_id}/status"
    client = world.clients["member_a"]
    response = client.post(url, data={"new_status": "verified", "effectiveness": "90"}, follow_redirects=True)
    assert b"cannot go from planned to verified" in response.data
    for data in ({"new_status": "done", "effectiveness": "10"}, {"new_status": "in_progress", "effectiveness": "101"},
                 {"new_status": "in_progress", "effectiveness": "10", "note": "n" * 2001}):
        assert client.post(url, data=data).status_code == 302
    mitigation = load(app, mitigation_id)
    assert mitigation.status is MitigationStatus.PLANNED and mitigation.effectiveness == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "mitigation.status_changed")) == 0


@pytest.mark.parametrize("user_key", ["member_a", "exec_a"])
def test_member_or_executive_cannot_update_someone_elses_mitigation(app, world, user_key):
    mitigation_id = make_mitigation(app, world, user_key="coord_a")
    exec_assigned = make_mitigation(app, world, user_key="exec_a")
    risk_id = world.risks["a_amber"]
    client = world.clients[user_key]
    data = {"new_status": "in_progress", "effectiveness": "10"}
    assert client.post(f"/risks/{risk_id}/mitigations/{mitigation_id}/status", data=data).status_code == 403
    # Executives read only, even what is assigned to them.
    assert world.clients["exec_a"].post(f"/risks/{risk_id}/mitigations/{exec_assigned}/status",
                                        data=data).status_code == 403
    assert client.get(f"/risks/{risk_id}/mitigations/{mitigation_id}/edit").status_code == 403
    assert client.post(f"/risks/{risk_id}/mitigations/{mitigation_id}/archive").status_code == 403
    assert load(app, mitigation_id).status is MitigationStatus.PLANNED


def test_status_form_is_shown_only_to_those_who_may_update(app, world):
    mitigation_id = make_mitigation(app, world, user_key="member_a")
    action = f"/risks/{world.risks['a_amber']}/mitigations/{mitigation_id}/status"
    assert action in world.clients["member_a"].get(f"/risks/{world.risks['a_amber']}").data.decode()
    assert action not in world.clients["exec_a"].get(f"/risks/{world.risks['a_amber']}").data.decode()


def test_archive_and_restore_mitigation(app, world):
    mitigation_id = make_mitigation(app, world)
    base = f"/risks/{world.risks['a_amber']}/mitigations/{mitigation_id}"
    client = world.clients["coord_a"]
    assert client.post(f"{base}/archive").status_code == 302 and load(app, mitigation_id).archived_at
    # An archived mitigation takes no status update, even from its assignee.
    assert world.clients["member_a"].post(f"{base}/status", data={"new_status": "in_progress",
                                                                  "effectiveness": "5"}).status_code == 403
    assert client.post(f"{base}/restore").status_code == 302 and load(app, mitigation_id).archived_at is None
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)
                                         .where(AuditEvent.object_type == "mitigations")).all())
        assert {"mitigation.archived", "mitigation.restored"} <= actions


def test_overdue_mitigation_stands_out_on_the_detail_page(app, world):
    make_mitigation(app, world, title="Late fence", due_date=today() - timedelta(days=3))
    page = world.clients["member_a"].get(f"/risks/{world.risks['a_amber']}").data.decode()
    row = page[page.index("Late fence") - 400:page.index("Late fence")]
    assert "row-overdue" in row and "Overdue" in page


def test_mitigation_of_invisible_risk_is_404_even_for_its_assignee_org_peer(app, world):
    # b_amber_strict is invisible to A; a mitigation on it assigned to nobody in A stays 404 for A.
    mitigation_id = make_mitigation(app, world, risk_key="b_amber_strict", user_key="member_b")
    for url in (f"/risks/{world.risks['b_amber_strict']}/mitigations/{mitigation_id}/edit",):
        assert world.clients["coord_a"].get(url).status_code == 404
    assert world.clients["member_a"].post(
        f"/risks/{world.risks['b_amber_strict']}/mitigations/{mitigation_id}/status",
        data={"new_status": "in_progress", "effectiveness": "1"}).status_code == 404


def test_posts_without_csrf_token_are_refused_and_change_nothing():
    from config import CsrfTestConfig
    from tests.conftest import make_app

    app = make_app(CsrfTestConfig)
    with app.app_context():
        coordinator = factories.user(role=factories.Role.COORDINATOR)
        risk = factories.risk(created_by=coordinator)
        mitigation = factories.mitigation(risk=risk, assigned_user_id=coordinator.id)
        risk_id, mitigation_id = risk.id, mitigation.id
        client = app.test_client(user=coordinator)
    for url, data in ((f"/risks/{risk_id}/status", {"new_status": "closed"}),
                      (f"/risks/{risk_id}/archive", {}),
                      (f"/risks/{risk_id}/mitigations/{mitigation_id}/status",
                       {"new_status": "in_progress", "effectiveness": "10"})):
        assert client.post(url, data=data).status_code == 400, url
    with app.app_context():
        assert db.session.get(Risk, risk_id).status.value == "open"
        assert db.session.get(Risk, risk_id).archived_at is None
        assert db.session.get(Mitigation, mitigation_id).status is MitigationStatus.PLANNED
