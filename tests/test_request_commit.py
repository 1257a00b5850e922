"""One commit at the request edge (app/transactions.py): a state-changing request is committed once when
its view returns a success or a redirect, and rolled back when the view raises or answers an error; a
commit that loses a race answers the 409 page without the view's success message."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect

from app.extensions import db
from app.models import AuditEvent
from app.models import Organization
from app.models import OrganizationKind
from app.models import Risk
from app.models import Role
from app.risks import services as risk_services
from tests import factories as f


def _names() -> list[str]:
    return db.session.scalars(sa.select(Organization.name).order_by(Organization.id)).all()


@pytest.fixture
def edge(app, client_as):
    """Test views under /test-edge/ that write through the session and never commit."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def add(name: str, flush: bool = True) -> None:
        db.session.add(Organization(name=name, short_name=name[:8], kind=OrganizationKind.PRIVATE_SECTOR,
                                    country="US"))
        if flush:
            db.session.flush()

    def saved():
        add("Saved")
        flash("Saved.", "success")
        return redirect("/")

    def raises():
        add("Raised")
        raise RuntimeError("boom")

    def forbidden():
        add("Forbidden")
        abort(403)

    def invalid():
        add("Invalid")
        return "invalid form", 400

    def lost_race():
        """A concurrent writer bumped the version after we loaded the row: the UPDATE at commit matches nothing."""
        org = db.session.scalar(sa.select(Organization).where(Organization.name == "Existing"))
        db.session.execute(sa.update(Organization).where(Organization.id == org.id)
                           .values(version=Organization.version + 1).execution_options(synchronize_session=False))
        org.name = "Lost"
        flash("Saved.", "success")
        return redirect("/")

    def duplicate():
        add("Existing", flush=False)  # a unique name another request took: refused by the database at commit
        flash("Saved.", "success")
        return redirect("/")

    def archive_then_fail(risk_id: int):
        risk_services.archive_risk(current_coordinator(), db.session.get(Risk, risk_id))  # the service flushes
        raise RuntimeError("the view fails after the service")

    def current_coordinator():
        from flask_login import current_user

        return current_user

    for view in (saved, raises, forbidden, invalid, lost_race, duplicate):
        app.add_url_rule(f"/test-edge/{view.__name__}", view.__name__, view, methods=["POST"])
    app.add_url_rule("/test-edge/archive/<int:risk_id>", "archive_then_fail", archive_then_fail, methods=["POST"])
    with app.app_context():
        f.organization(name="Existing")
        coordinator = f.user(role=Role.COORDINATOR)
        risk = f.risk(owner_organization=coordinator.organization, created_by=coordinator)
        client = client_as(coordinator)
        risk_id = risk.id
    return client, risk_id


def test_a_post_that_returns_normally_is_committed_once(app, edge):
    client, _ = edge
    ends = []
    with app.app_context():
        sa.event.listen(db.engine, "commit", lambda _connection: ends.append("commit"))
    assert client.post("/test-edge/saved").status_code == 302
    assert ends == ["commit"]
    with app.app_context():
        assert "Saved" in _names()


@pytest.mark.parametrize(("view", "status"), [("raises", 500), ("forbidden", 403), ("invalid", 400)])
def test_a_post_that_raises_or_answers_an_error_writes_nothing(app, edge, view, status):
    client, _ = edge
    assert client.post(f"/test-edge/{view}").status_code == status
    with app.app_context():
        assert "Existing" in _names() and view.title() not in _names()


def test_a_view_that_raises_after_a_service_flushed_writes_nothing(app, edge):
    client, risk_id = edge
    assert client.post(f"/test-edge/archive/{risk_id}").status_code == 500
    with app.app_context():
        assert db.session.get(Risk, risk_id).archived_at is None
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                 .where(AuditEvent.action == "risk.archived")) == 0


@pytest.mark.parametrize("view", ["lost_race", "duplicate"])
def test_a_commit_that_loses_a_race_answers_409_without_the_success_message(app, edge, view):
    client, _ = edge
    response = client.post(f"/test-edge/{view}")
    assert response.status_code == 409
    assert "nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert "Lost" not in _names() and _names().count("Existing") == 1
    with client.session_transaction() as session:
        assert not session.get("_flashes")  # "Saved." was never shown for a change that was not kept


def test_the_flash_and_redirect_of_a_real_archive_survive_the_edge_commit(app, edge):
    client, risk_id = edge
    response = client.post(f"/risks/{risk_id}/archive", follow_redirects=True)
    assert response.status_code == 200 and "archived. Restore it from the archived list." in response.text
    with app.app_context():
        assert db.session.get(Risk, risk_id).archived_at is not None


FEATURES_COMMITTING_AT_THE_EDGE = ("agreements", "initiatives", "working_groups", "tasks", "risks", "incident_plans",
                                   "incidents", "organizations", "users")


def test_no_view_or_service_of_the_record_kinds_commits_itself():
    """The edge commits; a feature's views and services only flush (CLI commands and jobs commit themselves)."""
    root = Path(__file__).resolve().parent.parent / "app"
    files = [root / "lifecycle.py", root / "records.py"]
    for feature in FEATURES_COMMITTING_AT_THE_EDGE:
        package = root / feature
        files += [path for path in package.rglob("*.py") if path.name.startswith(("routes", "services", "queries"))
                  or path.parent.name == "routes"]
    committing = [str(path.relative_to(root)) for path in files if ".commit()" in path.read_text()]
    assert len(files) > 20 and committing == []
