"""The inbox never lists what was not shared with the reader: for every section, the same records at TLP:AMBER (shared
with the participating organisations) and at TLP:RED (shared with named people only) are made to match the section's
criteria for insiders (a partner party, an observer party, the record's own organisation, a participating
organisation's member), and only the AMBER ones reach their inbox, on the page, in its counts and in the badge."""
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.inbox.providers import inbox_counts
from app.inbox.providers import inbox_sections
from app.models import TLP
from app.models import AdvisoryStatus
from app.models import AgreementStatus
from app.models import CorrectiveActionStatus
from app.models import MitigationStatus
from app.models import PartyRole
from app.models import PlanStatus
from app.models import Role
from app.models import TaskStatus
from app.models import User
from app.models import today
from app.models import utcnow
from tests import factories


@pytest.fixture
def world(app):
    """Alpha owns the shared records; Beta takes part as a partner (coordinator Bea, member Bo, coordinator Bill who
    creates Beta's own records), Omega as an observer (coordinator Oz). Each record twice: AMBER and RED."""
    with app.app_context():
        alpha, beta, omega = (factories.organization(name=name) for name in ("Alpha", "Beta", "Omega"))
        authority = factories.organization(name="Authority", is_authority=True)
        ann = factories.user(role=Role.COORDINATOR, organization=alpha)
        people = {"bea": factories.user(role=Role.COORDINATOR, organization=beta),
                  "bo": factories.user(role=Role.MEMBER, organization=beta),
                  "oz": factories.user(role=Role.COORDINATOR, organization=omega)}
        bill = factories.user(role=Role.COORDINATOR, organization=beta)
        soon = today() + timedelta(days=2)
        for tlp in (TLP.AMBER, TLP.RED):
            name = tlp.name
            factories.agreement(created_by=ann, tlp=tlp, title=f"{name} agreement", status=AgreementStatus.IN_REVIEW,
                                parties=[(alpha, PartyRole.LEAD), (beta, PartyRole.PARTNER),
                                         (omega, PartyRole.OBSERVER)])
            factories.incident_plan(created_by=ann, tlp=tlp, title=f"{name} plan", status=PlanStatus.IN_REVIEW,
                                    covered=[beta, omega])
            group = factories.working_group(created_by=ann, tlp=tlp, members=[people["bo"]])
            factories.task(working_group=group, title=f"{name} task", assignee=people["bo"],
                           status=TaskStatus.TO_DO)
            risk = factories.risk(created_by=ann, tlp=tlp, title=f"{name} risk")
            factories.mitigation(risk=risk, title=f"{name} mitigation", assigned_user=people["bo"],
                                 assigned_organization=beta, status=MitigationStatus.PLANNED)
            factories.risk(created_by=bill, tlp=tlp, title=f"{name} own risk", next_review_date=soon)
            factories.incident_report(created_by=bill, tlp=tlp, title=f"{name} incident", authority=authority,
                                      aware_at=utcnow())
            exercise = factories.exercise(created_by=ann, tlp=tlp, title=f"{name} exercise", organizations=[beta])
            factories.corrective_action(exercise=exercise, title=f"{name} action", responsible_organization_id=beta.id,
                                        point_of_contact_id=people["bo"].id, due_date=soon,
                                        status=CorrectiveActionStatus.OPEN)
            factories.advisory(created_by=ann, tlp=tlp, title=f"{name} advisory", recipients=[beta, omega],
                               status=AdvisoryStatus.RELEASED)
        db.session.commit()
        return {name: person.id for name, person in people.items()}


def _seen(app, user_id) -> tuple[dict[str, list[str]], dict[str, int]]:
    with app.test_request_context():
        user = db.session.get(User, user_id)
        return ({section: [e.title for e in entries] for section, entries in inbox_sections(user, 100)},
                {section: n for section, n in inbox_counts(user).items() if n})


def test_insiders_see_the_shared_records_and_never_the_unshared_ones(app, client_as, world):
    expected = {
        "bea": {"Reviews and approvals": ["AMBER agreement", "AMBER plan"],
                "Incident clocks": ["AMBER incident"],
                "Exercises": ["AMBER action"],
                "Advisories to acknowledge": ["AMBER advisory"],
                "Due for review": ["AMBER own risk"]},
        "bo": {"Exercises": ["AMBER action"], "Assigned to you": ["AMBER mitigation", "AMBER task"]},
        "oz": {"Reviews and approvals": ["AMBER agreement", "AMBER plan"],
               "Advisories to acknowledge": ["AMBER advisory"]},
    }
    for name, sections in expected.items():
        seen, counts = _seen(app, world[name])
        assert {section: sorted(titles) for section, titles in seen.items()} == sections, name
        assert counts == {section: len(titles) for section, titles in sections.items()}, name
        with app.app_context():
            client = client_as(db.session.get(User, world[name]))
        html = client.get("/inbox/").get_data(as_text=True)
        assert "RED " not in html and html.count("AMBER ") == sum(map(len, sections.values())), name
        badge = re.search(r'href="/inbox/"[^>]*>Inbox\s*<span[^>]*>(\d+)<', html)
        assert int(badge.group(1)) == sum(map(len, sections.values())), name
