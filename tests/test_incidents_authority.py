"""The authority's side of incident reports: its queue and filters, acknowledgements, intermediate requests,
closing the case, a risk opened from a report; the sealed, TLP-marked stage PDFs and /verify."""
import io
from datetime import timedelta

import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pypdf import PdfReader

from app import seal
from app.extensions import db
from app.models import TLP
from app.models import Document
from app.models import GeographicSpread
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import IncidentStatus
from app.models import Notification
from app.models import Risk
from app.models import Sector
from app.models import Significance
from app.models import StageKind
from app.models import utcnow
from tests import factories as f
from tests.incident_world import build
from tests.incident_world import client
from tests.incident_world import person


def _submit(app, world, who, kind, **data):
    data.setdefault("body", f"{kind} text")
    if kind == "early_warning":
        data.setdefault("malicious_suspected", "yes")
        data.setdefault("cross_border_suspected", "no")
    return client(app, world, who).post(f"/incidents/{world.report_id}/stages/{kind}", data=data)


def _references(page: str, references) -> set[str]:
    return {ref for ref in references if ref in page}


def test_the_authoritys_queue_lists_what_is_addressed_to_it_and_filters_it(app):
    world = build(app, sectors=[Sector.ENERGY], significance=Significance.SIGNIFICANT)
    with app.app_context():
        authority = person(world, "authority_coordinator").organization
        operator = person(world, "operator_coordinator").organization
        other_authority = f.organization(name="Sector CSIRT", is_authority=True)
        water = f.incident_report(created_by=person(world, "operator_coordinator"), authority=authority,
                                  sectors=[Sector.WATER], geographic_spread=GeographicSpread.CROSS_BORDER,
                                  countries_affected="BE,FR", significance=Significance.NOT_SIGNIFICANT)
        elsewhere = f.incident_report(created_by=f.user(role="coordinator", organization=operator),
                                      authority=other_authority)
        refs = {"energy": db.session.get(IncidentReport, world.report_id).reference, "water": water.reference,
                "elsewhere": elsewhere.reference}
    authority_client = client(app, world, "authority_coordinator")
    everything = set(refs.values())
    assert _references(authority_client.get("/incidents/?queue=received").text, everything) == {
        refs["energy"], refs["water"]}
    assert _references(authority_client.get("/incidents/?queue=received&sector=water").text, everything) == {
        refs["water"]}
    assert _references(authority_client.get("/incidents/?significance=significant").text, everything) == {
        refs["energy"]}
    assert _references(authority_client.get("/incidents/?cross_border=1").text, everything) == {refs["water"]}
    assert _references(authority_client.get("/incidents/?sector=not-a-sector").text, everything) == {
        refs["energy"], refs["water"]}  # an unknown filter value is ignored, never a 500
    # The operator sees its three reports; a third operator none of them (AMBER+STRICT).
    assert _references(client(app, world, "operator_member").get("/incidents/").text, everything) == everything
    assert _references(client(app, world, "third_coordinator").get("/incidents/").text, everything) == set()
    csv = authority_client.get("/incidents/?queue=received&format=csv").text
    assert refs["water"] in csv and refs["elsewhere"] not in csv


def test_the_authority_acknowledges_each_stage_and_the_operator_is_told(app):
    world = build(app)
    assert _submit(app, world, "operator_member", "early_warning").status_code == 302
    with app.app_context():
        stage = db.session.scalars(sa.select(IncidentReportStage).where(
            IncidentReportStage.kind == StageKind.EARLY_WARNING)).one()
    url = f"/incidents/{world.report_id}/stages/{stage.id}/acknowledge"
    assert client(app, world, "operator_coordinator").post(url).status_code == 403
    assert client(app, world, "authority_member").post(url).status_code == 403
    assert client(app, world, "third_coordinator").post(url).status_code == 404
    assert client(app, world, "authority_coordinator").post(url).status_code == 302
    assert client(app, world, "authority_coordinator").post(url).status_code == 302  # twice: unchanged
    with app.app_context():
        stage = db.session.get(IncidentReportStage, stage.id)
        assert stage.acknowledged_at is not None
        assert stage.acknowledged_by_id == person(world, "authority_coordinator").id
        told = db.session.scalars(sa.select(Notification.summary).where(
            Notification.user_id == person(world, "operator_coordinator").id)).all()
        assert any("early warning acknowledged" in t for t in told)
    # A stage not submitted yet cannot be acknowledged.
    with app.app_context():
        waiting = db.session.scalars(sa.select(IncidentReportStage).where(
            IncidentReportStage.kind == StageKind.NOTIFICATION)).one()
    response = client(app, world, "authority_coordinator").post(
        f"/incidents/{world.report_id}/stages/{waiting.id}/acknowledge")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(IncidentReportStage, waiting.id).acknowledged_at is None


def test_the_authority_requests_an_intermediate_report_by_a_date_and_closes_the_case(app):
    world = build(app)
    authority = client(app, world, "authority_coordinator")
    past = authority.post(f"/incidents/{world.report_id}/intermediate",
                          data={"due_at": "2020-01-01T10:00", "request_note": "Scope?"})
    assert past.status_code == 302
    due = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert authority.post(f"/incidents/{world.report_id}/intermediate",
                          data={"due_at": due, "request_note": "How many substations?"}).status_code == 302
    with app.app_context():
        requested = db.session.scalars(sa.select(IncidentReportStage).where(
            IncidentReportStage.kind == StageKind.INTERMEDIATE)).all()
        assert len(requested) == 1 and requested[0].request_note == "How many substations?"
        assert requested[0].due_at.strftime("%Y-%m-%dT%H:%M") == due  # the coordinator's zone is UTC
    assert client(app, world, "operator_coordinator").post(
        f"/incidents/{world.report_id}/intermediate", data={"due_at": due}).status_code == 403
    assert "How many substations?" in client(app, world, "operator_member").get(
        f"/incidents/{world.report_id}/stages/intermediate").text
    assert _submit(app, world, "operator_member", "intermediate", body="Four.").status_code == 302
    with app.app_context():
        stage = db.session.get(IncidentReportStage, requested[0].id)
        assert stage.body == "Four." and stage.late_by is None
        version = db.session.get(IncidentReport, world.report_id).version
    # The operator contains and resolves; only the authority closes.
    operator = client(app, world, "operator_coordinator")
    assert operator.post(f"/incidents/{world.report_id}/status",
                         data={"new_status": "contained", "version": version}).status_code == 302
    with app.app_context():
        version = db.session.get(IncidentReport, world.report_id).version
    assert authority.post(f"/incidents/{world.report_id}/status",
                          data={"new_status": "resolved", "version": version}).status_code == 403
    assert operator.post(f"/incidents/{world.report_id}/status",
                         data={"new_status": "resolved", "version": version}).status_code == 302
    with app.app_context():
        version = db.session.get(IncidentReport, world.report_id).version
    assert operator.post(f"/incidents/{world.report_id}/status",
                         data={"new_status": "closed", "version": version}).status_code == 403
    assert authority.post(f"/incidents/{world.report_id}/status",
                          data={"new_status": "closed", "version": version}).status_code == 302
    with app.app_context():
        assert db.session.get(IncidentReport, world.report_id).status is IncidentStatus.CLOSED
    # A closed case takes no more stages.
    assert _submit(app, world, "operator_member", "intermediate").status_code == 403


def test_a_risk_opened_from_a_report_links_back_and_copies_nothing(app):
    world = build(app, title="Confidential SCADA story")
    form = {"title": "Remote access to grid control", "description": "Sanitised.", "sector": "energy",
            "likelihood": "4", "impact": "5", "tlp": "amber"}
    assert client(app, world, "operator_coordinator").post(f"/incidents/{world.report_id}/risk",
                                                           data=form).status_code == 403
    response = client(app, world, "authority_coordinator").post(f"/incidents/{world.report_id}/risk", data=form)
    assert response.status_code == 302
    with app.app_context():
        risk = db.session.scalars(sa.select(Risk)).one()
        assert risk.incident_report_id == world.report_id and risk.owner_organization_id == world.authority_id
        assert "Confidential" not in risk.title + risk.description
        f.mitigation(risk=risk, assigned_organization=person(world, "third_coordinator").organization,
                     title="Harden VPN")
        risk_id = risk.id
    assert response.headers["Location"].endswith(f"/risks/{risk_id}")
    risk_page = client(app, world, "authority_coordinator").get(f"/risks/{risk_id}").text
    assert f'href="/incidents/{world.report_id}"' in risk_page
    report_page = client(app, world, "authority_coordinator").get(f"/incidents/{world.report_id}").text
    assert f'href="/risks/{risk_id}"' in report_page
    # The partner assigned a mitigation reads the risk, and the link, but not the report behind it.
    third = client(app, world, "third_coordinator")
    assert f'href="/incidents/{world.report_id}"' in third.get(f"/risks/{risk_id}").text
    assert third.get(f"/incidents/{world.report_id}").status_code == 404


def test_each_stage_pdf_is_sealed_tlp_marked_and_verifiable_by_the_reports_readers_only(app):
    world = build(app, aware_hours_ago=30, title="Ransomware at substation 7")
    assert _submit(app, world, "operator_member", "early_warning", body="Encrypted HMI hosts.").status_code == 302
    with app.app_context():
        stage = db.session.scalars(sa.select(IncidentReportStage).where(
            IncidentReportStage.kind == StageKind.EARLY_WARNING)).one()
        document = db.session.get(Document, stage.document_id)
        assert (document.object_type, document.object_id, document.tlp) == (
            "incident_reports", world.report_id, TLP.AMBER_STRICT)
        stored = document.content
    url = f"/incidents/{world.report_id}/stages/{stage.id}.pdf"
    response = client(app, world, "authority_coordinator").get(url)
    assert response.status_code == 200 and response.data == stored
    assert response.headers["Cache-Control"] == "no-store"
    # Sealed: pyHanko's validator finds one intact signature over the whole file.
    signature = PdfFileReader(io.BytesIO(stored)).embedded_signatures[0]
    status = validate_pdf_signature(signature)
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
    with app.app_context():
        assert seal.check_seal(stored).ok
    pages = PdfReader(io.BytesIO(stored)).pages
    assert all("TLP:AMBER+STRICT" in page.extract_text() for page in pages)
    text = "\n".join(page.extract_text() for page in pages)
    assert "Encrypted HMI hosts." in text and "Early warning" in text and "6 h" in text
    for who, status_code in (("operator_member", 200), ("operator_executive", 200), ("admin", 200),
                             ("third_coordinator", 404), ("client_member", 404)):
        assert client(app, world, who).get(url).status_code == status_code, who
    # /verify: the authority learns which record it is; the third operator only that it was issued here.
    upload = {"file": (io.BytesIO(stored), "stage.pdf")}
    verdict = client(app, world, "authority_coordinator").post("/verify", data=upload,
                                                               content_type="multipart/form-data")
    assert verdict.status_code == 200 and "Ransomware at substation 7" not in verdict.text
    with app.app_context():
        reference = db.session.get(IncidentReport, world.report_id).reference
    assert reference in verdict.text
    hidden = client(app, world, "third_coordinator").post("/verify", data={"file": (io.BytesIO(stored), "s.pdf")},
                                                          content_type="multipart/form-data")
    assert hidden.status_code == 200 and reference not in hidden.text
