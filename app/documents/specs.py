"""What a download asks the document worker to build: a small spec (kind and arguments) instead of the HTML.

A request checks the reader may have the document (404/403 exactly like the pages) and queues the spec; the
worker loads the reader again, loads the records again through the reader's visible_* scopes (as they are when it
runs) and builds the HTML there, so no web process spends its time on a document's queries and template.
"""
from collections.abc import Callable

import sqlalchemy as sa

from app import permissions
from app.documents.content import agreement_document
from app.documents.content import incident_plan_document
from app.documents.content import initiative_document
from app.documents.content import risk_register_document
from app.documents.executive import executive_document
from app.documents.executive import record_snapshot
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import IncidentPlan
from app.models import Initiative
from app.models import ReportSnapshot
from app.models import User


class NoLongerVisible(LookupError):
    """The record, or the reader's right to the document, went away between the request and the build."""

    status = 404


def _one(stmt: sa.Select):
    record = db.session.scalars(stmt).first()
    if record is None:
        raise NoLongerVisible("This record is no longer shared with you, or it was deleted.")
    return record


def _agreement(reader: User, record_id: int) -> tuple[str, dict]:
    return agreement_document(_one(permissions.visible_agreements(reader).where(Agreement.id == record_id)))


def _incident_plan(reader: User, record_id: int) -> tuple[str, dict]:
    plan = _one(permissions.visible_incident_plans(reader).where(IncidentPlan.id == record_id))
    return incident_plan_document(plan, reader)


def _initiative(reader: User, record_id: int) -> tuple[str, dict]:
    initiative = _one(permissions.visible_initiatives(reader).where(Initiative.id == record_id))
    return initiative_document(initiative, reader)


def _risk_register(reader: User, edition: str | None = None, filters: dict | None = None) -> tuple[str, dict]:
    return risk_register_document(reader, TLP(edition) if edition else None, filters)


def _executive(reader: User, edition: str | None, previous_id: int | None) -> tuple[str, dict]:
    if not permissions.can_download_reports(reader):
        raise NoLongerVisible("Your account may no longer produce executive reports.")
    previous = None
    if previous_id is not None:  # the baseline the request saw: its known document is keyed by it
        previous = db.session.scalars(sa.select(ReportSnapshot).where(
            ReportSnapshot.id == previous_id, ReportSnapshot.user_id == reader.id)).first()
    return executive_document(reader, TLP(edition) if edition else None, previous)


BUILDERS: dict[str, Callable[..., tuple[str, dict]]] = {
    "agreement": _agreement,
    "incident_plan": _incident_plan,
    "initiative": _initiative,
    "risk_register": _risk_register,
    "executive": _executive,
}


def spec(kind: str, **arguments) -> dict:
    if kind not in BUILDERS:
        raise ValueError(f"Unknown document kind: {kind}")
    return {"kind": kind, "arguments": arguments}


def build(reader: User, document: dict) -> tuple[str, dict]:
    """(template, context) of the document a spec names, for this reader as the data stands now."""
    return BUILDERS[document["kind"]](reader, **document["arguments"])


def samples(reader: User) -> list[dict]:
    """One document of each kind the reader may have, for warming a worker up (app/documents/renders.py)."""
    found = [spec("risk_register"), spec("executive", edition=None, previous_id=None)]
    for kind, scope, model in (("agreement", permissions.visible_agreements, Agreement),
                               ("initiative", permissions.visible_initiatives, Initiative),
                               ("incident_plan", permissions.visible_incident_plans, IncidentPlan)):
        record_id = db.session.scalars(scope(reader).with_only_columns(model.id).limit(1)).first()
        if record_id is not None:
            found.append(spec(kind, record_id=record_id))
    return found


def produced(reader: User, document: dict, context: dict) -> None:
    """After the document is stored for the reader: an executive report becomes the baseline of the next one's
    trend (record_snapshot: not again for the same figures the same day). Flushes."""
    if document["kind"] == "executive":
        record_snapshot(reader, context)
