"""Tasks: create (assignee must be a member), edit, status updates with notes, archive/restore."""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Task
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import TaskUpdate
from tests.test_working_groups_helpers import audit_count
from tests.test_working_groups_helpers import days
from tests.test_working_groups_helpers import last_audit
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import squash
from tests.test_working_groups_helpers import task_row
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world


def task_form(**kw):
    data = {"title": "Inventory PLC firmware versions", "description": "List every *PLC*.",
            "assignee_id": "", "due_date": days(10).isoformat(), "priority": "high"}
    data.update(kw)
    return data


def count_tasks(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Task.id)))


def setup_group(app, client_as, **kw):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_gov", "member_water", "exec_gov"], tlp=kw.pop("tlp", TLP.AMBER),
                          **kw)
    return w, group_id


def test_coordinator_creates_a_task_for_a_member(app, client_as):
    w, group_id = setup_group(app, client_as)
    form_page = text(w.c["coord_gov"].get(f"/working-groups/{group_id}/tasks/new"))
    assert "Member Water (WATER)" in form_page and "Member Energy" not in form_page
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/tasks/new",
                                     data=task_form(assignee_id=str(w.ids["member_water"])))
    assert response.status_code == 302
    with app.app_context():
        task = db.session.scalar(sa.select(Task))
        assert (task.assignee_id, task.priority, task.status) == (w.ids["member_water"], TaskPriority.HIGH,
                                                                  TaskStatus.TO_DO)
        assert task.created_by_id == w.ids["coord_gov"] and task.due_date == days(10)
        task_id = task.id
    assert response.headers["Location"].endswith(f"/tasks/{task_id}")
    assert "assignee: Member Water" in last_audit(app, "task.created").summary
    page = text(w.c["member_water"].get(f"/tasks/{task_id}"))
    assert "<em>PLC</em>" in page and "Inventory PLC firmware versions" in page


def test_assignee_must_be_a_member_of_the_group(app, client_as):
    w, group_id = setup_group(app, client_as)
    for forged in (w.ids["member_energy"], w.ids["coord_water"], 99999, "abc"):
        response = w.c["coord_gov"].post(f"/working-groups/{group_id}/tasks/new",
                                         data=task_form(assignee_id=str(forged)))
        assert response.status_code == 400, forged
        assert "Not a valid choice" in text(response) or "could not coerce" in text(response), forged
    assert count_tasks(app) == 0


def test_bad_task_input_writes_nothing(app, client_as):
    w, group_id = setup_group(app, client_as)
    for bad in ({"title": ""}, {"title": "t" * 201}, {"priority": "urgent"}, {"due_date": "2026-13-40"},
                {"due_date": days(-1).isoformat()}, {"due_date": days(5000).isoformat()},
                {"description": "d" * 100_001}, {"title": "tab\x1bescape"}):
        response = w.c["coord_gov"].post(f"/working-groups/{group_id}/tasks/new", data=task_form(**bad))
        assert response.status_code == 400, bad
    assert count_tasks(app) == 0 and audit_count(app, "tasks") == 0


def test_closed_group_takes_no_new_tasks(app, client_as):
    w, group_id = setup_group(app, client_as)
    w.c["coord_gov"].post(f"/working-groups/{group_id}/status", data={"new_status": "closed"})
    assert w.c["coord_gov"].get(f"/working-groups/{group_id}/tasks/new").status_code == 403
    assert w.c["coord_gov"].post(f"/working-groups/{group_id}/tasks/new", data=task_form()).status_code == 403
    assert count_tasks(app) == 0


def test_coordinator_edits_a_task_and_the_change_is_audited(app, client_as):
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, assignee="member_gov", title="Old title")
    assert w.c["coord_gov"].get(f"/tasks/{task_id}/edit").status_code == 200
    response = w.c["coord_gov"].post(f"/tasks/{task_id}/edit", data=task_form(
        title="New title", assignee_id=str(w.ids["member_water"]), due_date=days(-3).isoformat(), version="1"))
    assert response.status_code == 302  # a past due date is allowed on edit (the task is just overdue)
    task = task_row(app, task_id)
    assert (task.title, task.assignee_id, task.version) == ("New title", w.ids["member_water"], 2)
    summary = last_audit(app, "task.updated").summary
    assert "title: Old title → New title" in summary and "assignee: Member Gov → Member Water" in summary
    forged = w.c["coord_gov"].post(f"/tasks/{task_id}/edit", data=task_form(
        assignee_id=str(w.ids["member_energy"]), version="2"))
    assert forged.status_code == 400 and task_row(app, task_id).assignee_id == w.ids["member_water"]


def test_stale_task_edit_is_a_conflict(app, client_as):
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, title="Original")
    w.c["coord_gov"].post(f"/tasks/{task_id}/edit", data=task_form(title="First", version="1"))
    response = w.c["coord_gov"].post(f"/tasks/{task_id}/edit", data=task_form(title="Second", version="1"))
    assert response.status_code == 409 and "Second" in text(response)
    assert task_row(app, task_id).title == "First"
    assert audit_count(app, "tasks", task_id, "task.updated") == 1


def test_assignee_updates_their_own_task_with_a_note(app, client_as):
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, assignee="member_water")
    page = text(w.c["member_water"].get(f"/tasks/{task_id}"))
    assert "Post an update" in page and ">Edit<" not in page
    response = w.c["member_water"].post(f"/tasks/{task_id}/status",
                                        data={"new_status": "in_progress", "note": "Started the <b>inventory</b>."})
    assert response.status_code == 302
    task = task_row(app, task_id)
    assert task.status is TaskStatus.IN_PROGRESS and task.completed_at is None
    with app.app_context():
        update = db.session.scalar(sa.select(TaskUpdate))
        assert (update.author_id, update.from_status, update.to_status) == (
            w.ids["member_water"], TaskStatus.TO_DO, TaskStatus.IN_PROGRESS)
    event = last_audit(app, "task.status_changed")
    assert event.actor_id == w.ids["member_water"] and "To do → In progress" in event.summary
    page = squash(text(w.c["coord_gov"].get(f"/tasks/{task_id}")))
    assert "Member Water" in page and "Started the &lt;b&gt;inventory&lt;/b&gt;." in page
    w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "done", "note": "All listed."})
    assert task_row(app, task_id).completed_at is not None
    w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "in_progress", "note": "One missed."})
    task = task_row(app, task_id)
    assert task.status is TaskStatus.IN_PROGRESS and task.completed_at is None


def test_note_only_update_and_note_limits(app, client_as):
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, assignee="member_water")
    assert w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "", "note": "Waiting on vendor."}
                                    ).status_code == 302
    assert task_row(app, task_id).status is TaskStatus.TO_DO
    assert "Waiting on vendor." in last_audit(app, "task.note_added").summary
    too_long = w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "done", "note": "n" * 2001})
    assert too_long.status_code == 400 and "n" * 2001 in text(too_long)  # the note is kept for the user
    empty = w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "", "note": "  "})
    assert empty.status_code == 400 and "Choose a new status or write a note" in text(empty)
    bogus = w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "finished", "note": "x"})
    assert bogus.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(TaskUpdate.id))) == 1
    assert task_row(app, task_id).status is TaskStatus.TO_DO


def test_refused_transition_is_a_message_not_a_change(app, client_as):
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, assignee="member_water", status=TaskStatus.DONE)
    response = w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "todo", "note": "hm"},
                                        follow_redirects=True)
    assert "A task cannot go from done to to do." in text(response)
    assert task_row(app, task_id).status is TaskStatus.DONE
    assert audit_count(app, "tasks", task_id) == 0
    page = text(w.c["member_water"].get(f"/tasks/{task_id}"))
    assert '<option value="in_progress"' in page and '<option value="todo"' not in page


def test_member_cannot_update_someone_elses_task_nor_edit(app, client_as):
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, assignee="member_water")
    before = (task_row(app, task_id).version, audit_count(app))
    for name in ("member_gov", "exec_gov"):
        c = w.c[name]
        assert c.get(f"/tasks/{task_id}").status_code == 200, name
        assert c.post(f"/tasks/{task_id}/status", data={"new_status": "done", "note": "x"}).status_code == 403
    for name in ("member_water", "member_gov", "exec_gov"):
        c = w.c[name]
        assert c.get(f"/tasks/{task_id}/edit").status_code == 403
        assert c.post(f"/tasks/{task_id}/edit", data=task_form(version="1")).status_code == 403
        assert c.post(f"/tasks/{task_id}/archive").status_code == 403
        assert c.post(f"/tasks/{task_id}/restore").status_code == 403
    assert (task_row(app, task_id).version, audit_count(app)) == before
    assert "Post an update" not in text(w.c["member_gov"].get(f"/tasks/{task_id}"))


def test_coordinator_of_a_member_org_may_update_status(app, client_as):
    """coord_water's organisation takes part (one of its people is a member): it coordinates the group too."""
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, assignee="member_gov")
    assert w.c["coord_water"].post(f"/tasks/{task_id}/status", data={"new_status": "blocked"}).status_code == 302
    assert task_row(app, task_id).status is TaskStatus.BLOCKED


def test_archive_and_restore_a_task(app, client_as):
    w, group_id = setup_group(app, client_as)
    task_id = make_task(app, w, group_id, assignee="member_water", title="Rotate VPN keys")
    assert w.c["coord_gov"].post(f"/tasks/{task_id}/archive").status_code == 302
    assert task_row(app, task_id).archived_at is not None
    assert "Rotate VPN keys" not in text(w.c["member_water"].get("/tasks/"))
    assert "Rotate VPN keys" in text(w.c["member_water"].get("/tasks/?archived=1"))
    assert "Rotate VPN keys" not in text(w.c["coord_gov"].get(f"/working-groups/{group_id}"))
    # an archived task takes no status updates
    assert w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "done"}).status_code == 403
    # the assignee left meanwhile: the restored task comes back unassigned
    w.c["coord_gov"].post(f"/working-groups/{group_id}/members/{w.ids['member_water']}/remove")
    assert w.c["coord_gov"].post(f"/tasks/{task_id}/restore").status_code == 302
    task = task_row(app, task_id)
    assert task.archived_at is None and task.assignee_id is None
    assert "no longer a member" in last_audit(app, "task.restored").summary
    history = text(w.c["coord_gov"].get(f"/tasks/{task_id}/history"))
    assert "Archived" in history and "Restored" in history


def test_task_history_and_detail_show_the_groups_tlp(app, client_as):
    w, group_id = setup_group(app, client_as, tlp=TLP.AMBER_STRICT)
    task_id = make_task(app, w, group_id, assignee="member_water")
    page = text(w.c["member_water"].get(f"/tasks/{task_id}"))
    assert "TLP:AMBER+STRICT" in page
    assert w.c["member_water"].get(f"/tasks/{task_id}/history").status_code == 200
