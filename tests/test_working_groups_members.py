"""Members of a working group: add, change role, remove (refused while they hold open tasks)."""
from app.extensions import db
from app.models import TLP
from app.models import TaskStatus
from app.models import User
from tests.test_working_groups_helpers import audit_count
from tests.test_working_groups_helpers import last_audit
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import member_ids
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world


def test_adding_a_member_from_another_org_makes_it_a_participant(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, tlp=TLP.AMBER_STRICT)
    assert w.c["member_water"].get(f"/working-groups/{group_id}").status_code == 404
    page = text(w.c["coord_gov"].get(f"/working-groups/{group_id}"))
    assert "makes that organisation a participant" in page and "Member Water (WATER)" in page
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/members",
                                     data={"user_id": str(w.ids["member_water"]), "role": "observer"})
    assert response.status_code == 302
    assert member_ids(app, group_id)[w.ids["member_water"]] == "observer"
    event = last_audit(app, "working_group.member_added")
    assert event.object_id == group_id and "Member Water (WATER) as observer" in event.summary
    # Water now takes part: its people read the AMBER+STRICT group
    assert w.c["member_water"].get(f"/working-groups/{group_id}").status_code == 200
    assert w.c["coord_water"].get(f"/working-groups/{group_id}").status_code == 200
    # …and the energy client still does not
    assert w.c["member_client"].get(f"/working-groups/{group_id}").status_code == 404


def test_change_role_and_remove_are_audited_with_the_name(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_water"], tlp=TLP.AMBER)
    url = f"/working-groups/{group_id}/members/{w.ids['member_water']}"
    assert w.c["coord_gov"].post(url + "/role", data={"role": "chair"}).status_code == 302
    assert member_ids(app, group_id)[w.ids["member_water"]] == "chair"
    assert "Member Water (WATER): member → chair" in last_audit(app, "working_group.role_changed").summary
    assert w.c["coord_gov"].post(url + "/role", data={"role": "boss"}).status_code == 400
    assert w.c["coord_gov"].post(url + "/remove").status_code == 302
    assert w.ids["member_water"] not in member_ids(app, group_id)
    assert "Member Water (WATER)" in last_audit(app, "working_group.member_removed").summary
    # sharing lifecycle: Water no longer takes part, so its member's next request is a 404
    assert w.c["member_water"].get(f"/working-groups/{group_id}").status_code == 404
    history = text(w.c["coord_gov"].get(f"/working-groups/{group_id}/history"))
    assert "Member removed" in history and "Role changed" in history


def test_removing_a_member_with_open_tasks_is_refused(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_water"], tlp=TLP.GREEN)
    task_id = make_task(app, w, group_id, assignee="member_water", title="Open job")
    make_task(app, w, group_id, assignee="member_water", title="Finished job", status=TaskStatus.DONE)
    url = f"/working-groups/{group_id}/members/{w.ids['member_water']}/remove"
    response = w.c["coord_gov"].post(url, follow_redirects=True)
    assert "reassign their tasks first" in text(response)
    assert "1 open task" in text(response)
    assert w.ids["member_water"] in member_ids(app, group_id)
    assert audit_count(app, action="working_group.member_removed") == 0
    w.c["member_water"].post(f"/tasks/{task_id}/status", data={"new_status": "done", "note": "Done."})
    assert w.c["coord_gov"].post(url).status_code == 302
    assert w.ids["member_water"] not in member_ids(app, group_id)


def test_forged_or_duplicate_members_are_refused(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_water"], tlp=TLP.GREEN)
    with app.app_context():
        db.session.get(User, w.ids["member_energy"]).active = False
        db.session.commit()
    for forged in (w.ids["member_water"], w.ids["member_energy"], 99999, "x", ""):
        response = w.c["coord_gov"].post(f"/working-groups/{group_id}/members",
                                         data={"user_id": str(forged), "role": "member"})
        assert response.status_code == 400, forged
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/members",
                                     data={"user_id": str(w.ids["member_gov"]), "role": "emperor"})
    assert response.status_code == 400
    assert len(member_ids(app, group_id)) == 2
    assert audit_count(app, action="working_group.member_added") == 0
    # removing or re-roling someone who is not a member: a message, nothing written
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/members/{w.ids['member_gov']}/remove",
                                     follow_redirects=True)
    assert "not a member of this group" in text(response)


def test_members_of_archived_groups_are_frozen(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_water"], tlp=TLP.GREEN)
    w.c["coord_gov"].post(f"/working-groups/{group_id}/archive")
    assert w.c["coord_gov"].post(f"/working-groups/{group_id}/members",
                                 data={"user_id": str(w.ids["member_gov"]), "role": "member"}).status_code == 403
    assert w.c["coord_gov"].post(
        f"/working-groups/{group_id}/members/{w.ids['member_water']}/remove").status_code == 403
