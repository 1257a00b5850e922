"""The plan list: `read_filters(args)` and `list_incident_plans(user, filters)` (the shape every kind's list
has), sorting and the CSV columns on visible_incident_plans.

The page and its CSV come from the same statement. Invalid filter values are ignored.
"""
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.models import IncidentPlan
from app.models import PlanStatus
from app.models import User
from app.models import incident_plan_organizations
from app.models import sector_filter

SORTABLE = {"reference": IncidentPlan.reference, "title": IncidentPlan.title,
            "version": IncidentPlan.version_label, "status": IncidentPlan.status,
            "next_review": IncidentPlan.next_review_date, "updated": IncidentPlan.updated_at}



def read_filters(args: Mapping) -> dict:
    """The valid filters of the request; invalid values are dropped."""
    return {**listing.record_filters(args, PlanStatus), "review_due": listing.flag("review", args, "due"),
            "all_versions": args.get("versions") == "all"}


def list_incident_plans(user: User, filters: dict) -> sa.Select:
    """The visible plans under `filters`, sorted, with their owner loaded (the page and its CSV)."""
    stmt = listing.archived(permissions.visible_incident_plans(user), IncidentPlan.archived_at, filters["archived"])
    stmt = listing.search(stmt, [IncidentPlan.reference, IncidentPlan.title, IncidentPlan.scope], filters["q"])
    stmt = listing.where_equal(stmt, (IncidentPlan.status, filters["status"]), (IncidentPlan.tlp, filters["tlp"]))
    if sector := filters["sector"]:
        stmt = stmt.where(sector_filter(IncidentPlan.sectors, sector.value))
    if (org_id := filters["organization"]) is not None:
        stmt = stmt.where(sa.or_(
            IncidentPlan.owner_organization_id == org_id,
            sa.exists().where(incident_plan_organizations.c.incident_plan_id == IncidentPlan.id,
                              incident_plan_organizations.c.organization_id == org_id)))
    if filters["review_due"]:
        stmt = stmt.where(IncidentPlan.review_overdue_condition())
    if not filters["all_versions"]:
        # The newest version of each reference among the matching rows (so ?status=approved still
        # finds the approved 1.0 while a 2.0 draft is being written).
        latest = (stmt.with_only_columns(sa.func.max(IncidentPlan.id)).group_by(IncidentPlan.reference)
                  .correlate(None))
        stmt = stmt.where(IncidentPlan.id.in_(latest))
    stmt = listing.sort(stmt, SORTABLE, "updated", "desc", tie_breaker=IncidentPlan.id.desc())
    return stmt.options(selectinload(IncidentPlan.owner_organization))


CSV_COLUMNS = [
    ("Reference", lambda p: p.reference), ("Version", lambda p: p.version_label), ("Title", lambda p: p.title),
    ("Status", lambda p: p.status), ("TLP", lambda p: p.tlp), ("Owner", lambda p: p.owner_organization.name),
    ("Covered organisations", lambda p: [o.name for o in p.covered_organizations]),
    ("Sectors", lambda p: p.sectors), ("Approver", lambda p: p.approver.name if p.approver else ""),
    ("Approved at", lambda p: p.approved_at), ("Next review", lambda p: p.next_review_date),
    ("Review overdue", lambda p: p.is_review_due), ("Updated", lambda p: p.updated_at),
    ("Archived", lambda p: p.archived_at),
]
