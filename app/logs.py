"""Logging: one line per event, a request id on every line, secrets and line breaks neutralised."""
import functools
import logging
import re
import uuid

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request

SECRET_PATTERNS = [
    re.compile(r"(?i)(password|passwd|secret|token|csrf_token|code|cookie|authorization)=([^&\s\"']+)"),
    # A calendar feed's address is its token (/calendar/<token>.ics).
    re.compile(r"(/calendar)/([A-Za-z0-9_-]{16,})(?=\.ics|[\s\"'?]|$)"),
]


def redact(text: str) -> str:
    """The text with every token, password or cookie value it carries replaced by [redacted]."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(_masked, text)
    return text


def _masked(match: re.Match) -> str:
    separator = "/" if match.group(1).startswith("/") else "="
    return f"{match.group(1)}{separator}[redacted]"


class RedactingFilter(logging.Filter):
    """For loggers whose format we do not own (gunicorn's access and error logs, Werkzeug's development
    server): the message is formatted here and redacted before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left to the handler's own error reporting
            return True
        record.msg, record.args = redact(message).replace("\r", "\\r").replace("\n", "\\n"), None
        return True


@functools.cache
def _gunicorn_logger_class():
    from gunicorn.glogging import Logger

    class RedactingGunicornLogger(Logger):
        """gunicorn's logger with tokens redacted from every access-log atom (request line, path, query,
        Referer, headers) and every error-log line: a reset link or calendar address never reaches a log."""

        def setup(self, cfg):
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                if not any(isinstance(f, RedactingFilter) for f in log.filters):
                    log.addFilter(RedactingFilter())

        def atoms(self, resp, req, environ, request_time):
            found = super().atoms(resp, req, environ, request_time)
            return {key: redact(value) if isinstance(value, str) else value for key, value in found.items()}

    return RedactingGunicornLogger


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        record.remote_addr = (request.remote_addr or "-") if has_request_context() else "-"
        return True


class SafeFormatter(logging.Formatter):
    """Escapes CR/LF (no forged log lines) and masks secrets (key=value, calendar addresses)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record)).replace("\r", "\\r").replace("\n", "\\n")


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter(
        "%(asctime)s %(levelname)s [%(request_id)s %(remote_addr)s] %(name)s: %(message)s"))
    handler.addFilter(RequestContextFilter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = True
    werkzeug_log = logging.getLogger("werkzeug")  # the development server's request lines
    if not any(isinstance(f, RedactingFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactingFilter())

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", incoming) else uuid.uuid4().hex


def __getattr__(name: str):
    # gunicorn.conf.py names `app.logs.RedactingGunicornLogger`; built on first use so the app never imports
    # gunicorn itself (the development server and the tests run without it).
    if name == "RedactingGunicornLogger":
        return _gunicorn_logger_class()
    raise AttributeError(name)
