"""The render cache's memory of known documents lives in the database: a second web worker (or host) serves a
document the first one served, unchanged, from the cache without building or rendering it again."""
import os

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import KnownDocument
from app.models import RenderJob
from app.models import Risk
from app.models import Role
from config import TestConfig
from tests import factories as f
from tests.conftest import make_app
from tests.test_known_documents import statements_run


@pytest.fixture
def two_workers(tmp_path, _postgres_schema):
    """Two app instances (two web workers' worth of process memory) on one database."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'shared.sqlite'}"

    class SharedConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    apps = [make_app(SharedConfig), make_app(SharedConfig)]
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_document_served_by_one_worker_is_served_from_the_cache_by_another(two_workers):
    first_app, second_app = two_workers
    with first_app.app_context():
        owner = f.user(role=Role.COORDINATOR, organization=f.organization(name="Grid North"))
        f.risk(created_by=owner, tlp=TLP.GREEN, title="Substation flood exposure")
        db.session.commit()
        owner.get_id()
    first = first_app.test_client(user=owner).get("/risks/register.pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")

    with statements_run(second_app) as statements:
        again = second_app.test_client(user=owner).get("/risks/register.pdf")
    assert again.status_code == 200 and again.data == first.data
    assert not any("FROM risks" in s for s in statements), "the other worker does not build it again"
    assert not any("INSERT INTO render_jobs" in s for s in statements), "nor queue a render"
    with second_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderJob)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KnownDocument)) == 1


def test_a_change_made_through_one_worker_is_in_the_other_workers_next_download(two_workers):
    first_app, second_app = two_workers
    with first_app.app_context():
        owner = f.user(role=Role.COORDINATOR, organization=f.organization(name="Grid North"))
        risk = f.risk(created_by=owner, tlp=TLP.GREEN, title="Substation flood exposure")
        db.session.commit()
        owner.get_id()
        risk_id = risk.id
    first_app.test_client(user=owner).get("/risks/register.pdf")
    with first_app.app_context():
        db.session.execute(sa.update(Risk).where(Risk.id == risk_id).values(title="Pumping station outage"))
        db.session.commit()
    with statements_run(second_app) as statements:
        again = second_app.test_client(user=owner).get("/risks/register.pdf")
    assert again.status_code == 200
    assert any("FROM risks" in s for s in statements), "changed data: built again"


def test_the_worker_records_the_document_it_built_as_known(app, client_as):
    """The background worker records a document it built as known for the download's key, whether the
    download then waited for it or was sent to its progress page: the next download comes from the cache."""
    with app.app_context():
        owner = f.user(role=Role.COORDINATOR, organization=f.organization(name="Grid North"))
        f.risk(created_by=owner, tlp=TLP.GREEN, title="Substation flood exposure")
        db.session.commit()
        owner.get_id()
    client = client_as(owner)
    with statements_run(app) as statements:
        first = client.get("/risks/register.pdf", follow_redirects=True)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    writes = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO KNOWN_DOCUMENTS")]
    assert len(writes) == 1, "recorded once, by the worker"
    with statements_run(app) as statements:
        again = client.get("/risks/register.pdf")
    assert again.status_code == 200 and again.data == first.data
    assert not any("FROM risks" in s for s in statements) and not any("INSERT INTO render_jobs" in s
                                                                       for s in statements)
