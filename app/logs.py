"""Logging: one line per event, a request id on every line, secrets and line breaks neutralised."""
import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

SECRET_PATTERNS = [
    re.compile(r"(?i)(password|passwd|secret|token|csrf_token|code|cookie|authorization)=([^&\s]+)"),
]


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        record.remote_addr = (request.remote_addr or "-") if has_request_context() else "-"
        return True


class SafeFormatter(logging.Formatter):
    """Escapes CR/LF (no forged log lines) and masks key=value secrets."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for pattern in SECRET_PATTERNS:
            text = pattern.sub(lambda m: f"{m.group(1)}=[redacted]", text)
        return text.replace("\r", "\\r").replace("\n", "\\n")


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter(
        "%(asctime)s %(levelname)s [%(request_id)s %(remote_addr)s] %(name)s: %(message)s"))
    handler.addFilter(RequestContextFilter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = True

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", incoming) else uuid.uuid4().hex
