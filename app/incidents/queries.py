"""The incident list (the operator's reports and the authority's queue): filters from the query string,
sorting and the CSV columns, on visible_incident_reports. Invalid filter values are ignored."""
from collections.abc import Mapping

import sqlalchemy as sa

from app import listing, permissions
from app.models import (
    TLP,
    GeographicSpread,
    IncidentReport,
    IncidentReportStage,
    IncidentStatus,
    Sector,
    Significance,
    User,
    sector_filter,
    utcnow,
)

SORTABLE = {"reference": IncidentReport.reference, "title": IncidentReport.title,
            "status": IncidentReport.status, "aware": IncidentReport.aware_at,
            "significance": IncidentReport.significance, "updated": IncidentReport.updated_at}


def open_stage_due() -> sa.ScalarSelect:
    """The earliest deadline of the report's stages awaiting submission (NULL when none)."""
    return (sa.select(sa.func.min(IncidentReportStage.due_at))
            .where(IncidentReportStage.incident_report_id == IncidentReport.id,
                   IncidentReportStage.submitted_at.is_(None))
            .correlate(IncidentReport).scalar_subquery())


def list_statement(user: User, args: Mapping) -> sa.Select:
    stmt = listing.archived(permissions.visible_incident_reports(user), IncidentReport.archived_at,
                            listing.flag("archived", args))
    stmt = listing.search(stmt, [IncidentReport.reference, IncidentReport.title], args.get("q"))
    stmt = listing.where_equal(stmt, (IncidentReport.status, listing.enum_arg("status", IncidentStatus, args)),
                               (IncidentReport.significance, listing.enum_arg("significance", Significance, args)),
                               (IncidentReport.tlp, listing.enum_arg("tlp", TLP, args)))
    if sector := listing.enum_arg("sector", Sector, args):
        stmt = stmt.where(sector_filter(IncidentReport.sectors, sector.value))
    if listing.flag("cross_border", args):
        stmt = stmt.where(IncidentReport.geographic_spread == GeographicSpread.CROSS_BORDER)
    queue = args.get("queue")
    if queue == "received":  # the authority's queue: reports addressed to the user's organisation
        stmt = stmt.where(IncidentReport.authority_organization_id == user.organization_id)
    elif queue == "sent":
        stmt = stmt.where(IncidentReport.owner_organization_id == user.organization_id)
    if listing.flag("clock", args, "overdue"):
        stmt = stmt.where(IncidentReport.status != IncidentStatus.CLOSED, open_stage_due() < utcnow())
    return listing.sort(stmt, SORTABLE, "aware", "desc", tie_breaker=IncidentReport.id.desc())


CSV_COLUMNS = [
    ("Reference", lambda r: r.reference), ("Title", lambda r: r.title), ("Status", lambda r: r.status),
    ("TLP", lambda r: r.tlp), ("Reporter", lambda r: r.owner_organization.name),
    ("Authority", lambda r: r.authority_organization.name), ("Sectors", lambda r: r.sectors),
    ("Aware at", lambda r: r.aware_at), ("Started", lambda r: r.started_at), ("Ended", lambda r: r.ended_at),
    ("Users affected", lambda r: r.users_affected), ("Duration (min)", lambda r: r.duration),
    ("Geographic spread", lambda r: r.geographic_spread), ("Countries", lambda r: r.countries),
    ("Suspected cause", lambda r: r.suspected_cause), ("Significance", lambda r: r.significance),
    ("Updated", lambda r: r.updated_at),
]
