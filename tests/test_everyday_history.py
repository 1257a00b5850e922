"""History shows a note exactly as written, and field-change summaries still one change per line."""
import re

from app.audit import summary_parts
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world


def test_summary_parts_keep_notes_and_split_fields():
    assert summary_parts("status: To do → Done; note: first; second: third") == [
        "status: To do → Done", "note: first; second: third"]
    assert summary_parts("title: A; b → C; priority: Low → High") == ["title: A; b → C", "priority: Low → High"]
    assert summary_parts("") == []


def test_task_note_with_semicolon_shows_as_written(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_gov"])
    task_id = make_task(app, w, group_id, assignee="member_gov")
    note = "Vendor called; patch due Friday; next: re-test"
    response = w.c["member_gov"].post(f"/tasks/{task_id}/status", data={"new_status": "in_progress", "note": note})
    assert response.status_code == 302
    page = text(w.c["member_gov"].get(f"/tasks/{task_id}/history"))
    items = [re.sub(r"\s+", " ", item).strip() for item in re.findall(r'<li class="summary-part">(.*?)</li>', page, re.S)]
    assert f"note: {note}" in items
    assert any(item.startswith("status:") for item in items)
