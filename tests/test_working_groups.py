"""Working groups: create, edit, close/reopen, archive/restore, conflicts, bad input, audit."""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import MemberRole
from app.models import WorkingGroup
from app.models import WorkingGroupStatus
from app.models import today
from tests import factories
from tests.test_working_groups_helpers import audit_count
from tests.test_working_groups_helpers import group_row
from tests.test_working_groups_helpers import last_audit
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import member_ids
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world


def group_form(**kw):
    data = {"name": "Water ICS Security Working Group", "charter": "## Purpose\nHarden **ICS**.",
            "initiative_id": "", "tlp": "amber"}
    data.update(kw)
    return data


def count_groups(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(WorkingGroup.id)))


def test_coordinator_creates_a_group_and_becomes_its_chair(app, client_as):
    w = world(app, client_as)
    response = w.c["coord_gov"].post("/working-groups/new", data=group_form())
    assert response.status_code == 302
    with app.app_context():
        group = db.session.scalar(sa.select(WorkingGroup))
        assert group.reference == f"WG-{today().year}-0001"
        assert group.owner_organization_id == w.org_ids["gov"]
        assert group.created_by_id == w.ids["coord_gov"]
        assert group.status is WorkingGroupStatus.ACTIVE and group.tlp is TLP.AMBER
        assert [(m.user_id, m.role) for m in group.memberships] == [(w.ids["coord_gov"], MemberRole.CHAIR)]
        group_id = group.id
    assert response.headers["Location"].endswith(f"/working-groups/{group_id}")
    event = last_audit(app, "working_group.created")
    assert event.object_id == group_id and "Water ICS Security Working Group" in event.summary
    page = text(w.c["coord_gov"].get(f"/working-groups/{group_id}"))
    assert "Purpose</h3>" in page and "<strong>ICS</strong>" in page and "TLP:AMBER" in page


def test_second_group_gets_the_next_reference(app, client_as):
    w = world(app, client_as)
    w.c["coord_gov"].post("/working-groups/new", data=group_form(name="One"))
    w.c["coord_water"].post("/working-groups/new", data=group_form(name="Two"))
    with app.app_context():
        refs = sorted(db.session.scalars(sa.select(WorkingGroup.reference)))
    assert refs == [f"WG-{today().year}-0001", f"WG-{today().year}-0002"]


def test_mass_assignment_has_no_effect_on_create(app, client_as):
    w = world(app, client_as)
    response = w.c["coord_gov"].post("/working-groups/new", data=group_form(
        owner_organization_id=w.org_ids["water"], created_by_id=w.ids["coord_water"], status="closed",
        reference="WG-1999-9999", version="7", id="999", archived_at="2020-01-01"))
    assert response.status_code == 302
    with app.app_context():
        group = db.session.scalar(sa.select(WorkingGroup))
        assert group.owner_organization_id == w.org_ids["gov"]
        assert group.created_by_id == w.ids["coord_gov"]
        assert group.status is WorkingGroupStatus.ACTIVE
        assert group.reference.startswith(f"WG-{today().year}-") and group.version == 1
        assert group.archived_at is None and group.id != 999


def test_initiative_choice_is_scoped_and_a_forged_id_refused(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        water_coord = db.session.get(factories.User, w.ids["coord_water"])
        hidden = factories.initiative(created_by=water_coord, tlp=TLP.RED, title="Secret water plan").id
        visible = factories.initiative(created_by=water_coord, tlp=TLP.GREEN, title="Open plan").id
    form_page = text(w.c["coord_gov"].get("/working-groups/new"))
    assert "Open plan" in form_page and "Secret water plan" not in form_page
    response = w.c["coord_gov"].post("/working-groups/new", data=group_form(initiative_id=str(hidden)))
    assert response.status_code == 400 and "Not a valid choice" in text(response)
    assert count_groups(app) == 0
    assert w.c["coord_gov"].post("/working-groups/new", data=group_form(initiative_id=str(visible))).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(WorkingGroup.initiative_id)) == visible


def test_red_group_needs_recipients_and_only_they_read_it(app, client_as):
    w = world(app, client_as)
    response = w.c["coord_gov"].post("/working-groups/new", data=group_form(tlp="red"))
    assert response.status_code == 400 and "Name at least one recipient" in text(response)
    assert count_groups(app) == 0
    response = w.c["coord_gov"].post("/working-groups/new",
                                     data=group_form(tlp="red", recipients=[str(w.ids["member_water"])]))
    assert response.status_code == 302
    with app.app_context():
        group_id = db.session.scalar(sa.select(WorkingGroup.id))
    assert "Member Water" in last_audit(app, "working_group.created").summary
    assert w.c["member_water"].get(f"/working-groups/{group_id}").status_code == 200
    assert w.c["coord_gov"].get(f"/working-groups/{group_id}").status_code == 200  # the creator
    for name in ("member_gov", "coord_water", "admin", "exec_gov"):
        assert w.c[name].get(f"/working-groups/{group_id}").status_code == 404, name


def test_bad_input_is_a_form_error_and_writes_nothing(app, client_as):
    w = world(app, client_as)
    for bad in ({"name": "x" * 201}, {"name": ""}, {"name": "   "}, {"name": "bad\x00name"}, {"tlp": "purple"},
                {"charter": "y" * 100_001}, {"initiative_id": "abc"}, {"recipients": ["nope"]}):
        response = w.c["coord_gov"].post("/working-groups/new", data=group_form(**bad))
        assert response.status_code == 400, bad
    assert count_groups(app) == 0
    assert audit_count(app, "working_groups") == 0


def test_only_coordinators_create_groups(app, client_as):
    w = world(app, client_as)
    for name in ("member_gov", "exec_gov", "admin"):
        assert w.c[name].get("/working-groups/new").status_code == 403
        assert w.c[name].post("/working-groups/new", data=group_form()).status_code == 403
    assert count_groups(app) == 0


def test_edit_saves_and_audits_the_changed_fields(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, name="Old name", tlp=TLP.GREEN)
    page = w.c["coord_gov"].get(f"/working-groups/{group_id}/edit")
    assert page.status_code == 200 and 'name="version" type="hidden" value="1"' in text(page)
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/edit",
                                     data=group_form(name="New name", tlp="green", version="1"))
    assert response.status_code == 302
    group = group_row(app, group_id)
    assert group.name == "New name" and group.version == 2
    event = last_audit(app, "working_group.updated")
    assert "name: Old name → New name" in event.summary and event.object_version == 2


def test_stale_edit_shows_a_conflict_and_overwrites_nothing(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, name="Original", tlp=TLP.GREEN)
    w.c["coord_gov"].post(f"/working-groups/{group_id}/edit", data=group_form(name="First writer", version="1"))
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/edit",
                                     data=group_form(name="Second writer", version="1"))
    assert response.status_code == 409
    assert "First writer" in text(response) and "Second writer" in text(response)
    assert group_row(app, group_id).name == "First writer"
    assert audit_count(app, "working_groups", group_id, "working_group.updated") == 1


def test_recipient_changes_are_audited_by_name(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, tlp=TLP.GREEN)
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/edit", data=group_form(
        tlp="red", version="1", recipients=[str(w.ids["member_water"]), str(w.ids["member_energy"])]))
    assert response.status_code == 302
    summary = last_audit(app, "working_group.updated").summary
    assert "tlp: TLP:GREEN → TLP:RED" in summary and "recipients: added Member Energy, Member Water" in summary


def test_close_and_reopen(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, tlp=TLP.GREEN)
    page = text(w.c["coord_gov"].get(f"/working-groups/{group_id}"))
    assert "Close group" in page and "Reopen" not in page
    assert w.c["coord_gov"].post(f"/working-groups/{group_id}/status", data={"new_status": "closed"}).status_code == 302
    assert group_row(app, group_id).status is WorkingGroupStatus.CLOSED
    assert "status: Active → Closed" in last_audit(app, "working_group.status_changed").summary
    page = text(w.c["coord_gov"].get(f"/working-groups/{group_id}"))
    assert "Reopen" in page and "Close group" not in page
    # closed -> closed is not a move the lifecycle knows: refused with a message, nothing written
    response = w.c["coord_gov"].post(f"/working-groups/{group_id}/status", data={"new_status": "closed"},
                                     follow_redirects=True)
    assert "cannot go from closed to closed" in text(response)
    assert audit_count(app, "working_groups", group_id, "working_group.status_changed") == 1
    assert w.c["coord_gov"].post(f"/working-groups/{group_id}/status", data={"new_status": "bogus"}).status_code == 400
    w.c["coord_gov"].post(f"/working-groups/{group_id}/status", data={"new_status": "active"})
    assert group_row(app, group_id).status is WorkingGroupStatus.ACTIVE


def test_archive_hides_and_restore_brings_back(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, name="Grid Physical Security", tlp=TLP.GREEN)
    assert w.c["coord_gov"].post(f"/working-groups/{group_id}/archive").status_code == 302
    assert group_row(app, group_id).archived_at is not None
    assert "Grid Physical Security" not in text(w.c["coord_gov"].get("/working-groups/"))
    assert "Grid Physical Security" in text(w.c["coord_gov"].get("/working-groups/?archived=1"))
    # archived = read-only
    assert w.c["coord_gov"].get(f"/working-groups/{group_id}/edit").status_code == 403
    assert w.c["coord_gov"].post(f"/working-groups/{group_id}/restore").status_code == 302
    assert group_row(app, group_id).archived_at is None
    assert audit_count(app, "working_groups", group_id, "working_group.archived") == 1
    assert audit_count(app, "working_groups", group_id, "working_group.restored") == 1
    history = text(w.c["coord_gov"].get(f"/working-groups/{group_id}/history"))
    assert "Archived" in history and "Restored" in history


def test_executive_and_member_cannot_write(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_gov", "exec_gov"], tlp=TLP.GREEN)
    before = (group_row(app, group_id).version, audit_count(app))
    for name in ("exec_gov", "member_gov"):
        c = w.c[name]
        assert c.get(f"/working-groups/{group_id}").status_code == 200
        assert c.get(f"/working-groups/{group_id}/edit").status_code == 403
        assert c.post(f"/working-groups/{group_id}/edit", data=group_form(version="1")).status_code == 403
        assert c.post(f"/working-groups/{group_id}/status", data={"new_status": "closed"}).status_code == 403
        assert c.post(f"/working-groups/{group_id}/archive").status_code == 403
        assert c.post(f"/working-groups/{group_id}/restore").status_code == 403
        assert c.post(f"/working-groups/{group_id}/members",
                      data={"user_id": str(w.ids["member_water"]), "role": "member"}).status_code == 403
        assert c.post(f"/working-groups/{group_id}/members/{w.ids['member_gov']}/role",
                      data={"role": "chair"}).status_code == 403
        assert c.post(f"/working-groups/{group_id}/members/{w.ids['member_gov']}/remove").status_code == 403
        assert c.get(f"/working-groups/{group_id}/tasks/new").status_code == 403
        assert c.post(f"/working-groups/{group_id}/tasks/new", data={"title": "x", "priority": "low"}).status_code == 403
    assert (group_row(app, group_id).version, audit_count(app)) == before
    assert len(member_ids(app, group_id)) == 3
    page = text(w.c["exec_gov"].get(f"/working-groups/{group_id}"))
    assert "Close group" not in page and "Add member" not in page and "New task" not in page
