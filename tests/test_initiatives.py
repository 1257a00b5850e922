"""Initiatives: create, edit, health, lifecycle, archive/restore, stale edits and bad input, over HTTP."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Health
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Role
from app.models import Sector
from tests import factories


def audit_rows(initiative_id: int, action: str | None = None) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).where(AuditEvent.object_type == "initiatives",
                                       AuditEvent.object_id == initiative_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


@pytest.fixture
def world(app, client_as):
    """A coordinator of org A with an initiative, a partner org B and an agreement A can see."""
    with app.app_context():
        org_a = factories.organization(name="Alpha Water")
        org_b = factories.organization(name="Bravo Power")
        coord = factories.user(role=Role.COORDINATOR, organization=org_a, name="Carla Coord")
        colleague = factories.user(role=Role.MEMBER, organization=org_a, name="Max Member")
        agreement = factories.agreement(created_by=coord, title="Water mutual aid", tlp=TLP.GREEN)
        initiative = factories.initiative(created_by=coord, participants=[org_b], title="OT segmentation pilot",
                                          objective="Segment the plant networks.")
        ids = dict(org_a=org_a.id, org_b=org_b.id, coord=coord.id, colleague=colleague.id,
                   agreement=agreement.id, initiative=initiative.id)
        client = client_as(coord)
    return ids, client


def form_data(ids: dict, **overrides) -> dict:
    data = {"title": "Substation physical security hardening programme",
            "objective": "Harden twelve substations.", "description": "## Scope\n\n- fences\n- cameras",
            "agreement_id": str(ids["agreement"]), "lead_organization_id": str(ids["org_a"]),
            "participant_ids": [str(ids["org_b"])], "sectors": ["energy", "water"],
            "start_date": "2026-01-01", "target_date": "2026-12-31", "health": "green", "health_reason": "",
            "tlp": "amber"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_coordinator_creates_an_initiative_with_reference_and_audit(app, world):
    ids, client = world
    response = client.post("/initiatives/new", data=form_data(ids))
    assert response.status_code == 302
    with app.app_context():
        ini = db.session.scalar(sa.select(Initiative).where(Initiative.title.like("Substation%")))
        assert ini.reference.startswith(f"INI-{date.today().year}-")
        assert ini.owner_organization_id == ids["org_a"] and ini.created_by_id == ids["coord"]
        assert ini.agreement_id == ids["agreement"]
        assert [o.id for o in ini.participants] == [ids["org_b"]]
        assert set(ini.sectors) == {Sector.ENERGY, Sector.WATER}
        assert ini.status is InitiativeStatus.PROPOSED
        assert [e.action for e in audit_rows(ini.id)] == ["initiative.created"]
        new_id = ini.id
    page = client.get(f"/initiatives/{new_id}").get_data(as_text=True)
    assert "Substation physical security hardening programme" in page and "<h3>Scope</h3>" in page


def test_mass_assignment_has_no_effect(app, world):
    ids, client = world
    with app.app_context():
        other_org = factories.organization().id
    client.post("/initiatives/new", data=form_data(
        ids, title="Forged", owner_organization_id=str(other_org), created_by_id="999", status="completed",
        reference="INI-1999-0001", version="42", id="777"))
    with app.app_context():
        ini = db.session.scalar(sa.select(Initiative).where(Initiative.title == "Forged"))
        assert ini.owner_organization_id == ids["org_a"] and ini.created_by_id == ids["coord"]
        assert ini.status is InitiativeStatus.PROPOSED and ini.reference != "INI-1999-0001"
        assert ini.version == 1 and ini.id != 777


def test_edit_saves_changes_and_audits_them(app, world):
    ids, client = world
    assert client.get(f"/initiatives/{ids['initiative']}/edit").status_code == 200
    response = client.post(f"/initiatives/{ids['initiative']}/edit",
                           data=form_data(ids, title="OT segmentation pilot (phase 2)", participant_ids=[],
                                          version="1"))
    assert response.status_code == 302
    with app.app_context():
        ini = db.session.get(Initiative, ids["initiative"])
        assert ini.title == "OT segmentation pilot (phase 2)" and ini.participants == [] and ini.version == 2
        (event,) = audit_rows(ini.id, "initiative.updated")
        assert "title: OT segmentation pilot → OT segmentation pilot (phase 2)" in event.summary
        assert "participants: Bravo Power → —" in event.summary


def test_stale_edit_gets_a_conflict_page_and_overwrites_nothing(app, world):
    ids, client = world
    client.post(f"/initiatives/{ids['initiative']}/edit", data=form_data(ids, title="First writer", version="1"))
    response = client.post(f"/initiatives/{ids['initiative']}/edit",
                           data=form_data(ids, title="Second writer", version="1"))
    assert response.status_code == 409
    assert "First writer" in response.get_data(as_text=True)
    with app.app_context():
        ini = db.session.get(Initiative, ids["initiative"])
        assert ini.title == "First writer" and ini.version == 2
        assert len(audit_rows(ini.id, "initiative.updated")) == 1


@pytest.mark.parametrize("overrides, field_error", [
    ({"health": "amber", "health_reason": ""}, "Explain why the initiative is not green."),
    ({"health": "red", "health_reason": "   "}, "Explain why the initiative is not green."),
    ({"start_date": "2026-06-01", "target_date": "2026-05-31"}, "The target date must be on or after the start date."),
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"objective": "x" * 2001}, "Field cannot be longer than 2000 characters."),
    ({"title": ""}, "This field is required."),
    ({"title": "bad\x00title"}, "Remove control characters from this field."),
    ({"health": "purple"}, "Not a valid choice."),
    ({"tlp": "white"}, "Not a valid choice."),
    ({"sectors": ["atlantis"]}, "could not be coerced"),
    ({"start_date": "2026-13-45"}, "Not a valid date value."),
    ({"tlp": "red"}, "Name at least one recipient for TLP:RED, besides its creator"),
    ({"lead_organization_id": ""}, "Choose the lead organisation."),
])
def test_bad_input_is_a_form_error_and_writes_nothing(app, world, overrides, field_error):
    ids, client = world
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Initiative.id)))
    response = client.post("/initiatives/new", data=form_data(ids, **overrides))
    assert response.status_code == 200
    assert field_error in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Initiative.id))) == before


def test_health_reason_error_is_shown_next_to_the_reason_field(app, world):
    ids, client = world
    html = client.post("/initiatives/new", data=form_data(ids, health="red")).get_data(as_text=True)
    assert 'id="health_reason-error"' in html


def test_forged_or_invisible_agreement_is_not_a_valid_choice(app, world):
    ids, client = world
    with app.app_context():
        stranger = factories.user(role=Role.COORDINATOR)
        hidden = factories.agreement(created_by=stranger, tlp=TLP.AMBER_STRICT).id
        archived = factories.agreement(created_by=factories.user(role=Role.COORDINATOR,
                                                                 organization_id=ids["org_a"]),
                                       tlp=TLP.GREEN)
        archived.archived_at = archived.created_at
        db.session.commit()
        archived_id = archived.id
    for forged in (hidden, archived_id, 99999, "abc"):
        response = client.post("/initiatives/new", data=form_data(ids, title=f"Forged {forged}",
                                                                  agreement_id=str(forged)))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Not a valid choice" in html or "could not coerce" in html
    with app.app_context():
        assert db.session.scalar(sa.select(Initiative.id).where(Initiative.title.like("Forged%"))) is None


def test_forged_organisation_and_recipient_ids_are_refused(app, world):
    ids, client = world
    response = client.post("/initiatives/new", data=form_data(ids, title="Forged orgs", lead_organization_id="9999"))
    assert "Not a valid choice" in response.get_data(as_text=True)
    response = client.post("/initiatives/new", data=form_data(ids, title="Forged orgs", participant_ids=["9999"]))
    assert "is not a valid choice" in response.get_data(as_text=True)
    response = client.post("/initiatives/new", data=form_data(ids, title="Forged orgs", tlp="red",
                                                              recipients=["9999"]))
    assert "is not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Initiative.id).where(Initiative.title == "Forged orgs")) is None


def test_red_initiative_keeps_its_recipients_and_audits_them(app, world):
    ids, client = world
    client.post("/initiatives/new", data=form_data(ids, title="Red one", tlp="red",
                                                   recipients=[str(ids["colleague"])]))
    with app.app_context():
        ini = db.session.scalar(sa.select(Initiative).where(Initiative.title == "Red one"))
        assert [u.id for u in ini.recipients] == [ids["colleague"]]
        assert "recipients: added Max Member" in audit_rows(ini.id, "initiative.created")[0].summary


def test_quick_health_update_is_versioned_and_audited(app, world):
    ids, client = world
    url = f"/initiatives/{ids['initiative']}/health"
    response = client.post(url, data={"health": "red", "health_reason": "", "version": "1"})
    assert response.status_code == 400
    assert 'id="health_reason-error"' in response.get_data(as_text=True)
    response = client.post(url, data={"health": "red", "health_reason": "Vendor firmware not certified",
                                      "version": "1"})
    assert response.status_code == 302
    stale = client.post(url, data={"health": "green", "health_reason": "", "version": "1"})
    assert stale.status_code == 409
    with app.app_context():
        ini = db.session.get(Initiative, ids["initiative"])
        assert ini.health is Health.RED and ini.health_reason == "Vendor firmware not certified"
        assert ini.version == 2
        (event,) = audit_rows(ini.id, "initiative.health_updated")
        assert "health: Green → Red" in event.summary


@pytest.mark.parametrize("path", [
    ["active"], ["active", "on_hold"], ["active", "on_hold", "active"], ["active", "completed"],
    ["cancelled"], ["active", "cancelled"], ["active", "on_hold", "cancelled"],
])
def test_allowed_transitions(app, world, path):
    ids, client = world
    for status in path:
        client.post(f"/initiatives/{ids['initiative']}/status", data={"new_status": status})
    with app.app_context():
        ini = db.session.get(Initiative, ids["initiative"])
        assert ini.status is InitiativeStatus(path[-1])
        assert len(audit_rows(ini.id, "initiative.status_changed")) == len(path)


@pytest.mark.parametrize("path, refused", [
    ([], "completed"), ([], "on_hold"), (["active", "completed"], "active"), (["cancelled"], "active"),
    (["active", "on_hold"], "completed"), ([], "proposed"), ([], "bogus"),
])
def test_refused_transitions_flash_and_change_nothing(app, world, path, refused):
    ids, client = world
    for status in path:
        client.post(f"/initiatives/{ids['initiative']}/status", data={"new_status": status})
    response = client.post(f"/initiatives/{ids['initiative']}/status", data={"new_status": refused},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "cannot go from" in response.get_data(as_text=True) or "Unknown status" in response.get_data(as_text=True)
    with app.app_context():
        ini = db.session.get(Initiative, ids["initiative"])
        assert ini.status is (InitiativeStatus(path[-1]) if path else InitiativeStatus.PROPOSED)
        assert len(audit_rows(ini.id, "initiative.status_changed")) == len(path)


def test_detail_shows_only_allowed_transition_buttons(app, world):
    ids, client = world
    html = client.get(f"/initiatives/{ids['initiative']}").get_data(as_text=True)
    assert 'value="active">Start<' in html and 'value="cancelled">Cancel<' in html
    assert "Put on hold" not in html and "Resume" not in html and ">Complete<" not in html
    client.post(f"/initiatives/{ids['initiative']}/status", data={"new_status": "active"})
    client.post(f"/initiatives/{ids['initiative']}/status", data={"new_status": "on_hold"})
    html = client.get(f"/initiatives/{ids['initiative']}").get_data(as_text=True)
    assert ">Resume<" in html and 'value="active">Start<' not in html and ">Complete<" not in html


def test_archive_and_restore(app, world):
    ids, client = world
    assert client.post(f"/initiatives/{ids['initiative']}/archive").status_code == 302
    listed = client.get("/initiatives/").get_data(as_text=True)
    archived = client.get("/initiatives/?archived=1").get_data(as_text=True)
    assert "OT segmentation pilot" not in listed and "OT segmentation pilot" in archived
    # An archived initiative is read-only until restored.
    assert client.get(f"/initiatives/{ids['initiative']}/edit").status_code == 403
    assert client.post(f"/initiatives/{ids['initiative']}/restore").status_code == 302
    assert "OT segmentation pilot" in client.get("/initiatives/").get_data(as_text=True)
    with app.app_context():
        actions = [e.action for e in audit_rows(ids["initiative"])]
        assert actions == ["initiative.archived", "initiative.restored"]
        assert db.session.get(Initiative, ids["initiative"]).archived_at is None
