"""Every lifecycle, now declared in one line of paths (LabelledEnum.lifecycle), still refuses what DESIGN.md does
not allow: by the record's page (a message on the record's page) and by the API (409 with the same message),
with nothing written, tried on the demo partnership by the coordinator whose organisation owns the records."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import AuditEvent
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import Initiative
from app.models import Mitigation
from app.models import Risk
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from tests.api_helpers import bearer
from tests.api_helpers import token_for

COORDINATOR = "coordinator@riverbend.example.com"

# (model, the record's status, the refused target, the page's URL and the API's, given its id (and its risk's))
CASES = {
    "risk": (Risk, "closed", "mitigating", "/risks/{id}/status", "/api/v1/risks/{id}/transitions"),
    "task": (Task, "done", "blocked", "/tasks/{id}/status", "/api/v1/tasks/{id}/transitions"),
    "agreement": (Agreement, "draft", "active", "/agreements/{id}/status", "/api/v1/agreements/{id}/transitions"),
    "initiative": (Initiative, "proposed", "completed", "/initiatives/{id}/status",
                   "/api/v1/initiatives/{id}/transitions"),
    "exercise": (Exercise, "evaluated", "planning", "/exercises/{id}/status", "/api/v1/exercises/{id}/transitions"),
    "corrective action": (CorrectiveAction, "open", "verified", "/corrective-actions/{id}/status",
                          "/api/v1/corrective-actions/{id}/transitions"),
    "mitigation": (Mitigation, "planned", "verified", "/risks/{risk}/mitigations/{id}/status",
                   "/api/v1/risks/{risk}/mitigations/{id}/transitions"),
}
EXTRA = {"mitigation": {"effectiveness": "50"}}


@pytest.fixture(scope="module")
def site(demo_template):
    app = demo_template.new_app()
    yield app
    demo_template.drop(app)


def _owned(model, status: str, organization_id: int):
    """A live record of the coordinator's organisation in `status`."""
    stmt = sa.select(model).where(model.status == status, model.archived_at.is_(None)).order_by(model.id)
    if model is Task:
        stmt = stmt.join(Task.working_group).where(WorkingGroup.owner_organization_id == organization_id)
    elif model is Mitigation:
        stmt = stmt.join(Mitigation.risk).where(Risk.owner_organization_id == organization_id)
    elif model is CorrectiveAction:
        stmt = stmt.join(CorrectiveAction.exercise).where(Exercise.owner_organization_id == organization_id)
    else:
        stmt = stmt.where(model.owner_organization_id == organization_id)
    return db.session.scalars(stmt).first()


def _state(app, model, record_id) -> tuple:
    with app.app_context():
        return (db.session.get(model, record_id).status.value,
                db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_refused_transition_is_said_and_writes_nothing_by_page_and_by_api(site, kind):
    model, status, target, page_url, api_url = CASES[kind]
    with site.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR))
        record = _owned(model, status, coordinator.organization_id)
        assert record is not None, f"the demo has no {status} {kind} of the coordinator's organisation"
        ids = {"id": record.id, "risk": getattr(record, "risk_id", None)}
        message = f"cannot go from {record.status.label.lower()} to {type(record.status)(target).label.lower()}"
        client = site.test_client(user=coordinator)
        headers = bearer(token_for(coordinator))
    before = _state(site, model, ids["id"])

    response = client.post(page_url.format(**ids), data={"new_status": target, **EXTRA.get(kind, {})},
                           follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _state(site, model, ids["id"]) == before

    response = client.post(api_url.format(**ids), json={"status": target}, headers=headers)
    assert response.status_code == 409
    assert message in response.get_json()["detail"]
    assert _state(site, model, ids["id"]) == before
