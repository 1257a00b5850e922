"""PDF timings: Palisade's routes next to raw WeasyPrint on the same HTML, the executive report at 50
and 500 initiatives, table layouts at 500 rows, and an issued download against a render.

    .venv/bin/python bench/pdf.py            (a few minutes; builds its own SQLite DB in a temp dir)
"""
import statistics
import sys
import tempfile
import time
from datetime import date
from datetime import timedelta
from pathlib import Path

# The repo root replaces bench/ on the path: bench/ modules (http.py…) would shadow the stdlib.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import sqlalchemy as sa  # noqa: E402
from weasyprint import HTML  # noqa: E402

from app import create_app  # noqa: E402
from app import pdf  # noqa: E402
from app.documents import content  # noqa: E402
from app.documents import executive  # noqa: E402
from app.documents import services  # noqa: E402
from app.extensions import db  # noqa: E402
from app.extensions import limiter  # noqa: E402
from app.models import TLP  # noqa: E402
from app.models import AgreementStatus  # noqa: E402
from app.models import Health  # noqa: E402
from app.models import Initiative  # noqa: E402
from app.models import InitiativeStatus  # noqa: E402
from app.models import Milestone  # noqa: E402
from app.models import PartyRole  # noqa: E402
from app.models import Phase  # noqa: E402
from app.models import PlanContact  # noqa: E402
from app.models import PlanSection  # noqa: E402
from app.models import Role  # noqa: E402
from config import TestConfig  # noqa: E402
from tests import factories as f  # noqa: E402
from tests.conftest import PalisadeClient  # noqa: E402

RUNS = 2


def timed(fn, runs=RUNS) -> float:
    fn()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def make_config(folder: Path):
    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.sqlite'}"
        PDF_RENDER_IN_SUBPROCESS = False
        PDF_RATE_LIMIT = "100000/minute"
        PDF_CACHE_ENABLED = False  # every request renders: this bench measures rendering (bench/renders.py the cache)
    return BenchConfig


def seed(app) -> dict:
    with app.app_context():
        db.create_all()
        org, partner = f.organization(name="National Infrastructure Resilience Office"), f.organization()
        coordinator = f.user(role=Role.COORDINATOR, organization=org)
        agreement = f.agreement(created_by=coordinator, parties=[(org, PartyRole.LEAD), partner], tlp=TLP.AMBER,
                                summary="Purpose. " * 80, terms=("## Section\n\n" + "Clause text. " * 120 + "\n\n") * 6,
                                status=AgreementStatus.APPROVED)
        for party in agreement.parties:
            party.signatory_name = "Signatory"
        plan = f.incident_plan(created_by=coordinator, covered=[partner], scope="Scope. " * 60)
        for n, phase in enumerate(list(Phase) * 3):
            plan.sections.append(PlanSection(phase=phase, title=f"Procedure {n}", body="Step text. " * 90, position=n))
        for n in range(20):
            plan.contacts.append(PlanContact(role=f"Role {n}", name=f"Person {n}", phone="+1 555 0100",
                                             email=f"p{n}@example.org", escalation_tier=1 + n % 3))
        initiative = f.initiative(created_by=coordinator, status=InitiativeStatus.ACTIVE, health=Health.AMBER,
                                  health_reason="Behind plan.")
        for n in range(8):
            initiative.milestones.append(Milestone(title=f"Milestone {n}", due_date=date.today() + timedelta(days=n * 20)))
        group = f.working_group(created_by=coordinator, members=[coordinator], initiative=initiative)
        for n in range(40):
            f.task(working_group=group, title=f"Task {n}", due_date=date.today() + timedelta(days=n - 20))
        for n in range(60):
            risk = f.risk(created_by=coordinator, initiative=initiative if n < 10 else None, likelihood=1 + n % 5,
                          impact=1 + (n // 5) % 5, description="Risk description. " * 10)
            f.mitigation(risk=risk, due_date=date.today() + timedelta(days=n))
        add_initiatives(coordinator, 50)
        db.session.commit()
        return {"agreement": agreement.id, "plan": plan.id, "initiative": initiative.id,
                "client": app.test_client(user=coordinator), "user_id": coordinator.id}


def add_initiatives(coordinator, count: int, start: int = 0) -> None:
    healths = [Health.RED, Health.AMBER, Health.GREEN, Health.GREEN, Health.GREEN]
    db.session.execute(sa.insert(Initiative), [
        {"reference": f"INI-2025-{n:04d}", "title": f"Bulk initiative {n}", "lead_organization_id":
         coordinator.organization_id, "owner_organization_id": coordinator.organization_id,
         "created_by_id": coordinator.id, "tlp": TLP.GREEN, "version": 1, "status": InitiativeStatus.ACTIVE,
         "health": healths[n % 5], "health_reason": "Behind plan: supplier delay."} for n in range(start, start + count)])
    db.session.commit()


def html_for(app, ids, name) -> str:
    from app.models import Agreement
    from app.models import IncidentPlan
    from app.models import User

    with app.test_request_context():
        reader = db.session.get(User, ids["user_id"])
        if name == "agreement":
            template, ctx = content.agreement_document(db.session.get(Agreement, ids["agreement"]))
        elif name == "incident plan":
            template, ctx = content.incident_plan_document(db.session.get(IncidentPlan, ids["plan"]), reader)
        elif name == "initiative status":
            template, ctx = content.initiative_document(db.session.get(Initiative, ids["initiative"]), reader)
        elif name == "risk register":
            template, ctx = content.risk_register_document(reader)
        else:
            template, ctx = executive.executive_document(reader)
        return pdf.render_html(template, **ctx)


def raw(app, html: str) -> bytes:
    return HTML(string=html, base_url=Path(app.static_folder).resolve().as_uri() + "/").write_pdf()


def pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def documents(app, ids) -> None:
    client = ids["client"]
    urls = {"agreement": f"/agreements/{ids['agreement']}.pdf", "incident plan": f"/incident-plans/{ids['plan']}.pdf",
            "initiative status": f"/initiatives/{ids['initiative']}/status-report.pdf",
            "risk register": "/risks/register.pdf", "executive (50 initiatives)": "/reports/executive.pdf"}
    print(f"{'document':32} {'pages':>5} {'route s':>8} {'raw s':>8} {'ratio':>6} {'worker s':>9}")
    for name, url in urls.items():
        html = html_for(app, ids, name.split(" (")[0])
        data = client.get(url).data
        route = timed(lambda url=url: client.get(url))
        bare = timed(lambda html=html: raw(app, html))
        app.config["PDF_RENDER_IN_SUBPROCESS"] = True
        worker = timed(lambda url=url: client.get(url))
        app.config["PDF_RENDER_IN_SUBPROCESS"] = False
        print(f"{name:32} {pages(data):>5} {route:8.3f} {bare:8.3f} {route / bare:6.2f} {worker:9.3f}")


def executive_500(app, ids) -> None:
    from app.models import User

    with app.app_context():
        add_initiatives(db.session.get(User, ids["user_id"]), 450, start=50)
    client, html = ids["client"], html_for(app, ids, "executive")
    data = client.get("/reports/executive.pdf").data
    route, bare = timed(lambda: client.get("/reports/executive.pdf")), timed(lambda: raw(app, html))
    print(f"{'executive (500 initiatives)':32} {pages(data):>5} {route:8.3f} {bare:8.3f} {route / bare:6.2f}")


def issued_vs_render(app, ids) -> None:
    from app.models import Agreement
    from app.models import User

    with app.test_request_context():
        agreement = db.session.get(Agreement, ids["agreement"])
        agreement.status = AgreementStatus.OUT_FOR_SIGNATURE
        document = services.issue_agreement(db.session.get(User, ids["user_id"]), agreement)
        db.session.commit()
        document_id = document.id
    client = ids["client"]
    download = timed(lambda: client.get(f"/documents/{document_id}.pdf"), runs=20)
    html = html_for(app, ids, "agreement")
    render = timed(lambda: raw(app, html))
    print(f"\nissued agreement download {download * 1000:.1f} ms vs a render {render * 1000:.0f} ms "
          f"({render / download:.0f}x)")


TABLE_CSS = """@font-face { font-family: B; src: url(fonts/LiberationSans-Regular.ttf); }
body { font: 9pt B; } table { width: 100%; border-collapse: collapse; }
td { border-bottom: 0.4pt solid #ccc; padding: 1mm; } .fixed { table-layout: fixed; }
.row { border-bottom: 0.4pt solid #ccc; padding: 1mm 0; } .row span { display: inline-block; width: 24%; }
.flex { display: flex; border-bottom: 0.4pt solid #ccc; } .flex span { flex: 1; padding: 1mm; }"""


def table_layouts(app, rows: int = 500) -> None:
    cells = [(f"RSK-2026-{n:04d}", f"Risk title number {n} on a substation", "Grid Security Office", "Open")
             for n in range(rows)]
    table = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>" for a, b, c, d in cells)
    variants = {
        "table-layout: auto": f"<table>{table}</table>",
        "table-layout: fixed": f"<table class=fixed>{table}</table>",
        "block rows": "".join(f"<div class=row><span>{a}</span><span>{b}</span><span>{c}</span><span>{d}</span></div>"
                              for a, b, c, d in cells),
        "flexbox rows": "".join(f"<div class=flex><span>{a}</span><span>{b}</span><span>{c}</span><span>{d}</span></div>"
                                for a, b, c, d in cells),
    }
    print(f"\n{rows}-row layouts (raw WeasyPrint, embedded font)")
    base = None
    for name, body in variants.items():
        html = f"<html><head><style>{TABLE_CSS}</style></head><body>{body}</body></html>"
        data = raw(app, html)
        seconds = timed(lambda html=html: raw(app, html), runs=1)
        base = base or seconds
        print(f"  {name:22} {pages(data):>3} pages {seconds:7.2f} s  ({seconds / base:.2f}x auto)")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(make_config(Path(folder)))
        app.test_client_class = PalisadeClient  # test_client(user=…): a signed-in session
        with app.app_context():
            limiter.reset()
        ids = seed(app)
        documents(app, ids)
        executive_500(app, ids)
        issued_vs_render(app, ids)
        table_layouts(app)
        pdf._worker.stop()


if __name__ == "__main__":
    main()
