"""Executive report editions (?tlp= ceiling), trends against the previous report, decisions needed,
the dashboard's edition form; agreement versions that count content changes, and the digest a reader
can compare."""
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementStatus
from app.models import AuditEvent
from app.models import IncidentPlan
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import ReportSnapshot
from app.models import Risk
from app.models import Role
from app.models import User
from app.models import WorkingGroup
from tests import factories as f
from tests.test_agreements_helpers import edit_data
from tests.test_documents_executive import seed_everything


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def world(app, client_as):
    """A coordinator who created a record of every kind at every label (so reads TLP:RED too)."""
    with app.app_context():
        org = f.organization()
        coordinator = f.user(role=Role.COORDINATOR, organization=org)
        seed_everything(org, coordinator)
        by_label = {}
        for model in (Initiative, Agreement, Risk, IncidentPlan, WorkingGroup):
            for reference, tlp in db.session.execute(sa.select(model.reference, model.tlp)):
                by_label.setdefault(tlp, set()).add(reference)
        return {"client": client_as(coordinator), "by_label": by_label, "user_id": coordinator.id}


def test_amber_edition_holds_no_red_reference_and_is_marked_amber(world):
    full = text_of(world["client"].get("/reports/executive.pdf").data)
    red = world["by_label"][TLP.RED]
    assert red and all(reference in full for reference in red), "the full report shows the RED records"
    response = world["client"].get("/reports/executive.pdf?tlp=amber")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "TLP-AMBER" in response.headers["Content-Disposition"]
    text = text_of(response.data)
    assert not [reference for reference in red | world["by_label"][TLP.AMBER_STRICT] if reference in text]
    assert all(reference in text for reference in world["by_label"][TLP.AMBER] if reference.startswith("INI"))
    assert "TLP:RED" not in text and "TLP:AMBER+STRICT" not in text
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert all(page.extract_text().count("TLP:AMBER") >= 2 for page in pages), "every page header and footer"
    assert "TLP:AMBER edition" in " ".join(pages[0].extract_text().split())


def test_clear_edition_is_marked_clear_even_when_empty_of_higher_labels(world):
    text = text_of(world["client"].get("/reports/executive.pdf?tlp=clear").data)
    assert "TLP:CLEAR edition" in " ".join(text.split()) and "TLP:GREEN" not in text and "TLP:AMBER" not in text
    assert not [r for label in (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
                for r in world["by_label"][label] if r in text]


@pytest.mark.parametrize("value", ["purple", "RED; DROP TABLE", "5", "tlp:amber+strict+"])
def test_an_unknown_edition_gets_a_clear_400(world, value):
    response = world["client"].get("/reports/executive.pdf", query_string={"tlp": value})
    assert response.status_code == 400
    assert b"Unknown edition" in response.data


def test_dashboard_offers_the_editions_the_reader_may_produce(app, world, client_as):
    page = world["client"].get("/").get_data(as_text=True)
    assert 'id="report-edition"' in page and 'for="report-edition"' in page
    assert re.findall(r'<option value="(\w+)"', page.split('id="report-edition"')[1].split("</select>")[0]) == \
        ["red", "amber_strict", "amber", "green", "clear"]
    with app.app_context():
        outsider = f.user(role=Role.EXECUTIVE, organization=f.organization())
        outsider_client = client_as(outsider)
    page = outsider_client.get("/").get_data(as_text=True)
    options = re.findall(r'<option value="(\w+)"', page.split('id="report-edition"')[1].split("</select>")[0])
    assert options == ["green", "clear"], "an outsider sees only the community's CLEAR and GREEN records"


def test_second_report_shows_the_trend_since_the_first_of_the_same_edition(app, world):
    first = text_of(world["client"].get("/reports/executive.pdf?tlp=green").data)
    assert "no earlier report of this edition" in " ".join(first.split())
    with app.app_context():
        (snapshot,) = db.session.scalars(sa.select(ReportSnapshot)).all()
        assert snapshot.tlp is TLP.GREEN and snapshot.user_id == world["user_id"]
        assert snapshot.figures["open_initiatives"] == 2  # CLEAR and GREEN
        first_reference = snapshot.reference
        user = db.session.get(User, world["user_id"])
        for _ in range(3):
            f.initiative(created_by=user, tlp=TLP.GREEN, status=InitiativeStatus.ACTIVE)
        db.session.commit()
    second = text_of(world["client"].get("/reports/executive.pdf?tlp=green").data)
    assert f"previous report of this edition ({first_reference}" in " ".join(second.split()), second[:900]
    assert "5\nopen initiatives\n▲ +3" in second
    other = text_of(world["client"].get("/reports/executive.pdf?tlp=amber").data)
    assert "no earlier report of this edition" in " ".join(other.split())


def test_decision_flag_set_from_the_edit_form_is_audited_and_opens_the_report(app, world):
    with app.app_context():
        initiative = db.session.scalars(sa.select(Initiative).where(Initiative.tlp == TLP.GREEN)).one()
        ids = {"initiative": initiative.id, "lead": initiative.lead_organization_id, "version": initiative.version}
    client = world["client"]
    page = client.get(f"/initiatives/{ids['initiative']}/edit").get_data(as_text=True)
    assert 'name="decision_needed"' in page and 'name="decision_note"' in page
    response = client.post(f"/initiatives/{ids['initiative']}/edit", data={
        "title": "Pilot", "objective": "", "description": "", "agreement_id": "",
        "lead_organization_id": str(ids["lead"]), "health": "red", "health_reason": "Funding gap",
        "tlp": "green", "version": str(ids["version"]), "decision_needed": "y",
        "decision_note": "Approve 2 M for the second phase?"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "initiative.updated")
                                   .order_by(AuditEvent.id.desc())).first()
        assert "decision_needed: False → True" in event.summary
    text = text_of(client.get("/reports/executive.pdf?tlp=green").data)
    summary = text.split("Decisions needed", 1)[1].split("Initiatives by health", 1)[0]
    assert "Pilot" in summary and "Approve 2 M for the second phase?" in summary


def test_agreement_version_counts_content_changes_not_status_changes(app, world):
    with app.app_context():
        user = db.session.get(User, world["user_id"])
        agreement = f.agreement(created_by=user, tlp=TLP.GREEN, parties=[user.organization])
        agreement_id = agreement.id
        # Status changes only (review rounds): each moves the lock version, none the document version.
        for status in (AgreementStatus.IN_REVIEW, AgreementStatus.DRAFT, AgreementStatus.IN_REVIEW,
                       AgreementStatus.DRAFT):
            agreement.status = status
            db.session.flush()
        db.session.commit()
        assert agreement.revision == 1 and agreement.version >= 4
        body = edit_data(agreement, title="Renamed agreement")
    client = world["client"]
    with app.app_context():
        body = edit_data(db.session.get(Agreement, agreement_id), title="Renamed agreement")
    assert client.post(f"/agreements/{agreement_id}/edit", data=body).status_code == 302
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.revision == 2
    text = text_of(client.get(f"/agreements/{agreement_id}.pdf").data)
    assert "version 2" in text and "version 5" not in text
    digest = re.search(r"Content digest \(SHA-256 of this version's text.*?\):\s*([0-9a-f\s]{64,80})", text, re.S)
    assert digest
    page = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert re.sub(r"\s", "", digest.group(1))[:64] in page


# --- The risk register's editions and filters ------------------------------------------------------


def _risks_by_label(app) -> dict:
    with app.app_context():
        found: dict = {}
        for reference, tlp in db.session.execute(sa.select(Risk.reference, Risk.tlp)):
            found.setdefault(tlp, set()).add(reference)
        return found


@pytest.mark.parametrize("edition", list(TLP))
def test_each_register_edition_holds_only_risks_at_or_below_its_label_and_is_marked_with_it(app, world, edition):
    risks = _risks_by_label(app)
    response = world["client"].get(f"/risks/register.pdf?tlp={edition.value}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert edition.label.replace(":", "-") in response.headers["Content-Disposition"]
    pages = PdfReader(io.BytesIO(response.data)).pages
    text = "\n".join(page.extract_text() for page in pages)
    for label, references in risks.items():
        for reference in references:
            assert (reference in text) == (label.rank <= edition.rank), (label, reference)
    assert all(page.extract_text().count(edition.label) >= 2 for page in pages), "every page header and footer"
    above = [t for t in TLP if t.rank > edition.rank]
    assert not [t.label for t in above if t.label + " " in text.replace("\n", " ") or text.count(t.label + "\n")]
    assert f"{edition.label} edition" in " ".join(pages[0].extract_text().split())


def test_register_without_an_edition_is_marked_with_its_highest_label(app, world):
    response = world["client"].get("/risks/register.pdf")
    assert "TLP-RED" in response.headers["Content-Disposition"]
    assert all(reference in text_of(response.data) for reference in _risks_by_label(app)[TLP.RED])


@pytest.mark.parametrize("value", ["purple", "RED; DROP TABLE", "5"])
def test_an_unknown_register_edition_gets_a_clear_400(world, value):
    response = world["client"].get("/risks/register.pdf", query_string={"tlp": value})
    assert response.status_code == 400 and b"Unknown edition" in response.data


def test_register_takes_the_risk_lists_filters(app, world):
    from app.models import RiskStatus
    from app.models import Sector

    with app.app_context():
        green, amber = (db.session.scalars(sa.select(Risk).where(Risk.tlp == label)).one() for label in
                        (TLP.GREEN, TLP.AMBER))
        green.sector, green.title = Sector.WATER, "Reservoir intake screens"
        amber.sector, amber.status = Sector.WATER, RiskStatus.MITIGATING
        db.session.commit()
        refs = {"green": green.reference, "amber": amber.reference}
        others = set().union(*_risks_by_label(app).values()) - set(refs.values())
    text = text_of(world["client"].get("/risks/register.pdf?tlp=amber&sector=water").data)
    assert refs["green"] in text and refs["amber"] in text and not [r for r in others if r in text]
    assert "Filtered by sector" in " ".join(text.split())
    text = text_of(world["client"].get("/risks/register.pdf?tlp=clear&sector=water").data)
    assert refs["green"] not in text and refs["amber"] not in text, "the edition still applies under a filter"
    text = text_of(world["client"].get("/risks/register.pdf?status=mitigating").data)
    assert refs["amber"] in text and refs["green"] not in text
    text = text_of(world["client"].get("/risks/register.pdf?tlp=green&q=reservoir").data)
    assert refs["green"] in text and not [r for r in others if r in text]


def test_register_form_on_the_risk_list_defaults_to_the_most_shareable_edition_and_keeps_the_filters(world):
    page = world["client"].get("/risks/?sector=water&status=open&page=2").get_data(as_text=True)
    form = page.split('action="/risks/register.pdf"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<option value="(\w+)"', form) == ["red", "amber_strict", "amber", "green", "clear"]
    assert re.findall(r'<option value="(\w+)" selected', form) == ["clear"]
    assert 'name="sector" value="water"' in form and 'name="status" value="open"' in form
    assert 'name="page"' not in form


def test_dashboard_edition_picker_defaults_to_the_most_shareable_edition(world):
    page = world["client"].get("/").get_data(as_text=True)
    picker = page.split('id="report-edition"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)" selected', picker) == ["clear"]
