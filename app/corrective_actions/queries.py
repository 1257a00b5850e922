"""The improvement plans' list: filters from the query string on visible_corrective_actions (the page and the API
share it). Invalid filter values are ignored."""
from collections.abc import Mapping

import sqlalchemy as sa

from app import listing
from app import permissions
from app.models import CapabilityElement
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Exercise
from app.models import User
from app.models import today

SORTABLE = {"due": CorrectiveAction.due_date, "status": CorrectiveAction.status, "title": CorrectiveAction.title,
            "updated": CorrectiveAction.updated_at}


def list_statement(user: User, args: Mapping) -> sa.Select:
    stmt = listing.archived(permissions.visible_corrective_actions(user), CorrectiveAction.archived_at,
                            listing.flag("archived", args))
    stmt = listing.search(stmt, [CorrectiveAction.title, Exercise.reference], args.get("q"))
    stmt = listing.where_equal(stmt,
                               (CorrectiveAction.status, listing.enum_arg("status", CorrectiveActionStatus, args)),
                               (CorrectiveAction.capability_element,
                                listing.enum_arg("element", CapabilityElement, args)))
    if listing.flag("due", args, "overdue"):
        stmt = stmt.where(CorrectiveAction.due_date < today(),
                          CorrectiveAction.status.in_([CorrectiveActionStatus.OPEN, CorrectiveActionStatus.IN_PROGRESS]))
    if listing.flag("mine", args):
        stmt = stmt.where(CorrectiveAction.responsible_organization_id == user.organization_id)
    return listing.sort(stmt, SORTABLE, "due", "asc", tie_breaker=CorrectiveAction.id)
