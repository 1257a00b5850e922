"""Use cases of webhooks: register (the secret shown once), edit, disable, delete, send a test, replay.

Each authorises (app/permissions/webhooks.py), audits and flushes; the request commits.
"""
from urllib.parse import urlsplit

import sqlalchemy as sa

from app import audit
from app import permissions
from app import records
from app.extensions import db
from app.models import User
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.models import utcnow
from app.webhooks import addresses
from app.webhooks import events
from app.webhooks import outbox
from app.webhooks import payloads
from app.webhooks import signing
from app.webhooks.delivery import SECRETS

AddressRefused = addresses.AddressRefused


def _host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def _events(chosen) -> list[str]:
    unknown = set(chosen) - events.NAMES
    if unknown:
        raise ValueError(f"Unknown events: {', '.join(sorted(unknown))}")
    return sorted(set(chosen))


def register_endpoint(actor: User, *, url: str, description: str, events: list[str]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the actor's organisation and its secret (to show once). Raises AddressRefused."""
    permissions.authorize(permissions.can_register_webhooks(actor))
    addresses.check(url)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(organization_id=actor.organization_id, url=url.strip(), description=description or "",
                               events=_events(events), secret_encrypted=SECRETS.encrypt(secret), active=True,
                               created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook.created", endpoint,
                 summary=f"to {_host(endpoint.url)}; {len(endpoint.events)} event(s)")
    return endpoint, secret


def update_endpoint(actor: User, endpoint: WebhookEndpoint, *, expected_version: int | None, url: str,
                    description: str, events: list[str]) -> dict:
    permissions.authorize(permissions.can_edit_webhook(actor, endpoint))
    url = url.strip()
    if url != endpoint.url:
        addresses.check(url)
    chosen = _events(events)
    if set(chosen) == set(endpoint.events or ()):
        chosen = endpoint.events  # the same events: kept as stored, whatever their order
    return records.apply_changes(actor, endpoint, {"url": url, "description": description or "",
                                                   "events": chosen},
                                 expected_version=expected_version, action="webhook.updated")


def rotate_secret(actor: User, endpoint: WebhookEndpoint) -> str:
    """A new secret (the old one stops signing at once), to show once."""
    permissions.authorize(permissions.can_edit_webhook(actor, endpoint))
    secret = signing.new_secret()
    endpoint.secret_encrypted = SECRETS.encrypt(secret)
    audit.record(actor, "webhook.secret_rotated", endpoint)
    return secret


def set_active(actor: User, endpoint: WebhookEndpoint, active: bool) -> bool:
    """Enable (its coordinators) or disable (also an administrator); False when it already was."""
    permissions.authorize(permissions.can_edit_webhook(actor, endpoint) if active
                          else permissions.can_disable_webhook(actor, endpoint))
    if endpoint.active == active:
        return False
    endpoint.active = active
    audit.record(actor, "webhook.enabled" if active else "webhook.disabled", endpoint)
    return True


def delete_endpoint(actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log (the audit trail keeps that it existed)."""
    permissions.authorize(permissions.can_edit_webhook(actor, endpoint))
    audit.record(actor, "webhook.deleted", endpoint, summary=f"to {_host(endpoint.url)}")
    db.session.delete(endpoint)
    db.session.flush()


def send_test(actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` event to the endpoint (even a disabled one stays queued until enabled)."""
    permissions.authorize(permissions.can_edit_webhook(actor, endpoint))
    body = payloads.body(events.TEST_EVENT, utcnow(), {"endpoint_id": endpoint.id})
    delivery = outbox.queue(db.session, endpoint, events.TEST_EVENT, body)
    audit.record(actor, "webhook.tested", endpoint)
    return delivery


def replay(actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's message again (same webhook-id and payload, a new entry in the log)."""
    endpoint = delivery.endpoint
    permissions.authorize(permissions.can_edit_webhook(actor, endpoint))
    again = outbox.queue(db.session, endpoint, delivery.event, delivery.payload, object_type=delivery.object_type,
                         object_id=delivery.object_id, message=delivery.message_id)
    audit.record(actor, "webhook.replayed", endpoint, summary=f"delivery #{delivery.id} ({delivery.event})")
    return again


def endpoint_list(user: User) -> list[WebhookEndpoint]:
    stmt = (permissions.visible_webhook_endpoints(user)
            .options(sa.orm.joinedload(WebhookEndpoint.organization))
            .order_by(WebhookEndpoint.organization_id, WebhookEndpoint.id))
    return list(db.session.scalars(stmt))


def delivery_statement(endpoint: WebhookEndpoint) -> sa.Select:
    """The deliveries of an endpoint the caller loaded through its scope (another endpoint's are not found)."""
    return sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)


def deliveries_of(endpoint: WebhookEndpoint, limit: int = 200) -> list[WebhookDelivery]:
    stmt = delivery_statement(endpoint).order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))
