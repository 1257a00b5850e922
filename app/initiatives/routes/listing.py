"""The initiative list: search, filters, sorting, pagination and the CSV export of the same rows."""
import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import listing, permissions
from app.extensions import db
from app.initiatives import bp
from app.models import (
    TLP,
    Agreement,
    Health,
    Initiative,
    InitiativeStatus,
    Milestone,
    Sector,
    initiative_participants,
    sector_filter,
)


def _enum_arg(name: str, enum_cls):
    value = request.args.get(name)
    return enum_cls(value) if value in {m.value for m in enum_cls} else None


def _progress_column():
    """Percentage of completed milestones, in SQL, so the list can sort by it."""
    done = sa.func.sum(sa.case((Milestone.completed_at.is_not(None), 1), else_=0))
    return (sa.select(sa.func.coalesce(100.0 * done / sa.func.nullif(sa.func.count(Milestone.id), 0), 0))
            .where(Milestone.initiative_id == Initiative.id).correlate(Initiative).scalar_subquery())


def filtered_initiatives():
    """The visible initiatives under the current ?q= and filters (shared by the page and the CSV)."""
    stmt = permissions.visible_initiatives(current_user)
    stmt = listing.search(stmt, [Initiative.reference, Initiative.title, Initiative.objective,
                                 Initiative.description], request.args.get("q"))
    filters = {"status": _enum_arg("status", InitiativeStatus), "health": _enum_arg("health", Health),
               "tlp": _enum_arg("tlp", TLP), "sector": _enum_arg("sector", Sector),
               "organization": listing.int_arg("organization"), "lead": listing.int_arg("lead")}
    if filters["status"]:
        stmt = stmt.where(Initiative.status == filters["status"])
    if filters["health"]:
        stmt = stmt.where(Initiative.health == filters["health"])
    if filters["tlp"]:
        stmt = stmt.where(Initiative.tlp == filters["tlp"])
    if filters["sector"]:
        stmt = stmt.where(sector_filter(Initiative.sectors, filters["sector"].value))
    if filters["organization"]:
        org_id = filters["organization"]
        stmt = stmt.where(sa.or_(
            Initiative.lead_organization_id == org_id,
            Initiative.owner_organization_id == org_id,
            sa.exists().where(initiative_participants.c.initiative_id == Initiative.id,
                              initiative_participants.c.organization_id == org_id)))
    if filters["lead"]:
        stmt = stmt.where(Initiative.lead_organization_id == filters["lead"])
    archived = request.args.get("archived") == "1"
    stmt = stmt.where(Initiative.archived_at.is_not(None) if archived else Initiative.archived_at.is_(None))
    stmt = listing.sort(stmt, {
        "reference": Initiative.reference, "title": Initiative.title, "status": Initiative.status,
        "health": Initiative.health, "target": Initiative.target_date, "progress": _progress_column(),
        "updated": Initiative.updated_at,
    }, "updated", "desc", tie_breaker=Initiative.id.desc())
    stmt = stmt.options(selectinload(Initiative.lead_organization), selectinload(Initiative.participants),
                        selectinload(Initiative.milestones))
    return stmt, filters, archived


def _csv(stmt):
    rows = db.session.scalars(stmt.options(selectinload(Initiative.agreement))).all()
    agreement_ids = {r.agreement_id for r in rows if r.agreement_id}
    # The agreement's reference only when the reader may see that agreement (AC-09).
    readable = set(db.session.scalars(
        permissions.visible_agreements(current_user).with_only_columns(Agreement.id)
        .where(Agreement.id.in_(agreement_ids)))) if agreement_ids else set()
    return listing.csv_response(rows, [
        ("Reference", lambda i: i.reference),
        ("Title", lambda i: i.title),
        ("Status", lambda i: i.status.label),
        ("Health", lambda i: i.health.label),
        ("Health reason", lambda i: i.health_reason),
        ("Lead", lambda i: i.lead_organization.name),
        ("Participants", lambda i: [o.name for o in i.participants]),
        ("Agreement", lambda i: i.agreement.reference if i.agreement_id in readable else ""),
        ("Start", lambda i: i.start_date),
        ("Target", lambda i: i.target_date),
        ("Progress %", lambda i: i.progress),
        ("TLP", lambda i: i.tlp.label),
    ], "initiatives.csv")


@bp.get("/")
def index():
    stmt, filters, archived = filtered_initiatives()
    if listing.wants_csv():
        return _csv(stmt)
    page = listing.paginate(stmt)
    organizations = db.session.scalars(permissions.active_organizations(current_user)).all()
    return render_template(
        "initiatives/index.html", page=page, filters=filters, archived=archived, q=request.args.get("q", ""),
        status_options=InitiativeStatus.choices(), health_options=Health.choices(), tlp_options=TLP.choices(),
        sector_options=Sector.choices(), org_options=[(o.id, o.display_name) for o in organizations])
