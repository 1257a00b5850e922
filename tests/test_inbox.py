"""/inbox/: what awaits each role, linked to where they act, gone once done, built through the scopes."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.inbox.providers import inbox_sections
from app.models import TLP
from app.models import AgreementStatus
from app.models import MitigationStatus
from app.models import PlanStatus
from app.models import ReviewRequest
from app.models import Role
from app.models import TaskStatus
from app.models import User
from app.models import WorkingGroupMember
from app.models import today
from tests import factories


@pytest.fixture
def world(app):
    """Org A: coordinators Ann and Al, member Mo, executive Eve, admin Ada; org B: member Bo,
    coordinator Bea. A's records are AMBER."""
    with app.app_context():
        a, b = factories.organization(name="Alpha Water"), factories.organization(name="Beta Grid")
        p = {
            "ann": factories.user(role=Role.COORDINATOR, organization=a, name="Ann Author"),
            "al": factories.user(role=Role.COORDINATOR, organization=a, name="Al Second"),
            "mo": factories.user(role=Role.MEMBER, organization=a, name="Mo Member"),
            "eve": factories.user(role=Role.EXECUTIVE, organization=a, name="Eve Exec"),
            "ada": factories.user(role=Role.ADMIN, organization=a, name="Ada Admin"),
            "bo": factories.user(role=Role.MEMBER, organization=b, name="Bo Other"),
            "bea": factories.user(role=Role.COORDINATOR, organization=b, name="Bea Beta"),
        }
        soon, later = today() + timedelta(days=3), today() + timedelta(days=40)
        agreement = factories.agreement(created_by=p["ann"], title="Water data sharing",
                                        status=AgreementStatus.IN_REVIEW, parties=[a])
        named = factories.agreement(created_by=p["ann"], title="Mutual aid pact",
                                    status=AgreementStatus.IN_REVIEW, parties=[a])
        db.session.add(ReviewRequest(object_type="agreements", object_id=named.id, submitted_by=p["ann"],
                                     reviewers=[p["al"]]))
        plan = factories.incident_plan(created_by=p["al"], title="Ransomware plan", status=PlanStatus.IN_REVIEW)
        group = factories.working_group(created_by=p["ann"], members=[p["ann"], p["mo"], p["bo"]])
        new_task = factories.task(working_group=group, title="Patch the PLCs", assignee=p["mo"])
        due_task = factories.task(working_group=group, title="Write the runbook", assignee=p["mo"],
                                  status=TaskStatus.IN_PROGRESS, due_date=soon)
        factories.task(working_group=group, title="Later work", assignee=p["mo"],
                       status=TaskStatus.IN_PROGRESS, due_date=later)
        factories.task(working_group=group, title="Done work", assignee=p["mo"], status=TaskStatus.DONE)
        bo_task = factories.task(working_group=group, title="Grid task", assignee=p["bo"])
        risk = factories.risk(created_by=p["ann"], title="Flooded pump house", next_review_date=today() - timedelta(1))
        factories.risk(created_by=p["ann"], title="Far review", next_review_date=later)
        factories.risk(created_by=p["bea"], title="Beta's own risk", next_review_date=soon)
        mitigation = factories.mitigation(risk=risk, title="Raise the pumps", assigned_user=p["mo"],
                                          status=MitigationStatus.PLANNED)
        approved = factories.incident_plan(created_by=p["ann"], title="Flood plan", status=PlanStatus.APPROVED,
                                           next_review_date=soon)
        db.session.commit()
        ids = {k: u.id for k, u in p.items()}
        ids.update(agreement=agreement.id, named=named.id, plan=plan.id, new_task=new_task.id,
                   due_task=due_task.id, bo_task=bo_task.id, risk=risk.id, mitigation=mitigation.id,
                   approved=approved.id, group=group.id)
        return ids


def titles(app, user_id) -> dict[str, list[str]]:
    with app.test_request_context():
        user = db.session.get(User, user_id)
        return {heading: [e.title for e in entries] for heading, entries in inbox_sections(user)}


def test_coordinator_sees_reviews_named_first_and_reviews_due(app, world):
    assert titles(app, world["al"]) == {
        # Al is named on the pact; he may approve Ann's agreement; he wrote the plan (four eyes: not his).
        "Reviews and approvals": ["Mutual aid pact", "Water data sharing"],
        "Due for review": ["Flooded pump house", "Flood plan"],
    }
    ann = titles(app, world["ann"])  # Ann submitted both agreements: only the plan by Al is hers to review
    assert ann["Reviews and approvals"] == ["Ransomware plan"]


def test_member_sees_new_and_due_assignments_only(app, world):
    assert titles(app, world["mo"]) == {"Assigned to you": ["Write the runbook", "Raise the pumps", "Patch the PLCs"]}


def test_executive_and_admin_have_nothing_to_act_on(app, client_as, world):
    assert titles(app, world["eve"]) == {} and titles(app, world["ada"]) == {}
    for name in ("eve", "ada"):
        with app.app_context():
            client = client_as(db.session.get(User, world[name]))
        html = client.get("/inbox/").get_data(as_text=True)
        assert "Nothing awaits you." in html


def test_inbox_page_links_where_the_user_acts(app, client_as, world):
    with app.app_context():
        client = client_as(db.session.get(User, world["mo"]))
    html = client.get("/inbox/").get_data(as_text=True)
    assert f'href="/tasks/{world["new_task"]}"' in html and "Newly assigned" in html
    assert f'href="/risks/{world["risk"]}#mitigation-{world["mitigation"]}"' in html
    assert "Due in 3 days" in html and "Later work" not in html and "Done work" not in html
    with app.app_context():
        client = client_as(db.session.get(User, world["al"]))
    html = client.get("/inbox/").get_data(as_text=True)
    assert f'href="/agreements/{world["named"]}#review"' in html and "You are a named reviewer" in html
    assert "Overdue by 1 day" in html


def test_entries_disappear_when_done(app, client_as, world):
    with app.app_context():
        mo = client_as(db.session.get(User, world["mo"]))
        al = client_as(db.session.get(User, world["al"]))
    mo.post(f"/tasks/{world['new_task']}/status", data={"new_status": "in_progress", "note": "On it"})
    mo.post(f"/tasks/{world['due_task']}/status", data={"new_status": "done", "note": "Written"})
    for status in ("in_progress", "implemented"):
        response = mo.post(f"/risks/{world['risk']}/mitigations/{world['mitigation']}/status",
                           data={"new_status": status, "effectiveness": "80"})
        assert response.status_code == 302
    al.post(f"/agreements/{world['named']}/status", data={"new_status": "approved"})
    with app.app_context():
        from app.models import Mitigation
        assert db.session.get(Mitigation, world["mitigation"]).status is MitigationStatus.IMPLEMENTED
    assert titles(app, world["mo"]) == {}
    assert titles(app, world["al"])["Reviews and approvals"] == ["Water data sharing"]


def test_count_in_nav_and_first_on_the_dashboard(app, client_as, world):
    with app.app_context():
        client = client_as(db.session.get(User, world["mo"]))
    html = client.get("/").get_data(as_text=True)
    nav = re.search(r'href="/inbox/"[^>]*>Inbox\s*<span[^>]*>(\d+)', html)
    assert nav and nav.group(1) == "3"
    first_section = re.search(r"<section[^>]*>", html).group(0)
    assert "dashboard-inbox" in first_section  # the first block of the page, so first on a phone too
    assert 'class="badge rounded-pill text-bg-warning dashboard-inbox-count">3<' in html


def test_a_long_section_shows_its_first_entries_soonest_due_and_counts_them_all(app, client_as, world, monkeypatch):
    from app.inbox import routes

    with app.app_context():
        group_id = world["group"]
        from app.models import WorkingGroup

        group = db.session.get(WorkingGroup, group_id)
        mo = db.session.get(User, world["mo"])
        for days in range(5):
            factories.task(working_group=group, title=f"Extra {days}", assignee=mo, status=TaskStatus.IN_PROGRESS,
                           due_date=today() - timedelta(days=days + 1))
        db.session.commit()
        client = client_as(mo)
    monkeypatch.setattr(routes, "PAGE_LIMIT", 2)
    html = client.get("/inbox/").get_data(as_text=True)
    # Mo has 3 entries in the world, plus 5 overdue tasks: the nav and the heading count all 8 ...
    assert re.search(r'href="/inbox/"[^>]*>Inbox\s*<span[^>]*>8<', html)
    assert re.search(r"Assigned to you <span[^>]*>8</span>", html)
    assert "The first 2 of 8, soonest due first." in html
    # ... and the two shown are the most overdue.
    entries = re.findall(r'class="fw-semibold" href="[^"]*">[^<]*· ([^<]*)</a>', html)
    assert entries == ["Extra 4", "Extra 3"]


def test_inbox_goes_through_the_scopes(app, world):
    """Bo leaves the group: his organisation no longer takes part, the AMBER task is out of his scope."""
    assert titles(app, world["bo"]) == {"Assigned to you": ["Grid task"]}
    with app.app_context():
        db.session.execute(sa.delete(WorkingGroupMember).where(WorkingGroupMember.user_id == world["bo"]))
        db.session.commit()
    assert titles(app, world["bo"]) == {}
    with app.app_context():
        from app.models import Risk
        risk = db.session.get(Risk, world["risk"])
        risk.tlp = TLP.RED  # Al is neither creator nor recipient
        db.session.commit()
    assert "Flooded pump house" not in titles(app, world["al"]).get("Due for review", [])


def test_access(app, client_as, world):
    response = app.test_client().get("/inbox/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for name in ("ann", "mo", "eve", "ada", "bo"):
        with app.app_context():
            client = client_as(db.session.get(User, world[name]))
        assert client.get("/inbox/").status_code == 200


def test_signatures_to_give_count_only_the_requests_of_agreements_the_signer_may_read(app):
    """The signer's pending request is counted and listed while they may read its agreement: once the agreement is
    TLP:RED without them among its readers, neither the count nor the section has it; back to AMBER, both do."""
    from app.inbox.providers import inbox_counts
    from app.models import TLP
    from app.models import Agreement
    from app.models import User
    from app.signing.inbox import SECTION
    from app.signing.inbox import signatures_to_give
    from tests.signing_helpers import approved_world
    from tests.signing_helpers import issue

    world = approved_world(app)
    issue(app, world)

    def section() -> tuple[int, int]:
        with app.test_request_context():
            signer = db.session.get(User, world.lead_signer.id)
            return inbox_counts(signer).get(SECTION, 0), len(signatures_to_give(signer))

    def label(tlp: TLP) -> None:
        with app.app_context():
            db.session.get(Agreement, world.agreement_id).tlp = tlp
            db.session.commit()

    assert section() == (1, 1)
    label(TLP.RED)
    assert section() == (0, 0)
    label(TLP.AMBER)
    assert section() == (1, 1)


def test_reviews_naming_the_user_come_first_whatever_their_reference_and_stop_at_the_limit(app, world):
    """The named reviewer's agreement leads the section even when its reference sorts after the others', in the
    section's first entry (the dashboard's preview) as in full; a round naming someone else is not the user's."""
    from app.inbox.providers import first_entries
    from app.inbox.providers import inbox_counts
    from app.models import Agreement

    with app.app_context():
        db.session.get(Agreement, world["named"]).reference = "AGR-2099-999"
        db.session.get(Agreement, world["agreement"]).reference = "AGR-2000-001"
        ann = db.session.get(User, world["ann"])
        other = factories.agreement(created_by=ann, title="Other's round", status=AgreementStatus.IN_REVIEW,
                                    parties=[ann.organization], reference="AGR-2000-000")
        db.session.add(ReviewRequest(object_type="agreements", object_id=other.id, submitted_by=ann,
                                     reviewers=[db.session.get(User, world["bea"])]))
        db.session.commit()
    assert titles(app, world["al"])["Reviews and approvals"] == ["Mutual aid pact", "Other's round",
                                                                 "Water data sharing"]
    with app.test_request_context():
        al = db.session.get(User, world["al"])
        first = first_entries(al, 1, inbox_counts(al))
    assert [(e.title, e.note) for e in first] == [("Mutual aid pact", "You are a named reviewer · submitted by Ann Author")]
