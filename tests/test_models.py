"""Lifecycles and derived facts of the models, without HTTP or a database."""
from datetime import timedelta

import pytest

from app.models import (
    Agreement,
    AgreementStatus,
    IncidentPlan,
    Initiative,
    InitiativeStatus,
    InvalidTransition,
    Milestone,
    Mitigation,
    MitigationStatus,
    PlanStatus,
    Risk,
    RiskLevel,
    RiskStatus,
    Task,
    TaskStatus,
    WorkingGroup,
    WorkingGroupStatus,
    level_for_score,
    today,
    utcnow,
)
from app.models import agreement as agreement_module
from app.models import incident_plan as plan_module
from app.models import initiative as initiative_module
from app.models import risk as risk_module
from app.models import working_group as group_module

LIFECYCLES = [
    (Agreement, AgreementStatus, agreement_module.TRANSITIONS),
    (Initiative, InitiativeStatus, initiative_module.TRANSITIONS),
    (WorkingGroup, WorkingGroupStatus, group_module.GROUP_TRANSITIONS),
    (Task, TaskStatus, group_module.TASK_TRANSITIONS),
    (Risk, RiskStatus, risk_module.TRANSITIONS),
    (Mitigation, MitigationStatus, risk_module.MITIGATION_TRANSITIONS),
    (IncidentPlan, PlanStatus, plan_module.TRANSITIONS),
]
CASES = [(model, start, target, target in table[start])
         for model, status_enum, table in LIFECYCLES for start in status_enum for target in status_enum]


@pytest.mark.parametrize(("model", "start", "target", "allowed"), CASES,
                         ids=[f"{m.__name__}-{s.value}-{t.value}" for m, s, t, _ in CASES])
def test_lifecycle_allows_exactly_its_transitions(model, start, target, allowed):
    record = model(status=start)
    if allowed:
        record.transition_to(target)
        assert record.status is target
    else:
        with pytest.raises(InvalidTransition):
            record.transition_to(target)
        assert record.status is start


def test_designed_agreement_paths_exist():
    t = agreement_module.TRANSITIONS
    s = AgreementStatus
    path = [s.DRAFT, s.IN_REVIEW, s.APPROVED, s.OUT_FOR_SIGNATURE, s.ACTIVE, s.EXPIRED]
    assert all(b in t[a] for a, b in zip(path, path[1:], strict=False))
    assert s.DRAFT in t[s.IN_REVIEW] and s.TERMINATED in t[s.ACTIVE]
    assert all(s.CANCELLED in t[x] for x in (s.DRAFT, s.IN_REVIEW, s.APPROVED))


@pytest.mark.parametrize(("score", "level"), [(1, RiskLevel.LOW), (4, RiskLevel.LOW), (5, RiskLevel.MEDIUM),
                                              (9, RiskLevel.MEDIUM), (10, RiskLevel.HIGH), (16, RiskLevel.HIGH),
                                              (20, RiskLevel.CRITICAL), (25, RiskLevel.CRITICAL)])
def test_risk_levels_follow_the_score_bands(score, level):
    assert level_for_score(score) is level


@pytest.mark.parametrize(("likelihood", "impact", "days"), [(5, 5, 90), (4, 3, 180), (2, 3, 360), (1, 1, 360)])
def test_next_review_defaults_by_level(likelihood, impact, days):
    risk = Risk(likelihood=likelihood, impact=impact)
    assert risk.score == likelihood * impact
    assert risk.default_next_review(today()) == today() + timedelta(days=days)


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
