"""Deny by default: every endpoint not marked @public sends an anonymous visitor to the sign-in page.

The test walks `app.url_map`, so endpoints that later features add are covered without editing it.
A new @public view must be added to PUBLIC here on purpose, after review.
"""
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import AnyConverter
from werkzeug.routing import IntegerConverter

from app.bearer import is_bearer_path
from tests.conftest import make_app

PUBLIC = {"static", "auth.login", "main.healthz",
          # The second sign-in step: the visitor has passed the password step but is not signed in
          # yet. Without a pending sign-in it sends them back to login (checked below).
          "auth.two_factor",
          # Account links by e-mail: the visitor has no password yet (invitation) or lost it (reset).
          "auth.set_password", "auth.forgot_password",
          # A calendar application cannot sign in: the feed's long random token is the credential
          # (stored hashed; unknown or revoked tokens get 404, tests/test_calendar.py).
          "calendar.feed",
          # A feed reader cannot sign in either: the sharing feed's token works the same way (tests/test_sharing.py).
          "sharing.feed"}


def _placeholder(converter) -> object:
    if isinstance(converter, AnyConverter):  # one of its listed values (/incidents/<id>/stages/<kind>)
        return sorted(converter.items)[0]
    return 1 if isinstance(converter, IntegerConverter) else "x"


def _url(rule) -> str:
    values = {name: _placeholder(conv) for name, conv in rule._converters.items()}
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build a URL for {rule.rule}"
    return built[1]


def _guarded_rules(app):
    """The page routes: the API authenticates bearer tokens instead (test_api_answers_anonymous_… below)."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC and not is_bearer_path(rule.rule)]


def _assert_sent_to_login(response, what: str) -> None:
    assert response.status_code == 302, f"{what} answered {response.status_code} to an anonymous visitor"
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login", f"{what} redirected to {response.headers['Location']}"
    assert not location.netloc or location.netloc == "localhost", location


def test_every_non_public_endpoint_sends_anonymous_visitors_to_login(app, client):
    rules = _guarded_rules(app)
    # The app has admin pages, a dashboard and record kinds: an empty walk would prove nothing.
    assert {"main.index", "organizations.index", "users.index", "auth.logout"} <= {r.endpoint for r in rules}
    checked = 0
    for rule in rules:
        url = _url(rule)
        for method in sorted(rule.methods):  # HEAD and OPTIONS included
            response = client.open(url, method=method)
            _assert_sent_to_login(response, f"{method} {url} ({rule.endpoint})")
            checked += 1
    assert checked >= len(rules)


def test_the_api_answers_anonymous_callers_401_except_its_description(app, client):
    """Under /api/ a caller without a token gets a 401 problem, never the sign-in page; only the OpenAPI
    document and its docs page (app/api OPEN_ENDPOINTS) answer without one."""
    from app.api import OPEN_ENDPOINTS

    rules = [rule for rule in app.url_map.iter_rules() if is_bearer_path(rule.rule)]
    assert {"api.list_agreements", "api.openapi"} <= {rule.endpoint for rule in rules}
    for rule in rules:
        url = _url(rule)
        for method in sorted(rule.methods - {"OPTIONS"}):
            response = client.open(url, method=method)
            if rule.endpoint in OPEN_ENDPOINTS:
                assert response.status_code in (200, 404), f"{method} {url}"
            else:
                assert response.status_code == 401, f"{method} {url} answered {response.status_code}"
                taxii = rule.rule.startswith("/taxii2/")  # TAXII error messages (app/taxii/routes.py)
                assert response.content_type == ("application/taxii+json;version=2.1" if taxii
                                                 else "application/problem+json")


def test_only_the_listed_views_are_public(app):
    public = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "is_public", False)}
    # `static` is let through by the guard itself, not by the decorator.
    assert public == PUBLIC - {"static"}


def test_the_login_redirect_remembers_a_local_next(client):
    response = client.get("/organizations/?kind=government")
    _assert_sent_to_login(response, "/organizations/")
    next_value = parse_qs(urlsplit(response.headers["Location"]).query).get("next", [""])[0]
    assert next_value.startswith("/organizations/")


def test_the_second_sign_in_step_needs_a_pending_sign_in(app, client):
    if "auth.two_factor" not in app.view_functions:
        pytest.skip("two-factor sign-in not installed")
    for method in ("GET", "POST"):
        _assert_sent_to_login(client.open("/auth/two-factor", method=method, data={"code": "123456"}),
                              f"{method} /auth/two-factor")


def test_an_unknown_url_does_not_reveal_itself_to_anonymous_visitors(client):
    _assert_sent_to_login(client.get("/no-such-page"), "/no-such-page")
    _assert_sent_to_login(client.post("/agreements/999999/archive"), "POST /agreements/999999/archive")


@pytest.mark.parametrize("url, status", [("/auth/login", 200), ("/healthz", 200),
                                         ("/static/css/app.css", 200)])
def test_public_pages_answer_anonymous_visitors(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    response.close()


def test_guard_holds_with_csrf_protection_on():
    """In production CSRF is on: an anonymous POST is refused (400 or login), never served."""
    from config import CsrfTestConfig

    client = make_app(CsrfTestConfig).test_client()
    for url in ("/users/1/deactivate", "/organizations/1/delete", "/auth/logout"):
        response = client.post(url)
        assert response.status_code in (302, 400), url
        if response.status_code == 302:
            _assert_sent_to_login(response, url)
