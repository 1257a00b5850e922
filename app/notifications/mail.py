"""The outbox: mail is written as a row in the same transaction as the change, and sent later.

`queue_email()` only adds a row (flush, never commit); the worker (`delivery.deliver_due()`)
sends it, so a mail server outage never fails or slows a request.
"""
from flask import current_app

from app.extensions import db
from app.models import OutboxEmail
from app.models import OutboxStatus
from app.models import utcnow

MAX_SUBJECT = 300


def queue_email(to: str, subject: str, text: str, html: str | None = None) -> OutboxEmail:
    subject = " ".join((subject or "").split())  # no header injection through newlines
    if len(subject) > MAX_SUBJECT:
        subject = subject[:MAX_SUBJECT - 1] + "…"
    message = OutboxEmail(recipient=(to or "").strip(), subject=subject, body=text or "", html=html,
                          status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(), last_error="")
    db.session.add(message)
    db.session.flush()
    from app.notifications.jobs import nudge_delivery

    nudge_delivery()
    return message


def base_url() -> str:
    """Where links that leave the app point: PUBLIC_BASE_URL, never the request's Host or forwarded
    headers (an anonymous request with `Host: attacker.example` must not decide a victim's reset link).
    The worker, the CLI and a request therefore all build the same links."""
    return (current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:5000").rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail, calendar feeds and sealed documents: PUBLIC_BASE_URL plus the route's path."""
    anchor = values.pop("_anchor", None)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base_url() + path + (f"#{anchor}" if anchor else "")
