"""Documents that outlive the request: a render download re-checks the reader's current scope, and the render
cache's digest covers everything a document shows (issue 22)."""
import io

import sqlalchemy as sa
from pypdf import PdfReader

from app.documents import renders
from app.extensions import db
from app.jobs import huey
from app.models import TLP
from app.models import Agreement
from app.models import Risk
from app.models import Role
from config import TestConfig
from tests import factories as f
from tests.conftest import make_app


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_render_download_rechecks_the_readers_current_scope(tmp_path):
    """A client organisation's user follows a queued render of an AMBER agreement; the agreement is raised to
    AMBER+STRICT before they download it: the PDF, its .json and its page no longer hand it out."""
    config = type("QueuedConfig", (TestConfig,), {"HUEY_IMMEDIATE": False, "PDF_WAIT_SECONDS": 0,
                                                  "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite")})
    app = make_app(config)
    try:
        with app.app_context():
            owner_org = f.organization()
            client_org = f.organization(parent=owner_org)
            coordinator = f.user(role=Role.COORDINATOR, organization=owner_org)
            reader = f.user(role=Role.MEMBER, organization=client_org)
            agreement = f.agreement(created_by=coordinator, tlp=TLP.AMBER, title="Shared pumping schedule",
                                    parties=[owner_org])
            agreement_id = reader.get_id() and agreement.id
        client = app.test_client(user=reader)
        answer = client.get(f"/agreements/{agreement_id}.pdf")
        assert answer.status_code == 303, "the reader may have it: a render is queued"
        status_url = answer.headers["Location"]
        huey.execute(huey.dequeue())
        assert client.get(status_url + ".json").get_json()["status"] == "done"
        assert client.get(status_url + ".pdf").data.startswith(b"%PDF"), "while nothing changed it downloads"

        with app.app_context():
            db.session.get(Agreement, agreement_id).tlp = TLP.AMBER_STRICT
            db.session.commit()

        download = client.get(status_url + ".pdf")
        assert download.status_code == 303 and not download.data.startswith(b"%PDF")
        state = client.get(status_url + ".json").get_json()
        assert state["status"] == "expired" and state["download_url"] is None
        page = client.get(status_url)
        assert b"The document is ready" not in page.data and b"no longer available" in page.data
        assert client.get(f"/agreements/{agreement_id}.pdf").status_code == 404, "asking again: out of scope"
    finally:
        make_app()


def test_the_render_cache_digest_covers_text_that_looks_like_a_reference(app, client_as):
    """A risk whose title holds an incident number (INC-20261201-0900): changing that number is new content."""
    with app.app_context():
        reader = f.user(role=Role.COORDINATOR)
        risk = f.risk(created_by=reader, tlp=TLP.GREEN, title="Flooding after INC-20261201-0900")
        risk_id = reader.get_id() and risk.id
    client = client_as(reader)
    first = client.get("/risks/register.pdf")
    assert "INC-20261201-0900" in _text(first.data)
    with app.app_context():
        db.session.get(Risk, risk_id).title = "Flooding after INC-20261201-0901"
        db.session.commit()
    again = client.get("/risks/register.pdf")
    assert again.status_code == 200
    text = _text(again.data)
    assert "INC-20261201-0901" in text and "INC-20261201-0900" not in text


def test_the_digest_leaves_out_only_the_layouts_generation_time_and_own_stamped_reference():
    page = ('<span class="docref">RISKS-20261206-0512</span> generated <span class="generated">2026-12-06 05:12 UTC'
            '</span><p>Flooding after INC-20261201-0900</p>')
    later = page.replace("05:12 UTC", "05:19 UTC")
    assert renders.content_digest(page) == renders.content_digest(later)
    assert renders.content_digest(page) != renders.content_digest(page.replace("0900", "0901"))
    assert renders.content_digest(page) != renders.content_digest(page.replace("INC-20261201-0900", ""))


def test_a_render_job_records_the_generation_it_was_built_at(app, client_as):
    with app.app_context():
        reader = f.user(role=Role.COORDINATOR)
        f.risk(created_by=reader, tlp=TLP.GREEN, title="Pump station outage")
        reader.get_id()
    client_as(reader).get("/risks/register.pdf")
    from app.models import RenderJob
    from app.transactions import content_generation

    with app.app_context():
        job = db.session.scalars(sa.select(RenderJob)).one()
        assert job.generation is not None and job.generation == content_generation()


def test_an_issued_plan_holds_no_other_versions_history(app):
    """Version 1 was TLP:RED (its author sees it); version 2 is AMBER and issued once for every reader of it:
    neither the review issue nor the approved issue names version 1's changes."""
    from app.documents import services as document_services
    from app.models import IncidentPlan

    with app.app_context():
        org = f.organization()
        author = f.user(role=Role.COORDINATOR, organization=org)
        first = f.incident_plan(created_by=author, tlp=TLP.RED, title="Flood response",
                                change_summary="Moved the command post to the north bunker")
        second = f.incident_plan(created_by=author, tlp=TLP.AMBER, title="Flood response",
                                 change_summary="Added the pumping contractor")
        second.previous_version_id = first.id
        db.session.commit()
        plan = db.session.get(IncidentPlan, second.id)
        review = document_services.issue_incident_plan(author, plan)
        approved = document_services.issue_approved_incident_plan(author, plan)
        texts = [_text(review.content), _text(approved.content)]
        db.session.commit()
    for text in texts:
        assert "Added the pumping contractor" in text
        assert "north bunker" not in text and "Earlier versions are listed on the plan" in text
