"""Lifecycles and derived facts of the models, without HTTP or a database."""
from datetime import timedelta

import pytest

from app.models import Agreement
from app.models import AgreementStatus
from app.models import IncidentPlan
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import InvalidTransition
from app.models import Milestone
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import PlanStatus
from app.models import Risk
from app.models import RiskLevel
from app.models import RiskStatus
from app.models import Task
from app.models import TaskStatus
from app.models import WorkingGroup
from app.models import WorkingGroupStatus
from app.models import level_for_score
from app.models import today
from app.models import utcnow
from app.risks.services import review_date_for

# The lifecycles written out independently of the models' tables (DESIGN.md §Data: agreements,
# initiatives, plans; the risk, mitigation, working-group and task steps as DOMAIN.md describes them).
# "from: to, to" by stored value; a status with nothing after the colon is final.
EXPECTED = {
    Agreement: """draft: in_review, cancelled
                  in_review: draft, approved, cancelled
                  approved: out_for_signature, cancelled
                  out_for_signature: active, draft
                  active: expired, terminated
                  expired:
                  terminated:
                  cancelled:""",
    Initiative: """proposed: active, cancelled
                   active: on_hold, completed, cancelled
                   on_hold: active, cancelled
                   completed:
                   cancelled:""",
    WorkingGroup: """active: closed
                     closed: active""",
    Task: """todo: in_progress, blocked, done
             in_progress: todo, blocked, done
             blocked: todo, in_progress, done
             done: in_progress""",
    Risk: """open: mitigating, accepted, closed
             mitigating: open, accepted, closed
             accepted: open, mitigating, closed
             closed: open""",
    Mitigation: """planned: in_progress, cancelled
                   in_progress: planned, implemented, cancelled
                   implemented: in_progress, verified
                   verified: in_progress
                   cancelled: planned""",
    IncidentPlan: """draft: in_review
                     in_review: draft, approved
                     approved: retired
                     retired:""",
}
STATUS_ENUMS = {Agreement: AgreementStatus, Initiative: InitiativeStatus, WorkingGroup: WorkingGroupStatus,
                Task: TaskStatus, Risk: RiskStatus, Mitigation: MitigationStatus, IncidentPlan: PlanStatus}


def _edges(text: str) -> dict[str, set[str]]:
    table = {}
    for line in text.strip().splitlines():
        start, _, targets = line.strip().partition(":")
        table[start] = {t.strip() for t in targets.split(",") if t.strip()}
    return table


CASES = [(model, status_enum(start), status_enum(target), target in edges[start])
         for model, status_enum in STATUS_ENUMS.items() for edges in [_edges(EXPECTED[model])]
         for start in edges for target in edges]


def test_expected_tables_name_every_status():
    for model, status_enum in STATUS_ENUMS.items():
        assert set(_edges(EXPECTED[model])) == {s.value for s in status_enum}, model.__name__


@pytest.mark.parametrize(("model", "start", "target", "allowed"), CASES,
                         ids=[f"{m.__name__}-{s.value}-{t.value}" for m, s, t, _ in CASES])
def test_lifecycle_allows_exactly_its_transitions(model, start, target, allowed):
    record = model(status=start)
    assert (target in record.allowed_transitions()) is allowed
    if allowed:
        record.transition_to(target)
        assert record.status is target
    else:
        with pytest.raises(InvalidTransition, match="cannot go from"):
            record.transition_to(target)
        assert record.status is start


def test_designed_agreement_paths_exist():
    t = Agreement.TRANSITIONS
    s = AgreementStatus
    path = [s.DRAFT, s.IN_REVIEW, s.APPROVED, s.OUT_FOR_SIGNATURE, s.ACTIVE, s.EXPIRED]
    assert all(b in t[a] for a, b in zip(path, path[1:], strict=False))
    assert s.DRAFT in t[s.IN_REVIEW] and s.TERMINATED in t[s.ACTIVE]
    assert all(s.CANCELLED in t[x] for x in (s.DRAFT, s.IN_REVIEW, s.APPROVED))


def test_lifecycle_paths_read_as_design_writes_them():
    s = AgreementStatus
    t = s.lifecycle("draft ⇄ in_review → approved | cancelled", "approved → cancelled")
    assert t[s.DRAFT] == {s.IN_REVIEW} and t[s.IN_REVIEW] == {s.DRAFT, s.APPROVED, s.CANCELLED}
    assert t[s.APPROVED] == {s.CANCELLED} and t[s.CANCELLED] == t[s.ACTIVE] == frozenset()  # no path out: final
    with pytest.raises(ValueError):
        s.lifecycle("draft → signed")  # not a status


@pytest.mark.parametrize(("score", "level"), [(1, RiskLevel.LOW), (4, RiskLevel.LOW), (5, RiskLevel.MEDIUM),
                                              (9, RiskLevel.MEDIUM), (10, RiskLevel.HIGH), (16, RiskLevel.HIGH),
                                              (20, RiskLevel.CRITICAL), (25, RiskLevel.CRITICAL)])
def test_risk_levels_follow_the_score_bands(score, level):
    assert level_for_score(score) is level


@pytest.mark.parametrize(("likelihood", "impact", "days"), [(5, 5, 90), (4, 3, 180), (2, 3, 360), (1, 1, 360)])
def test_next_review_defaults_by_level(likelihood, impact, days):
    risk = Risk(likelihood=likelihood, impact=impact)
    assert risk.score == likelihood * impact
    assert review_date_for(likelihood, impact, today()) == today() + timedelta(days=days)


def test_initiative_progress_and_overdue_milestones():
    initiative = Initiative()
    assert initiative.progress == 0
    initiative.milestones = [Milestone(title="a", completed_at=utcnow()), Milestone(title="b"),
                             Milestone(title="c", due_date=today() - timedelta(days=1))]
    assert initiative.progress == 33
    assert [m.is_overdue for m in initiative.milestones] == [False, False, True]


def test_task_overdue_and_due_this_week():
    assert Task(due_date=today() - timedelta(days=1)).is_overdue
    assert not Task(due_date=today() - timedelta(days=1), status=TaskStatus.DONE).is_overdue
    assert Task(due_date=today() + timedelta(days=3)).is_due_this_week
    assert not Task(due_date=today() + timedelta(days=30)).is_due_this_week


def test_sectors_set_as_codes_read_as_sectors_before_any_reload(app):
    """An issued PDF built in the request that set the sectors lists their labels (it printed "—" before)."""
    from app.models import IncidentReport
    from app.models import Sector

    with app.app_context():
        report = IncidentReport(sectors=["energy", "water"])
        assert [s.label for s in report.sectors] == [Sector.ENERGY.label, Sector.WATER.label]
