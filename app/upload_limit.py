"""Who gets the upload allowance (ATTACHMENT_REQUEST_MAX_MB) instead of MAX_CONTENT_LENGTH (2 MiB).

The limit must be decided before the body is parsed, and CSRF is checked only after: an anonymous client
would otherwise make every worker read 81 MB before being refused. So the larger limit goes only to a
signed-in, active user whose request carries a CSRF token that validates: the X-CSRFToken header, or the form's
`csrf_token` field found in the first bytes of the body (forms put it first), which are read here and handed
back to the form parser unchanged.
"""
import io
import re

from flask import current_app
from flask import request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

PEEK_BYTES = 16 * 1024
_FIELD = re.compile(rb'name="csrf_token"\r\n(?:[^\r\n]+\r\n)*\r\n([A-Za-z0-9._-]{1,200})\r\n')
_URLENCODED = re.compile(rb"(?:^|&)csrf_token=([A-Za-z0-9._%-]{1,300})(?:&|$)")


class _Replayed(io.RawIOBase):
    """The bytes read ahead, then the rest of the original stream."""

    def __init__(self, head: bytes, rest):
        self._head, self._rest = memoryview(head), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _token_from_body() -> str | None:
    environ = request.environ
    length = request.content_length or 0
    if not length:
        return None
    original = environ["wsgi.input"]
    head = original.read(min(length, PEEK_BYTES))
    environ["wsgi.input"] = io.BufferedReader(_Replayed(head, original))
    match = _FIELD.search(head) or _URLENCODED.search(head)
    if match is None:
        return None
    from urllib.parse import unquote

    return unquote(match.group(1).decode("ascii", "replace"))


def may_upload() -> bool:
    """Whether this request may carry up to ATTACHMENT_REQUEST_MAX_MB (call before anything reads the body)."""
    if request.method != "POST" or not current_user.is_authenticated or not current_user.is_active:
        return False
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True  # tests without CSRF: signed in is what is left to check
    token = request.headers.get("X-CSRFToken") or _token_from_body()
    if not token:
        return False
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True
