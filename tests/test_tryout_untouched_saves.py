"""An edit form sent back untouched writes nothing and says so ("No changes to save."), never "… saved.":
every edit form whose record's page changed today, and the advisory, organisation and user forms, opened by
whoever of the world's coordinators (or its admin) may edit it; with one field changed each says it is saved
(tests/test_forms_browser.py checks in Chromium that nothing is written)."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import User
from tests.edit_form_world import seed
from tests.everyday_helpers import form_data

# (the edit page, the field changed by the second save, the message of a save that changed something)
FORMS = [
    ("/agreements/{agreement}/edit", "title", "Agreement saved."),
    ("/risks/{risk}/edit", "title", "Risk saved."),
    ("/risks/{risk}/mitigations/{mitigation}/edit", "title", "Mitigation saved."),
    ("/initiatives/{initiative}/edit", "title", "Initiative saved."),
    ("/working-groups/{working_group}/edit", "name", "Working group saved."),
    ("/tasks/{task}/edit", "title", "Task saved."),
    ("/incident-plans/{plan}/edit", "title", "Plan saved."),
    ("/incident-plans/{plan}/sections/{section}/edit", "title", "Section saved."),
    ("/incident-plans/{plan}/contacts/{contact}/edit", "name", "Contact saved."),
    ("/exercises/{exercise}/edit", "title", "saved."),
    ("/corrective-actions/{corrective_action}/edit", "title", "saved."),
    ("/advisories/{advisory}/edit", "title", "Advisory saved."),
    ("/organizations/{organization}/edit", "name", "Organisation saved."),
    ("/users/{user}/edit", "name", "User saved."),
    ("/incidents/{incident}/edit", "title", "updated."),
]
UNCHANGED = "No changes to save."


@pytest.fixture
def world(app, client_as):
    seeded = seed(app)
    with app.app_context():
        clients = [client_as(db.session.scalar(sa.select(User).where(User.email == seeded["users"][key])))
                   for key in ("coord_water", "coord_gov", "admin")]
    return seeded["ids"], clients


def _audit_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def _editor(clients, path):
    for client in clients:
        response = client.get(path)
        if response.status_code == 200:
            return client, response.get_data(as_text=True)
    pytest.fail(f"nobody of the world may open {path}")


@pytest.mark.parametrize(("page", "field", "saved"), FORMS, ids=[f[0] for f in FORMS])
def test_an_untouched_save_says_there_is_nothing_to_save_and_one_change_is_saved(app, world, page, field, saved):
    ids, clients = world
    path = page.format(**ids)
    client, html = _editor(clients, path)
    data = form_data(html, match=lambda form: field in {name for name, _ in form["fields"]})
    before = _audit_rows(app)
    answer = client.post(path, data=data, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.request.path != path, text[:2000]  # saved, back on the record
    assert UNCHANGED in text and saved not in text
    assert _audit_rows(app) == before

    html = client.get(path).get_data(as_text=True)
    data = form_data(html, match=lambda form: field in {name for name, _ in form["fields"]})
    data[field] = data[field] + " (edited)"
    text = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert saved in text and UNCHANGED not in text
    assert _audit_rows(app) > before
