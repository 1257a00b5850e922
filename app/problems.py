"""RFC 9457 problem details: every error of a bearer-authenticated request (the API) as
`application/problem+json` with `type`, `title`, `status` and `detail`; validation errors list the
fields at fault in `errors` ([{"field": "title", "message": "…"}]).

`ProblemError` is raised by API code for an error page handlers would not know how to word;
`problem_response(error)` turns any werkzeug HTTPException into the same shape (app/errors.py calls it
for bearer requests, so a 404 of routing or a 405 answers like the views do).
"""
from http import HTTPStatus

from flask import Response
from flask import json
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"

# Details worth more than the status phrase; anything else says what werkzeug's description says.
DETAILS = {
    400: "The request could not be read.",
    401: "Send a valid API token: Authorization: Bearer <token>. Cookies are not accepted on the API.",
    403: "Your token or your role does not allow this.",
    404: "No such resource, or it is not visible to you.",
    405: "This method is not allowed here.",
    406: "This resource answers in JSON only.",
    409: "Someone else changed this at the same moment; nothing was saved. Read it again and retry.",
    412: "The record changed since you read it: its current version differs from If-Match. Read it again.",
    413: "The request body is too large.",
    415: "Send the body as JSON (Content-Type: application/json).",
    422: "The body holds values that cannot be accepted.",
    428: "Send If-Match with the record's ETag (its version) to change it.",
    429: "Too many requests for this token. Wait for the number of seconds in Retry-After.",
    500: "An unexpected error occurred; nothing was saved.",
    503: "The service is unavailable for a moment; try again.",
}


class ProblemError(HTTPException):
    """An HTTP error with a problem-details body: status, optional detail, field errors, extra headers."""

    def __init__(self, status: int, detail: str | None = None, *, errors: list[dict] | None = None,
                 headers: dict | None = None):
        self.code = status
        super().__init__(description=detail or DETAILS.get(status, HTTPStatus(status).phrase))
        self.errors = errors
        self.extra_headers = headers or {}


def problem_body(status: int, detail: str, errors: list[dict] | None = None) -> dict:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def problem_response(error: HTTPException) -> Response:
    status = error.code or 500
    if isinstance(error, ProblemError):
        detail, errors, headers = error.description, error.errors, error.extra_headers
    else:
        # Werkzeug's own descriptions speak of "the browser" and "the server": ours speak to API clients.
        detail, errors, headers = DETAILS.get(status, HTTPStatus(status).phrase), None, {}
    response = Response(json.dumps(problem_body(status, detail, errors)), status=status, mimetype=MEDIA_TYPE)
    if status == 405:
        response.headers.extend((k, v) for k, v in error.get_headers() if k == "Allow")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="palisade"'
    for name, value in headers.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response
