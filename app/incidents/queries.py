"""The incident list (the operator's reports and the authority's queue): `read_filters(args)` and
`list_incident_reports(user, filters)` (the shape every kind's list has), sorting and the CSV columns, on
visible_incident_reports. Invalid filter values are ignored."""
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.models import TLP
from app.models import GeographicSpread
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import Sector
from app.models import Significance
from app.models import User
from app.models import sector_filter
from app.models import utcnow

ROW_OPTIONS = (selectinload(IncidentReport.owner_organization), selectinload(IncidentReport.authority_organization),
               selectinload(IncidentReport.stages))  # what a list row and the detail page show
SORTABLE = {"reference": IncidentReport.reference, "title": IncidentReport.title,
            "status": IncidentReport.status, "aware": IncidentReport.aware_at,
            "significance": IncidentReport.significance, "updated": IncidentReport.updated_at}


def open_stage_due() -> sa.ScalarSelect:
    """The earliest deadline of the report's stages awaiting submission (NULL when none)."""
    return (sa.select(sa.func.min(IncidentReportStage.due_at))
            .where(IncidentReportStage.incident_report_id == IncidentReport.id,
                   IncidentReportStage.submitted_at.is_(None))
            .correlate(IncidentReport).scalar_subquery())


def read_filters(args: Mapping) -> dict:
    """The valid filters of the request; invalid values are dropped."""
    return {"q": listing.text_arg(args), "status": listing.enum_arg("status", IncidentStatus, args),
            "significance": listing.enum_arg("significance", Significance, args),
            "tlp": listing.enum_arg("tlp", TLP, args), "sector": listing.enum_arg("sector", Sector, args),
            "cross_border": listing.flag("cross_border", args), "overdue": listing.flag("clock", args, "overdue"),
            "queue": args.get("queue") if args.get("queue") in ("received", "sent") else None,
            "archived": listing.flag("archived", args)}


def list_incident_reports(user: User, filters: dict) -> sa.Select:
    """The visible reports under `filters`, sorted, with what a row shows loaded (the page and its CSV)."""
    stmt = listing.archived(permissions.visible_incident_reports(user), IncidentReport.archived_at,
                            filters["archived"])
    stmt = listing.search(stmt, [IncidentReport.reference, IncidentReport.title], filters["q"])
    stmt = listing.where_equal(stmt, (IncidentReport.status, filters["status"]),
                               (IncidentReport.significance, filters["significance"]), (IncidentReport.tlp, filters["tlp"]))
    if sector := filters["sector"]:
        stmt = stmt.where(sector_filter(IncidentReport.sectors, sector.value))
    if filters["cross_border"]:
        stmt = stmt.where(IncidentReport.geographic_spread == GeographicSpread.CROSS_BORDER)
    queue = filters["queue"]
    if queue == "received":  # the authority's queue: reports addressed to the user's organisation
        stmt = stmt.where(IncidentReport.authority_organization_id == user.organization_id)
    elif queue == "sent":
        stmt = stmt.where(IncidentReport.owner_organization_id == user.organization_id)
    if filters["overdue"]:
        stmt = stmt.where(IncidentReport.status != IncidentStatus.CLOSED, open_stage_due() < utcnow())
    stmt = listing.sort(stmt, SORTABLE, "aware", "desc", tie_breaker=IncidentReport.id.desc())
    return stmt.options(*ROW_OPTIONS)


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
