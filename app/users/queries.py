"""The user list: search, role/organisation/state filters and sorting on visible_users."""
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.models import Organization
from app.models import Role
from app.models import User

CSV_COLUMNS = [
    ("Name", lambda u: u.name), ("Email", lambda u: u.email), ("Organisation", lambda u: u.organization.name),
    ("Role", lambda u: u.role.value), ("Active", lambda u: u.active), ("Last sign-in", lambda u: u.last_login_at)]


def list_statement(user: User, args: Mapping) -> sa.Select:
    stmt = permissions.visible_users(user).options(selectinload(User.organization)).join(User.organization)
    stmt = listing.search(stmt, [User.name, User.email, Organization.name], args.get("q"))
    if role := listing.enum_arg("role", Role, args):
        stmt = stmt.where(User.role == role)
    if org_id := listing.int_arg("organization", args):
        stmt = stmt.where(User.organization_id == org_id)
    state = args.get("state")
    if state in ("active", "inactive"):
        stmt = stmt.where(User.active.is_(state == "active"))
    return listing.sort(stmt.order_by(None), {"name": User.name, "email": User.email, "role": User.role,
                                              "organization": Organization.name,
                                              "last_login": User.last_login_at}, "name", tie_breaker=User.id)
