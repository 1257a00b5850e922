"""What an insider's script can do to a corrective action through the API, compared with the edit form: a PATCH
changes only the fields it names (the others keep their text), an empty one writes nothing, and the area for
improvement the form requires cannot be blanked.
"""
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import CorrectiveAction
from app.models import Role
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for
from tests.conftest import drop_shared_app
from tests.conftest import shared_app

AREA = "Fuel logistics untested: the generators' tanks ran dry after six hours."


@pytest.fixture(scope="module")
def world():
    app = shared_app()
    with app.app_context():
        owner, partner = factories.organization(name="Water"), factories.organization(name="Grid")
        lead = factories.user(role=Role.COORDINATOR, organization=owner)
        exercise = factories.exercise(created_by=lead, owner_organization=owner, organizations=[partner])
        action_id = factories.corrective_action(exercise=exercise, responsible_organization_id=owner.id,
                                                area_for_improvement=AREA).id
        auth = bearer(token_for(lead))
    yield app, action_id, auth
    drop_shared_app(app)


def _action(app, action_id: int) -> tuple[str, int, int]:
    with app.app_context():
        action = db.session.get(CorrectiveAction, action_id)
        audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "corrective_action.updated"))
        return action.area_for_improvement, action.version, audits


def test_a_patch_changes_only_what_it_names_and_an_empty_one_writes_nothing(world):
    app, action_id, auth = world
    client = app.test_client()
    url = f"/api/v1/corrective-actions/{action_id}"
    _, version, audits = _action(app, action_id)
    empty = client.patch(url, json={}, headers={**auth, "If-Match": f'"{version}"'})
    assert empty.status_code == 200 and empty.json["area_for_improvement"] == AREA
    assert _action(app, action_id) == (AREA, version, audits)
    renamed = client.patch(url, json={"title": "Refuel plan"}, headers={**auth, "If-Match": f'"{version}"'})
    assert renamed.status_code == 200 and renamed.json["title"] == "Refuel plan"
    assert _action(app, action_id) == (AREA, version + 1, audits + 1)


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_the_area_for_improvement_the_form_requires_is_never_blanked(world, blank):
    app, action_id, auth = world
    client = app.test_client()
    before = _action(app, action_id)
    refused = client.patch(f"/api/v1/corrective-actions/{action_id}", json={"area_for_improvement": blank},
                           headers={**auth, "If-Match": f'"{before[1]}"'})
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "area_for_improvement"
    assert _action(app, action_id) == before


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"title": ' + b"[" * 100_000 + b"}"])
def test_a_body_nested_past_the_parser_is_refused_as_bad_json(world, body):
    app, action_id, auth = world
    before = _action(app, action_id)
    refused = app.test_client().patch(f"/api/v1/corrective-actions/{action_id}", data=body, headers={
        **auth, "If-Match": f'"{before[1]}"', "Content-Type": "application/json"})
    assert refused.status_code == 400 and refused.json["detail"] == "The body is not valid JSON."
    assert _action(app, action_id) == before


def test_an_upload_whose_part_is_not_named_files_gets_a_message_naming_the_field(world):
    app, action_id, auth = world
    url = f"/api/v1/corrective-actions/{action_id}/attachments/"
    sent = app.test_client().post(url, headers=auth, content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(b"evidence"), "evidence.txt", "text/plain")})
    assert sent.status_code == 422 and sent.json["errors"][0]["field"] == "files"
    assert app.test_client().get(url, headers=auth).json["items"] == []
