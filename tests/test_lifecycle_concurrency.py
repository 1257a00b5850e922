"""Concurrent writes against a real served app (gunicorn, 2 workers × 4 threads), SQLite or PostgreSQL.

- 20 simultaneous creates of each numbered kind: 20 records, 20 distinct references, no error.
- 20 simultaneous status updates of one mitigation / one task, all sent with the same form version:
  exactly one is accepted; the 19 others get the 409 conflict page that says the record changed
  since they opened it, who changed it, and shows back what they chose and typed; no 5xx; the
  accepted note is stored.
"""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import IncidentPlan
from app.models import Initiative
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import Organization
from app.models import OrganizationKind
from app.models import Risk
from app.models import Role
from app.models import Task
from app.models import TaskStatus
from app.models import TaskUpdate
from app.models import WorkingGroup
from app.models import today
from tests import factories

N = 20

CREATES = {
    "risk": ("/risks/new", Risk, "RSK", lambda i, org: {
        "title": f"Concurrent risk {i}", "description": "", "sector": "energy", "asset": "", "threat": "",
        "vulnerability": "", "likelihood": "3", "impact": "3", "treatment": "mitigate", "residual_likelihood": "",
        "residual_impact": "", "initiative_id": "", "next_review_date": "", "tlp": "amber"}),
    "initiative": ("/initiatives/new", Initiative, "INI", lambda i, org: {
        "title": f"Concurrent initiative {i}", "objective": "", "description": "", "agreement_id": "",
        "lead_organization_id": str(org), "sectors": ["energy"], "start_date": "", "target_date": "",
        "health": "green", "health_reason": "", "tlp": "amber"}),
    "working group": ("/working-groups/new", WorkingGroup, "WG", lambda i, org: {
        "name": f"Concurrent group {i}", "charter": "", "initiative_id": "", "tlp": "amber"}),
    "plan": ("/incident-plans/new", IncidentPlan, "IRP", lambda i, org: {
        "title": f"Concurrent plan {i}", "scope": "All sites", "version_label": "1.0", "tlp": "amber",
        "change_summary": "First issue"}),
    "agreement": ("/agreements/new", Agreement, "AGR", lambda i, org: {
        "title": f"Concurrent agreement {i}", "kind": "mutual_aid", "tlp": "amber", "summary": "", "terms": "",
        "effective_date": "", "expiry_date": "", "notice_days": "60", "sectors": ["water"]}),
}


def _coordinators(served, count: int) -> tuple[int, list]:
    """`count` coordinators of one organisation, each signed in with their own session."""
    with served.app.app_context():
        org = factories.organization(name="Concurrent Grid", kind=OrganizationKind.PRIVATE_SECTOR)
        emails = [factories.user(email=f"coord{i}@grid.example", name=f"Coordinator {i}", organization=org,
                                 role=Role.COORDINATOR).email for i in range(count)]
        org_id = org.id
    sessions = served.parallel(count, lambda i: served.login(emails[i], factories.PASSWORD))
    for session in sessions:
        # A fresh connection per request: gunicorn closes idle keep-alive connections after 2 s, and a
        # POST sent on one it just closed fails in the client ("Remote end closed connection").
        session.headers["Connection"] = "close"
        session.close()
    return org_id, sessions


@pytest.mark.parametrize("kind", list(CREATES))
def test_twenty_simultaneous_creates_get_twenty_distinct_references(served, kind):
    path, model, prefix, body = CREATES[kind]
    org_id, sessions = _coordinators(served, N)
    answers = served.parallel(N, lambda i: sessions[i].post(served.url + path, data=body(i, org_id),
                                                            allow_redirects=False, timeout=60))
    assert [a.status_code for a in answers] == [302] * N, [a.text[:300] for a in answers if a.status_code != 302]
    with served.app.app_context():
        references = db.session.scalars(sa.select(model.reference)).all()
        db.session.remove()
    assert len(references) == N and len(set(references)) == N
    pattern = re.compile(rf"{prefix}-{today().year}-\d{{4}}")
    assert all(pattern.fullmatch(r) for r in references), references
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers == list(range(1, N + 1))  # no gap, no duplicate


def _assert_one_accepted(answers, notes):
    """Exactly one 302; the others a 409 conflict page that keeps their own note; never a 5xx."""
    codes = [a.status_code for a in answers]
    assert not [c for c in codes if c >= 500], codes
    accepted = [i for i, code in enumerate(codes) if code == 302]
    assert len(accepted) == 1, codes
    for i, answer in enumerate(answers):
        if i in accepted:
            continue
        assert answer.status_code == 409, (answer.status_code, answer.text[:500])
        page = answer.text
        assert "This record was changed while you were editing it" in page
        assert "Nothing of yours was saved" in page
        assert notes[i] in page  # what they typed is in the editable form, to merge and save again
        assert 'class="conflict-form"' in page or "conflict-form" in page
    return accepted[0]


def test_twenty_simultaneous_mitigation_status_updates_accept_exactly_one(served):
    org_id, sessions = _coordinators(served, N)
    with served.app.app_context():
        org = db.session.get(Organization, org_id)
        risk = factories.risk(owner_organization=org)
        mitigation = factories.mitigation(risk=risk, status=MitigationStatus.IN_PROGRESS, effectiveness=10)
        risk_id, mitigation_id, version = risk.id, mitigation.id, mitigation.version
    path = f"/risks/{risk_id}/mitigations/{mitigation_id}/status"
    notes = [f"Field crew {i} finished the fence on site {i}." for i in range(N)]
    answers = served.parallel(N, lambda i: sessions[i].post(served.url + path, allow_redirects=False, timeout=60, data={
        "new_status": "implemented", "effectiveness": str(50 + i), "note": notes[i], "version": str(version)}))
    winner = _assert_one_accepted(answers, notes)
    with served.app.app_context():
        stored = db.session.get(Mitigation, mitigation_id)
        assert stored.status is MitigationStatus.IMPLEMENTED
        assert stored.status_note == notes[winner] and stored.effectiveness == 50 + winner
        assert stored.version == version + 1
        db.session.remove()
    # The conflict names who saved the other version (from the audit trail).
    assert all(f'<strong class="conflict-who">Coordinator {winner}</strong>' in a.text for a in answers if a.status_code == 409)


def test_twenty_simultaneous_task_status_changes_accept_exactly_one(served):
    org_id, sessions = _coordinators(served, N)
    with served.app.app_context():
        org = db.session.get(Organization, org_id)
        group = factories.working_group(owner_organization=org)
        task = factories.task(working_group=group, status=TaskStatus.TO_DO)
        task_id, version = task.id, task.version
    notes = [f"Started the inventory of cabinet {i}." for i in range(N)]
    answers = served.parallel(N, lambda i: sessions[i].post(
        served.url + f"/tasks/{task_id}/status", allow_redirects=False, timeout=60,
        data={"new_status": "in_progress", "note": notes[i], "version": str(version)}))
    winner = _assert_one_accepted(answers, notes)
    with served.app.app_context():
        stored = db.session.get(Task, task_id)
        assert stored.status is TaskStatus.IN_PROGRESS and stored.version == version + 1
        updates = db.session.scalars(sa.select(TaskUpdate.note).where(TaskUpdate.task_id == task_id)).all()
        assert updates == [notes[winner]]
        db.session.remove()
    assert all(f'<strong class="conflict-who">Coordinator {winner}</strong>' in a.text for a in answers if a.status_code == 409)
