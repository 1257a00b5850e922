"""Comments through the API on every kind that takes them (generated from the registry): each person of each
organisation kind gets from the API what the record's comment form gives her (404 outside the scope, 403 in scope
but not allowed, else the comment is written and listed), and a comment the service refuses names `body`."""
import pytest
import sqlalchemy as sa

from app import kinds
from app.api.comments import page_path
from app.extensions import db
from app.models import TLP
from app.models import AdvisoryStatus
from app.models import Comment
from app.models import PartyRole
from app.models import Role
from app.models import User
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for
from tests.conftest import drop_shared_app
from tests.conftest import shared_app

PEOPLE = {
    "owner": (Role.MEMBER, Role.COORDINATOR, Role.EXECUTIVE, Role.ADMIN),
    "partner": (Role.MEMBER, Role.COORDINATOR),  # a party of the record (participant, covered, recipient…)
    "client": (Role.MEMBER,),  # a client (child) organisation of the owner
    "other": (Role.COORDINATOR,),  # another partner, unrelated to the record
}


def _records(coordinator, member, partner_member, orgs) -> dict[str, object]:
    """One TLP:AMBER record of every kind that takes comments, owned by the owner, the partner taking part."""
    owner, partner = orgs["owner"], orgs["partner"]
    common = {"created_by": coordinator, "owner_organization": owner, "tlp": TLP.AMBER}
    group = factories.working_group(members=[partner_member], **common)
    exercise = factories.exercise(organizations=[partner], **common)
    return {
        "agreement": factories.agreement(parties=[(partner, PartyRole.PARTNER)], **common),
        "initiative": factories.initiative(participants=[partner], **common),
        "working_group": group,
        "task": factories.task(working_group=group, assignee=member),
        "risk": factories.risk(**common),
        "incident_plan": factories.incident_plan(covered=[partner], **common),
        "incident_report": factories.incident_report(created_by=coordinator, authority=partner),
        "advisory": factories.advisory(recipients=[partner], status=AdvisoryStatus.RELEASED, **common),
        "exercise": exercise,
        "corrective_action": factories.corrective_action(exercise=exercise, responsible_organization_id=owner.id),
    }


COMMENTED = list(kinds.with_comments())


@pytest.fixture(scope="module")
def world():
    app = shared_app()
    with app.app_context():
        orgs = {"owner": factories.organization(name="Owner utility"),
                "partner": factories.organization(name="Partner authority", is_authority=True),
                "other": factories.organization(name="Other partner")}
        orgs["client"] = factories.organization(name="Owner's client", parent=orgs["owner"])
        people = {(org, role): factories.user(role=role, organization=orgs[org], name=f"{org} {role.value}")
                  for org, roles in PEOPLE.items() for role in roles}
        records = _records(people[("owner", Role.COORDINATOR)], people[("owner", Role.MEMBER)],
                           people[("partner", Role.MEMBER)], orgs)
        ids = {key: record.id for key, record in records.items()}
        who = [(f"{org} {role.value}", user.id, token_for(user)) for (org, role), user in people.items()]
    yield app, ids, who
    drop_shared_app(app)


def test_every_kind_that_takes_comments_is_walked(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              and rule.endpoint.endswith(("_comments", "_comment"))}
    assert routes == {f"api.{k.key}_comments" for k in COMMENTED} | {f"api.add_{k.key}_comment" for k in COMMENTED}


@pytest.mark.parametrize("kind", COMMENTED, ids=lambda k: k.key)
def test_every_person_comments_through_the_api_as_on_the_page(world, kind):
    app, ids, who = world
    record_id = ids[kind.key]
    api = f"/api/v1{page_path(kind)}/{record_id}/comments/"
    wrong, answers = [], {}
    for name, user_id, secret in who:
        with app.app_context():
            page = app.test_client(user=db.session.get(User, user_id))
        # The comment form, posted empty: back to the page (allowed: the service refused it) / 403 / 404.
        page_status = page.post(f"/comments/{kind.slug}/{record_id}", data={}).status_code
        expected_read = {302: 200, 400: 200, 403: 200, 404: 404}[page_status]
        expected_write = {302: 201, 400: 201, 403: 403, 404: 404}[page_status]
        client = app.test_client()
        listed = client.get(api, headers=bearer(secret))
        posted = client.post(api, json={"body": f"From {name}"}, headers=bearer(secret))
        answers[name] = posted.status_code
        if (listed.status_code, posted.status_code) != (expected_read, expected_write):
            wrong.append((name, page_status, listed.status_code, posted.status_code))
        with app.app_context():
            stored = db.session.scalar(sa.select(sa.func.count(Comment.id)).where(
                Comment.object_type == kind.table, Comment.object_id == record_id, Comment.body == f"From {name}"))
        if stored != (1 if expected_write == 201 else 0):
            wrong.append((name, "stored", stored))
        if expected_write == 201 and f"From {name}" not in listed.get_data(as_text=True) + str(
                client.get(api, headers=bearer(secret)).get_json()):
            wrong.append((name, "not listed"))
    assert not wrong, wrong
    assert len(set(answers.values())) > 1, "the table tests nobody"


def test_a_comment_the_service_refuses_names_body_and_writes_nothing(world):
    app, ids, who = world
    _name, _user_id, secret = who[1]  # the owner's coordinator
    api = f"/api/v1/risks/{ids['risk']}/comments/"
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Comment.id)))
    for body, field in (({"body": "   "}, "body"), ({"body": "a\x00b"}, "body"), ({"body": "x" * 5_001}, "body"),
                        ({"text": "hi"}, "text"), ({}, "body")):
        response = app.test_client().post(api, json=body, headers=bearer(secret))
        assert response.status_code == 422, (body, response.status_code)
        assert field in {e["field"].split(".")[-1] for e in response.get_json()["errors"]}, response.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == before
