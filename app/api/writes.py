"""What every write of the API checks before its service runs, and how the services' refusals answer.

* The body: JSON (else 415), readable (else 400), an object (else 422), at most API_MAX_BODY bytes (else 413).
  Checked before spectree validates it against the operation's model (which names the fields at fault).
  No body at all and no Content-Type reads as `{}`: a step without options (archive, acknowledge, a
  notification read) needs none (an empty body declared as JSON is not JSON: 400). An upload (UPLOAD_ENDPOINTS) is multipart/form-data
  (else 415), up to ATTACHMENT_REQUEST_MAX_MB (else 413), like the pages' uploads.
* Optimistic locking: the answer to a read carries `ETag: "<version>"`; an update sends it back in
  `If-Match`. Without it: 428; another version: 412 (also when a concurrent write wins the race).
"""
import re

from flask import Response
from flask import current_app
from flask import request

from app.models import InvalidTransition
from app.models import StaleEdit
from app.problems import ProblemError

JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")
MULTIPART = "multipart/form-data"
UPLOAD_ENDPOINTS: set[str] = set()  # the operations that take files (app/api/attachments.py adds them)
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def check_body() -> None:
    """The checks of a write's body, before anything reads it."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        check_upload_body()
    elif not _bodiless():
        check_json_body()


def _bodiless() -> bool:
    """No body and no Content-Type (a DELETE: no body, whatever its type): the operation's model validates `{}`."""
    if request.method == "DELETE" and not request.content_length:
        return True
    if request.mimetype:
        return False
    if request.content_length is not None:
        return request.content_length == 0
    return "chunked" not in request.headers.get("Transfer-Encoding", "").lower()


def check_upload_body() -> None:
    if request.mimetype != MULTIPART:
        raise ProblemError(415, "Send the files as multipart/form-data, in parts named `files`.")
    # The pages' allowance for uploads; the token was checked first, so no anonymous body is read this far.
    request.max_content_length = current_app.config["ATTACHMENT_REQUEST_MAX_MB"] * 1024 * 1024


def check_json_body() -> None:
    limit = current_app.config["API_MAX_BODY"]
    if request.content_length is not None and request.content_length > limit:
        raise ProblemError(413, f"The body holds more than {limit} bytes.")
    if not JSON_TYPE.match(request.mimetype or ""):
        raise ProblemError(415)
    if len(request.get_data(cache=True)) > limit:  # a chunked body without Content-Length
        raise ProblemError(413, f"The body holds more than {limit} bytes.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        body = None
    if body is None:
        raise ProblemError(400, "The body is not valid JSON.")
    if not isinstance(body, dict):
        raise ProblemError(422, "The body must be a JSON object.",
                           errors=[{"field": "body", "message": "Send a JSON object ({…})."}])


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, version: int) -> Response:
    response.headers["ETag"] = etag(version)
    return response


def created(response: Response, location: str) -> Response:
    """A create's answer: 201, with where the new record is read."""
    response.status_code = 201
    response.headers["Location"] = location
    return response


def expected_version(record) -> int:
    """The version If-Match names: 428 without it, 412 when it is not the record's current one."""
    header = request.headers.get("If-Match")
    if not header:
        raise ProblemError(428)
    match = _IF_MATCH.match(header)
    if match is None or int(match.group(1)) != record.version:
        raise ProblemError(412, f"The record is at version {record.version}; If-Match named another. "
                                "Read it again, then retry with its ETag.")
    return int(match.group(1))


def refusal(error: Exception) -> ProblemError:
    """A service's refusal as a problem: a stale version 412, a step the lifecycle does not allow 409,
    any other rule (a domain ValueError) 422."""
    if isinstance(error, StaleEdit):
        return ProblemError(412, str(error))
    if isinstance(error, InvalidTransition):
        return ProblemError(409, str(error))
    if getattr(error, "field", None):  # a service that names the field at fault (ExerciseInputError)
        return field_error(error.field, str(error))
    return ProblemError(422, str(error))


def field_error(field: str, message: str) -> ProblemError:
    """A 422 naming the one field at fault."""
    return ProblemError(422, message, errors=[{"field": field, "message": message}])
