"""A person's tasks, now read by working group from one index (the task list, the dashboard's My work, the inbox's
Assigned to you): a task whose group the person no longer may read leaves all three on the next page, whether
their organisation's only member left the group, the group was raised to a TLP that leaves them out, or they
were taken off a TLP:RED group's recipients."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Role
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupMember
from app.models import today
from tests import factories

PAGES = ("/tasks/", "/", "/inbox/")


def shown(client, title: str) -> list[str]:
    return [path for path in PAGES if title in client.get(path).get_data(as_text=True)]


@pytest.fixture
def scene(app, client_as):
    with app.app_context():
        org_a, org_b = factories.organization(name="Org A"), factories.organization(name="Org B")
        coordinator = factories.user(role=Role.COORDINATOR, organization=org_a)
        member_b = factories.user(role=Role.MEMBER, organization=org_b)  # the group's member from B
        worker_b = factories.user(role=Role.MEMBER, organization=org_b)  # B's colleague with a task in it
        named = factories.user(role=Role.MEMBER, organization=org_a)
        amber = factories.working_group(created_by=coordinator, tlp=TLP.AMBER, members=[member_b, worker_b])
        red = factories.working_group(created_by=coordinator, tlp=TLP.RED, members=[named])
        red.recipients = [named]
        db.session.commit()
        factories.task(working_group=amber, title="Amber probe task", assignee=worker_b, due_date=today())
        factories.task(working_group=red, title="Red probe task", assignee=named, due_date=today())
        return {"amber": amber.id, "red": red.id, "member_b": member_b.id, "worker_b": worker_b.id,
                "named": named.id, "worker_client": client_as(worker_b), "named_client": client_as(named)}


def test_a_task_leaves_every_list_when_its_organisation_leaves_the_group(app, scene):
    client = scene["worker_client"]
    assert shown(client, "Amber probe task") == list(PAGES)
    with app.app_context():
        db.session.execute(sa.delete(WorkingGroupMember).where(
            WorkingGroupMember.working_group_id == scene["amber"],
            WorkingGroupMember.user_id.in_([scene["member_b"], scene["worker_b"]])))
        db.session.commit()
    assert shown(client, "Amber probe task") == []


def test_a_task_leaves_every_list_when_its_group_is_raised_past_the_reader(app, scene):
    client = scene["worker_client"]
    with app.app_context():
        db.session.get(WorkingGroup, scene["amber"]).tlp = TLP.RED  # named nobody: B is a member, not named
        db.session.commit()
    assert shown(client, "Amber probe task") == []
    with app.app_context():
        db.session.get(WorkingGroup, scene["amber"]).tlp = TLP.GREEN
        db.session.commit()
    assert shown(client, "Amber probe task") == list(PAGES)


def test_a_red_groups_task_leaves_every_list_when_its_assignee_is_no_longer_named(app, scene):
    client = scene["named_client"]
    assert shown(client, "Red probe task") == list(PAGES)
    with app.app_context():
        db.session.get(WorkingGroup, scene["red"]).recipients = []
        db.session.commit()
    assert shown(client, "Red probe task") == []
    with app.app_context():
        db.session.get(WorkingGroup, scene["red"]).recipients = [db.session.get(User, scene["named"])]
        db.session.commit()
    assert shown(client, "Red probe task") == list(PAGES)
