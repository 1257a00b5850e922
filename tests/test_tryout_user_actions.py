"""User administration's one-button actions (deactivate, activate, end sessions, reset two-factor, invite), now one
step (app/users/routes._act): what they refused before they still refuse, with a clear answer and nothing written."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Role
from app.models import User
from tests import factories

ACTIONS = ("deactivate", "activate", "end-sessions", "two-factor/reset", "invite")


def _state(app, user_id) -> tuple:
    with app.app_context():
        user = db.session.get(User, user_id)
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        return user.active, user.session_token, user.role, events


@pytest.fixture
def people(app, client_as):
    with app.app_context():
        other_org = factories.organization(name="Other operator")
        admin = factories.user(role=Role.ADMIN)
        target = factories.user(role=Role.MEMBER, organization=other_org)
        colleague = factories.user(role=Role.MEMBER, organization=other_org)
        coordinator = factories.user(role=Role.COORDINATOR, organization=other_org)
        return {"admin": admin.id, "target": target.id, "colleague": colleague.id,
                "clients": {"admin": client_as(admin), "coordinator": client_as(coordinator),
                            "member": client_as(colleague)}}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["coordinator", "member"])
def test_no_one_but_an_admin_acts_on_a_user_even_of_their_own_organisation(app, people, who, action):
    before = _state(app, people["target"])
    response = people["clients"][who].post(f"/users/{people['target']}/{action}")
    assert response.status_code == 403
    assert _state(app, people["target"]) == before


def test_an_admin_deactivating_herself_is_refused_on_her_page_with_nothing_written(app, people):
    admin = people["admin"]
    before = _state(app, admin)
    response = people["clients"]["admin"].post(f"/users/{admin}/deactivate")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/users/{admin}")
    page = people["clients"]["admin"].get(f"/users/{admin}").get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    assert "now deactivated" not in page
    assert _state(app, admin) == before


def test_an_admin_acts_on_another_organisations_user_and_it_is_said_once(app, people):
    target, client = people["target"], people["clients"]["admin"]
    response = client.post(f"/users/{target}/deactivate", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == f"/users/{target}" and "now deactivated" in page
    active, _, _, events = _state(app, target)
    assert active is False
    response = client.post(f"/users/{target}/invite", follow_redirects=True)  # a deactivated account: refused
    assert "Activate the account before inviting its user." in response.get_data(as_text=True)
    assert _state(app, target)[3] == events
