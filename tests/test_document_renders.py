"""Rendered once, rendered off the web worker: the render cache and background render jobs."""
import io
from datetime import timedelta

import sqlalchemy as sa
from pypdf import PdfReader

from app.documents import renders
from app.documents import specs
from app.extensions import db
from app.jobs import huey
from app.models import TLP
from app.models import RenderedDocument
from app.models import RenderJob
from app.models import Role
from app.models import utcnow
from config import TestConfig
from tests import factories as f
from tests.conftest import make_app


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _readers(app):
    with app.app_context():
        org_a, org_b = f.organization(), f.organization()
        a = f.user(role=Role.COORDINATOR, organization=org_a)
        b = f.user(role=Role.COORDINATOR, organization=org_b)
        f.risk(created_by=a, tlp=TLP.AMBER, title="Substation flood exposure")
        a.get_id(), b.get_id()  # loaded before the context closes
        return a, b


def test_second_download_of_an_unchanged_document_is_served_from_the_cache(app, client_as):
    reader, _ = _readers(app)
    client = client_as(reader)
    first = client.get("/risks/register.pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert _count(app, RenderJob) == 1 and _count(app, RenderedDocument) == 1
    second = client.get("/risks/register.pdf")
    assert second.status_code == 200 and second.data == first.data
    assert _count(app, RenderJob) == 1, "a cache hit queues no render"


def test_changed_content_renders_again(app, client_as):
    reader, _ = _readers(app)
    client = client_as(reader)
    client.get("/risks/register.pdf")
    with app.app_context():
        f.risk(created_by=db.session.merge(reader), title="Pump station cyber intrusion")
    answer = client.get("/risks/register.pdf")
    assert "Pump station cyber intrusion" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.data)).pages)
    assert _count(app, RenderedDocument) == 2


def test_readers_with_different_scopes_never_share_a_cached_document(app, client_as):
    a, b = _readers(app)
    seen_by_a = client_as(a).get("/risks/register.pdf").data
    seen_by_b = client_as(b).get("/risks/register.pdf").data
    text_b = "".join(p.extract_text() for p in PdfReader(io.BytesIO(seen_by_b)).pages)
    assert "Substation flood exposure" not in text_b
    assert seen_by_a != seen_by_b and _count(app, RenderedDocument) == 2


def test_slow_render_answers_a_progress_page_then_downloads(tmp_path):
    config = type("QueuedConfig", (TestConfig,), {"HUEY_IMMEDIATE": False, "PDF_WAIT_SECONDS": 0,
                                                  "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite")})
    app = make_app(config)
    try:
        reader, _ = _readers(app)
        client = app.test_client(user=reader)
        answer = client.get("/risks/register.pdf")
        assert answer.status_code == 303
        status_url = answer.headers["Location"]
        page = client.get(status_url)
        assert page.status_code == 200 and b"Waiting for the document worker" in page.data
        assert b'http-equiv="refresh"' in page.data  # updates without JavaScript
        assert client.get(status_url + ".json").get_json()["status"] == "queued"
        assert client.get(status_url + ".pdf").status_code == 303  # not ready yet

        huey.execute(huey.dequeue())  # what the worker does

        state = client.get(status_url + ".json").get_json()
        assert state["status"] == "done" and state["download_url"].endswith(".pdf")
        ready = client.get(status_url)
        assert b"The document is ready" in ready.data and b'http-equiv="refresh"' not in ready.data
        pdf = client.get(state["download_url"])
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert pdf.headers["Content-Disposition"].startswith("attachment")
    finally:
        make_app()  # back to immediate jobs for the tests that follow


def test_failed_render_says_what_happened(app, client_as, monkeypatch):
    reader, _ = _readers(app)
    # A document whose HTML asks for something outside the application's static files.
    monkeypatch.setattr(renders, "render_html", lambda *_args, **_context: '<img src="http://203.0.113.9/x.png">')
    with app.app_context():
        job = RenderJob(id="failing-render", user_id=reader.id, digest="", filename="x.pdf")
        db.session.add(job)
        db.session.commit()
        renders.build_document("failing-render", specs.spec("risk_register"))
    page = client_as(reader).get("/documents/renders/failing-render")
    assert page.status_code == 503
    assert b"may not load" in page.data
    with app.app_context():
        assert _count(app, RenderedDocument) == 0


def test_cache_keeps_to_its_age_and_size_budget(app):
    app.config.update(PDF_CACHE_MAX_MB=1, PDF_CACHE_MAX_AGE_HOURS=24)
    now = utcnow()
    with app.app_context():
        for i, used in enumerate((3, 1, 2)):
            db.session.add(RenderedDocument(digest=f"{i}" * 64, content=b"x" * 600_000, size=600_000,
                                            created_at=now, used_at=now - timedelta(minutes=used)))
        db.session.add(RenderedDocument(digest="old" + "0" * 61, content=b"x", size=1,
                                        created_at=now - timedelta(hours=25), used_at=now))
        db.session.commit()
        renders.prune_cache()
        db.session.commit()
        kept = set(db.session.scalars(sa.select(RenderedDocument.digest)))
    assert kept == {"1" * 64}, "the expired entry and the least recently used go first"


def test_cache_can_be_turned_off(app, client_as):
    app.config["PDF_CACHE_ENABLED"] = False
    reader, _ = _readers(app)
    client = client_as(reader)
    assert client.get("/risks/register.pdf").status_code == 200
    assert client.get("/risks/register.pdf").status_code == 200
    assert _count(app, RenderJob) == 2, "each download rendered again"


def test_a_later_minute_is_not_new_content(app, client_as):
    from freezegun import freeze_time

    reader, _ = _readers(app)
    client = client_as(reader)
    start = utcnow()
    with freeze_time(start, tick=True):  # the register's reference carries the minute (RISKS-YYYYMMDD-HHMM)
        first = client.get("/risks/register.pdf")
    with freeze_time(start + timedelta(minutes=7), tick=True):
        again = client.get("/risks/register.pdf")
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and _count(app, RenderJob) == 1


def test_jobs_for_the_same_new_document_render_it_once(tmp_path, monkeypatch):
    """Two readers' downloads of one document, queued at once and run by two worker threads: one render."""
    import os
    import threading
    import time

    uri = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'renders.sqlite'}"  # shared by threads
    config = type("QueuedConfig", (TestConfig,), {"HUEY_IMMEDIATE": False, "PDF_WAIT_SECONDS": 0,
                                                  "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite"),
                                                  "SQLALCHEMY_DATABASE_URI": uri})
    app = make_app(config)
    try:
        reader, _ = _readers(app)
        client = app.test_client(user=reader)
        progress = [client.get("/risks/register.pdf"), client.get("/risks/register.pdf")]
        assert [answer.status_code for answer in progress] == [303, 303]
        queued = [huey.dequeue(), huey.dequeue()]
        renders_started = []
        real_render = renders.html_to_pdf

        def slow_render(html):  # long enough for the second job to start while the first renders
            renders_started.append(html)
            time.sleep(0.3)
            return real_render(html)

        monkeypatch.setattr(renders, "html_to_pdf", slow_render)
        workers = [threading.Thread(target=huey.execute, args=(task,)) for task in queued]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert len(renders_started) == 1
        assert _count(app, RenderedDocument) == 1
        for answer in progress:
            state = client.get(answer.headers["Location"] + ".json").get_json()
            assert state["status"] == "done", state
            assert client.get(state["download_url"]).data.startswith(b"%PDF")
    finally:
        make_app()
