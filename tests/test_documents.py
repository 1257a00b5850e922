"""Each PDF document: content, TLP label on every page, headers, metadata, scoping (404)."""
import io
from datetime import date
from datetime import timedelta

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import TLP
from app.models import Health
from app.models import InitiativeStatus
from app.models import Milestone
from app.models import PartyRole
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import Role
from app.models import TaskStatus
from tests import factories as f


def pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def metadata(content: bytes):
    return PdfReader(io.BytesIO(content)).metadata


def assert_pdf_download(response, filename: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data.startswith(b"%PDF-")


def assert_label_on_every_page(content: bytes, label: str) -> None:
    texts = pages(content)
    assert texts
    for number, text in enumerate(texts, start=1):
        # header and footer: the label at least twice on each page
        assert text.count(label) >= 2, f"page {number} lacks {label} twice"
        assert f"Page {number} of {len(texts)}" in text


@pytest.fixture
def world(app):
    """Org A (coordinator), partner P, outsider org B, with records of A shared with P."""
    with app.app_context():
        org_a = f.organization(name="National Infrastructure Resilience Office")
        org_p = f.organization(name="Metro Water Authority")
        org_b = f.organization(name="Outsider Telecom")
        coordinator = f.user(role=Role.COORDINATOR, organization=org_a, name="Dana Coordinator")
        outsider = f.user(role=Role.MEMBER, organization=org_b)
        agreement = f.agreement(
            created_by=coordinator, parties=[(org_a, PartyRole.LEAD), org_p, (org_b, PartyRole.OBSERVER)],
            title="Water sector information sharing", tlp=TLP.AMBER_STRICT,
            summary="The parties share indicators of compromise.", terms="## Handling\n\nShare **promptly**.",
            effective_date=date(2026, 1, 1), expiry_date=date(2028, 1, 1), notice_days=60, auto_renew=True)
        agreement.parties[0].signatory_name, agreement.parties[0].signatory_title = "Alex Lead", "Director"
        agreement.parties[1].signatory_name, agreement.parties[1].signatory_title = "Sam Water", "CISO"
        plan = f.incident_plan(created_by=coordinator, covered=[org_p], title="Water IR plan", tlp=TLP.AMBER,
                               scope="Treatment plants and SCADA.")
        plan.sections.append(PlanSection(phase=Phase.PREPARATION, title="Tabletop schedule", body="Quarterly."))
        plan.sections.append(PlanSection(phase=Phase.DETECTION_ANALYSIS, title="Triage", body="Use the matrix."))
        plan.contacts.append(PlanContact(role="IR lead", name="Jo Responder", organization="NIRO",
                                         phone="+1 555 0100", escalation_tier=1, available_24_7=True))
        initiative = f.initiative(created_by=coordinator, participants=[org_p], title="SCADA hardening",
                                  health=Health.RED, health_reason="Sensor vendor slipped three months.",
                                  status=InitiativeStatus.ACTIVE, tlp=TLP.GREEN)
        initiative.milestones.append(Milestone(title="Pilot plant", due_date=date.today() - timedelta(days=5)))
        group = f.working_group(created_by=coordinator, members=[coordinator], initiative=initiative,
                                tlp=TLP.GREEN)
        f.task(working_group=group, title="Overdue sensor order", due_date=date.today() - timedelta(days=9))
        f.task(working_group=group, title="Later firmware review", due_date=date.today() + timedelta(days=30))
        f.task(working_group=group, title="Finished kickoff", status=TaskStatus.DONE)
        secret_group = f.working_group(created_by=coordinator, initiative=initiative, tlp=TLP.RED)
        f.task(working_group=secret_group, title="Hidden red task", due_date=date.today() - timedelta(days=3))
        risk = f.risk(created_by=coordinator, initiative=initiative, title="Ransomware at treatment plant",
                      likelihood=4, impact=5, tlp=TLP.GREEN)
        f.mitigation(risk=risk, title="Segment OT network", due_date=date.today() + timedelta(days=20))
        other_creator = f.user(role=Role.COORDINATOR, organization=org_b)
        f.risk(created_by=other_creator, initiative=initiative, title="Hidden partner risk", tlp=TLP.RED)
        db.session.commit()
        return {
            "agreement": agreement.id, "agreement_ref": agreement.reference, "plan": plan.id,
            "plan_ref": plan.reference, "initiative": initiative.id, "initiative_ref": initiative.reference,
            "risk_ref": risk.reference, "client": app.test_client(user=coordinator),
            "outsider_client": app.test_client(user=outsider),
        }


def test_agreement_pdf_has_parties_terms_and_one_signature_block_per_signatory(world):
    response = world["client"].get(f"/agreements/{world['agreement']}.pdf")
    assert_pdf_download(response, f"{world['agreement_ref']}_TLP-AMBER+STRICT.pdf")
    text = "\n".join(pages(response.data))
    assert metadata(response.data).title == f"{world['agreement_ref']} — Water sector information sharing"
    assert "TLP:AMBER+STRICT" in metadata(response.data).subject
    assert not metadata(response.data).author
    for expected in ("Water sector information sharing", "National Infrastructure Resilience Office",
                     "Metro Water Authority", "Outsider Telecom", "Recitals and purpose",
                     "indicators of compromise", "Handling", "promptly", "2028-01-01", "60 days",
                     "Renews automatically"):
        assert expected in text, expected
    assert text.count("Signed for and on behalf of") == 2
    assert "Alex Lead" in text and "Sam Water" in text
    assert "DRAFT" in text  # a preview, not an issued copy
    assert_label_on_every_page(response.data, "TLP:AMBER+STRICT")


def test_incident_plan_pdf_has_sections_by_phase_roster_and_approval_block(world):
    response = world["client"].get(f"/incident-plans/{world['plan']}.pdf")
    assert_pdf_download(response, f"{world['plan_ref']}_TLP-AMBER.pdf")
    text = "\n".join(pages(response.data))
    assert metadata(response.data).title == f"{world['plan_ref']} — Water IR plan"
    for expected in ("Plan details", "Approval", "Revision history", "Roles and responsibilities",
                     "Contact and escalation roster", "Jo Responder", "+1 555 0100", "Preparation",
                     "Tabletop schedule", "Detection & Analysis", "Triage", "Post-Incident Activity",
                     "Treatment plants and SCADA."):
        assert expected in text, expected
    assert text.index("Preparation") < text.index("Detection & Analysis") < text.index("Post-Incident")
    assert_label_on_every_page(response.data, "TLP:AMBER")


def test_initiative_status_report_lists_overdue_first_and_only_visible_records(world):
    response = world["client"].get(f"/initiatives/{world['initiative']}/status-report.pdf")
    text = "\n".join(pages(response.data))
    for expected in ("SCADA hardening", "RED", "Sensor vendor slipped three months.", "Pilot plant",
                     "Overdue sensor order", "Later firmware review", "Ransomware at treatment plant"):
        assert expected in text, expected
    assert text.index("Overdue sensor order") < text.index("Later firmware review")
    assert "Finished kickoff" not in text  # done tasks are not open work
    assert "Hidden red task" in text  # the coordinator created the RED group: a recipient
    assert "Hidden partner risk" not in text  # RED, not addressed to the coordinator
    # the report's label is the highest of what it shows: the RED group's task
    assert_label_on_every_page(response.data, "TLP:RED")


def test_risk_register_has_heat_map_and_risks_with_mitigations(world):
    response = world["client"].get("/risks/register.pdf")
    assert response.status_code == 200
    text = "\n".join(pages(response.data))
    for expected in ("Heat map", "Likelihood", "Impact", "Critical risks (1)", world["risk_ref"],
                     "Ransomware at treatment plant", "Segment OT network"):
        assert expected in text, expected
    assert "Hidden partner risk" not in text
    assert b"/Subtype /Form" in response.data or b"/XObject" in response.data  # the SVG is drawn
    assert_label_on_every_page(response.data, "TLP:GREEN")


@pytest.mark.parametrize("url", [
    "/agreements/{agreement}.pdf", "/incident-plans/{plan}.pdf", "/initiatives/{initiative}/status-report.pdf",
])
def test_another_organisations_member_gets_404(world, app, url):
    with app.app_context():
        from app.models import Initiative

        db.session.get(Initiative, world["initiative"]).tlp = TLP.AMBER
        db.session.commit()
    outsider = world["outsider_client"]
    ids = {k: v for k, v in world.items() if isinstance(v, int)}
    if "agreement" in url:  # the outsider's org is a party: take it off for this case
        with app.app_context():
            from app.models import AgreementParty

            party = db.session.scalars(db.select(AgreementParty).where(
                AgreementParty.agreement_id == world["agreement"],
                AgreementParty.party_role == PartyRole.OBSERVER)).one()
            db.session.delete(party)
            db.session.commit()
    assert outsider.get(url.format(**ids)).status_code == 404


def test_missing_records_are_404(world):
    client = world["client"]
    for url in ("/agreements/999999.pdf", "/incident-plans/999999.pdf",
                "/initiatives/999999/status-report.pdf", "/documents/999999.pdf"):
        assert client.get(url).status_code == 404, url


def test_anonymous_users_are_sent_to_sign_in(world, client):
    for url in (f"/agreements/{world['agreement']}.pdf", "/risks/register.pdf", "/reports/executive.pdf"):
        response = client.get(url)
        assert response.status_code in (302, 401)
        assert not response.data.startswith(b"%PDF")
