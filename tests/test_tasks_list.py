"""List pages: My tasks filters (overdue, this week…), group list filters, overdue marking, query counts."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import MemberRole
from app.models import Task
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupStatus
from tests import factories
from tests.test_working_groups_helpers import csv_column
from tests.test_working_groups_helpers import days
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world


@pytest.fixture
def tasks_world(app, client_as):
    w = world(app, client_as)
    w.g1 = make_group(app, w, members=["member_water", "member_gov"], tlp=TLP.GREEN, name="Water ICS Security WG",
                      charter="Harden SCADA telemetry.")
    w.g2 = make_group(app, w, owner="coord_water", members=["member_water"], tlp=TLP.AMBER,
                      name="Ransomware Preparedness WG")
    make_task(app, w, w.g1, "member_water", title="Overdue firmware audit", due_date=days(-5),
              priority=TaskPriority.CRITICAL)
    make_task(app, w, w.g1, "member_water", title="Patch HMI this week", due_date=days(3), priority=TaskPriority.HIGH,
              status=TaskStatus.IN_PROGRESS)
    make_task(app, w, w.g2, "member_water", title="Backup restore drill", due_date=days(30), description="offline tapes")
    make_task(app, w, w.g2, "member_water", title="Old done item", due_date=days(-20), status=TaskStatus.DONE)
    make_task(app, w, w.g1, "member_gov", title="Someone else's task", due_date=days(-2))
    return w


def titles(response) -> set[str]:
    return csv_column(response, 0)


def test_my_tasks_lists_only_mine_by_default(tasks_world):
    c = tasks_world.c["member_water"]
    assert titles(c.get("/tasks/?format=csv")) == {"Overdue firmware audit", "Patch HMI this week",
                                                   "Backup restore drill", "Old done item"}
    assert "Someone else's task" in titles(c.get("/tasks/?scope=all&format=csv"))
    assert "Someone else's task" not in text(c.get("/tasks/"))


@pytest.mark.parametrize("query, expected", [
    ("due=overdue", {"Overdue firmware audit"}),  # done tasks are never overdue
    ("due=week", {"Patch HMI this week"}),
    ("status=in_progress", {"Patch HMI this week"}),
    ("status=done", {"Old done item"}),
    ("priority=critical", {"Overdue firmware audit"}),
    ("q=tapes", {"Backup restore drill"}),
    ("q=ransomware", {"Backup restore drill", "Old done item"}),
    ("q=firmware+audit", {"Overdue firmware audit"}),
    ("q=%25", set()),
    ("due=bogus&status=bogus&priority=x&working_group=abc&page=zz&per_page=-3",
     {"Overdue firmware audit", "Patch HMI this week", "Backup restore drill", "Old done item"}),
])
def test_my_tasks_filters(tasks_world, query, expected):
    c = tasks_world.c["member_water"]
    response = c.get(f"/tasks/?{query}&format=csv")
    assert response.status_code == 200 and titles(response) == expected
    assert c.get(f"/tasks/?{query}").status_code == 200


def test_my_tasks_filter_by_working_group_and_archive(tasks_world):
    w = tasks_world
    c = w.c["member_water"]
    assert titles(c.get(f"/tasks/?working_group={w.g2}&format=csv")) == {"Backup restore drill", "Old done item"}
    w.c["coord_water"].post(f"/working-groups/{w.g2}/archive")
    assert titles(c.get("/tasks/?format=csv")) == {"Overdue firmware audit", "Patch HMI this week"}
    assert titles(c.get("/tasks/?archived=1&format=csv")) == {"Backup restore drill", "Old done item"}


def test_sorting_by_priority_and_due(tasks_world):
    c = tasks_world.c["member_water"]
    page = text(c.get("/tasks/?sort=priority&dir=desc"))
    assert page.index("Overdue firmware audit") < page.index("Patch HMI this week") < page.index("Backup restore")
    page = text(c.get("/tasks/?sort=due&dir=asc"))
    assert page.index("Old done item") < page.index("Overdue firmware audit") < page.index("Patch HMI")


def test_default_order_is_open_first_by_due_date_undated_last_read_in_index_order(app, tasks_world):
    w = tasks_world
    make_task(app, w, w.g1, "member_water", title="Undated open task")
    c = w.c["member_water"]
    page = text(c.get("/tasks/"))
    assert (page.index("Overdue firmware audit") < page.index("Patch HMI this week") < page.index("Backup restore")
            < page.index("Undated open task") < page.index("Old done item"))
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        statements = []

        def listener(_conn, _cursor, statement, parameters, _context, _many):
            statements.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            c.get("/tasks/")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        statement, parameters = next((s, p) for s, p in statements if "ORDER BY tasks.status = 'done'" in s)
        cursor = db.session.connection().connection.cursor()
        plan = " | ".join(row[-1] for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters))
    # The page reads the person's live tasks in ix_tasks_assignee_order's order and stops there: no sort.
    assert "ix_tasks_assignee_order" in plan and "TEMP B-TREE" not in plan, plan


def test_overdue_tasks_stand_out_everywhere(tasks_world):
    w = tasks_world
    c = w.c["member_water"]

    def overdue_row(html, title):
        row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if title in r)
        return 'class="row-overdue"' in row and "Overdue</span>" in row

    listing = text(c.get("/tasks/"))
    assert overdue_row(listing, "Overdue firmware audit") and not overdue_row(listing, "Patch HMI this week")
    assert not overdue_row(listing, "Old done item")
    assert "Due in 3 days" in listing
    group_page = text(c.get(f"/working-groups/{w.g1}"))
    assert overdue_row(group_page, "Overdue firmware audit")
    with c.application.app_context():
        task_id = db.session.scalar(sa.select(Task.id).where(Task.title == "Overdue firmware audit"))
    detail = text(c.get(f"/tasks/{task_id}"))
    assert "Overdue</span>" in detail and "5 days ago" in detail
    groups = text(c.get("/working-groups/"))
    assert "2 overdue" in groups  # per-group counter on the list (g1: two open tasks past due)


@pytest.fixture
def groups_world(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        coord = db.session.get(User, w.ids["coord_gov"])
        w.initiative = factories.initiative(created_by=coord, tlp=TLP.GREEN, title="Grid hardening").id
    w.a = make_group(app, w, name="Alpha grid group", tlp=TLP.GREEN, initiative_id=w.initiative,
                     charter="Substation perimeter.")
    w.b = make_group(app, w, owner="coord_water", name="Bravo water group", tlp=TLP.CLEAR,
                     members=[("member_energy", MemberRole.OBSERVER)])
    w.c_ = make_group(app, w, owner="coord_energy", name="Charlie energy group", tlp=TLP.AMBER_STRICT,
                      members=["member_gov"])
    with app.app_context():
        db.session.get(WorkingGroup, w.b).status = WorkingGroupStatus.CLOSED
        db.session.commit()
    return w


@pytest.mark.parametrize("query, expected", [
    ("", {"Alpha grid group", "Bravo water group", "Charlie energy group"}),
    ("q=substation", {"Alpha grid group"}),
    ("q=WG-", {"Alpha grid group", "Bravo water group", "Charlie energy group"}),
    ("status=closed", {"Bravo water group"}),
    ("status=active", {"Alpha grid group", "Charlie energy group"}),
    ("tlp=clear", {"Bravo water group"}),
    ("organization={water}", {"Bravo water group"}),
    ("organization={energy}", {"Bravo water group", "Charlie energy group"}),  # owner or a member's org
    ("initiative={initiative}", {"Alpha grid group"}),
    ("mine=1", {"Alpha grid group"}),  # coord_gov chairs Alpha only
    ("archived=1", set()),
    ("status=zzz&tlp=zzz&organization=x&initiative=y&sort=nope&dir=sideways", {
        "Alpha grid group", "Bravo water group", "Charlie energy group"}),
])
def test_group_list_filters(groups_world, query, expected):
    w = groups_world
    query = query.format(water=w.org_ids["water"], energy=w.org_ids["energy"], initiative=w.initiative)
    c = w.c["coord_gov"]
    response = c.get(f"/working-groups/?{query}&format=csv")
    assert response.status_code == 200 and csv_column(response, 1) == expected
    assert c.get(f"/working-groups/?{query}").status_code == 200


def test_group_list_sorts(groups_world):
    c = groups_world.c["coord_gov"]
    page = text(c.get("/working-groups/?sort=name&dir=desc"))
    assert page.index("Charlie energy") < page.index("Bravo water") < page.index("Alpha grid")


def count_queries(app, client, url) -> int:
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_query_count_does_not_grow_with_rows(app, client_as):
    w = world(app, client_as)
    group_ids = []
    for n in range(60):
        members = ["member_water", ("member_energy", MemberRole.OBSERVER)] if n % 2 else ["member_water"]
        group_ids.append(make_group(app, w, members=members, tlp=TLP.GREEN, name=f"Group {n:02d}"))
    with app.app_context():
        for n, group_id in enumerate(group_ids):
            db.session.add(Task(working_group_id=group_id, title=f"Task {n:02d}", assignee_id=w.ids["member_water"],
                                due_date=days(n - 30), created_by_id=w.ids["coord_gov"]))
        db.session.commit()
    c = w.c["member_water"]
    for url in ("/working-groups/", "/tasks/", "/tasks/?scope=all"):
        c.get(url)  # the reader's first page builds the filters' choices kept for the next ones
        small = count_queries(app, c, f"{url}{'&' if '?' in url else '?'}per_page=5")
        large = count_queries(app, c, f"{url}{'&' if '?' in url else '?'}per_page=50")
        assert small == large, url
