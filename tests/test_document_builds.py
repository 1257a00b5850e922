"""Documents are built by the background worker, not by the web process: a download queues what to build, and the
worker loads the records through the reader's scopes as they stand when it runs."""
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.jobs import huey
from app.models import TLP
from app.models import Agreement
from app.models import RenderedDocument
from app.models import RenderJob
from app.models import RenderStatus
from app.models import ReportSnapshot
from app.models import Role
from app.models import User
from config import TestConfig
from tests import factories as f
from tests.conftest import make_app
from tests.test_known_documents import statements_run


def text_of(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture()
def queued_app(tmp_path):
    """Jobs wait in the queue until the test runs them (`huey.execute(huey.dequeue())`, as the worker does)."""
    config = type("QueuedConfig", (TestConfig,), {"HUEY_IMMEDIATE": False, "PDF_WAIT_SECONDS": 0,
                                                  "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite")})
    app = make_app(config)
    yield app
    make_app()  # back to immediate jobs for the tests that follow


def _world(app):
    with app.app_context():
        owner_org, partner_org = f.organization(name="Grid North"), f.organization(name="Water South")
        owner = f.user(role=Role.COORDINATOR, organization=owner_org)
        partner = f.user(role=Role.COORDINATOR, organization=partner_org)
        f.risk(created_by=owner, tlp=TLP.GREEN, title="Substation flood exposure")
        agreement = f.agreement(created_by=owner, tlp=TLP.GREEN, title="Grid and water mutual aid",
                                parties=[owner_org, partner_org])
        db.session.commit()
        owner.get_id(), partner.get_id()  # loaded before the context closes
        return {"owner": owner, "partner": partner, "agreement_id": agreement.id}


def _job(app, location: str) -> RenderJob:
    with app.app_context():
        return db.session.get(RenderJob, location.rsplit("/", 1)[1])


def test_the_web_process_queues_what_to_build_and_the_worker_builds_it(queued_app):
    world = _world(queued_app)
    client = queued_app.test_client(user=world["owner"])
    with statements_run(queued_app) as statements:
        answer = client.get("/risks/register.pdf")
    assert answer.status_code == 303
    assert not any("FROM risks" in statement for statement in statements), "the request built the register"
    queued = _job(queued_app, answer.headers["Location"])
    assert queued.status == RenderStatus.QUEUED and queued.digest == ""
    progress = client.get(answer.headers["Location"])
    assert b"Preparing Risk register" in progress.data and b"Waiting for the document worker" in progress.data

    huey.execute(huey.dequeue())  # what the worker does

    done = _job(queued_app, answer.headers["Location"])
    assert done.status == RenderStatus.DONE and len(done.digest) == 64
    assert done.filename.startswith("RISKS-") and done.filename.endswith("_TLP-GREEN.pdf")
    pdf = client.get(answer.headers["Location"] + ".pdf")
    assert pdf.status_code == 200 and "Substation flood exposure" in text_of(pdf.data)
    assert done.filename in pdf.headers["Content-Disposition"]


def test_a_record_withdrawn_from_the_reader_before_the_build_is_not_built(queued_app):
    world = _world(queued_app)
    client = queued_app.test_client(user=world["partner"])
    answer = client.get(f"/agreements/{world['agreement_id']}.pdf")
    assert answer.status_code == 303
    with queued_app.app_context():  # re-labelled TLP:RED while the download waits in the queue
        db.session.get(Agreement, world["agreement_id"]).tlp = TLP.RED
        db.session.commit()

    huey.execute(huey.dequeue())

    failed = _job(queued_app, answer.headers["Location"])
    assert failed.status == RenderStatus.FAILED and failed.error_code == 404
    page = client.get(answer.headers["Location"])
    assert page.status_code == 404 and b"no longer shared with you" in page.data
    assert b"Grid and water mutual aid" not in page.data
    with queued_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderedDocument)) == 0


def test_a_reader_deactivated_before_the_build_gets_no_document(queued_app):
    world = _world(queued_app)
    client = queued_app.test_client(user=world["owner"])
    answer = client.get("/risks/register.pdf")
    with queued_app.app_context():
        db.session.get(User, world["owner"].id).active = False
        db.session.commit()

    huey.execute(huey.dequeue())

    failed = _job(queued_app, answer.headers["Location"])
    assert failed.status == RenderStatus.FAILED and failed.error_code == 404
    with queued_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RenderedDocument)) == 0


def test_the_worker_builds_the_executive_report_against_the_baseline_the_request_saw(queued_app):
    world = _world(queued_app)
    client = queued_app.test_client(user=world["owner"])
    first = client.get("/reports/executive.pdf?tlp=amber")
    assert first.status_code == 303
    assert b"Executive status report" in client.get(first.headers["Location"]).data
    with queued_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 0, \
            "no baseline before the report exists"

    huey.execute(huey.dequeue())

    with queued_app.app_context():
        snapshot = db.session.scalars(sa.select(ReportSnapshot)).one()
        assert snapshot.tlp == TLP.AMBER and snapshot.figures["open_risks"] == 1
    report = client.get(first.headers["Location"] + ".pdf")
    assert report.status_code == 200 and "TLP:AMBER edition" in text_of(report.data)


def test_a_starting_worker_builds_each_kind_of_document_once_and_writes_nothing(app, caplog):
    """The worker's start-up pass: every builder's statements and templates run before the first reader's
    document (it is read-only: no job, no cached document, no report baseline)."""
    import logging

    from app.documents import renders

    world = _world(app)
    with app.app_context():
        f.initiative(created_by=db.session.merge(world["owner"]), tlp=TLP.GREEN)
        f.incident_plan(created_by=db.session.merge(world["owner"]), tlp=TLP.GREEN)
        db.session.commit()
    renders._warm = False
    caplog.set_level(logging.INFO, logger="app.documents.renders")
    with statements_run(app) as statements:
        renders.warm_renderer()
    for table in ("risks", "agreements", "initiatives", "incident_plans"):
        assert any(f"FROM {table}" in statement for statement in statements), table
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert "document_builds_warm" in caplog.text and "warm-up failed" not in caplog.text
    with app.app_context():
        for model in (RenderJob, RenderedDocument, ReportSnapshot):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
