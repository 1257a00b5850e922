"""Removing a plan section archives it: gone from the plan page's procedures, the plan PDF and the
next version, its full text kept and restorable from the plan page; nothing is destroyed."""
import io

import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import AuditEvent
from app.models import PlanSection
from app.models import PlanStatus
from tests.test_incident_plans import load
from tests.test_incident_plans import make_plan
from tests.test_incident_plans import setup_world


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_removed_section_leaves_plan_and_pdf_keeps_its_text_and_is_restored(app, client_as):
    with app.app_context():
        _orgs, people = setup_world()
        plan = make_plan(people["author"])
        plan_id = plan.id
        triage_id = next(s.id for s in plan.sections if s.title == "Triage")
        client = client_as(people["author"])
        other = client_as(people["gov2"])
    assert "Severity matrix" in pdf_text(client.get(f"/incident-plans/{plan_id}.pdf"))

    response = client.post(f"/incident-plans/{plan_id}/sections/{triage_id}/delete")
    assert response.status_code == 302
    with app.app_context():
        section = db.session.get(PlanSection, triage_id)
        assert section.archived_at is not None and section.body == "Severity matrix"
        assert [s.title for s in load(plan_id).live_sections] == ["Backups", "Asset inventory"]
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "incident_plan.section_archived"))
        assert "Triage" in event.summary
    page = client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    procedures, removed = page.split('id="removed-sections"')
    assert "Severity matrix" not in procedures.split('id="sections"')[1]
    assert "Removed sections (1)" in removed and "Severity matrix" in removed and "by Ann Author" in removed
    assert "Severity matrix" not in pdf_text(client.get(f"/incident-plans/{plan_id}.pdf"))

    # Another coordinator of the owner organisation restores it: back at the end of its phase.
    restored = other.post(f"/incident-plans/{plan_id}/sections/{triage_id}/restore")
    assert restored.status_code == 302
    with app.app_context():
        assert db.session.get(PlanSection, triage_id).archived_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "incident_plan.section_restored")) == 1
    page = client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    assert "Severity matrix" in page and 'id="removed-sections"' not in page
    assert "Severity matrix" in pdf_text(client.get(f"/incident-plans/{plan_id}.pdf"))


def test_removed_sections_are_not_copied_into_a_new_version_and_stay_in_the_old(app, client_as):
    with app.app_context():
        _orgs, people = setup_world()
        plan = make_plan(people["author"])
        plan_id = plan.id
        backups_id = next(s.id for s in plan.sections if s.title == "Backups")
        client = client_as(people["author"])
    assert client.post(f"/incident-plans/{plan_id}/sections/{backups_id}/delete").status_code == 302
    with app.app_context():
        plan = load(plan_id)
        plan.status = PlanStatus.APPROVED
        db.session.commit()
    assert client.post(f"/incident-plans/{plan_id}/revise").status_code == 302
    with app.app_context():
        titles = db.session.scalars(sa.select(PlanSection.title).where(PlanSection.plan_id != plan_id)).all()
        assert sorted(titles) == ["Asset inventory", "Triage"]
        assert db.session.get(PlanSection, backups_id).body == "Keep **offline** copies"


def test_outsiders_and_members_cannot_remove_or_restore(app, client_as):
    with app.app_context():
        _orgs, people = setup_world()
        plan = make_plan(people["author"])
        plan_id, section_id = plan.id, plan.sections[0].id
        clients = {name: client_as(people[name]) for name in ("energy", "member")}
    for name, client in clients.items():
        for action in ("delete", "restore"):
            response = client.post(f"/incident-plans/{plan_id}/sections/{section_id}/{action}")
            assert response.status_code in (403, 404), (name, action)
    with app.app_context():
        assert db.session.get(PlanSection, section_id).archived_at is None
