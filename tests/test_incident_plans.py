"""Incident-response plans: create, edit, archive/restore, lifecycle with approval, revision, conflicts."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import IncidentPlan
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import PlanStatus
from app.models import Role
from app.models import today
from app.models.incident_plan import latest_review_date
from tests import factories


def audit_rows(plan_id: int, action: str | None = None) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).where(AuditEvent.object_type == "incident_plans", AuditEvent.object_id == plan_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalars(stmt.order_by(AuditEvent.id)).all()


def load(plan_id: int) -> IncidentPlan:
    db.session.expire_all()
    return db.session.scalar(sa.select(IncidentPlan).where(IncidentPlan.id == plan_id))


def setup_world():
    """Owner org (gov) with two coordinators, a covered org (water), an unrelated org (energy)."""
    gov, water, energy = (factories.organization(name=n) for n in ("Gov office", "Water utility", "Energy co"))
    people = {
        "author": factories.user(role=Role.COORDINATOR, organization=gov, name="Ann Author"),
        "gov2": factories.user(role=Role.COORDINATOR, organization=gov, name="Gil Second"),
        "water": factories.user(role=Role.COORDINATOR, organization=water, name="Wes Water"),
        "energy": factories.user(role=Role.COORDINATOR, organization=energy, name="Eve Energy"),
        "member": factories.user(role=Role.MEMBER, organization=gov, name="Mo Member"),
        "exec": factories.user(role=Role.EXECUTIVE, organization=gov, name="Ed Exec"),
    }
    return {"gov": gov, "water": water, "energy": energy}, people


def make_plan(author, covered=(), status=PlanStatus.DRAFT, sections=True, **kw):
    plan = factories.incident_plan(created_by=author, covered=list(covered), status=status, **kw)
    if sections:
        plan.sections = [PlanSection(phase=Phase.PREPARATION, title="Backups", body="Keep **offline** copies",
                                     position=0),
                         PlanSection(phase=Phase.PREPARATION, title="Asset inventory", body="List PLCs", position=1),
                         PlanSection(phase=Phase.DETECTION_ANALYSIS, title="Triage", body="Severity matrix",
                                     position=0)]
        plan.contacts = [PlanContact(role="IR lead", name="Ida Lead", phone="+1 555 0100", escalation_tier=1,
                                     available_24_7=True)]
        db.session.commit()
    return plan


PLAN_FORM = {"title": "Ransomware response", "scope": "All SCADA sites", "version_label": "1.0",
             "tlp": "amber", "change_summary": "First issue"}


def test_coordinator_creates_a_draft_plan_owned_by_their_organisation(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        water_id, other_id = orgs["water"].id, orgs["energy"].id
        author_id, gov_id = people["author"].id, orgs["gov"].id
        client = client_as(people["author"])
    data = {**PLAN_FORM, "sectors": ["water", "energy"], "covered_organization_ids": [str(water_id)],
            # mass assignment: none of these may stick
            "status": "approved", "owner_organization_id": str(other_id), "reference": "IRP-1999-0001",
            "created_by_id": "999", "version": "7", "approver_id": str(author_id)}
    response = client.post("/incident-plans/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.scalar(sa.select(IncidentPlan))
        assert plan.reference == f"IRP-{today().year}-0001"
        assert plan.status is PlanStatus.DRAFT and plan.owner_organization_id == gov_id
        assert plan.created_by_id == author_id and plan.approver_id is None and plan.version == 1
        assert [o.id for o in plan.covered_organizations] == [water_id]
        assert {s.value for s in plan.sectors} == {"water", "energy"}
        (event,) = audit_rows(plan.id, "incident_plan.created")
        assert "Water utility" in event.summary
        plan_id = plan.id
    html = client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    assert "Ransomware response" in html and "Water utility" in html and "Preparation" in html


def test_bad_input_is_a_form_error_and_writes_nothing(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        client = client_as(people["author"])
    bad = [{"title": ""}, {"title": "x" * 201}, {"version_label": "v 1/2"}, {"version_label": "1" * 21},
           {"tlp": "purple"}, {"sectors": ["moon"]}, {"covered_organization_ids": ["99999"]},
           {"tlp": "red"}, {"title": "bad\x00null"}, {"scope": "x" * 100_001}]
    for override in bad:
        response = client.post("/incident-plans/new", data={**PLAN_FORM, **override})
        assert response.status_code == 200, override
        assert "is-invalid" in response.get_data(as_text=True), override
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentPlan.id))) == 0


def test_red_plan_requires_a_recipient_and_audits_recipient_names(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        water_coord = people["water"].id
        client = client_as(people["author"])
    response = client.post("/incident-plans/new", data={**PLAN_FORM, "tlp": "red",
                                                        "recipients": [str(water_coord)]})
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.scalar(sa.select(IncidentPlan))
        assert plan.tlp is TLP.RED and [u.id for u in plan.recipients] == [water_coord]
        plan_id, version = plan.id, plan.version
    client.post(f"/incident-plans/{plan_id}/edit", data={**PLAN_FORM, "tlp": "red", "version": str(version),
                                                         "recipients": [str(water_coord), str(people_id(app, 'Gil Second'))]})
    with app.app_context():
        (event,) = audit_rows(plan_id, "incident_plan.updated")
        assert "recipients: added Gil Second" in event.summary


def people_id(app, name: str) -> int:
    from app.models import User
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.name == name))


def test_edit_saves_audits_and_refuses_a_stale_version(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["author"], covered=[orgs["water"]], title="Old title")
        plan_id, version = plan.id, plan.version
        client = client_as(people["author"])
    form = client.get(f"/incident-plans/{plan_id}/edit").get_data(as_text=True)
    assert "Old title" in form
    response = client.post(f"/incident-plans/{plan_id}/edit", data={**PLAN_FORM, "title": "New title",
                                                                     "version": str(version)})
    assert response.status_code == 302
    with app.app_context():
        plan = load(plan_id)
        assert plan.title == "New title" and plan.version == version + 1
        assert plan.covered_organizations == []  # unticked: the covered organisation was removed
        (event,) = audit_rows(plan_id, "incident_plan.updated")
        assert "title: Old title → New title" in event.summary and "Water utility" in event.summary
    # A second tab still holding the old version: 409, nothing overwritten.
    stale = client.post(f"/incident-plans/{plan_id}/edit", data={**PLAN_FORM, "title": "Stale title",
                                                                  "version": str(version)})
    assert stale.status_code == 409
    assert "New title" in stale.get_data(as_text=True) and "Stale title" in stale.get_data(as_text=True)
    with app.app_context():
        assert load(plan_id).title == "New title"
        assert len(audit_rows(plan_id, "incident_plan.updated")) == 1


def test_version_label_must_be_unique_within_the_reference(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        make_plan(people["author"], reference="IRP-2026-0100", version_label="1.0", status=PlanStatus.RETIRED)
        plan = make_plan(people["author"], reference="IRP-2026-0100", version_label="2.0")
        plan_id, version = plan.id, plan.version
        client = client_as(people["author"])
    response = client.post(f"/incident-plans/{plan_id}/edit", data={**PLAN_FORM, "version_label": "1.0",
                                                                     "version": str(version)})
    assert response.status_code == 200 and "already exists" in response.get_data(as_text=True)
    with app.app_context():
        assert load(plan_id).version_label == "2.0"


def test_archive_and_restore(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan_id = make_plan(people["author"]).id
        client = client_as(people["author"])
    assert client.post(f"/incident-plans/{plan_id}/archive").status_code == 302
    with app.app_context():
        assert load(plan_id).is_archived
    assert "Ransom" not in client.get("/incident-plans/").get_data(as_text=True)
    archived = client.get("/incident-plans/?archived=1").get_data(as_text=True)
    assert f"/incident-plans/{plan_id}\"" in archived
    # archived: locked with a message, no transitions
    locked = client.get(f"/incident-plans/{plan_id}/edit")
    assert locked.status_code == 403 and "archived" in locked.get_data(as_text=True)
    assert client.post(f"/incident-plans/{plan_id}/restore").status_code == 302
    with app.app_context():
        assert not load(plan_id).is_archived
        assert [e.action for e in audit_rows(plan_id)][-2:] == ["incident_plan.archived", "incident_plan.restored"]


def submit(client, plan_id, status, **extra):
    return client.post(f"/incident-plans/{plan_id}/status", data={"new_status": status, **extra})


def test_lifecycle_with_four_eyes_approval(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan_id = make_plan(people["author"], covered=[orgs["water"]]).id
        author, water, gov2 = (client_as(people[k]) for k in ("author", "water", "gov2"))
        water_id = people["water"].id
    assert submit(author, plan_id, "approved").status_code == 403  # the author never approves
    submit(author, plan_id, "in_review")
    with app.app_context():
        assert load(plan_id).status is PlanStatus.IN_REVIEW
    assert submit(author, plan_id, "approved").status_code == 403
    submit(gov2, plan_id, "draft", comment="Add the regulator to the roster.")  # request changes
    with app.app_context():
        assert load(plan_id).status is PlanStatus.DRAFT
    submit(author, plan_id, "in_review")
    detail = water.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    assert 'value="approved"' in detail  # the covered organisation's coordinator sees the approval form
    assert 'value="approved"' not in author.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    response = submit(water, plan_id, "approved")
    assert response.status_code == 302
    with app.app_context():
        plan = load(plan_id)
        assert plan.status is PlanStatus.APPROVED and plan.approver_id == water_id
        assert plan.approved_at is not None and plan.next_review_date == latest_review_date(today())
        event = audit_rows(plan_id, "incident_plan.status_changed")[-1]
        assert "Approved" in event.summary and "Wes Water" in event.summary
    html = water.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    assert "Wes Water" in html and latest_review_date(today()).isoformat() in html
    submit(water, plan_id, "retired")
    with app.app_context():
        assert load(plan_id).status is PlanStatus.RETIRED


def test_refused_transitions_are_flashed_and_change_nothing(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan_id = make_plan(people["author"]).id
        client = client_as(people["gov2"])
    for status in ("approved", "retired", "draft", "bogus"):
        response = submit(client, plan_id, status)
        assert response.status_code in (302, 400), status
    page = client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    assert "cannot go from draft" in page or "Not a valid choice" in page
    with app.app_context():
        plan = load(plan_id)
        assert plan.status is PlanStatus.DRAFT and plan.version == 1
        assert audit_rows(plan_id) == []


def test_approval_date_is_at_most_twelve_months_ahead(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan_id = make_plan(people["author"], status=PlanStatus.IN_REVIEW).id
        client = client_as(people["gov2"])
    latest = latest_review_date(today())
    for bad in (latest + timedelta(days=1), today(), today() - timedelta(days=3)):
        submit(client, plan_id, "approved", next_review_date=bad.isoformat())
        with app.app_context():
            assert load(plan_id).status is PlanStatus.IN_REVIEW, bad
    assert "at most 12 months" in client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    earlier = today() + timedelta(days=180)
    submit(client, plan_id, "approved", next_review_date=earlier.isoformat())
    with app.app_context():
        plan = load(plan_id)
        assert plan.status is PlanStatus.APPROVED and plan.next_review_date == earlier


def test_approved_plan_is_read_only(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["author"], status=PlanStatus.APPROVED)
        plan_id, version, section_id = plan.id, plan.version, plan.sections[0].id
        contact_id = plan.contacts[0].id
        client = client_as(people["author"])
        before = len(audit_rows(plan_id))
    html = client.get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    assert f"/incident-plans/{plan_id}/edit" not in html and "Add section" not in html
    assert "Revise" in html
    edit = client.post(f"/incident-plans/{plan_id}/edit", data={**PLAN_FORM, "version": str(version)})
    assert edit.status_code == 403 and "read-only" in edit.get_data(as_text=True)
    base = f"/incident-plans/{plan_id}"
    posts = [(f"{base}/sections/new", {"phase": "preparation", "title": "X"}),
             (f"{base}/sections/{section_id}/edit", {"phase": "preparation", "title": "X", "version": "1"}),
             (f"{base}/sections/{section_id}/delete", {}),
             (f"{base}/sections/{section_id}/move", {"direction": "down"}),
             (f"{base}/contacts/new", {"role": "R", "name": "N", "phone": "1", "escalation_tier": "1"}),
             (f"{base}/contacts/{contact_id}/edit", {"role": "R", "name": "N", "phone": "1", "escalation_tier": "1"}),
             (f"{base}/contacts/{contact_id}/delete", {})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    with app.app_context():
        plan = load(plan_id)
        assert plan.version == version and plan.title != "Ransomware response"
        assert [(s.title, s.position) for ph, group in plan.sections_by_phase() for s in group] == [
            ("Backups", 0), ("Asset inventory", 1), ("Triage", 0)]
        assert len(plan.contacts) == 1 and len(audit_rows(plan_id)) == before


def test_revise_copies_into_a_new_draft_version_and_keeps_the_old_one(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["author"], covered=[orgs["water"]], status=PlanStatus.APPROVED,
                         reference="IRP-2026-0042", version_label="1.0", title="Grid plan")
        old_id = plan.id
        client = client_as(people["water"])
        water_client_id = people["water"].id
    response = client.post(f"/incident-plans/{old_id}/revise", data={"bump": "major"})
    assert response.status_code == 302
    with app.app_context():
        new = db.session.scalar(sa.select(IncidentPlan).where(IncidentPlan.id != old_id))
        assert (new.reference, new.version_label, new.status) == ("IRP-2026-0042", "2.0", PlanStatus.DRAFT)
        assert new.previous_version_id == old_id and new.created_by_id == water_client_id
        assert [(s.phase, s.title, s.position) for s in new.sections] == [
            (s.phase, s.title, s.position) for s in load(old_id).sections]
        assert [c.name for c in new.contacts] == ["Ida Lead"]
        assert [o.name for o in new.covered_organizations] == ["Water utility"]
        assert load(old_id).status is PlanStatus.APPROVED and len(load(old_id).sections) == 3
        assert audit_rows(old_id, "incident_plan.revised") and audit_rows(new.id, "incident_plan.created")
        new_id = new.id
    assert response.headers["Location"].endswith(f"/incident-plans/{new_id}")
    # A second revision while 2.0 is open is refused.
    client.post(f"/incident-plans/{old_id}/revise", data={"bump": "minor"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentPlan.id))) == 2
    old_page = client.get(f"/incident-plans/{old_id}").get_data(as_text=True)
    assert "Version 2.0" in old_page and "Grid plan" in old_page
    # The list shows the latest version by default, every version on request.
    listing = client.get("/incident-plans/").get_data(as_text=True)
    assert f'/incident-plans/{new_id}"' in listing and f'/incident-plans/{old_id}"' not in listing
    everything = client.get("/incident-plans/?versions=all").get_data(as_text=True)
    assert f'/incident-plans/{old_id}"' in everything


def test_approving_a_new_version_retires_the_previous_one(app, client_as):
    with app.app_context():
        orgs, people = setup_world()
        old = make_plan(people["author"], status=PlanStatus.APPROVED, reference="IRP-2026-0007")
        new = make_plan(people["water"], owner_organization=orgs["gov"], status=PlanStatus.IN_REVIEW,
                        reference="IRP-2026-0007", version_label="2.0", previous_version_id=old.id)
        old_id, new_id = old.id, new.id
        client = client_as(people["author"])
    submit(client, new_id, "approved")
    with app.app_context():
        assert load(new_id).status is PlanStatus.APPROVED
        assert load(old_id).status is PlanStatus.RETIRED
        (event,) = audit_rows(old_id, "incident_plan.status_changed")
        assert "superseded by version 2.0" in event.summary


def test_four_eyes_follow_the_version_author_not_the_first_author(app, client_as):
    """A revision is authored by whoever revised it: they may not approve it, and the first
    version's author (a different person now) may; a forged form with the current version changes nothing."""
    with app.app_context():
        orgs, people = setup_world()
        plan = make_plan(people["author"], covered=[orgs["water"]], status=PlanStatus.APPROVED,
                         reference="IRP-2026-0077", version_label="1.0")
        old_id = plan.id
        water, author = client_as(people["water"]), client_as(people["author"])
        author_id = people["author"].id
    assert water.post(f"/incident-plans/{old_id}/revise", data={"bump": "minor"}).status_code == 302
    with app.app_context():
        draft = db.session.scalar(sa.select(IncidentPlan).where(IncidentPlan.id != old_id))
        draft_id = draft.id
    assert submit(water, draft_id, "in_review", version=str(load_version(app, draft_id))).status_code == 302
    version = load_version(app, draft_id)
    refused = submit(water, draft_id, "approved", version=str(version),
                     next_review_date=(today() + timedelta(days=30)).isoformat())
    assert refused.status_code == 403
    with app.app_context():
        assert load(draft_id).status is PlanStatus.IN_REVIEW and load(draft_id).approver_id is None
        assert audit_rows(draft_id, "incident_plan.status_changed")[-1].summary.endswith("In review")
    assert submit(author, draft_id, "approved", version=str(version)).status_code == 302
    with app.app_context():
        approved = load(draft_id)
        assert approved.status is PlanStatus.APPROVED and approved.approver_id == author_id


def load_version(app, plan_id: int) -> int:
    with app.app_context():
        return load(plan_id).version
