"""Who manages an organisation's webhooks, and what an organisation may read as a webhook's receiver.

* A coordinator registers, edits, tests and replays the webhooks of their own organisation: where its data
  goes is that organisation's decision.
* A platform administrator sees every organisation's webhooks and their delivery logs and may disable one
  (a receiver that leaks or fails), but never registers, enables, deletes or points one elsewhere: those
  decide where an organisation's TLP:AMBER goes, which is the organisation's to choose.
* Members and executives do not manage webhooks.
"""
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from app.models import Organization
from app.models import Role
from app.models import User
from app.models import WebhookEndpoint


def _active(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def can_register_webhooks(user: User) -> bool:
    return _active(user) and user.role is Role.COORDINATOR


def can_open_webhooks(user: User) -> bool:
    """The webhooks page: coordinators (their organisation's) and administrators (everyone's)."""
    return _active(user) and user.role in (Role.COORDINATOR, Role.ADMIN)


def can_edit_webhook(user: User, endpoint: WebhookEndpoint) -> bool:
    """Edit, enable, delete, new secret, send a test event, replay a delivery: the endpoint's organisation's
    coordinators."""
    return can_register_webhooks(user) and user.organization_id == endpoint.organization_id


def can_disable_webhook(user: User, endpoint: WebhookEndpoint) -> bool:
    """Stop deliveries: its coordinators, and the platform administrators."""
    return can_edit_webhook(user, endpoint) or (_active(user) and user.role is Role.ADMIN)


def visible_webhook_endpoints(user: User) -> sa.Select:
    """The endpoints a user may open: an administrator every one, a coordinator their organisation's."""
    stmt = sa.select(WebhookEndpoint)
    if not can_open_webhooks(user):
        return stmt.where(sa.false())
    if user.role is Role.ADMIN:
        return stmt
    return stmt.where(WebhookEndpoint.organization_id == user.organization_id)


@dataclass(frozen=True)
class OrganizationReader:
    """An organisation reading as a whole (a webhook's receiver, a TAXII peer's organisation): what a member of
    it with no record of their own may read, for app.permissions' scopes. Never a TLP:RED reader (RED names people: no user has id 0), never an administrator."""

    organization: Organization
    id: int = 0
    role: Role = Role.MEMBER
    is_active: bool = True
    is_authenticated: bool = True
    name: str = field(default="", compare=False)

    @property
    def organization_id(self) -> int:
        return self.organization.id
