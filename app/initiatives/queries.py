"""The initiative list: `read_filters(args)` and `list_initiatives(user, filters)` (the shape every kind's
list has): filters, sorting and eager loading on visible_initiatives.

The page and its CSV come from the same statement, so the export holds exactly the rows the user
sees under the current filters. Invalid filter values are ignored (never an error page).
"""
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import listing, permissions
from app.extensions import db
from app.models import (
    Health,
    Initiative,
    InitiativeStatus,
    Milestone,
    User,
    initiative_participants,
    sector_filter,
)


def _progress_column():
    """Percentage of completed milestones, in SQL, so the list can sort by it."""
    done = sa.func.sum(sa.case((Milestone.completed_at.is_not(None), 1), else_=0))
    return (sa.select(sa.func.coalesce(100.0 * done / sa.func.nullif(sa.func.count(Milestone.id), 0), 0))
            .where(Milestone.initiative_id == Initiative.id).correlate(Initiative).scalar_subquery())


def read_filters(args: Mapping) -> dict:
    """The valid filters of the request; invalid values are dropped."""
    return {**listing.record_filters(args, InitiativeStatus), "health": listing.enum_arg("health", Health, args),
            "lead": listing.int_arg("lead", args)}


def list_initiatives(user: User, filters: dict) -> sa.Select:
    """The visible initiatives under `filters`, sorted and eager-loaded (shared by the page and the CSV)."""
    stmt = permissions.visible_initiatives(user)
    stmt = listing.search(stmt, [Initiative.reference, Initiative.title, Initiative.objective,
                                 Initiative.description], filters["q"])
    stmt = listing.where_equal(stmt, (Initiative.status, filters["status"]), (Initiative.health, filters["health"]),
                               (Initiative.tlp, filters["tlp"]))
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
    stmt = listing.archived(stmt, Initiative.archived_at, filters["archived"])
    stmt = listing.sort(stmt, {
        "reference": Initiative.reference, "title": Initiative.title, "status": Initiative.status,
        "health": Initiative.health, "target": Initiative.target_date, "progress": _progress_column(),
        "updated": Initiative.updated_at,
    }, "updated", "desc", tie_breaker=Initiative.id.desc())
    # The page takes its progress from milestone_progress(); the CSV and the API load the milestones.
    return stmt.options(selectinload(Initiative.lead_organization), selectinload(Initiative.participants))


def milestone_progress(initiatives) -> dict[int, int]:
    """{initiative id: Initiative.progress} of a page of initiatives, in ONE grouped count (initiatives without
    milestones are absent: 0), instead of building every milestone record of the page."""
    ids = [initiative.id for initiative in initiatives]
    if not ids:
        return {}
    done = sa.func.sum(sa.case((Milestone.completed_at.is_not(None), 1), else_=0))
    rows = db.session.execute(sa.select(Milestone.initiative_id, done, sa.func.count())
                              .where(Milestone.initiative_id.in_(ids)).group_by(Milestone.initiative_id))
    return {initiative_id: round(100 * int(done) / total) for initiative_id, done, total in rows}
