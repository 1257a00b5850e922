"""Access to working groups and tasks (SECURITY AC-01/02/03/09): 404 out of scope, exact CSV rows."""
import pytest

from app.extensions import db
from app.models import TLP
from app.models import User
from app.models import WorkingGroup
from tests import factories
from tests.test_working_groups_helpers import audit_count
from tests.test_working_groups_helpers import csv_column
from tests.test_working_groups_helpers import group_row
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import task_row
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world

GOV = ("coord_gov", "member_gov", "exec_gov")
WATER = ("coord_water", "member_water", "exec_water")
ENERGY = ("coord_energy", "member_energy", "exec_energy")
EVERYONE = (*GOV, *WATER, *ENERGY, "member_client", "admin")

# name -> (owner, members, tlp, red recipients, who may read)
GROUPS = {
    "G clear": ("coord_gov", (), TLP.CLEAR, (), EVERYONE),
    "G green": ("coord_water", (), TLP.GREEN, (), EVERYONE),
    "G amber gov": ("coord_gov", ("member_gov",), TLP.AMBER, (), (*GOV, "admin")),
    "G amber energy": ("coord_energy", (), TLP.AMBER, (), (*ENERGY, "member_client", "admin")),
    "G amber shared": ("coord_gov", ("member_water",), TLP.AMBER, (), (*GOV, *WATER, "admin")),
    "G strict energy": ("coord_energy", (), TLP.AMBER_STRICT, (), (*ENERGY, "admin")),
    "G red gov": ("coord_gov", (), TLP.RED, ("member_water",), ("coord_gov", "member_water")),
}


@pytest.fixture
def shared(app, client_as):
    w = world(app, client_as)
    w.groups, w.tasks = {}, {}
    for name, (owner, members, tlp, recipients, _) in GROUPS.items():
        group_id = make_group(app, w, owner=owner, members=members, tlp=tlp, name=name)
        if recipients:
            with app.app_context():
                group = db.session.get(WorkingGroup, group_id)
                group.recipients = [db.session.get(User, w.ids[r]) for r in recipients]
                db.session.commit()
        w.groups[name] = group_id
        w.tasks[name] = make_task(app, w, group_id, title=f"Task of {name}")
    return w


@pytest.mark.parametrize("user", EVERYONE)
def test_group_list_and_csv_hold_exactly_the_visible_rows(shared, user):
    expected = {name for name, spec in GROUPS.items() if user in spec[4]}
    client = shared.c[user]
    assert csv_column(client.get("/working-groups/?format=csv"), 1) == expected
    page = text(client.get("/working-groups/?per_page=100"))
    assert {name for name in GROUPS if f">{name}</a>" in page} == expected
    for name, group_id in shared.groups.items():
        assert client.get(f"/working-groups/{group_id}").status_code == (200 if name in expected else 404)


@pytest.mark.parametrize("user", EVERYONE)
def test_task_list_and_csv_hold_exactly_the_visible_rows(shared, user):
    expected = {f"Task of {name}" for name, spec in GROUPS.items() if user in spec[4]}
    client = shared.c[user]
    assert csv_column(client.get("/tasks/?scope=all&format=csv"), 0) == expected
    page = text(client.get("/tasks/?scope=all&per_page=100"))
    assert {f"Task of {name}" for name in GROUPS if f">Task of {name}</a>" in page} == expected
    for name, task_id in shared.tasks.items():
        assert client.get(f"/tasks/{task_id}").status_code == (200 if f"Task of {name}" in expected else 404)


def group_routes(group_id: int, user_id: int):
    base = f"/working-groups/{group_id}"
    gets = [base, f"{base}/edit", f"{base}/history", f"{base}/tasks/new"]
    posts = [(f"{base}/edit", {"name": "Hacked", "tlp": "clear", "version": "1"}),
             (f"{base}/status", {"new_status": "closed"}), (f"{base}/archive", {}), (f"{base}/restore", {}),
             (f"{base}/members", {"user_id": str(user_id), "role": "chair"}),
             (f"{base}/members/{user_id}/role", {"role": "chair"}),
             (f"{base}/members/{user_id}/remove", {}),
             (f"{base}/tasks/new", {"title": "Injected", "priority": "low"})]
    return gets, posts


def task_routes(task_id: int):
    base = f"/tasks/{task_id}"
    gets = [base, f"{base}/edit", f"{base}/history"]
    posts = [(f"{base}/edit", {"title": "Hacked", "priority": "low", "version": "1"}),
             (f"{base}/status", {"new_status": "done", "note": "pwned"}),
             (f"{base}/archive", {}), (f"{base}/restore", {})]
    return gets, posts


@pytest.mark.parametrize("outsider", ["member_energy", "coord_energy", "exec_energy", "member_client"])
def test_other_organisation_gets_404_on_every_sub_route(app, client_as, outsider):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_water"], tlp=TLP.AMBER_STRICT, name="Strict water group")
    task_id = make_task(app, w, group_id, assignee="member_water", title="Strict water task")
    before = (group_row(app, group_id).version, task_row(app, task_id).version, audit_count(app))
    c = w.c[outsider]
    gets, posts = group_routes(group_id, w.ids["member_water"])
    tgets, tposts = task_routes(task_id)
    for url in gets + tgets:
        assert c.get(url).status_code == 404, url
    for url, data in posts + tposts:
        assert c.post(url, data=data).status_code == 404, url
    for url in ("/working-groups/", "/working-groups/?format=csv", "/tasks/?scope=all", "/tasks/?scope=all&format=csv"):
        page = text(c.get(url))
        assert "Strict water group" not in page and "Strict water task" not in page, url
    assert (group_row(app, group_id).version, task_row(app, task_id).version, audit_count(app)) == before
    assert group_row(app, group_id).status.value == "active"


def test_red_group_is_404_for_admin_on_every_sub_route(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, tlp=TLP.RED)
    task_id = make_task(app, w, group_id)
    gets, posts = group_routes(group_id, w.ids["coord_gov"])
    tgets, tposts = task_routes(task_id)
    for url in gets + tgets:
        assert w.c["admin"].get(url).status_code == 404, url
    for url, data in posts + tposts:
        assert w.c["admin"].post(url, data=data).status_code == 404, url


def test_executive_gets_403_on_every_write(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["exec_gov", "member_gov"], tlp=TLP.AMBER)
    task_id = make_task(app, w, group_id, assignee="exec_gov")  # even their "own" task
    before = (group_row(app, group_id).version, task_row(app, task_id).version, audit_count(app))
    gets, posts = group_routes(group_id, w.ids["member_gov"])
    tgets, tposts = task_routes(task_id)
    for url in [g for g in gets + tgets if g.endswith(("/edit", "/new"))]:
        assert w.c["exec_gov"].get(url).status_code == 403, url
    for url, data in posts + tposts:
        assert w.c["exec_gov"].post(url, data=data).status_code == 403, url
    assert (group_row(app, group_id).version, task_row(app, task_id).version, audit_count(app)) == before


def test_restricted_initiative_of_a_visible_group_is_not_revealed(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        coord = db.session.get(User, w.ids["coord_gov"])
        initiative_id = factories.initiative(created_by=coord, tlp=TLP.RED, title="Covert substation study").id
    group_id = make_group(app, w, tlp=TLP.GREEN, initiative_id=initiative_id, name="Open group")
    for url in (f"/working-groups/{group_id}", "/working-groups/", "/working-groups/?format=csv"):
        assert "Covert substation study" not in text(w.c["member_water"].get(url)), url
    assert "Covert substation study" in text(w.c["coord_gov"].get(f"/working-groups/{group_id}"))
    # filtering by that initiative id reveals nothing either
    assert "Open group" not in text(w.c["member_water"].get(f"/working-groups/?initiative={initiative_id}"))
