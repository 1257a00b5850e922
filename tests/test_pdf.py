"""The PDF renderer: fail-closed fetcher, no outbound fetch or embedded file from user content,
bounded renders with a friendly error page, rate limit, page size (SECURITY.md F: PDF-01..03)."""
import io
import socket
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app import pdf
from app.extensions import db
from app.models import TLP
from app.models import PartyRole
from app.models import Risk
from app.models import Role
from tests import factories as f

PAYLOADS = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///work/main/config.py">',
    '<a rel="attachment" href="http://169.254.169.254/latest/meta-data/">metadata</a>',
    "<style>@import url(http://127.0.0.1:22/);</style>",
    '<p style="background:url(http://10.0.0.1/); font-size:1e9px">styled</p>',
    '<svg><image href="file:///etc/hostname"/></svg>',
    "[redirect](https://example.org/redirect-to-127.0.0.1)",
]
HOSTILE = "\n\n".join(PAYLOADS)


def static_root(app) -> Path:
    return Path(app.static_folder).resolve()


@pytest.fixture
def fetch_spy(monkeypatch):
    """Every URL WeasyPrint asks for, and no socket may open meanwhile."""
    seen = []
    original = pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        seen.append(url)
        return original(self, url, headers)

    def no_network(*args, **kwargs):
        raise AssertionError(f"outbound connection attempted: {args!r}")

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    return seen


def assert_no_embedded_files(content: bytes) -> None:
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    assert b"/EmbeddedFiles" not in content and b"/FileAttachment" not in content
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"


def test_fetcher_allows_only_palisade_assets(app):
    root = static_root(app)
    fetcher = pdf.StaticOnlyFetcher(root)
    assert fetcher.allowed_path((root / "css/pdf.css").as_uri())
    assert fetcher.allowed_path((root / "fonts/LiberationSans-Regular.ttf").as_uri())
    assert fetcher.allowed_path((root / "img/logo.svg").as_uri())
    refused = [
        "file:///etc/passwd", (root / "css/app.css").as_uri(), (root / "js/app.js").as_uri(),
        (root / "css/../../__init__.py").as_uri(), (root / "css/pdf.css").as_uri() + "?x=1",
        "file://evil.example/etc/passwd", "http://127.0.0.1/css/pdf.css", "https://example.org/x.css",
        "data:text/css,body{}", "ftp://example.org/x", "file:///dev/urandom",
    ]
    for url in refused:
        assert fetcher.allowed_path(url) is None, url
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)


@pytest.mark.parametrize("markup", [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    '<a rel="attachment" href="http://169.254.169.254/">x</a>',
    "<style>@import url(http://127.0.0.1:22/);</style>",
    '<p style="background:url(http://10.0.0.1/)">x</p>',
])
def test_raw_foreign_url_stops_the_render(app, fetch_spy, markup):
    """Second line of defence: even unsanitised HTML cannot make WeasyPrint fetch or attach."""
    with app.test_request_context():
        with pytest.raises(pdf.RenderFailed):
            pdf.html_to_pdf(f"<html><body><p>x</p>{markup}</body></html>")


def test_hostile_user_fields_render_without_foreign_fetch_or_attachment(app, client_as, fetch_spy):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        partner = f.organization()
        agreement = f.agreement(created_by=coordinator, parties=[(coordinator.organization, PartyRole.LEAD), partner],
                                title='<img src="file:///etc/passwd"> title', summary=HOSTILE, terms=HOSTILE)
        agreement.parties[0].signatory_name = '<link rel="attachment" href="file:///etc/shadow">'
        agreement.parties[0].signatory_title = 'style="color:red"'
        db.session.commit()
        plan = f.incident_plan(created_by=coordinator, scope=HOSTILE)
        from app.models import Phase
        from app.models import PlanSection
        plan.sections.append(PlanSection(phase=Phase.PREPARATION, title="<b>x</b>", body=HOSTILE))
        db.session.commit()
        initiative = f.initiative(created_by=coordinator, objective=HOSTILE, health_reason=HOSTILE)
        f.risk(created_by=coordinator, description=HOSTILE, initiative=initiative)
        client = client_as(coordinator)
        urls = [f"/agreements/{agreement.id}.pdf", f"/incident-plans/{plan.id}.pdf",
                f"/initiatives/{initiative.id}/status-report.pdf", "/risks/register.pdf", "/reports/executive.pdf"]
    root = static_root(app)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_embedded_files(response.data)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        assert "passwd" not in text or "<img" in text  # shown as inert text at most, never fetched
    assert fetch_spy, "the stylesheet and fonts go through the fetcher"
    for url in fetch_spy:
        assert url.startswith("file://") and pdf.StaticOnlyFetcher(root).allowed_path(url), url


def test_five_megabyte_field_gets_the_friendly_413_page_then_rendering_works(app, client_as):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        huge = f.agreement(created_by=coordinator, summary="x" * 5_000_000)
        normal = f.agreement(created_by=coordinator, summary="A short purpose.")
        client = client_as(coordinator)
        huge_id, normal_id = huge.id, normal.id
    response = client.get(f"/agreements/{huge_id}.pdf")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert b"too large to render" in response.data
    ok = client.get(f"/agreements/{normal_id}.pdf")
    assert ok.status_code == 200 and ok.data.startswith(b"%PDF")


def test_ten_thousand_rows_get_the_friendly_page_then_rendering_works(app, client_as):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        org_id, user_id = coordinator.organization_id, coordinator.id
        db.session.execute(sa.insert(Risk), [
            {"reference": f"RSK-9999-{n:05d}", "title": f"Risk {n}", "likelihood": 3, "impact": 3,
             "owner_organization_id": org_id, "created_by_id": user_id, "tlp": TLP.GREEN, "status": "open",
             "treatment": "mitigate", "version": 1, "description": ""} for n in range(10_000)])
        db.session.commit()
        agreement_id = f.agreement(created_by=coordinator).id
        client = client_as(coordinator)
    response = client.get("/risks/register.pdf")
    assert response.status_code == 413
    assert b"too large to render" in response.data
    assert client.get(f"/agreements/{agreement_id}.pdf").status_code == 200


def test_estimated_page_count_is_capped(app, client_as):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        agreement_id = f.agreement(created_by=coordinator, terms="word " * 19_000).id
        client = client_as(coordinator)
    app.config["PDF_MAX_PAGES"] = 10
    response = client.get(f"/agreements/{agreement_id}.pdf")
    assert response.status_code == 413
    assert b"pages" in response.data


def test_subprocess_render_is_bounded_in_time_and_the_next_render_succeeds(app, client_as):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        heavy = f.agreement(created_by=coordinator, terms="\n".join(f"- item {n} " + "word " * 30
                                                                      for n in range(560)))
        light = f.agreement(created_by=coordinator, summary="Short.")
        client = client_as(coordinator)
        heavy_id, light_id = heavy.id, light.id
    app.config.update(PDF_RENDER_IN_SUBPROCESS=True, PDF_RENDER_TIMEOUT=1)
    try:
        slow = client.get(f"/agreements/{heavy_id}.pdf")
        assert slow.status_code == 503
        assert b"too large to render" in slow.data
        app.config["PDF_RENDER_TIMEOUT"] = 60
        ok = client.get(f"/agreements/{light_id}.pdf")
        assert ok.status_code == 200 and ok.data.startswith(b"%PDF")
    finally:
        pdf._worker.stop()


def test_subprocess_render_is_bounded_in_memory_and_the_worker_survives(app, client_as):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        agreement_id = f.agreement(created_by=coordinator).id
        client = client_as(coordinator)
    app.config.update(PDF_RENDER_IN_SUBPROCESS=True, PDF_RENDER_MEMORY_MB=120)
    try:
        starved = client.get(f"/agreements/{agreement_id}.pdf")
        assert starved.status_code == 503
        app.config["PDF_RENDER_MEMORY_MB"] = 1024
        ok = client.get(f"/agreements/{agreement_id}.pdf")
        assert ok.status_code == 200 and ok.data.startswith(b"%PDF")
    finally:
        pdf._worker.stop()


def test_pdf_downloads_are_rate_limited_per_user(app, client_as):
    app.config["PDF_RATE_LIMIT"] = "2/minute"
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        other = f.user(role=Role.COORDINATOR)
        agreement_id = f.agreement(created_by=coordinator, tlp=TLP.GREEN).id
        first, second = client_as(coordinator), client_as(other)
    assert [first.get(f"/agreements/{agreement_id}.pdf").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(f"/agreements/{agreement_id}.pdf").status_code == 200


@pytest.mark.parametrize("size, width", [("A4", 595), ("Letter", 612)])
def test_page_size_comes_from_config(app, client_as, size, width):
    app.config["PDF_PAGE_SIZE"] = size
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        agreement_id = f.agreement(created_by=coordinator, effective_date=date(2026, 1, 1)).id
        client = client_as(coordinator)
    page = PdfReader(io.BytesIO(client.get(f"/agreements/{agreement_id}.pdf").data)).pages[0]
    assert round(float(page.mediabox.width)) == width


def test_fetcher_refuses_encoded_traversal_and_links_out_of_its_root(tmp_path):
    """The allow-list is checked on the resolved file: %-encoded `..` and a symlink named like an
    allowed asset that points outside the static root are both refused, never read."""
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "fonts").mkdir()
    secret = tmp_path / "secret.css"
    secret.write_text("body { content: 'private' }")
    (root / "css" / "pdf.css").symlink_to(secret)
    (root / "fonts" / "Real.ttf").write_bytes(b"\x00\x01\x00\x00font")
    fetcher = pdf.StaticOnlyFetcher(root)
    assert fetcher.allowed_path((root / "fonts" / "Real.ttf").as_uri()) == (root / "fonts" / "Real.ttf").resolve()
    assert fetcher.fetch((root / "fonts" / "Real.ttf").as_uri()).read() == b"\x00\x01\x00\x00font"
    refused = [
        (root / "css" / "pdf.css").as_uri(),  # the link resolves outside the root
        (root / "fonts").as_uri() + "/%2e%2e/%2e%2e/secret.css",
        (root / "fonts").as_uri() + "/..%2f..%2fsecret.css",
        (root / "fonts").as_uri() + "/Real.ttf?download=1",
        (root / "fonts").as_uri().replace("file://", "file://localhost.evil") + "/Real.ttf",
    ]
    for url in refused:
        assert fetcher.allowed_path(url) is None, url
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
