"""Every PDF kind, rendered from the demo partnership as a coordinator reads it: tagged PDF/UA-1 with a
structure tree, language, title, headings in order, table headers and alt text for charts; Markdown
rendered (no raw markers); no word printed past the page box (pdfplumber)."""
import io
import re

import pdfplumber
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import IncidentPlan
from app.models import Initiative
from app.models import User

READER = "coordinator@niro.example.gov"
MARKDOWN = ("**Activation** when _any_ of:\n\n- ransomware note found\n- [CISA alert](https://cisa.gov) issued\n\n"
            "## Escalation\n\n1. Call the **duty officer**\n2. Open a bridge")


@pytest.fixture(scope="module")
def pdfs(demo_template):
    """{kind: PDF bytes} for every document kind, as the demo coordinator downloads them (from a copy of the
    run's seeded demo, tests/demo_world.py)."""
    app = demo_template.new_app()
    with app.app_context():
        reader = db.session.scalar(sa.select(User).where(User.email == READER))
        plan = db.session.scalars(sa.select(IncidentPlan).order_by(IncidentPlan.id)).first()
        plan.activation_criteria = plan.severity_levels = MARKDOWN
        plan.distribution_list = "Tom Becker, incident response lead, RRWA\nDana Whitfield, coordinator, NIRO"
        initiative = db.session.scalars(sa.select(Initiative).order_by(Initiative.id)).first()
        initiative.description = MARKDOWN
        issued = db.session.scalars(sa.select(Agreement).where(
            Agreement.status == AgreementStatus.OUT_FOR_SIGNATURE).order_by(Agreement.id)).first()
        draft = db.session.scalars(sa.select(Agreement).where(
            Agreement.status == AgreementStatus.DRAFT).order_by(Agreement.id)).first()
        draft.terms = MARKDOWN
        db.session.commit()
        urls = {"agreement (preview)": f"/agreements/{draft.id}.pdf",
                "agreement (issued for signature)": f"/agreements/{issued.id}.pdf",
                "incident plan": f"/incident-plans/{plan.id}.pdf",
                "initiative status report": f"/initiatives/{initiative.id}/status-report.pdf",
                "risk register": "/risks/register.pdf",
                "executive report": "/reports/executive.pdf",
                "executive report, AMBER edition": "/reports/executive.pdf?tlp=amber"}
        client = app.test_client(user=reader)
    rendered = {}
    for kind, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", (kind, response.status_code)
        rendered[kind] = response.data
    yield rendered
    demo_template.drop(app)


def structure(content: bytes) -> tuple[dict, list[tuple[str, dict]]]:
    """(catalog, [(tag, element)] in reading order) of a tagged PDF."""
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    elements = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
            return
        if not hasattr(node, "get"):
            return
        if node.get("/S") is not None:
            elements.append((str(node["/S"])[1:], node))
        kids = node.get("/K")
        if kids is not None:
            walk(kids)

    walk(catalog["/StructTreeRoot"])
    return catalog, elements


def test_every_pdf_kind_is_tagged_pdf_ua_with_language_title_and_ordered_headings(pdfs):
    for kind, content in pdfs.items():
        reader = PdfReader(io.BytesIO(content))
        catalog, elements = structure(content)
        assert catalog.get("/Lang") == "en", kind
        assert bool(catalog["/MarkInfo"]["/Marked"]), kind
        assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"]), kind
        assert b"pdfuaid" in reader.xmp_metadata.stream.get_data(), f"{kind}: no PDF/UA identification"
        title = reader.metadata.get("/Title") or ""
        assert " — " in title and len(title) > 10, f"{kind}: title {title!r}"
        tags = [tag for tag, _ in elements]
        headings = [int(tag[1]) for tag in tags if re.fullmatch(r"H[1-6]", tag)]
        assert headings[:1] == [1] and headings.count(1) == 1, f"{kind}: one H1 first, got {headings[:5]}"
        jumps = [(a, b) for a, b in zip(headings, headings[1:], strict=False) if b > a + 1]
        assert not jumps, f"{kind}: heading levels skipped {jumps}"
        assert "Table" in tags and "TH" in tags and "TD" in tags, kind
        figures = [element for tag, element in elements if tag == "Figure"]
        assert figures and all(str(f.get("/Alt", "")).strip() for f in figures), f"{kind}: a figure without alt text"


def test_charts_and_heat_map_carry_their_figures_as_alt_text(pdfs):
    for kind in ("executive report", "risk register"):
        _, elements = structure(pdfs[kind])
        alts = [str(element.get("/Alt")) for tag, element in elements if tag == "Figure"]
        heat = [alt for alt in alts if alt.startswith("Open risks by likelihood and impact")
                or alt.startswith("Risks by likelihood and impact")]
        assert heat and "inherent" in heat[0] and re.search(r"Likelihood \d, impact \d: \d+", heat[0]), alts
    _, elements = structure(pdfs["executive report"])
    alts = [str(element.get("/Alt")) for tag, element in elements if tag == "Figure"]
    assert any(alt.startswith("Open initiatives by health: Green") for alt in alts), alts
    assert any(alt.startswith("Overdue tasks by working group: WG-") for alt in alts), alts


def test_kv_tables_mark_row_headers(pdfs):
    _, elements = structure(pdfs["incident plan"])
    cells = [element for tag, element in elements if tag == "TD"]
    assert cells and all("/Headers" in element["/A"] for element in cells)
    assert any(len(element["/A"]["/Headers"]) for element in cells)


RAW_MARKDOWN = re.compile(r"\*\*|__|\]\(|(^|\n)\s*#{1,6} |(^|\n)\s*[-*+] \S")


def test_no_pdf_prints_raw_markdown(pdfs):
    for kind, content in pdfs.items():
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        found = RAW_MARKDOWN.search(text)
        assert not found, f"{kind}: raw Markdown {text[max(0, found.start() - 60):found.end() + 60]!r}"
    plan = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdfs["incident plan"])).pages)
    assert "Activation when any of:" in plan and "Escalation" in plan and "duty officer" in plan


def test_no_word_runs_past_the_page_box(pdfs):
    for kind, content in pdfs.items():
        with pdfplumber.open(io.BytesIO(content)) as document:
            for number, page in enumerate(document.pages, 1):
                # The page box less 10 mm: body text stays inside the 17 mm side margins.
                inset = 10 * 72 / 25.4
                outside = [w["text"] for w in page.extract_words()
                           if w["x0"] < inset or w["x1"] > page.width - inset or w["bottom"] > page.height]
                assert not outside, f"{kind}, page {number}: text past the page box: {outside[:5]}"


def test_plan_document_has_contents_activation_severity_and_distribution(pdfs):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdfs["incident plan"])).pages)
    for heading in ("Contents", "Activation and severity levels", "Severity levels", "Distribution list",
                    "Contact and escalation roster"):
        assert heading in text, heading
    assert "Tom Becker, incident response lead, RRWA" in text


def test_executive_summary_states_scope_and_fits_on_page_one(pdfs):
    reader = PdfReader(io.BytesIO(pdfs["executive report, AMBER edition"]))
    first = reader.pages[0].extract_text()
    assert "Scope." in first and "TLP:AMBER edition" in first and "Decisions needed" in first
    assert "Overdue tasks by working group" in first and "Plans overdue for review" in first
    assert "Contents" not in first
