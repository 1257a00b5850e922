"""The initiative list: `read_filters(args)` and `list_initiatives(user, filters)` (the shape every kind's
list has): filters, sorting and eager loading on visible_initiatives.

The page and its CSV come from the same statement, so the export holds exactly the rows the user
sees under the current filters. Invalid filter values are ignored (never an error page).
"""
from collections.abc import Mapping

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import load_only
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.extensions import db
from app.models import Health
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Milestone
from app.models import Organization
from app.models import User
from app.models import initiative_participants
from app.models import sector_filter


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
    """The visible initiatives under `filters`, sorted and eager-loaded (the CSV and the API; the page loads fewer
    columns: page_initiatives)."""
    # The page takes its progress from milestone_progress(); the CSV and the API load the milestones.
    return _sorted(user, filters).options(selectinload(Initiative.lead_organization),
                                          selectinload(Initiative.participants))


# What a row of the page shows (templates/initiatives/index.html): not the texts, not the sectors.
PAGE_COLUMNS = (Initiative.reference, Initiative.title, Initiative.status, Initiative.health, Initiative.health_reason,
                Initiative.lead_organization_id, Initiative.target_date, Initiative.tlp, Initiative.updated_at)


def page_initiatives(user: User, filters: dict) -> sa.Select:
    """The page's statement: list_initiatives' rows with only the columns and organisation names the page shows.
    The list as it first opens (no filter, the default order) is built once per user scope and day and kept, with
    its pages (listing.CountedPagination), as the agreement list is."""
    if not any(filters.values()) and not request.args.get("sort") and not request.args.get("dir"):
        return permissions.scoped_statements("initiatives_page", user, lambda: _page_initiatives(user, filters))
    return _page_initiatives(user, filters)


def _page_initiatives(user: User, filters: dict) -> sa.Select:
    names = (Organization.name, Organization.short_name)
    return _sorted(user, filters).options(load_only(*PAGE_COLUMNS),
                                          joinedload(Initiative.lead_organization).load_only(*names),
                                          selectinload(Initiative.participants).load_only(*names))


def _sorted(user: User, filters: dict) -> sa.Select:
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
    return stmt


def milestone_progress(initiatives) -> dict[int, int]:
    """{initiative id: Initiative.progress} of a page of initiatives, in ONE grouped count (initiatives without
    milestones are absent: 0), instead of building every milestone record of the page. The statement is built once
    and takes the page's ids as its one parameter."""
    ids = [initiative.id for initiative in initiatives]
    if not ids:
        return {}
    rows = db.session.execute(_MILESTONE_PROGRESS, {"ids": ids})
    return {initiative_id: round(100 * int(done) / total) for initiative_id, done, total in rows}


_MILESTONE_PROGRESS = (
    sa.select(Milestone.initiative_id, sa.func.sum(sa.case((Milestone.completed_at.is_not(None), 1), else_=0)),
              sa.func.count())
    .where(Milestone.initiative_id.in_(sa.bindparam("ids", expanding=True))).group_by(Milestone.initiative_id))
