"""The record kinds that take comments: one spec per kind, so routes, pages and tests cover them alike."""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from app import permissions
from app.models import Agreement, IncidentPlan, IncidentReport, Initiative, Risk, Task


@dataclass(frozen=True)
class CommentSpec:
    model: type
    kind: str              # audit action prefix: agreement.commented
    label: str             # on screen: "agreement"
    id_arg: str            # URL parameter of the record's detail page
    detail_endpoint: str
    scope: Callable[..., sa.Select]

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def reference(self, record) -> str:
        return getattr(record, "reference", None) or f"#{record.id}"

    def title(self, record) -> str:
        return getattr(record, "title", None) or getattr(record, "name", "")


SPECS: tuple[CommentSpec, ...] = (
    CommentSpec(Agreement, "agreement", "agreement", "agreement_id", "agreements.detail",
                permissions.visible_agreements),
    CommentSpec(IncidentPlan, "incident_plan", "incident-response plan", "plan_id", "incident_plans.detail",
                permissions.visible_incident_plans),
    CommentSpec(Initiative, "initiative", "initiative", "initiative_id", "initiatives.detail",
                permissions.visible_initiatives),
    CommentSpec(Task, "task", "task", "task_id", "tasks.detail", permissions.visible_tasks),
    CommentSpec(Risk, "risk", "risk", "risk_id", "risks.detail", permissions.visible_risks),
    CommentSpec(IncidentReport, "incident_report", "incident report", "incident_id", "incidents.detail",
                permissions.visible_incident_reports),
)
BY_MODEL: dict[type, CommentSpec] = {spec.model: spec for spec in SPECS}
BY_TABLE: dict[str, CommentSpec] = {spec.table: spec for spec in SPECS}


def spec_for(record) -> CommentSpec:
    return BY_MODEL[type(record)]
