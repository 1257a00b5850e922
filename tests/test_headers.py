"""HDR-01: security headers on every response; no-store on signed-in pages and PDFs; HSTS in production."""
import re

from config import ProductionConfig
from tests import factories
from tests.conftest import make_app

EXPECTED_CSP = {
    "default-src": "'self'", "object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'",
    "form-action": "'self'", "img-src": "'self' data:", "font-src": "'self'", "connect-src": "'self'",
}


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in policy.split(";")) if d}


def test_hdr01_csp_has_the_exact_directives_and_a_fresh_nonce(client):
    first, second = client.get("/auth/login"), client.get("/auth/login")
    for response in (first, second):
        csp = _csp(response)
        for name, value in EXPECTED_CSP.items():
            assert csp[name] == value, name
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
        assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{16,}'", csp["script-src"])
    nonce = re.search(r"nonce-([A-Za-z0-9_-]+)", _csp(first)["script-src"]).group(1)
    assert nonce != re.search(r"nonce-([A-Za-z0-9_-]+)", _csp(second)["script-src"]).group(1)
    # Every <script> in the page carries the header's nonce (no inline handlers needed).
    html = first.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_hdr01_basic_headers_on_every_kind_of_response(app, client):
    with app.app_context():
        signed_in = app.test_client(user=factories.user())
    for response in (client.get("/auth/login"), client.get("/nope"), signed_in.get("/"),
                     signed_in.get("/auth/account"), client.get("/healthz"), signed_in.get("/users/")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer")
        assert "Content-Security-Policy" in response.headers
        content_type = response.headers["Content-Type"].lower()
        # text/* needs a charset; application/json is UTF-8 by definition (RFC 8259).
        assert "charset=utf-8" in content_type or content_type == "application/json"


def test_hdr01_signed_in_pages_are_never_cached(app):
    with app.app_context():
        client = app.test_client(user=factories.user())
    for path in ("/", "/auth/account", "/agreements/", "/risks/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path


def test_hdr01_static_assets_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hdr01_hsts_under_the_production_config():
    app = make_app(type("Prod", (ProductionConfig,), {
        "SECRET_KEY": "k" * 16 + "a real random production key", "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "TRUSTED_HOSTS": ["localhost"]}))
    response = app.test_client().get("/auth/login", base_url="https://localhost")
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000 and "includeSubDomains" in hsts


def test_hdr01_no_hsts_in_development(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
