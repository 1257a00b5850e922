"""Plan sections (per NIST SP 800-61 phase, reorderable) and the contact and escalation roster."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import PlanStatus
from tests import factories
from tests.test_incident_plans import audit_rows
from tests.test_incident_plans import load
from tests.test_incident_plans import make_plan
from tests.test_incident_plans import setup_world


def phase_titles(plan_id: int, phase: Phase) -> list[str]:
    return [s.title for ph, group in load(plan_id).sections_by_phase() if ph is phase for s in group]


def test_sections_are_added_edited_and_deleted(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan_id = make_plan(people["author"]).id
        client = client_as(people["author"])
    form = client.get(f"/incident-plans/{plan_id}/sections/new?phase=post_incident").get_data(as_text=True)
    assert '<option selected value="post_incident">' in form
    response = client.post(f"/incident-plans/{plan_id}/sections/new",
                           data={"phase": "preparation", "title": "Tabletop exercises", "body": "Twice a year"})
    assert response.status_code == 302
    with app.app_context():
        assert phase_titles(plan_id, Phase.PREPARATION) == ["Backups", "Asset inventory", "Tabletop exercises"]
        section = db.session.scalar(sa.select(PlanSection).where(PlanSection.title == "Tabletop exercises"))
        section_id, version = section.id, section.version
        assert audit_rows(plan_id, "incident_plan.section_added")
    # Bad input: unknown phase, empty title, too long.
    for bad in ({"phase": "lunch", "title": "x"}, {"phase": "preparation", "title": ""},
                {"phase": "preparation", "title": "t" * 201}):
        assert client.post(f"/incident-plans/{plan_id}/sections/new", data=bad).status_code == 200
    # Edit: moving it to another phase puts it at the end of that phase.
    response = client.post(f"/incident-plans/{plan_id}/sections/{section_id}/edit",
                           data={"phase": "post_incident", "title": "Lessons learned", "body": "AAR in 2 weeks",
                                 "version": str(version)})
    assert response.status_code == 302
    with app.app_context():
        assert phase_titles(plan_id, Phase.POST_INCIDENT) == ["Lessons learned"]
        (event,) = audit_rows(plan_id, "incident_plan.section_updated")
        assert "Tabletop exercises → Lessons learned" in event.summary
    stale = client.post(f"/incident-plans/{plan_id}/sections/{section_id}/edit",
                        data={"phase": "preparation", "title": "Stale", "version": str(version)})
    assert stale.status_code == 409
    assert client.post(f"/incident-plans/{plan_id}/sections/{section_id}/delete").status_code == 302
    with app.app_context():
        kept = db.session.scalar(sa.select(PlanSection).where(PlanSection.id == section_id))
        assert kept.archived_at is not None and kept.body == "AAR in 2 weeks"  # archived, not destroyed
        assert audit_rows(plan_id, "incident_plan.section_archived")
    html = client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    assert html.index("Backups") < html.index("Asset inventory") < html.index("Triage")


def test_sections_move_up_and_down_within_their_phase(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["author"])
        plan_id = plan.id
        ids = {s.title: s.id for s in plan.sections}
        client = client_as(people["author"])
    move = lambda title, direction: client.post(  # noqa: E731
        f"/incident-plans/{plan_id}/sections/{ids[title]}/move", data={"direction": direction})
    assert move("Asset inventory", "up").status_code == 302
    with app.app_context():
        assert phase_titles(plan_id, Phase.PREPARATION) == ["Asset inventory", "Backups"]
        assert audit_rows(plan_id, "incident_plan.section_moved")
    move("Asset inventory", "up")  # already first: nothing changes
    move("Triage", "down")  # alone in its phase: never jumps into another phase
    with app.app_context():
        assert phase_titles(plan_id, Phase.PREPARATION) == ["Asset inventory", "Backups"]
        assert phase_titles(plan_id, Phase.DETECTION_ANALYSIS) == ["Triage"]
    move("Asset inventory", "down")
    assert move("Backups", "sideways").status_code == 302
    with app.app_context():
        assert phase_titles(plan_id, Phase.PREPARATION) == ["Backups", "Asset inventory"]


def test_a_section_of_another_plan_is_404_through_this_plan(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        mine = make_plan(people["author"])
        other = make_plan(people["author"])
        mine_id, foreign_section, foreign_contact = mine.id, other.sections[0].id, other.contacts[0].id
        client = client_as(people["author"])
    assert client.get(f"/incident-plans/{mine_id}/sections/{foreign_section}/edit").status_code == 404
    assert client.post(f"/incident-plans/{mine_id}/sections/{foreign_section}/delete").status_code == 404
    assert client.get(f"/incident-plans/{mine_id}/contacts/{foreign_contact}/edit").status_code == 404
    assert client.post(f"/incident-plans/{mine_id}/contacts/{foreign_contact}/delete").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PlanSection.id))) == 6


CONTACT = {"role": "Communications lead", "name": "Cara Comms", "organization": "Gov office",
           "phone": "+1 (555) 010-2000 ext 12", "email": "cara@example.org", "escalation_tier": "2",
           "available_24_7": "y"}


def test_contacts_are_added_edited_deleted_and_shown_by_tier(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan_id = make_plan(people["author"]).id
        client = client_as(people["author"])
    assert client.post(f"/incident-plans/{plan_id}/contacts/new", data=CONTACT).status_code == 302
    with app.app_context():
        contact = db.session.scalar(sa.select(PlanContact).where(PlanContact.name == "Cara Comms"))
        assert contact.escalation_tier == 2 and contact.available_24_7 and contact.plan_id == plan_id
        contact_id, version = contact.id, contact.version
        assert audit_rows(plan_id, "incident_plan.contact_added")
    html = client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    html = html[html.index('id="roster"'):]
    assert html.index("Tier 1") < html.index("Ida Lead") < html.index("Tier 2") < html.index("Cara Comms")
    for bad in ({"email": "not-an-email"}, {"escalation_tier": "4"}, {"phone": "call me"},
                {"name": ""}, {"phone": "", "email": ""}, {"role": "r" * 121}):
        response = client.post(f"/incident-plans/{plan_id}/contacts/new", data={**CONTACT, **bad})
        assert response.status_code == 200, bad
    response = client.post(f"/incident-plans/{plan_id}/contacts/{contact_id}/edit",
                           data={**CONTACT, "escalation_tier": "3", "version": str(version)})
    assert response.status_code == 302
    with app.app_context():
        assert load(plan_id).contacts[-1].escalation_tier == 3
        (event,) = audit_rows(plan_id, "incident_plan.contact_updated")
        assert "escalation_tier: 2 → 3" in event.summary
    stale = client.post(f"/incident-plans/{plan_id}/contacts/{contact_id}/edit",
                        data={**CONTACT, "name": "Stale", "version": str(version)})
    assert stale.status_code == 409
    assert client.post(f"/incident-plans/{plan_id}/contacts/{contact_id}/delete").status_code == 302
    with app.app_context():
        assert [c.name for c in load(plan_id).contacts] == ["Ida Lead"]
        assert db.session.scalar(sa.select(sa.func.count(PlanContact.id))) == 1
        (event,) = audit_rows(plan_id, "incident_plan.contact_deleted")  # the whole entry is kept there
        assert all(str(value) in event.summary for value in (CONTACT["name"], CONTACT["phone"], CONTACT["email"]))


def test_plan_in_review_is_locked_until_changes_are_requested(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan_id = make_plan(people["author"], status=PlanStatus.IN_REVIEW).id
        client = client_as(people["author"])
    response = client.post(f"/incident-plans/{plan_id}/contacts/new", data=CONTACT)
    assert response.status_code == 403 and "request changes" in response.get_data(as_text=True)
    client.post(f"/incident-plans/{plan_id}/status", data={"new_status": "draft"})  # no comment: refused
    assert client.post(f"/incident-plans/{plan_id}/contacts/new", data=CONTACT).status_code == 403
    client.post(f"/incident-plans/{plan_id}/status", data={"new_status": "draft", "comment": "Add comms."})
    assert client.post(f"/incident-plans/{plan_id}/contacts/new", data=CONTACT).status_code == 302


def test_member_and_executive_cannot_change_sections_or_contacts(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["author"])
        plan_id, section_id, contact_id = plan.id, plan.sections[0].id, plan.contacts[0].id
        clients = [client_as(people["member"]), client_as(people["exec"]), client_as(factories.user(
            role=factories.Role.COORDINATOR, organization=orgs["energy"]))]
    for client in clients:
        base = f"/incident-plans/{plan_id}"
        assert client.get(f"{base}/sections/new").status_code in (403, 404)
        assert client.post(f"{base}/sections/{section_id}/move", data={"direction": "down"}).status_code in (403, 404)
        assert client.post(f"{base}/contacts/{contact_id}/delete").status_code in (403, 404)
    with app.app_context():
        assert len(load(plan_id).contacts) == 1 and audit_rows(plan_id) == []
