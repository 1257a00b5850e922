"""The incident reports' section of the executive report (its registry entry names it; app/documents/executive.py
runs it): every visible report of the period counted by sector and significance, whatever the edition; only those
at or below the edition's label listed (and marking the report)."""
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy.orm as so

from app import permissions
from app.documents.executive import ExecutiveSection
from app.documents.executive import capped_statements
from app.documents.executive import labels_statement
from app.documents.executive import run_capped
from app.extensions import db
from app.models import IncidentReport
from app.models import Sector
from app.models import Significance

PERIOD_DAYS = 30  # "incidents reported this period"


def _statements(reader, labels, on) -> dict:
    since = datetime.combine(on - timedelta(days=PERIOD_DAYS), time(0), tzinfo=UTC)
    incidents = permissions.visible_incident_reports(reader).where(
        IncidentReport.archived_at.is_(None), IncidentReport.created_at >= since)
    shown = incidents.where(IncidentReport.tlp.in_(labels))
    return {
        "incident_counts": incidents.with_only_columns(IncidentReport.sectors, IncidentReport.significance)
        .order_by(None),
        "incidents": capped_statements(shown.options(so.selectinload(IncidentReport.owner_organization))
                                       .order_by(IncidentReport.created_at.desc(), IncidentReport.id.desc())),
        "labels": labels_statement(shown, IncidentReport),
    }


def _context(reader, stmts: dict) -> dict:
    incident_table, incident_total = _incident_table(db.session.execute(stmts["incident_counts"]).all())
    return {"incident_table": incident_table, "incident_total": incident_total,
            "incidents": run_capped(stmts["incidents"]), "significances": list(Significance),
            "incident_days": PERIOD_DAYS}


def _incident_table(rows) -> tuple[list[tuple[str, dict]], int]:
    """[(sector label, {significance: count})] of the period's reports (a report in two sectors counts in
    each), sectors with the most first; and the number of reports."""
    table: dict[str, dict] = {}
    for sectors, significance in rows:
        for sector in sectors or [None]:
            label = Sector(sector).label if sector else "No sector"
            counts = table.setdefault(label, {s: 0 for s in Significance})
            counts[significance] += 1
    ordered = sorted(table.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return ordered, len(rows)


SECTION = ExecutiveSection(
    anchor="incidents", heading=f"Incidents reported in the last {PERIOD_DAYS} days",
    template="pdf/executive/_incidents.html", statements=_statements, context=_context,
    labels=lambda stmts: db.session.scalars(stmts["labels"]).all(),
    figures=lambda c: [("incidents_reported", c["incident_total"], f"incidents reported in {PERIOD_DAYS} days")])
