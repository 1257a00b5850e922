"""A request's open transaction: kept only when it only read (COMMIT), thrown away when it wrote anything."""
import pytest
import sqlalchemy as sa

from app.decorators import public
from app.extensions import db
from app.models import Organization
from app.models import OrganizationKind
from app.models import Role
from tests import factories as f
from tests.conftest import USING_POSTGRES


def _organisations() -> int:
    return db.session.scalar(sa.select(sa.func.count(Organization.id)))


@pytest.fixture
def served(app):
    """Views that leave their transaction open, the way a buggy or aborted view would."""
    @public
    def flush_without_commit():
        db.session.add(Organization(name="Flushed, never committed", short_name="FLUSH",
                                    kind=OrganizationKind.PRIVATE_SECTOR, country="US"))
        db.session.flush()
        return "flushed"

    @public
    def update_without_commit():
        db.session.execute(sa.update(Organization).values(name="Renamed, never committed"))
        return "updated"

    @public
    def commit_then_read():
        db.session.add(Organization(name="Committed", short_name="KEEP", kind=OrganizationKind.PRIVATE_SECTOR,
                                    country="US"))
        db.session.commit()
        return str(_organisations())

    @public
    def read_only():
        return str(_organisations())

    for view in (flush_without_commit, update_without_commit, commit_then_read, read_only):
        app.add_url_rule(f"/test-transactions/{view.__name__}", view.__name__, view)
    ends = {"commit": 0, "rollback": 0}
    with app.app_context():
        sa.event.listen(db.engine, "commit", lambda _connection: ends.__setitem__("commit", ends["commit"] + 1))
        sa.event.listen(db.engine, "rollback", lambda _connection: ends.__setitem__("rollback", ends["rollback"] + 1))
        f.organization(name="Existing")
    ends.update(commit=0, rollback=0)
    return app.test_client(), ends


def test_a_flushed_record_the_view_did_not_commit_is_thrown_away(app, served):
    client, ends = served
    assert client.get("/test-transactions/flush_without_commit").text == "flushed"
    assert ends["commit"] == 0
    with app.app_context():
        assert _organisations() == 1


def test_an_update_the_view_did_not_commit_is_thrown_away(app, served):
    client, ends = served
    assert client.get("/test-transactions/update_without_commit").text == "updated"
    assert ends["commit"] == 0
    with app.app_context():
        assert db.session.scalars(sa.select(Organization.name)).all() == ["Existing"]


def test_a_transaction_that_only_read_ends_with_commit(app, served):
    client, ends = served
    assert client.get("/test-transactions/read_only").text == "1"
    assert ends == {"commit": 1, "rollback": 0}


def test_reads_after_the_views_own_commit_end_with_commit_too(app, served):
    client, ends = served
    assert client.get("/test-transactions/commit_then_read").text == "2"
    assert ends["commit"] == 2  # the view's, then the read that followed it
    with app.app_context():
        assert _organisations() == 2


def test_a_failed_request_is_rolled_back_not_committed(app, served):
    client, ends = served
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def fails_after_flush():
        db.session.add(Organization(name="Half written", short_name="HALF", kind=OrganizationKind.PRIVATE_SECTOR,
                                    country="US"))
        db.session.flush()
        raise RuntimeError("boom")

    app.add_url_rule("/test-transactions/fails", "fails_after_flush", fails_after_flush)
    assert client.get("/test-transactions/fails").status_code == 500
    with app.app_context():
        assert _organisations() == 1


@pytest.mark.skipif(not USING_POSTGRES, reason="server-side prepared statements are PostgreSQL's")
def test_postgresql_keeps_prepared_statements_from_one_page_to_the_next(app, client_as):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        coordinator.get_id()  # loaded before the context closes
    client = client_as(coordinator)
    for _ in range(8):  # psycopg prepares a statement on its sixth run on one connection
        assert client.get("/agreements/").status_code == 200
    with app.app_context():
        prepared = db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared > 0
