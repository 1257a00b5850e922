"""Archive and restore, for every kind whose pages archive it, under the record's API path:

    POST /api/v1/<record>/archive | /restore        (no body: `{}` or nothing)

The record is loaded through its kind's visible_* scope (404 outside it, as on the pages) and handed to the
feature's own archive service, the one behind its page's buttons: it authorises (403), audits with the token's
name and follows the archive rule (archiving an archived record, or restoring a live one, does nothing:
`changed` is false). A record whose state keeps it out of the archive (an exercise under way) is a 409.
"""
from collections.abc import Callable
from datetime import datetime

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel
from pydantic import Field

from app import kinds
from app import permissions
from app.agreements import services as agreements
from app.api import bp
from app.api import record_paths
from app.api.spec import Responses
from app.api.spec import spec
from app.exercises import improvement
from app.exercises import services as exercises
from app.extensions import db
from app.incident_plans import services as incident_plans
from app.incidents import services as incidents
from app.initiatives import services as initiatives
from app.problems import ProblemError
from app.risks import services as risks
from app.tasks import services as tasks
from app.working_groups import services as working_groups

TAGS = ("Archive",)

# Each archived kind's service: step(actor, record, archived=True|False) -> changed (the pages' own).
STEPS: dict[str, Callable] = {
    "agreement": agreements.archive_agreement,
    "initiative": initiatives.archive_initiative,
    "working_group": working_groups.archive_working_group,
    "task": tasks.archive_task,
    "risk": risks.archive_risk,
    "mitigation": risks.archive_mitigation,
    "incident_plan": incident_plans.archive_incident_plan,
    "incident_report": incidents.archive_incident_report,
    "exercise": exercises.archive_exercise,
    "corrective_action": improvement.archive_corrective_action,
}


class ArchiveOut(BaseModel):
    id: int
    archived_at: datetime | None = Field(description="When it was archived; null once restored.")
    version: int
    changed: bool = Field(description="False when it already was in that state (nothing was done).")


def _register(kind: kinds.RecordKind, step: Callable) -> None:
    rule = record_paths.record_rule(kind)

    def change(archived: bool, values: dict):
        record = record_paths.load(kind, permissions.visible_records(kind, current_user), values)
        try:
            changed = step(current_user, record, archived=archived)
        except ValueError as error:  # its state keeps it where it is (an exercise under way)
            raise ProblemError(409, str(error)) from error
        db.session.flush()
        return jsonify(ArchiveOut(id=record.id, archived_at=record.archived_at, version=record.version,
                                  changed=changed).model_dump(mode="json"))

    def archive(**values):
        return change(True, values)

    def restore(**values):
        return change(False, values)

    archive.__doc__ = f"Archive one {kind.label}, as its page's Archive button does (again: nothing changes)."
    restore.__doc__ = f"Restore one archived {kind.label}, as its page's Restore button does."
    for verb, view in (("archive", archive), ("restore", restore)):
        endpoint = f"{verb}_{kind.key}"
        bp.add_url_rule(f"{rule}/{verb}", endpoint=endpoint, methods=["POST"], view_func=spec.validate(
            resp=Responses(HTTP_200=ArchiveOut), tags=TAGS, operation_id=endpoint)(view))


for _key, _step in STEPS.items():
    _register(kinds.BY_KEY[_key], _step)
