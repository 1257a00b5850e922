"""One spec per kind of record that takes attachments: its URL segment, scope, label and page.

Adding a kind is one line here (and the panel in its detail template); the routes, services,
tests and PDFs read this table.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for

from app import permissions
from app.models import TLP, Agreement, IncidentPlan, Initiative, Mitigation, Risk, Task, WorkingGroup


@dataclass(frozen=True)
class KindSpec:
    slug: str  # URL segment: /attachments/<slug>/<record id>/…
    model: type
    label: str
    visible: Callable[..., sa.Select]  # visible_*(user) of app/permissions.py
    detail_url: Callable[[object], str]
    tlp: Callable[[object], TLP]

    @property
    def object_type(self) -> str:
        return self.model.__tablename__


SPECS: tuple[KindSpec, ...] = (
    KindSpec("tasks", Task, "task", permissions.visible_tasks,
             lambda r: url_for("tasks.detail", task_id=r.id), lambda r: r.working_group.tlp),
    KindSpec("mitigations", Mitigation, "mitigation", permissions.visible_mitigations,
             lambda r: url_for("risks.detail", risk_id=r.risk_id, files=r.id, _anchor=f"mitigation-{r.id}"),
             lambda r: r.risk.tlp),
    KindSpec("risks", Risk, "risk", permissions.visible_risks,
             lambda r: url_for("risks.detail", risk_id=r.id), lambda r: r.tlp),
    KindSpec("agreements", Agreement, "agreement", permissions.visible_agreements,
             lambda r: url_for("agreements.detail", agreement_id=r.id), lambda r: r.tlp),
    KindSpec("initiatives", Initiative, "initiative", permissions.visible_initiatives,
             lambda r: url_for("initiatives.detail", initiative_id=r.id), lambda r: r.tlp),
    KindSpec("working-groups", WorkingGroup, "working group", permissions.visible_working_groups,
             lambda r: url_for("working_groups.detail", working_group_id=r.id), lambda r: r.tlp),
    KindSpec("incident-plans", IncidentPlan, "incident plan", permissions.visible_incident_plans,
             lambda r: url_for("incident_plans.detail", plan_id=r.id), lambda r: r.tlp),
)
BY_SLUG = {spec.slug: spec for spec in SPECS}
BY_MODEL = {spec.model: spec for spec in SPECS}


def spec_for(record) -> KindSpec:
    try:
        return BY_MODEL[type(record)]
    except KeyError:
        raise TypeError(f"{type(record).__name__} records take no attachments") from None
