"""The exercise list: filters from the query string, sorting and CSV columns, on visible_exercises.
Invalid filter values are ignored."""
from collections.abc import Mapping

import sqlalchemy as sa

from app import listing
from app import permissions
from app.models import TLP
from app.models import Exercise
from app.models import ExerciseStatus
from app.models import ExerciseType
from app.models import User

SORTABLE = {"reference": Exercise.reference, "title": Exercise.title, "status": Exercise.status,
            "type": Exercise.type, "starts": Exercise.starts_at, "updated": Exercise.updated_at}


def list_statement(user: User, args: Mapping) -> sa.Select:
    stmt = listing.archived(permissions.visible_exercises(user), Exercise.archived_at, listing.flag("archived", args))
    stmt = listing.search(stmt, [Exercise.reference, Exercise.title], args.get("q"))
    stmt = listing.where_equal(stmt, (Exercise.status, listing.enum_arg("status", ExerciseStatus, args)),
                               (Exercise.type, listing.enum_arg("type", ExerciseType, args)),
                               (Exercise.tlp, listing.enum_arg("tlp", TLP, args)))
    if plan_id := listing.int_arg("plan", args):
        stmt = stmt.where(Exercise.incident_plan_id == plan_id)
    return listing.sort(stmt, SORTABLE, "starts", "desc", tie_breaker=Exercise.id.desc())


CSV_COLUMNS = [
    ("Reference", lambda e: e.reference), ("Title", lambda e: e.title), ("Type", lambda e: e.type),
    ("Status", lambda e: e.status), ("TLP", lambda e: e.tlp), ("Lead", lambda e: e.owner_organization.name),
    ("Starts", lambda e: e.starts_at), ("Ends", lambda e: e.ends_at),
    ("Plan", lambda e: f"{e.incident_plan.reference} v{e.plan_version_label}" if e.incident_plan else ""),
    ("Conducted on", lambda e: e.conducted_on), ("AAR due", lambda e: e.aar_due_on),
]
