"""List statements of the working groups, built on the visible_* scopes.

The page, its CSV export and its counters all come from these statements, so they hold exactly
what the user may see. Invalid filter values are ignored (never an error page).
"""
from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import joinedload

from app import listing
from app import permissions
from app import precompiled
from app.extensions import db
from app.models import TLP
from app.models import Initiative
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupMember
from app.models import WorkingGroupStatus


def _is_member(user_id: int):
    return sa.exists().where(WorkingGroupMember.working_group_id == WorkingGroup.id,
                             WorkingGroupMember.user_id == user_id)


def _has_organization(org_id: int):
    member = so.aliased(User)
    return sa.or_(WorkingGroup.owner_organization_id == org_id,
                  sa.exists().where(WorkingGroupMember.working_group_id == WorkingGroup.id,
                                    WorkingGroupMember.user_id == member.id,
                                    member.organization_id == org_id))


GROUP_SORTS = {
    "reference": WorkingGroup.reference,
    "name": WorkingGroup.name,
    "status": WorkingGroup.status,
    "tlp": WorkingGroup.tlp,
    "updated": WorkingGroup.updated_at,
}


def read_filters(args: Mapping) -> dict:
    """The valid filters of the request; invalid values are dropped."""
    return {"q": listing.text_arg(args), "status": listing.enum_arg("status", WorkingGroupStatus, args),
            "tlp": listing.enum_arg("tlp", TLP, args), "initiative": listing.int_arg("initiative", args),
            "organization": listing.int_arg("organization", args), "mine": listing.flag("mine", args),
            "archived": listing.flag("archived", args)}


def list_working_groups(user: User, filters: dict) -> sa.Select:
    """The visible groups under `filters`, sorted, with their owner and initiative (the page, its CSV and its
    counters; the page counts the members with member_counts(), the CSV and the API load them)."""
    stmt = permissions.visible_working_groups(user)
    stmt = listing.archived(stmt, WorkingGroup.archived_at, filters["archived"])
    stmt = listing.search(stmt, [WorkingGroup.reference, WorkingGroup.name, WorkingGroup.charter], filters["q"])
    stmt = listing.where_equal(stmt, (WorkingGroup.status, filters["status"]), (WorkingGroup.tlp, filters["tlp"]))
    if (initiative_id := filters["initiative"]) is not None:
        # Only a visible initiative filters: an invisible one must not reveal which groups it holds.
        visible = permissions.visible_initiatives(user).with_only_columns(Initiative.id)
        stmt = stmt.where(WorkingGroup.initiative_id == initiative_id, WorkingGroup.initiative_id.in_(visible))
    if (org_id := filters["organization"]) is not None:
        stmt = stmt.where(_has_organization(org_id))
    if filters["mine"]:
        stmt = stmt.where(_is_member(user.id))
    stmt = listing.sort(stmt, GROUP_SORTS, "name", tie_breaker=WorkingGroup.id)
    return stmt.options(joinedload(WorkingGroup.owner_organization), joinedload(WorkingGroup.initiative))


def member_counts(group_ids: list[int], user_id: int) -> dict[int, tuple[int, bool]]:
    """{group id: (members, whether `user_id` is one)} of a page of groups, in ONE grouped query (groups without
    members are absent), instead of building every membership record of the page."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        sa.select(WorkingGroupMember.working_group_id, sa.func.count(),
                  sa.func.max(sa.case((WorkingGroupMember.user_id == user_id, 1), else_=0)))
        .where(WorkingGroupMember.working_group_id.in_(group_ids))
        .group_by(WorkingGroupMember.working_group_id))
    return {group_id: (n, bool(mine)) for group_id, n, mine in rows}


def task_counts(group_ids: list[int]) -> dict[int, dict[str, int]]:
    """Open and overdue task counts per group, in one query for a whole page."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        sa.select(Task.working_group_id,
                  sa.func.count(Task.id),
                  sa.func.sum(sa.case((Task.overdue_condition(), 1), else_=0)))
        .where(Task.working_group_id.in_(group_ids), Task.open_condition())
        .group_by(Task.working_group_id))
    return {gid: {"open": n or 0, "overdue": int(overdue or 0)} for gid, n, overdue in rows}


def initiative_rows(user: User) -> list[tuple]:
    """(id, reference, title, archived_at) of every initiative the user may read, by title: the list's filter
    and the labels of its rows, as light rows of a statement built and compiled once per scope."""
    return precompiled.rows(permissions.scoped_statements("group_initiative_rows", user, lambda: (
        permissions.visible_initiatives(user).order_by(Initiative.title)
        .with_only_columns(Initiative.id, Initiative.reference, Initiative.title, Initiative.archived_at))))


def visible_initiative_ids(user: User, ids) -> set[int]:
    """Which of these initiatives the user may read (a group never reveals a restricted initiative)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    stmt = permissions.visible_initiatives(user).with_only_columns(Initiative.id).where(Initiative.id.in_(ids))
    return set(db.session.scalars(stmt))
