"""What a notification, a mail or a calendar entry may say about a record: one spec per kind.

Every lookup goes through the kind's visible_* scope, so a record the user can no longer read
yields nothing (no title, no link). Another feature adds its kind with one `register()` line.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from app import permissions
from app.extensions import db
from app.models import TLP, Agreement, IncidentPlan, IncidentReport, Initiative, Mitigation, Risk, Task, WorkingGroup


@dataclass(frozen=True)
class ObjectSpec:
    object_type: str
    model: type
    noun: str
    scope: Callable  # user -> Select of the model
    endpoint: Callable  # obj -> (endpoint, values)
    reference: Callable  # obj -> short reference, safe at every TLP
    title: Callable  # obj -> title (only shown where the TLP allows)
    parent: str = ""  # the relationship `reference` reads, loaded with the record (the scope joins it)


SPECS: dict[str, ObjectSpec] = {}


def register(spec: ObjectSpec) -> None:
    SPECS[spec.object_type] = spec


def _ref(obj) -> str:
    return obj.reference


register(ObjectSpec("agreement", Agreement, "Agreement", permissions.visible_agreements,
                    lambda o: ("agreements.detail", {"agreement_id": o.id}), _ref, lambda o: o.title))
register(ObjectSpec("initiative", Initiative, "Initiative", permissions.visible_initiatives,
                    lambda o: ("initiatives.detail", {"initiative_id": o.id}), _ref, lambda o: o.title))
register(ObjectSpec("working_group", WorkingGroup, "Working group", permissions.visible_working_groups,
                    lambda o: ("working_groups.detail", {"working_group_id": o.id}), _ref, lambda o: o.name))
register(ObjectSpec("risk", Risk, "Risk", permissions.visible_risks,
                    lambda o: ("risks.detail", {"risk_id": o.id}), _ref, lambda o: o.title))
register(ObjectSpec("incident_plan", IncidentPlan, "Incident plan", permissions.visible_incident_plans,
                    lambda o: ("incident_plans.detail", {"plan_id": o.id}), _ref, lambda o: o.title))
# Mail about an incident report names only its reference, the stage and the clock: never its title.
register(ObjectSpec("incident_report", IncidentReport, "Incident report", permissions.visible_incident_reports,
                    lambda o: ("incidents.detail", {"incident_id": o.id}), _ref, lambda o: o.reference))
register(ObjectSpec("task", Task, "Task", permissions.visible_tasks,
                    lambda o: ("tasks.detail", {"task_id": o.id}),
                    lambda o: f"{o.working_group.reference} task #{o.id}", lambda o: o.title, parent="working_group"))
register(ObjectSpec("mitigation", Mitigation, "Mitigation", permissions.visible_mitigations,
                    lambda o: ("risks.detail", {"risk_id": o.risk_id, "_anchor": f"mitigation-{o.id}"}),
                    lambda o: f"{o.risk.reference} mitigation #{o.id}", lambda o: o.title, parent="risk"))


# Where a notification of these kinds leads instead of the record's page: the signing page, the
# executed document (the recipient's scope is checked again there, as everywhere).
KIND_LINKS: dict[tuple[str, str], Callable] = {
    ("agreement", "issued_for_signature"): lambda o: ("signing.sign", {"agreement_id": o.id}),
    ("agreement", "executed"): lambda o: ("documents.executed", {"agreement_id": o.id}),
}


def link_for(object_type: str, kind, obj) -> tuple[str, dict]:
    """(endpoint, values) a notification of `kind` about `obj` links to."""
    special = KIND_LINKS.get((object_type, getattr(kind, "value", kind)))
    return special(obj) if special else SPECS[object_type].endpoint(obj)


def object_type_of(obj) -> str:
    for spec in SPECS.values():
        if isinstance(obj, spec.model):
            return spec.object_type
    return getattr(obj, "__tablename__", type(obj).__name__.lower())


def spec_for(object_type: str) -> ObjectSpec | None:
    return SPECS.get(object_type)


# Records without a label of their own carry their parent's: a mitigation its risk's, a task its working group's.
_LABEL_FROM = ("risk", "working_group")


def tlp_of(obj) -> TLP:
    """The record's TLP label as mail and calendar entries show it; an unknown label is the most restrictive."""
    label = getattr(obj, "tlp", None)
    for parent in _LABEL_FROM:
        if label is None and getattr(obj, parent, None) is not None:
            label = getattr(getattr(obj, parent), "tlp", None)
    return TLP(label or TLP.RED)


def tlp_allows_title(obj) -> bool:
    """Mail and calendar entries leave the TLP boundary: only CLEAR and GREEN records are named."""
    return tlp_of(obj) in (TLP.CLEAR, TLP.GREEN)


def visible_object(user, object_type: str, object_id: int | None):
    """The record if `user` may read it now, else None."""
    spec = spec_for(object_type)
    if spec is None or object_id is None:
        return None
    stmt = spec.scope(user).where(spec.model.id == object_id)
    return db.session.scalars(stmt).first()


def visible_objects(user, object_type: str, object_ids) -> dict[int, object]:
    """{id: record} for the ids `user` may read now (one query per kind)."""
    spec = spec_for(object_type)
    ids = {i for i in object_ids if i is not None}
    if spec is None or not ids:
        return {}
    stmt = spec.scope(user).where(spec.model.id.in_(ids))
    if spec.parent:
        stmt = stmt.options(contains_eager(getattr(spec.model, spec.parent)))
    return {obj.id: obj for obj in db.session.scalars(stmt)}


def can_see(user, obj) -> bool:
    spec = spec_for(object_type_of(obj))
    if spec is None or getattr(obj, "id", None) is None:
        return False
    stmt = spec.scope(user).with_only_columns(spec.model.id).where(spec.model.id == obj.id)
    return db.session.scalar(sa.select(stmt.exists())) or False
