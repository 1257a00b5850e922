"""Which requests authenticate with a bearer token instead of the session cookie.

Under these paths (the API; the TAXII server adds its own prefix here) a cookie is never read and never
set: the session is empty whatever the browser sends, so a page session cannot be ridden by a script
that makes the browser call the API (no confused deputy, no CSRF). Those views authenticate the
`Authorization: Bearer` header themselves (app/api/tokens.py) and answer errors as problem details.
"""
from flask import Flask
from flask import Request
from flask import request
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface

BEARER_PREFIXES: tuple[str, ...] = ("/api/", "/taxii2/")


def is_bearer_path(path: str) -> bool:
    return path.startswith(BEARER_PREFIXES)


def is_bearer_request() -> bool:
    return is_bearer_path(request.path)


class CookielessBearerSessions(SecureCookieSessionInterface):
    """The default cookie sessions, except under BEARER_PREFIXES: an empty session, never saved."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_bearer_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if is_bearer_path(request.path):
            return None
        return super().save_session(app, session, response)
