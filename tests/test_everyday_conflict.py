"""The conflict page: the user's typing kept in full in an editable form, merged with the saved version."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Task
from app.models import User
from app.tasks import services as task_services
from tests.everyday_helpers import form_data
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world

LONG = "Check every PLC; " + "the firmware list must include the vendor advisory number. " * 6


def both_sides(page: str) -> list[str]:
    return re.findall(r'class="conflict-row conflict-both[^"]*" data-field="(\w+)"', page)


def _edit_elsewhere(app, task_id, user_id, **fields):
    with app.app_context():
        task = db.session.get(Task, task_id)
        actor = db.session.get(User, user_id)
        task_services.update_task(actor, task, expected_version=task.version, **fields)
        db.session.commit()


def _setup(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_gov", "coord_water"])
    task_id = make_task(app, w, group_id, assignee="member_gov", title="Inventory PLCs",
                        description="Old description")
    return w, task_id


def test_conflict_keeps_full_typed_text_and_marks_only_fields_both_changed(app, client_as):
    w, task_id = _setup(app, client_as)
    coord = w.c["coord_gov"]
    loaded = form_data(text(coord.get(f"/tasks/{task_id}/edit")), lambda f: "original" in str(f["fields"]))
    assert loaded["version"] and loaded["original"]
    # Someone else changes the title and the description meanwhile.
    _edit_elsewhere(app, task_id, w.ids["coord_gov"], title="Inventory all PLCs",
                    description="Their description")
    # The user only touched the description (typing long text) and left the title alone.
    mine = dict(loaded, description=LONG)
    response = coord.post(f"/tasks/{task_id}/edit", data=mine)
    assert response.status_code == 409
    page = text(response)
    merged = form_data(page, lambda f: "conflict-form" in f["class"])
    # Every character typed is there, in an editable field (not cut with "…").
    assert merged["description"].strip() == LONG.strip()
    assert "…" not in merged["description"]
    # Title: changed by them only -> their value is filled in, not marked as a conflict.
    assert merged["title"] == "Inventory all PLCs"
    assert page.count("Changed on both sides") == 1
    assert both_sides(page) == ["description"]
    assert "Their description" in page  # the saved value shown beside theirs
    assert "Coord Gov" in page  # who saved the other version
    # Saving the merge posts to the edit endpoint with the current version and lands.
    with app.app_context():
        current = db.session.get(Task, task_id).version
    assert int(merged["version"]) == current
    merged["description"] = merged["description"] + "\nMerged."
    saved = coord.post(f"/tasks/{task_id}/edit", data=merged)
    assert saved.status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.title == "Inventory all PLCs"
        assert task.description.replace("\r\n", "\n") == LONG.strip() + "\nMerged."


def test_conflict_without_loaded_values_uses_the_audit_trail(app, client_as):
    w, task_id = _setup(app, client_as)
    coord = w.c["coord_gov"]
    loaded = form_data(text(coord.get(f"/tasks/{task_id}/edit")), lambda f: "original" in str(f["fields"]))
    loaded.pop("original")
    _edit_elsewhere(app, task_id, w.ids["coord_gov"], title="Their title")
    response = coord.post(f"/tasks/{task_id}/edit", data=dict(loaded, title="My title", description="Mine too"))
    assert response.status_code == 409
    page = text(response)
    assert both_sides(page) == ["title"]
    merged = form_data(page, lambda f: "conflict-form" in f["class"])
    assert merged["title"] == "My title" and merged["description"] == "Mine too"
    with app.app_context():
        assert db.session.scalar(sa.select(Task.title).where(Task.id == task_id)) == "Their title"
