"""Four eyes that hold against the people inside the review.

An approval binds to the exact content submitted (its digest, kept with the round); an edit of an
agreement in review sends it back to draft and tells the submitter and the reviewers; plans are
locked in review. The insider matrix covers every review action for the submitter, a named reviewer,
another coordinator of the submitter's organisation, a coordinator of a party (covered) organisation,
an observer party's coordinator, a member, an executive, an admin, a client organisation's
coordinator and an outsider.
"""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import AuditEvent
from app.models import IncidentPlan
from app.models import Notification
from app.models import OutboxEmail
from app.models import PartyRole
from app.models import Phase
from app.models import PlanSection
from app.models import ReviewOutcome
from app.models import ReviewRequest
from app.models import Role
from app.models import User
from tests import factories
from tests.security_world import db_snapshot
from tests.security_world import snapshot_diff
from tests.test_agreements_helpers import edit_data

KINDS = ("agreement", "incident_plan")
BASE = {"agreement": "/agreements/{}", "incident_plan": "/incident-plans/{}"}
MODEL = {"agreement": Agreement, "incident_plan": IncidentPlan}
ROLES = ("submitter", "reviewer", "same_org", "party", "observer", "member", "executive", "admin", "client",
         "outsider")


@pytest.fixture
def world(app):
    """Owner org Alpha (author Ann; Al who submits; Ada, another coordinator; member Mo; executive Ex),
    party / covered org Beta (named reviewer Bea, coordinator Bo), observer party Omega (Oz), Kappa a
    client of Beta (Ky), unrelated Gamma (Cy), admin Adm. One AMBER draft agreement and one AMBER
    draft plan (one section) by Ann."""
    with app.app_context():
        a, b, o, c = (factories.organization(name=n) for n in ("Alpha Water", "Beta Grid", "Omega Watch",
                                                              "Gamma Telecom"))
        k = factories.organization(name="Kappa Client", parent=b)
        c_ = Role.COORDINATOR
        people = {
            "author": factories.user(role=c_, organization=a, name="Ann Author"),
            "submitter": factories.user(role=c_, organization=a, name="Al Submitter"),
            "same_org": factories.user(role=c_, organization=a, name="Ada Alpha"),
            "member": factories.user(role=Role.MEMBER, organization=a, name="Mo Member"),
            "executive": factories.user(role=Role.EXECUTIVE, organization=a, name="Ex Exec"),
            "reviewer": factories.user(role=c_, organization=b, name="Bea Reviewer"),
            "party": factories.user(role=c_, organization=b, name="Bo Beta"),
            "observer": factories.user(role=c_, organization=o, name="Oz Observer"),
            "client": factories.user(role=c_, organization=k, name="Ky Client"),
            "outsider": factories.user(role=c_, organization=c, name="Cy Outsider"),
            "admin": factories.user(role=Role.ADMIN, organization=c, name="Adm Admin"),
        }
        agreement = factories.agreement(created_by=people["author"], terms="The parties share alerts.",
                                        parties=[(a, PartyRole.LEAD), b, (o, PartyRole.OBSERVER)])
        plan = factories.incident_plan(created_by=people["author"], covered=[b])
        plan.sections.append(PlanSection(phase=Phase.PREPARATION, title="Call tree", body="Call the duty officer."))
        db.session.commit()
        return ({k: u.id for k, u in people.items()}, {"agreement": agreement.id, "incident_plan": plan.id})


def client(app, client_as, user_id):
    with app.app_context():
        return client_as(db.session.get(User, user_id))


def step(app, client_as, user_id, kind, record_id, new_status, follow=False, **data):
    return client(app, client_as, user_id).post(BASE[kind].format(record_id) + "/status",
                                                data={"new_status": new_status, **data}, follow_redirects=follow)


def submit(app, client_as, world, kind):
    people, records = world
    response = step(app, client_as, people["submitter"], kind, records[kind], "in_review",
                    reviewers=[people["reviewer"]])
    assert response.status_code == 302 and status_of(app, kind, records[kind]) == "in_review"


def status_of(app, kind, record_id):
    with app.app_context():
        return db.session.get(MODEL[kind], record_id).status.value


def outcomes(app, kind, record_id):
    with app.app_context():
        return [r.outcome for r in db.session.scalars(sa.select(ReviewRequest).where(
            ReviewRequest.object_type == MODEL[kind].__tablename__, ReviewRequest.object_id == record_id)
            .order_by(ReviewRequest.id))]


def edit_agreement(app, client_as, user_id, agreement_id, **overrides):
    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id), **overrides)
    return client(app, client_as, user_id).post(f"/agreements/{agreement_id}/edit", data=body)


def edit_section(app, client_as, user_id, plan_id, body):
    with app.app_context():
        section = db.session.get(IncidentPlan, plan_id).sections[0]
        data = {"phase": section.phase.value, "title": section.title, "body": body, "version": str(section.version)}
        url = f"/incident-plans/{plan_id}/sections/{section.id}/edit"
    return client(app, client_as, user_id).post(url, data=data)


# --- The defect: the reviewer rewrites and approves her own text -------------------------------


def test_reviewer_who_adds_a_clause_in_review_sends_the_agreement_back_and_cannot_approve_it(app, client_as, world):
    people, records = world
    agreement_id = records["agreement"]
    submit(app, client_as, world, "agreement")
    clause = "The parties share alerts. Beta may publish every alert."
    bea = client(app, client_as, people["reviewer"])
    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id), terms=clause)
    response = bea.post(f"/agreements/{agreement_id}/edit", data=body, follow_redirects=True)
    assert response.status_code == 200 and "back in draft" in response.get_data(as_text=True)
    assert status_of(app, "agreement", agreement_id) == "draft"
    assert outcomes(app, "agreement", agreement_id) == [ReviewOutcome.CONTENT_CHANGED]
    # Her approval is refused: nothing to approve until the new text is submitted again.
    approve = step(app, client_as, people["reviewer"], "agreement", agreement_id, "approved", follow=True)
    assert status_of(app, "agreement", agreement_id) == "draft"
    assert "Approved" not in outcomes(app, "agreement", agreement_id)
    assert approve.status_code in (200, 403)
    with app.app_context():
        told = sorted(db.session.get(User, n.user_id).name for n in db.session.scalars(
            sa.select(Notification).where(Notification.summary.like("%during review%"))))
        assert told == ["Al Submitter"]  # the submitter (the editor, a named reviewer, is not told of her own edit)
        assert db.session.scalar(sa.select(AuditEvent.summary).where(
            AuditEvent.action == "agreement.review_reset")).startswith("content changed during review by Bea")
    # Submitted again by the reviewer who edited it: she is now the submitter and cannot approve it.
    step(app, client_as, people["reviewer"], "agreement", agreement_id, "in_review")
    assert step(app, client_as, people["reviewer"], "agreement", agreement_id, "approved").status_code == 403
    assert step(app, client_as, people["submitter"], "agreement", agreement_id, "approved").status_code == 302
    assert status_of(app, "agreement", agreement_id) == "approved"


def test_an_edit_in_review_by_someone_else_tells_submitter_and_named_reviewers(app, client_as, world):
    people, records = world
    submit(app, client_as, world, "agreement")
    assert edit_agreement(app, client_as, people["same_org"], records["agreement"],
                          title="Renamed during review").status_code == 302
    assert status_of(app, "agreement", records["agreement"]) == "draft"
    with app.app_context():
        told = sorted(db.session.get(User, n.user_id).name for n in db.session.scalars(
            sa.select(Notification).where(Notification.summary.like("%during review%"))))
    assert told == ["Al Submitter", "Bea Reviewer"]
    with app.app_context():  # announced as what happened: nobody requested changes
        kinds = {n.kind.value for n in db.session.scalars(
            sa.select(Notification).where(Notification.summary.like("%during review%")))}
        mails = [m.subject for m in db.session.scalars(sa.select(OutboxEmail))]
    assert kinds == {"review_reset"}
    assert mails and not any("Changes requested" in s for s in mails)
    assert any("Changed during review" in s for s in mails)


def test_a_save_in_review_that_changes_no_content_keeps_the_review(app, client_as, world):
    people, records = world
    submit(app, client_as, world, "agreement")
    assert edit_agreement(app, client_as, people["reviewer"], records["agreement"]).status_code == 302
    assert status_of(app, "agreement", records["agreement"]) == "in_review"
    assert outcomes(app, "agreement", records["agreement"]) == [ReviewOutcome.OPEN]


def test_the_edit_form_warns_that_a_change_ends_the_review(app, client_as, world):
    people, records = world
    submit(app, client_as, world, "agreement")
    html = client(app, client_as, people["reviewer"]).get(f"/agreements/{records['agreement']}/edit").get_data(
        as_text=True)
    assert "This agreement is in review." in html and "sends it back to draft" in html


@pytest.mark.parametrize("kind", KINDS)
def test_approval_is_refused_when_the_content_differs_from_what_was_submitted(app, client_as, world, kind):
    """However the content changed (here written around the services), the approval binds to the
    digest stored at submission."""
    people, records = world
    submit(app, client_as, world, kind)
    with app.app_context():
        record = db.session.get(MODEL[kind], records[kind])
        if kind == "agreement":
            record.terms += " Beta may publish every alert."
        else:
            record.sections[0].body = "Call nobody."
        db.session.commit()
    before = db_snapshot(app)
    response = step(app, client_as, people["reviewer"], kind, records[kind], "approved", follow=True)
    assert response.status_code == 200
    assert "changed after it was submitted for review: nothing was approved" in response.get_data(as_text=True)
    assert status_of(app, kind, records[kind]) == "in_review"
    assert snapshot_diff(before, db_snapshot(app)) == {}


@pytest.mark.parametrize("kind", KINDS)
def test_approval_of_unchanged_content_goes_through(app, client_as, world, kind):
    people, records = world
    submit(app, client_as, world, kind)
    assert step(app, client_as, people["reviewer"], kind, records[kind], "approved").status_code == 302
    assert status_of(app, kind, records[kind]) == "approved"
    with app.app_context():
        review = db.session.scalar(sa.select(ReviewRequest).where(ReviewRequest.object_id == records[kind],
                                   ReviewRequest.object_type == MODEL[kind].__tablename__))
        assert review.outcome is ReviewOutcome.APPROVED and len(review.content_version.digest) == 64


# --- Insider matrix ----------------------------------------------------------------------------
# For an AMBER record: the outsider cannot see it (404), nor (for a plan, which has no observers) the
# observer; everyone else inside sees it and only the coordinators who act for it may act (403
# otherwise: an agreement's observer party reads and comments only), four eyes aside.

REFUSED = {
    ("agreement", "submit"): {"observer", "member", "executive", "admin", "client"},
    ("incident_plan", "submit"): {"member", "executive", "admin", "client"},
    ("agreement", "approve"): {"submitter", "observer", "member", "executive", "admin", "client"},
    ("incident_plan", "approve"): {"submitter", "member", "executive", "admin", "client"},
    ("agreement", "request_changes"): {"observer", "member", "executive", "admin", "client"},
    ("incident_plan", "request_changes"): {"member", "executive", "admin", "client"},
    ("agreement", "edit"): {"observer", "member", "executive", "admin", "client"},
    ("incident_plan", "edit"): set(ROLES) - {"outsider"},  # plans are locked in review for everyone
}
ALLOWED = {
    ("agreement", "submit"): ["submitter", "reviewer", "party"],
    ("incident_plan", "submit"): ["submitter", "reviewer"],
    # An observer party's coordinator reads and comments; it never acts on the parties' text.
    ("agreement", "approve"): ["reviewer", "same_org", "party"],
    ("incident_plan", "approve"): ["reviewer", "same_org", "party"],
    ("agreement", "request_changes"): ["reviewer", "party", "submitter"],
    ("incident_plan", "request_changes"): ["reviewer", "same_org"],
    ("agreement", "edit"): ["reviewer", "same_org", "submitter"],
}


def act(app, client_as, world, kind, action, who):
    people, records = world
    record_id, user_id = records[kind], people[who]
    if action == "submit":
        return step(app, client_as, user_id, kind, record_id, "in_review")
    if action == "approve":
        return step(app, client_as, user_id, kind, record_id, "approved")
    if action == "request_changes":
        return step(app, client_as, user_id, kind, record_id, "draft", comment="Name the duty officer.")
    if kind == "agreement":
        return edit_agreement(app, client_as, user_id, record_id, terms="Rewritten during review.")
    return edit_section(app, client_as, user_id, record_id, "Rewritten during review.")


@pytest.mark.parametrize("kind, action", sorted(REFUSED))
def test_insiders_who_may_not_act_are_refused_and_nothing_changes(app, client_as, world, kind, action):
    if action != "submit":
        submit(app, client_as, world, kind)
    before = db_snapshot(app)
    unseen = {"outsider"} | ({"observer"} if kind == "incident_plan" else set())  # a plan has no observers
    for who in ROLES:
        expected = 404 if who in unseen else 403 if who in REFUSED[(kind, action)] else None
        if expected is None:
            continue
        response = act(app, client_as, world, kind, action, who)
        assert response.status_code == expected, (who, response.status_code)
        assert snapshot_diff(before, db_snapshot(app)) == {}, who


@pytest.mark.parametrize("kind, action, who", [(k, a, w) for (k, a), ws in sorted(ALLOWED.items()) for w in ws])
def test_insiders_who_may_act_can(app, client_as, world, kind, action, who):
    people, records = world
    if action != "submit":
        submit(app, client_as, world, kind)
    response = act(app, client_as, world, kind, action, who)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    expected = {"submit": "in_review", "approve": "approved", "request_changes": "draft", "edit": "draft"}[action]
    assert status_of(app, kind, records[kind]) == expected


def test_an_approval_from_a_page_opened_before_a_resubmission_is_refused(app, client_as, world):
    """The approve button carries the version its page showed: new content submitted meanwhile is not
    approved unseen (409, nothing changes)."""
    people, records = world
    agreement_id = records["agreement"]
    submit(app, client_as, world, "agreement")
    with app.app_context():
        seen = db.session.get(Agreement, agreement_id).version
    assert edit_agreement(app, client_as, people["submitter"], agreement_id, terms="New text.").status_code == 302
    step(app, client_as, people["submitter"], "agreement", agreement_id, "in_review")
    before = db_snapshot(app)
    response = step(app, client_as, people["reviewer"], "agreement", agreement_id, "approved", version=str(seen))
    assert response.status_code == 409
    assert snapshot_diff(before, db_snapshot(app)) == {}
    assert status_of(app, "agreement", agreement_id) == "in_review"


def test_observer_party_coordinators_are_never_offered_as_reviewers(app, client_as, world):
    people, records = world
    html = client(app, client_as, people["submitter"]).get(f"/agreements/{records['agreement']}").get_data(
        as_text=True)
    assert f'name="reviewers" value="{people["reviewer"]}"' in html
    assert f'name="reviewers" value="{people["observer"]}"' not in html


def test_observer_party_coordinators_neither_cancel_nor_archive(app, client_as, world):
    people, records = world
    agreement_id = records["agreement"]
    before = db_snapshot(app)
    observer = client(app, client_as, people["observer"])
    page = observer.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert f"/agreements/{agreement_id}/archive" not in page and 'value="cancelled"' not in page
    assert step(app, client_as, people["observer"], "agreement", agreement_id, "cancelled").status_code == 403
    assert observer.post(f"/agreements/{agreement_id}/archive").status_code == 403
    assert snapshot_diff(before, db_snapshot(app)) == {}
