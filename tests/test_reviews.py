"""Review of agreements and incident plans: named reviewers (eligible only), "Request changes" with a
required comment, four eyes on whoever submitted the version, and the notifications of each step."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import AuditEvent
from app.models import Comment
from app.models import IncidentPlan
from app.models import Notification
from app.models import PlanStatus
from app.models import ReviewOutcome
from app.models import ReviewRequest
from app.models import Role
from app.models import User
from tests import factories
from tests.security_world import db_snapshot
from tests.security_world import snapshot_diff

KINDS = ("agreement", "incident_plan")
BASE = {"agreement": "/agreements/{}", "incident_plan": "/incident-plans/{}"}
MODEL = {"agreement": Agreement, "incident_plan": IncidentPlan}


@pytest.fixture
def world(app):
    """Owner org A (author Ann, second coordinator Al, member Mo), party/covered org B (coordinator
    Bea), unrelated org C (coordinator Cy); one draft agreement and one draft plan by Ann, AMBER."""
    with app.app_context():
        a, b, c = (factories.organization(name=n) for n in ("Alpha Water", "Beta Grid", "Gamma Telecom"))
        people = {
            "ann": factories.user(role=Role.COORDINATOR, organization=a, name="Ann Author"),
            "al": factories.user(role=Role.COORDINATOR, organization=a, name="Al Second"),
            "mo": factories.user(role=Role.MEMBER, organization=a, name="Mo Member"),
            "bea": factories.user(role=Role.COORDINATOR, organization=b, name="Bea Beta"),
            "cy": factories.user(role=Role.COORDINATOR, organization=c, name="Cy Gamma"),
            "bex": factories.user(role=Role.EXECUTIVE, organization=b, name="Bex Exec"),
        }
        agreement = factories.agreement(created_by=people["ann"], parties=[a, b])
        plan = factories.incident_plan(created_by=people["ann"], covered=[b])
        return ({k: u.id for k, u in people.items()}, {"agreement": agreement.id, "incident_plan": plan.id})


def client(app, client_as, user_id):
    with app.app_context():
        return client_as(db.session.get(User, user_id))


def step(app, client_as, user_id, kind, record_id, new_status, follow=False, **data):
    return client(app, client_as, user_id).post(BASE[kind].format(record_id) + "/status",
                                                data={"new_status": new_status, **data}, follow_redirects=follow)


def status_of(app, kind, record_id):
    with app.app_context():
        return db.session.get(MODEL[kind], record_id).status.value


def rounds(app, kind, record_id):
    with app.app_context():
        table = MODEL[kind].__tablename__
        return [(r.submitted_by.name, r.outcome, sorted(u.name for u in r.reviewers),
                 r.comment.body if r.comment else None)
                for r in db.session.scalars(sa.select(ReviewRequest).where(
                    ReviewRequest.object_type == table, ReviewRequest.object_id == record_id)
                    .order_by(ReviewRequest.id))]


def notifications(app, kind_of_notification):
    with app.app_context():
        rows = db.session.scalars(sa.select(Notification).where(Notification.kind == kind_of_notification)
                                  .order_by(Notification.user_id)).all()
        return [(db.session.get(User, n.user_id).name, n.detail) for n in rows]


@pytest.mark.parametrize("kind", KINDS)
def test_picker_offers_only_eligible_reviewers(app, client_as, world, kind):
    people, records = world
    html = client(app, client_as, people["al"]).get(BASE[kind].format(records[kind])).get_data(as_text=True)
    offered = set(__import__("re").findall(r'name="reviewers" value="(\d+)"', html))
    expected = {people["bea"]} if kind == "incident_plan" else {people["ann"], people["bea"]}
    # Never the submitter (Al), never a member or an executive, never an unrelated organisation;
    # for a plan never its author either (plans keep their author out of approval).
    assert offered == {str(i) for i in expected}


@pytest.mark.parametrize("kind", KINDS)
def test_submitter_names_reviewers_who_are_notified(app, client_as, world, kind):
    people, records = world
    response = step(app, client_as, people["ann"], kind, records[kind], "in_review", reviewers=[people["bea"]])
    assert response.status_code == 302 and status_of(app, kind, records[kind]) == "in_review"
    assert rounds(app, kind, records[kind]) == [("Ann Author", ReviewOutcome.OPEN, ["Bea Beta"], None)]
    assert notifications(app, "review_requested") == [("Bea Beta", "")]
    html = client(app, client_as, people["bea"]).get(BASE[kind].format(records[kind])).get_data(as_text=True)
    assert "Submitted for review by <strong>Ann Author</strong>" in html and "Reviewers: Bea Beta." in html


@pytest.mark.parametrize("kind", KINDS)
def test_without_named_reviewers_every_eligible_coordinator_is_asked(app, client_as, world, kind):
    people, records = world
    step(app, client_as, people["ann"], kind, records[kind], "in_review")
    names = [name for name, _ in notifications(app, "review_requested")]
    assert sorted(names) == ["Al Second", "Bea Beta"]  # never the submitter, a member or an outsider


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", ["cy", "mo", "ann", "bex"])
def test_ineligible_reviewer_is_refused_and_nothing_changes(app, client_as, world, kind, who):
    people, records = world
    before = db_snapshot(app)
    response = step(app, client_as, people["ann"], kind, records[kind], "in_review", follow=True,
                    reviewers=[people[who]])
    assert response.status_code == 200
    assert "cannot review this" in response.get_data(as_text=True)
    assert snapshot_diff(before, db_snapshot(app)) == {}


@pytest.mark.parametrize("kind", KINDS)
def test_four_eyes_the_submitter_cannot_approve(app, client_as, world, kind):
    """Al (not the author) submits: Al is refused; for an agreement its author Ann may approve."""
    people, records = world
    step(app, client_as, people["al"], kind, records[kind], "in_review")
    before = db_snapshot(app)
    assert step(app, client_as, people["al"], kind, records[kind], "approved").status_code == 403
    assert snapshot_diff(before, db_snapshot(app)) == {}
    html = client(app, client_as, people["al"]).get(BASE[kind].format(records[kind])).get_data(as_text=True)
    assert 'value="approved"' not in html and "Request changes" in html
    approver = "ann" if kind == "agreement" else "bea"
    if kind == "incident_plan":  # the plan's author may not approve either
        assert step(app, client_as, people["ann"], kind, records[kind], "approved").status_code == 403
    response = step(app, client_as, people[approver], kind, records[kind], "approved")
    assert response.status_code == 302 and status_of(app, kind, records[kind]) == "approved"
    assert rounds(app, kind, records[kind])[-1][:2] == ("Al Second", ReviewOutcome.APPROVED)
    assert [name for name, _ in notifications(app, "approved")] == ["Al Second"]


def test_four_eyes_the_author_who_submits_an_agreement_cannot_approve_it(app, client_as, world):
    people, records = world
    step(app, client_as, people["ann"], "agreement", records["agreement"], "in_review")
    assert step(app, client_as, people["ann"], "agreement", records["agreement"], "approved").status_code == 403
    assert status_of(app, "agreement", records["agreement"]) == "in_review"
    assert step(app, client_as, people["bea"], "agreement", records["agreement"], "approved").status_code == 302
    assert status_of(app, "agreement", records["agreement"]) == "approved"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("comment", ["", "   "])
def test_request_changes_without_a_comment_is_refused(app, client_as, world, kind, comment):
    people, records = world
    step(app, client_as, people["ann"], kind, records[kind], "in_review")
    before = db_snapshot(app)
    response = client(app, client_as, people["bea"]).post(
        BASE[kind].format(records[kind]) + "/status", data={"new_status": "draft", "comment": comment},
        follow_redirects=True)
    assert response.status_code == 200
    assert "requesting changes needs a comment. Nothing was changed." in response.get_data(as_text=True)
    assert snapshot_diff(before, db_snapshot(app)) == {}
    assert status_of(app, kind, records[kind]) == "in_review"


@pytest.mark.parametrize("kind", KINDS)
def test_request_changes_stores_shows_and_sends_the_comment(app, client_as, world, kind):
    people, records = world
    step(app, client_as, people["ann"], kind, records[kind], "in_review")
    text = "Add the **regulator** to the contacts <script>x()</script>"
    response = step(app, client_as, people["bea"], kind, records[kind], "draft", comment=text)
    assert response.status_code == 302 and status_of(app, kind, records[kind]) == "draft"
    assert rounds(app, kind, records[kind]) == [("Ann Author", ReviewOutcome.CHANGES_REQUESTED, [], text)]
    assert notifications(app, "changes_requested") == [("Ann Author", text)]
    html = client(app, client_as, people["ann"]).get(BASE[kind].format(records[kind])).get_data(as_text=True)
    assert "Changes requested" in html and "Add the <strong>regulator</strong> to the contacts" in html
    assert "<script>x()</script>" not in html
    history = client(app, client_as, people["ann"]).get(BASE[kind].format(records[kind]) + "/history")
    assert "Changes requested" in history.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 1
        assert db.session.scalar(sa.select(AuditEvent.action).where(
            AuditEvent.action == f"{kind}.changes_requested")) is not None


def test_comment_too_long_on_request_changes_is_refused(app, client_as, world):
    people, records = world
    step(app, client_as, people["ann"], "agreement", records["agreement"], "in_review")
    response = client(app, client_as, people["bea"]).post(
        f"/agreements/{records['agreement']}/status", data={"new_status": "draft", "comment": "z" * 5001},
        follow_redirects=True)
    assert "at most 5,000 characters" in response.get_data(as_text=True)
    assert status_of(app, "agreement", records["agreement"]) == "in_review"


def test_cancelling_an_agreement_in_review_closes_the_round(app, client_as, world):
    people, records = world
    step(app, client_as, people["ann"], "agreement", records["agreement"], "in_review")
    step(app, client_as, people["al"], "agreement", records["agreement"], "cancelled")
    assert rounds(app, "agreement", records["agreement"])[-1][1] is ReviewOutcome.CLOSED


def test_issuing_for_signature_goes_through_the_signatory_form(app, client_as, world):
    # The signatories are chosen first (app/signing); they are the ones told (tests/test_signing_paper.py).
    people, records = world
    with app.app_context():
        agreement = db.session.get(Agreement, records["agreement"])
        agreement.status = AgreementStatus.APPROVED
        db.session.commit()
    response = step(app, client_as, people["al"], "agreement", records["agreement"], "out_for_signature")
    assert response.status_code == 302 and "/issue-for-signature" in response.headers["Location"]
    assert status_of(app, "agreement", records["agreement"]) == "approved"
    assert notifications(app, "issued_for_signature") == []


def test_red_agreement_offers_only_recipients_as_reviewers(app, client_as, world):
    people, records = world
    with app.app_context():
        from app.models import TLP
        agreement = db.session.get(Agreement, records["agreement"])
        agreement.tlp = TLP.RED
        agreement.recipients = [db.session.get(User, people["bea"])]
        db.session.commit()
        from app.reviews.services import eligible_reviewers
        assert [u.name for u in eligible_reviewers(agreement, db.session.get(User, people["ann"]))] == ["Bea Beta"]


@pytest.mark.parametrize("bogus", ["999999", "abc"])
def test_plan_status_in_review_is_unchanged_by_bogus_reviewer_ids(app, client_as, world, bogus):
    people, records = world
    before = db_snapshot(app)
    response = step(app, client_as, people["ann"], "incident_plan", records["incident_plan"], "in_review",
                    follow=True, reviewers=[bogus])
    assert snapshot_diff(before, db_snapshot(app)) == {}
    assert status_of(app, "incident_plan", records["incident_plan"]) == PlanStatus.DRAFT.value
    assert response.status_code == 200 and "Pick reviewers from the list." in response.get_data(as_text=True)
