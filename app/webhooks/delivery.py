"""Send what the webhook outbox holds: signed, retried with exponential backoff for 24 hours, then failed.

Run by the worker (`send_webhooks`: every minute, and nudged after each commit that queued deliveries) and by
`flask --app wsgi webhooks deliver`. Each row is claimed with a conditional UPDATE before it is sent, so
several workers never send one twice. Before each attempt the endpoint's organisation must still be
allowed to read the record (else the delivery is withheld) and the URL must pass the address rules again.
"""
import http.client
import time
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import claims
from app import kinds
from app.extensions import db
from app.models import DeliveryStatus
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.models import utcnow
from app.secret_box import SecretBox
from app.webhooks import addresses
from app.webhooks import events
from app.webhooks import signing
from app.webhooks import transport

CLAIM_SECONDS = 120
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 4 * 3600
RETRY_WINDOW = timedelta(hours=24)
SECRETS = SecretBox(salt=b"palisade-webhooks-v1", info=b"webhook_endpoints.secret_encrypted")


def backoff(attempts: int, base: int = BASE_DELAY_SECONDS) -> timedelta:
    """30 s, 1, 2, 4, 8… minutes after the 1st, 2nd, 3rd… failed attempt, at most four hours apart (`base`:
    the first delay, WEBHOOK_RETRY_BASE_SECONDS)."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS))


def due_ids(now: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(WebhookDelivery.id).join(WebhookDelivery.endpoint)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now,
               WebhookEndpoint.active.is_(True), claims.free(WebhookDelivery, now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


def _claim(row_id: int, now: datetime) -> bool:
    return claims.claim(WebhookDelivery, row_id, DeliveryStatus.PENDING, now, CLAIM_SECONDS)


def still_readable(row: WebhookDelivery) -> bool:
    """The endpoint's organisation may still read the record the delivery is about (a test event: yes)."""
    if row.object_type is None:
        return True
    kind = kinds.BY_TABLE.get(row.object_type)
    if kind is None:
        return False
    stmt = events.readable_by(kind, row.endpoint.organization, row.event).where(kind.model.id == row.object_id)
    return db.session.scalar(sa.select(stmt.exists())) is True


def attempt(row: WebhookDelivery, now: datetime) -> None:
    """One attempt at `row` (claimed); records its outcome on the row (the caller commits)."""
    row.attempts += 1
    row.last_attempt_at = now
    row.claimed_until = None
    if not still_readable(row):
        row.status, row.next_attempt_at = DeliveryStatus.WITHHELD, None
        row.last_error = "Not sent: the organisation may no longer read this record."
        return
    config = current_app.config
    body = row.payload.encode()
    try:
        target = addresses.check(row.endpoint.url)
        secret = SECRETS.decrypt(row.endpoint.secret_encrypted)
        if secret is None:
            raise addresses.AddressRefused("The signing secret cannot be read (SECRET_KEY changed): rotate it.")
        headers = signing.headers(secret, row.message_id, int(time.time()), body)
        answer = transport.post(target, headers, body, timeout=config.get("WEBHOOK_TIMEOUT", 5),
                                total=config.get("WEBHOOK_TOTAL_TIMEOUT", 15))
    except (ValueError, OSError, http.client.HTTPException) as exc:  # AddressRefused is a ValueError
        row.response_code = None
        return _failed(row, now, str(exc) or type(exc).__name__)
    row.response_code = answer.status
    if 200 <= answer.status < 300:
        row.status, row.next_attempt_at, row.last_error = DeliveryStatus.DELIVERED, None, ""
    else:
        _failed(row, now, f"HTTP {answer.status}" + (f": {answer.excerpt}" if answer.excerpt else ""))


def _failed(row: WebhookDelivery, now: datetime, error: str) -> None:
    row.last_error = " ".join(error.split())[:500]
    give_up = row.created_at + RETRY_WINDOW
    if now >= give_up:
        row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        base = current_app.config.get("WEBHOOK_RETRY_BASE_SECONDS", BASE_DELAY_SECONDS)
        row.next_attempt_at = min(now + backoff(row.attempts, base), give_up)


def next_retry(now: datetime) -> float | None:
    """Seconds until the earliest retry that is waiting (None: nothing waits)."""
    due = db.session.scalar(sa.select(sa.func.min(WebhookDelivery.next_attempt_at)).join(WebhookDelivery.endpoint)
                            .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookEndpoint.active.is_(True)))
    if due is None:
        return None
    return max((due.replace(tzinfo=now.tzinfo) - now).total_seconds(), 0.0)


def deliver_due(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Attempt every due delivery once; commits per row. Returns counts by outcome."""
    now = now or utcnow()
    counts = {status.value: 0 for status in DeliveryStatus}
    for row_id in due_ids(now, limit):
        if not _claim(row_id, now):
            continue
        row = db.session.get(WebhookDelivery, row_id)
        attempt(row, now)
        counts[row.status.value] += 1
        db.session.commit()
    return counts
