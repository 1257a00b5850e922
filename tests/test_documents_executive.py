"""The executive report holds exactly what the reader may see (compared with the reader's scopes),
is labelled with the highest TLP of its content, and stays short with many initiatives."""
import io
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app import permissions
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Health
from app.models import IncidentPlan
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import PlanStatus
from app.models import Risk
from app.models import Role
from app.models import WorkingGroup
from tests import factories as f


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def seed_everything(owner_org, creator) -> None:
    """One record of every reportable kind per TLP label, owned by `owner_org`."""
    past, soon = date.today() - timedelta(days=10), date.today() + timedelta(days=30)
    for tlp in TLP:
        f.initiative(created_by=creator, tlp=tlp, health=Health.RED, status=InitiativeStatus.ACTIVE,
                     health_reason=f"reason {tlp.value}")
        f.agreement(created_by=creator, tlp=tlp, status=AgreementStatus.ACTIVE, expiry_date=soon)
        f.risk(created_by=creator, tlp=tlp, likelihood=3, impact=4)
        f.incident_plan(created_by=creator, tlp=tlp, status=PlanStatus.APPROVED, next_review_date=past)
        group = f.working_group(created_by=creator, tlp=tlp)
        f.task(working_group=group, title=f"Overdue {group.reference}", due_date=past)


@pytest.fixture
def report(app):
    """Three organisations plus a client of A, records of every label; the reader is A's client."""
    with app.app_context():
        org_a, org_b, org_c = f.organization(), f.organization(), f.organization()
        client_org = f.organization(parent=org_a)
        for org in (org_a, org_b, org_c):
            seed_everything(org, f.user(role=Role.COORDINATOR, organization=org))
        reader = f.user(role=Role.EXECUTIVE, organization=client_org)
        visible, invisible = set(), set()
        for model, scope in ((Initiative, permissions.visible_initiatives), (Agreement, permissions.visible_agreements),
                             (Risk, permissions.visible_risks), (IncidentPlan, permissions.visible_incident_plans),
                             (WorkingGroup, permissions.visible_working_groups)):
            seen = set(db.session.scalars(scope(reader).with_only_columns(model.reference)))
            every = set(db.session.scalars(sa.select(model.reference)))
            visible |= seen
            invisible |= every - seen
        return {"client": app.test_client(user=reader), "visible": visible, "invisible": invisible}


def test_executive_report_holds_exactly_the_readers_records(report):
    response = report["client"].get("/reports/executive.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = "\n".join(pdf_pages(response.data))
    assert report["visible"] and report["invisible"]
    missing = {ref for ref in report["visible"] if ref not in text}
    leaked = {ref for ref in report["invisible"] if ref in text}
    assert not missing, f"visible records missing: {sorted(missing)}"
    assert not leaked, f"invisible records leaked: {sorted(leaked)}"
    assert "reason red" not in text and "reason amber_strict" not in text


def test_executive_report_is_labelled_with_the_highest_tlp_of_its_content(report):
    texts = pdf_pages(report["client"].get("/reports/executive.pdf").data)
    # the client reader sees CLEAR, GREEN and A's AMBER records: AMBER is the highest
    for number, text in enumerate(texts, start=1):
        assert text.count("TLP:AMBER") >= 2
        assert "TLP:AMBER+STRICT" not in text and "TLP:RED" not in text
        assert f"Page {number} of {len(texts)}" in text
    assert "Executive status report" in texts[0]
    assert "initiatives in red" in texts[0]


def test_five_hundred_initiatives_stay_a_short_report(app):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        org_id, user_id = coordinator.organization_id, coordinator.id
        healths = [Health.RED, Health.AMBER, Health.GREEN, Health.GREEN, Health.GREEN]
        db.session.execute(sa.insert(Initiative), [
            {"reference": f"INI-2025-{n:04d}", "title": f"Initiative {n}", "lead_organization_id": org_id,
             "owner_organization_id": org_id, "created_by_id": user_id, "tlp": TLP.GREEN, "version": 1,
             "status": InitiativeStatus.ACTIVE, "health": healths[n % 5], "health_reason": "Behind plan."}
            for n in range(500)])
        db.session.commit()
        client = app.test_client(user=coordinator)
    response = client.get("/reports/executive.pdf")
    assert response.status_code == 200
    texts = pdf_pages(response.data)
    assert len(texts) <= 12
    assert "500" in texts[0]  # open initiatives on the summary page
    joined = "\n".join(texts)
    assert "and 75 more red initiatives" in joined and "and 260 more green initiatives" in joined


def test_a_report_read_again_follows_the_data_and_the_reader(app):
    """Its statements are built once per reader scope, edition and day, then reused: a new overdue task shows in
    the next report, and another reader of another organisation still gets only their own records."""
    from app.documents.executive import executive_document

    with app.app_context():
        org_a, org_b = f.organization(), f.organization()
        creator_a = f.user(role=Role.COORDINATOR, organization=org_a)
        creator_b = f.user(role=Role.COORDINATOR, organization=org_b)
        seed_everything(org_a, creator_a)
        seed_everything(org_b, creator_b)
        db.session.commit()

        def overdue(reader, ceiling=None) -> tuple[int, set]:
            _, context = executive_document(reader, ceiling)
            figures = {key: value for key, value, _label, _trend in context["figures"]}
            return figures["overdue_tasks"], {task.title for task in context["oldest_tasks"].rows}

        count_a, titles_a = overdue(creator_a)
        count_b, titles_b = overdue(creator_b)
        assert count_a == count_b == 5 + 2  # their own five labels, and the other's CLEAR and GREEN
        assert titles_a != titles_b
        group = db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.tlp == TLP.AMBER,
                                                                 WorkingGroup.created_by_id == creator_a.id)).one()
        f.task(working_group=group, title="Overdue late addition", due_date=date.today() - timedelta(days=2))
        db.session.commit()
        count, titles = overdue(creator_a)
        assert count == count_a + 1 and "Overdue late addition" in titles
        assert "Overdue late addition" not in overdue(creator_b)[1]
        assert overdue(creator_a, TLP.GREEN)[0] == 4  # the GREEN edition: both organisations' CLEAR and GREEN
