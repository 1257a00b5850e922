"""Webhooks: an organisation's endpoints and the outbox of their deliveries (DESIGN.md, "API").

A delivery is written in the same transaction as the change it reports (app/webhooks/outbox.py) and sent
later by the worker, signed per the Standard Webhooks specification with the endpoint's secret, which is
kept encrypted (app/secret_box.py) and shown to its coordinator once.
"""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import TimestampMixin
from app.models._common import enum_column_type
from app.models._common import utcnow


class DeliveryStatus(LabelledEnum):
    PENDING = "pending"        # waiting for its first or next attempt
    DELIVERED = "delivered"    # the receiver answered 2xx
    FAILED = "failed"          # refused for good, or still failing 24 hours after the event
    WITHHELD = "withheld"      # not sent: the organisation may no longer read the record, or the address is refused


class WebhookEndpoint(TimestampMixin, db.Model):
    __tablename__ = "webhook_endpoints"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    url: so.Mapped[str] = so.mapped_column(sa.String(2000))
    description: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    events: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    # The Standard Webhooks secret ("whsec_…"), encrypted at rest.
    secret_encrypted: so.Mapped[str] = so.mapped_column(sa.String(500))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    version: so.Mapped[int] = so.mapped_column(default=1)

    organization: so.Mapped["Organization"] = so.relationship()  # noqa: F821
    created_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821
    deliveries: so.Mapped[list["WebhookDelivery"]] = so.relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}

    def subscribes(self, event: str) -> bool:
        return self.active and event in (self.events or ())

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} org={self.organization_id}>"


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      sa.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    endpoint_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    # The `webhook-id` header: the same for every attempt (and a replay) of one message.
    message_id: so.Mapped[str] = so.mapped_column(sa.String(40))
    event: so.Mapped[str] = so.mapped_column(sa.String(60))
    # The record the event is about (None for a test event): checked again before each attempt.
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[int | None]
    payload: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[DeliveryStatus] = so.mapped_column(enum_column_type(DeliveryStatus),
                                                         default=DeliveryStatus.PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    response_code: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(default=utcnow)
    # A sending worker holds the row until this time, so two workers never send it at once.
    claimed_until: so.Mapped[datetime | None]
    last_attempt_at: so.Mapped[datetime | None]
    last_error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    endpoint: so.Mapped[WebhookEndpoint] = so.relationship(back_populates="deliveries")

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event} {self.status}>"
