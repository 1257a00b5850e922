"""One archive rule for every kind: archiving an archived record, or restoring a live one, does nothing.

A second click (two tabs, a stale page, a double submit) is never a 403 and never writes a second
audit event; the user is told the record already was in that state. The same holds for a plan
section's remove/restore and a milestone's complete/reopen.
"""
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Milestone
from app.models import Phase
from app.models import PlanSection
from app.models import Role
from tests import factories as f


@dataclass
class Case:
    model: type
    record_id: int
    archive_url: str
    restore_url: str
    archived_action: str
    restored_action: str
    state: str = "archived_at"  # the column that says "archived" (completed_at for a milestone)


def _build(kind: str, coordinator) -> Case:
    """One record of `kind` that `coordinator` may archive, and its two URLs."""
    org = coordinator.organization
    if kind == "section":
        plan = f.incident_plan(owner_organization=org, created_by=coordinator)
        section = PlanSection(plan_id=plan.id, phase=Phase.PREPARATION, title="Backups", body="Nightly")
        db.session.add(section)
        db.session.commit()
        base = f"/incident-plans/{plan.id}/sections/{section.id}"
        return Case(PlanSection, section.id, f"{base}/delete", f"{base}/restore",
                    "incident_plan.section_archived", "incident_plan.section_restored")
    if kind == "milestone":
        initiative = f.initiative(owner_organization=org, created_by=coordinator)
        milestone = Milestone(initiative_id=initiative.id, title="Kick-off")
        db.session.add(milestone)
        db.session.commit()
        base = f"/initiatives/{initiative.id}/milestones/{milestone.id}"
        return Case(Milestone, milestone.id, f"{base}/complete", f"{base}/reopen",
                    "initiative.milestone_completed", "initiative.milestone_reopened", state="completed_at")
    if kind == "mitigation":
        risk = f.risk(owner_organization=org, created_by=coordinator)
        record = f.mitigation(risk=risk)
        base = f"/risks/{risk.id}/mitigations/{record.id}"
    elif kind == "task":
        group = f.working_group(owner_organization=org, created_by=coordinator, members=[coordinator])
        record = f.task(working_group=group)
        base = f"/tasks/{record.id}"
    else:
        factory, prefix = {"agreement": (f.agreement, "agreements"), "initiative": (f.initiative, "initiatives"),
                           "working_group": (f.working_group, "working-groups"), "risk": (f.risk, "risks"),
                           "incident_plan": (f.incident_plan, "incident-plans")}[kind]
        record = factory(owner_organization=org, created_by=coordinator)
        base = f"/{prefix}/{record.id}"
    return Case(type(record), record.id, f"{base}/archive", f"{base}/restore", f"{kind}.archived",
                f"{kind}.restored")


KINDS = ["agreement", "initiative", "working_group", "task", "risk", "mitigation", "incident_plan", "section",
         "milestone"]


def _events(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action))


def _state(case: Case):
    return getattr(db.session.get(case.model, case.record_id), case.state)


@pytest.mark.parametrize("kind", KINDS)
def test_archiving_twice_and_restoring_twice_change_nothing_the_second_time(app, client_as, kind):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        case = _build(kind, coordinator)
        client = client_as(coordinator)

    # Restoring a live record: nothing to do, nothing audited.
    response = client.post(case.restore_url, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert _state(case) is None and _events(case.restored_action) == 0

    assert client.post(case.archive_url).status_code == 302
    with app.app_context():
        first = _state(case)
        assert first is not None and _events(case.archived_action) == 1

    again = client.post(case.archive_url, follow_redirects=True)  # a second tab, a double submit
    assert again.status_code == 200
    assert "already" in again.get_data(as_text=True)
    with app.app_context():
        assert _state(case) == first and _events(case.archived_action) == 1

    assert client.post(case.restore_url).status_code == 302
    assert client.post(case.restore_url).status_code == 302
    with app.app_context():
        assert _state(case) is None and _events(case.restored_action) == 1


@pytest.mark.parametrize("kind", ["agreement", "task", "mitigation", "section"])
def test_someone_who_may_not_archive_is_refused_whatever_the_state(app, client_as, kind):
    """The rule makes a repeat harmless for those allowed; it opens nothing to anyone else (403)."""
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        case = _build(kind, coordinator)
        member = f.user(role=Role.MEMBER, organization=coordinator.organization)
        coordinating, reading = client_as(coordinator), client_as(member)
    assert coordinating.post(case.archive_url).status_code == 302
    for url in (case.archive_url, case.restore_url):
        assert reading.post(url).status_code == 403
    with app.app_context():
        assert _state(case) is not None and _events(case.restored_action) == 0
