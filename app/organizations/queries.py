"""The organisation list: search, kind/sector filters, archive view and sorting on visible_organizations."""
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.models import Organization
from app.models import OrganizationKind
from app.models import Sector
from app.models import User
from app.models import sector_filter

CSV_COLUMNS = [
    ("Name", lambda o: o.name), ("Short name", lambda o: o.short_name), ("Kind", lambda o: o.kind),
    ("Country", lambda o: o.country), ("Sectors", lambda o: o.sectors),
    ("Parent", lambda o: o.parent.name if o.parent else ""), ("Archived", lambda o: o.archived_at)]


def list_statement(user: User, args: Mapping) -> sa.Select:
    stmt = permissions.visible_organizations(user).options(selectinload(Organization.parent))
    stmt = listing.search(stmt, [Organization.name, Organization.short_name, Organization.country], args.get("q"))
    if kind := listing.enum_arg("kind", OrganizationKind, args):
        stmt = stmt.where(Organization.kind == kind)
    if sector := listing.enum_arg("sector", Sector, args):
        stmt = stmt.where(sector_filter(Organization.sectors, sector.value))
    stmt = listing.archived(stmt, Organization.archived_at, listing.flag("archived", args))
    user_count = (sa.select(sa.func.count(User.id)).where(User.organization_id == Organization.id)
                  .correlate(Organization).scalar_subquery())
    return listing.sort(stmt.order_by(None), {"name": Organization.name, "kind": Organization.kind,
                                              "country": Organization.country, "users": user_count},
                        "name", tie_breaker=Organization.id)
