"""Comments on every commentable kind: posted over HTTP, sanitised, length-limited, audited into the
record's history, listed on the detail page, and refused to whoever may not comment."""
import pytest
import sqlalchemy as sa

from app.comments.services import followers
from app.extensions import db
from app.kinds import with_comments
from app.models import TLP
from app.models import AuditEvent
from app.models import Comment
from app.models import Role
from app.models import User
from app.permissions import can_comment
from tests import factories

KINDS = [kind.key for kind in with_comments()]
SPEC = {kind.key: kind for kind in with_comments()}
URL_SEGMENT = {"agreement": "agreements", "incident_plan": "incident-plans", "initiative": "initiatives",
               "task": "tasks", "risk": "risks", "incident_report": "incident-reports", "advisory": "advisories",
               "exercise": "exercises", "corrective_action": "corrective-actions"}
DETAIL = {"agreement": "/agreements/{}", "incident_plan": "/incident-plans/{}", "initiative": "/initiatives/{}",
          "task": "/tasks/{}", "risk": "/risks/{}", "incident_report": "/incidents/{}",
          "advisory": "/advisories/{}", "exercise": "/exercises/{}", "corrective_action": "/corrective-actions/{}"}
HISTORY = {kind: url + "/history" for kind, url in DETAIL.items()}


def make_world(tlp=TLP.AMBER):
    """Org A owns one record of each kind; org B takes part in none; org C is unrelated."""
    a, b, c = (factories.organization(name=n) for n in ("Alpha Water", "Beta Grid", "Gamma Telecom"))
    people = {
        "coordinator": factories.user(role=Role.COORDINATOR, organization=a, name="Cora Coordinator"),
        "member": factories.user(role=Role.MEMBER, organization=a, name="Milo Member"),
        "executive": factories.user(role=Role.EXECUTIVE, organization=a, name="Eda Executive"),
        "admin": factories.user(role=Role.ADMIN, organization=a, name="Ada Admin"),
        "other_member": factories.user(role=Role.MEMBER, organization=b, name="Otto Other"),
        "other_coordinator": factories.user(role=Role.COORDINATOR, organization=c, name="Cy Outside"),
    }
    owner = people["coordinator"]
    group = factories.working_group(created_by=owner, tlp=tlp, members=[owner, people["member"]])
    records = {
        "agreement": factories.agreement(created_by=owner, tlp=tlp, parties=[a]),
        "incident_plan": factories.incident_plan(created_by=owner, tlp=tlp),
        "initiative": factories.initiative(created_by=owner, tlp=tlp),
        "task": factories.task(working_group=group, assignee=people["member"]),
        "risk": factories.risk(created_by=owner, tlp=tlp),
        "incident_report": factories.incident_report(created_by=owner, tlp=tlp),
        "advisory": factories.advisory(created_by=owner, tlp=tlp, status="released"),
        "exercise": factories.exercise(created_by=owner, tlp=tlp),
    }
    records["corrective_action"] = factories.corrective_action(exercise=records["exercise"])
    return people, records


@pytest.fixture
def world(app):
    with app.app_context():
        people, records = make_world()
        return {k: u.id for k, u in people.items()}, {k: r.id for k, r in records.items()}


def as_user(app, client_as, user_id):
    with app.app_context():
        return client_as(db.session.get(User, user_id))


def post(client, kind, record_id, body, **kw):
    return client.post(f"/comments/{URL_SEGMENT[kind]}/{record_id}", data={"body": body}, **kw)


def comments_section(page: str) -> str:
    start = page.index('id="comments"')
    return page[start:page.index("</section>", start)]


def comments_of(app, kind, record_id):
    with app.app_context():
        return db.session.scalars(sa.select(Comment).where(Comment.object_type == SPEC[kind].table,
                                                           Comment.object_id == record_id)).all()


@pytest.mark.parametrize("kind", KINDS)
def test_member_comment_is_sanitised_shown_and_in_history(app, client_as, world, kind):
    people, records = world
    client = as_user(app, client_as, people["member"])
    body = ("**Progress**: pumps 1-3 patched <script>alert('x')</script> "
            "[notes](javascript:alert(1)) <img src=x onerror=alert(2)>")
    response = post(client, kind, records[kind], body)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(DETAIL[kind].format(records[kind]) + "#comments")
    stored = comments_of(app, kind, records[kind])
    assert [c.body for c in stored] == [body]  # stored as written, sanitised when shown
    page = client.get(DETAIL[kind].format(records[kind])).get_data(as_text=True)
    html = comments_section(page)
    assert "<strong>Progress</strong>: pumps 1-3 patched" in html and "Milo Member" in html
    assert "<script>alert('x')</script>" not in page and "javascript:alert" not in page
    assert "onerror=" not in html and "<img" not in html
    history = client.get(HISTORY[kind].format(records[kind])).get_data(as_text=True)
    assert "Commented" in history and "comment: **Progress**: pumps 1-3 patched" in history
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == f"{kind}.commented")).one()
        assert (event.object_type, event.object_id, event.actor_id) == (SPEC[kind].table, records[kind],
                                                                       people["member"])


@pytest.mark.parametrize("kind", KINDS)
def test_who_may_comment(app, client_as, world, kind):
    people, records = world
    url = f"/comments/{URL_SEGMENT[kind]}/{records[kind]}"
    anonymous = app.test_client().post(url, data={"body": "hi"})
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    expected = {"coordinator": 302, "member": 302, "executive": 302, "admin": 403,
                "other_member": 404, "other_coordinator": 404}  # AMBER: B and C cannot read it at all
    for name, status in expected.items():
        response = post(as_user(app, client_as, people[name]), kind, records[kind], f"from {name}")
        assert response.status_code == status, name
    assert sorted(c.body for c in comments_of(app, kind, records[kind])) == [
        "from coordinator", "from executive", "from member"]
    assert post(as_user(app, client_as, people["member"]), kind, 999999, "x").status_code == 404


def test_form_shown_only_to_who_may_comment(app, client_as, world):
    people, records = world
    for name, shown in (("member", True), ("executive", True), ("admin", False)):
        html = as_user(app, client_as, people[name]).get(f"/risks/{records['risk']}").get_data(as_text=True)
        assert ('class="app-form comment-form"' in html) is shown, name
        assert "No comments yet." in html


def test_can_comment_predicate_on_a_green_record(app):
    """GREEN is readable by everyone: coordinators of any organisation may comment, members only
    when their organisation takes part; admins never; archived records take no comments."""
    with app.app_context():
        people, records = make_world(tlp=TLP.GREEN)
        for kind, record in records.items():
            assert can_comment(people["coordinator"], record), kind
            assert can_comment(people["member"], record), kind
            assert can_comment(people["executive"], record), kind
            assert can_comment(people["other_coordinator"], record), kind
            assert not can_comment(people["other_member"], record), kind
            assert not can_comment(people["admin"], record), kind
        people["member"].active = False
        assert not can_comment(people["member"], records["risk"])
        records["risk"].archived_at = records["risk"].created_at
        assert not can_comment(people["coordinator"], records["risk"])
        records["task"].working_group.archived_at = records["task"].created_at
        assert not can_comment(people["coordinator"], records["task"])  # the task's group is archived


def test_green_record_refuses_a_non_participating_member_with_403(app, client_as):
    with app.app_context():
        people, records = make_world(tlp=TLP.GREEN)
        ids = {k: u.id for k, u in people.items()}
        risk_id = records["risk"].id
    assert post(as_user(app, client_as, ids["other_member"]), "risk", risk_id, "x").status_code == 403
    assert post(as_user(app, client_as, ids["other_coordinator"]), "risk", risk_id, "Seen in C too").status_code == 302
    assert [c.body for c in comments_of(app, "risk", risk_id)] == ["Seen in C too"]


@pytest.mark.parametrize("body, message", [
    ("", "cannot be empty"),
    ("   \n  ", "cannot be empty"),
    ("x" * 5001, "at most 5,000 characters; this one has 5,001"),
    ("bell \x07 here", "control characters"),
])
def test_bad_comment_is_refused_with_a_message_and_changes_nothing(app, client_as, world, body, message):
    people, records = world
    client = as_user(app, client_as, people["member"])
    response = post(client, "task", records["task"], body, follow_redirects=True)
    assert response.status_code == 200
    assert "Comment not saved." in response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert comments_of(app, "task", records["task"]) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_longest_comment_is_accepted(app, client_as, world):
    people, records = world
    post(as_user(app, client_as, people["member"]), "task", records["task"], "y" * 5000)
    assert [len(c.body) for c in comments_of(app, "task", records["task"])] == [5000]


def test_followers_are_creator_assignees_and_previous_commenters_not_the_author(app, client_as, world):
    people, records = world
    post(as_user(app, client_as, people["executive"]), "task", records["task"], "Any news?")
    with app.app_context():
        from app.models import Task
        task = db.session.get(Task, records["task"])
        author = db.session.get(User, people["member"])
        names = {u.name for u in followers(task, exclude=author)}
        # The group's creator wrote the task's group; the task itself was created without a creator.
        assert names == {"Eda Executive"} | ({task.created_by.name} if task.created_by else set())
        coordinator = db.session.get(User, people["coordinator"])
        names = {u.name for u in followers(task, exclude=coordinator)}
        assert {"Milo Member", "Eda Executive"} <= names and "Cora Coordinator" not in names


def test_comment_notifies_followers_with_the_text_never_the_author(app, client_as, world):
    from app.models import Notification

    people, records = world
    post(as_user(app, client_as, people["member"]), "risk", records["risk"], "Pump 2 is *done*.")
    post(as_user(app, client_as, people["executive"]), "risk", records["risk"], "Thanks.")
    with app.app_context():
        rows = db.session.scalars(sa.select(Notification).where(Notification.kind == "comment")
                                  .order_by(Notification.id)).all()
        got = [(db.session.get(User, n.user_id).name, n.detail, n.object_type, n.object_id) for n in rows]
    assert got == [
        ("Cora Coordinator", "Pump 2 is *done*.", "risks", records["risk"]),  # the risk's creator
        ("Cora Coordinator", "Thanks.", "risks", records["risk"]),
        ("Milo Member", "Thanks.", "risks", records["risk"]),  # a previous commenter
    ]
