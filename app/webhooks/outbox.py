"""Webhook deliveries are written in the transaction of the change they report: one hook for every service.

Services audit every change (app/audit.py). As a transaction commits, the audit events it holds are read
once: each names an event (app/webhooks/events.py); for each active endpoint subscribed to it whose
organisation may read the record (the pages' TLP rule, `events.readable_by`: an event's audience), a
`webhook_deliveries` row is added before the commit's last flush. So a change that rolls back leaves no
delivery, and a committed one always has its deliveries; the worker sends them after the commit.
"""
import json
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models import AuditEvent
from app.models import DeliveryStatus
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.models import utcnow
from app.webhooks import events
from app.webhooks import payloads

_NOTED = "palisade_webhook_audits"
_installed = {"done": False}


def install() -> None:
    """Listen on every session (once per process)."""
    if _installed["done"]:
        return
    sa.event.listen(so.Session, "before_flush", _note)
    sa.event.listen(so.Session, "before_commit", _write)
    sa.event.listen(so.Session, "after_soft_rollback", _forget)
    _installed["done"] = True


def _note(session: so.Session, _flush_context, _instances) -> None:
    audits = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if audits:
        session.info.setdefault(_NOTED, []).extend(audits)


def _forget(session: so.Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_NOTED, None)


def message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def _alive(audit: AuditEvent) -> bool:
    state = sa.inspect(audit)
    return state.persistent or state.pending


def _write(session: so.Session) -> None:
    if not session.info.get(_NOTED) and not any(isinstance(obj, AuditEvent) for obj in session.new):
        return
    session.flush()  # the records as they will be committed (their updated_at, version)
    audits = [audit for audit in dict.fromkeys(session.info.pop(_NOTED, ())) if _alive(audit)]
    found = {}
    for audit in audits:
        event = events.event_for(audit.action, audit.object_type, audit.summary or "")
        if event is not None and audit.object_id is not None:
            found.setdefault((event[1], audit.object_type, audit.object_id), (event[0], audit))
    if not found:
        return
    endpoints = session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
                                .options(so.joinedload(WebhookEndpoint.organization))).all()
    if not endpoints:
        return
    readable: dict[tuple, object] = {}
    for (name, object_type, object_id), (kind, audit) in found.items():
        data = None
        for endpoint in (endpoint for endpoint in endpoints if endpoint.subscribes(name)):
            key = (endpoint.organization_id, object_type, object_id, events.audience(name))
            if key not in readable:
                scope = events.readable_by(kind, endpoint.organization, name)
                readable[key] = session.scalar(scope.where(kind.model.id == object_id))
            record = readable[key]
            if record is None:
                continue
            data = data or payloads.record_data(kind, record)
            queue(session, endpoint, name, payloads.body(name, audit.at or utcnow(), data),
                  object_type=object_type, object_id=object_id)


def queue(session: so.Session, endpoint: WebhookEndpoint, event: str, body: str, *, object_type=None,
          object_id=None, message: str | None = None) -> WebhookDelivery:
    """Add one delivery (due now) and have the worker nudged once the transaction commits."""
    json.loads(body)  # a payload is JSON or nothing
    delivery = WebhookDelivery(endpoint=endpoint, message_id=message or message_id(), event=event, payload=body,
                               object_type=object_type, object_id=object_id, status=DeliveryStatus.PENDING,
                               attempts=0, next_attempt_at=utcnow(), last_error="")
    session.add(delivery)
    from app.webhooks.jobs import nudge_sending

    nudge_sending(session)
    return delivery
