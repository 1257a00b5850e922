"""Every incident-report route × everyone around a report, walked from app.url_map: the operator's
coordinator, member and executive, its client organisation, the authority's coordinator and member, a third
operator, an admin. Out of scope (AMBER+STRICT: client and third operator) is 404, in scope but not allowed
403, and a refused write changes nothing. A new incident route without a policy below fails by name."""
import pytest
import sqlalchemy as sa

from app.bearer import is_bearer_path
from app.extensions import db
from app.models import AuditEvent
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models import StageKind
from app.models import utcnow
from tests.conftest import make_app
from tests.incident_world import PEOPLE
from tests.incident_world import build
from tests.incident_world import client
from tests.security_world import build_url
from tests.security_world import write_methods

OK = "ok"
EVERYONE_SIGNED_IN = dict.fromkeys(PEOPLE, OK)
READERS = {**EVERYONE_SIGNED_IN, "client_member": 404, "third_coordinator": 404}
REPORTERS = {**READERS, "operator_executive": 403, "authority_coordinator": 403, "authority_member": 403,
             "admin": 403}
ANSWERERS = {**READERS, "operator_coordinator": 403, "operator_member": 403, "operator_executive": 403,
             "authority_member": 403, "admin": 403}
COMMENTERS = {**READERS, "admin": 403}
CREATORS = {**EVERYONE_SIGNED_IN, "operator_executive": 403, "admin": 403}

POLICY = {
    "incidents.index": EVERYONE_SIGNED_IN,
    "incidents.create": CREATORS,
    "incidents.detail": READERS,
    "incidents.history": READERS,
    "documents.incident_stage": READERS,
    "incidents.submit_stage": REPORTERS,
    "incidents.edit": REPORTERS,  # the operator's coordinators and members, on an open case
    "incidents.change_status": {**REPORTERS, "authority_coordinator": OK},  # the authority closes the case
    "incidents.acknowledge": ANSWERERS,
    "incidents.request_intermediate": ANSWERERS,
    "incidents.open_risk": ANSWERERS,
    "comments.incident_report": COMMENTERS,
    # Only a closed case is archived (test_archive_matrix_of_a_closed_case): this open one, by no one.
    "incidents.archive": {**READERS, **{who: 403 for who in PEOPLE if who not in ("client_member", "third_coordinator")}},
    "incidents.restore": {**READERS, **{who: 403 for who in PEOPLE if who not in ("client_member", "third_coordinator")}},
}


def _incident_rules(app):
    return sorted((r for r in app.url_map.iter_rules()
                   if not is_bearer_path(r.rule)  # the API's own matrix: tests/test_api_*.py
                   and (r.endpoint.startswith("incidents.") or "incident_id" in r.arguments)),
                  key=lambda r: (r.endpoint, r.rule))


def test_every_incident_route_has_a_policy():
    app = make_app()
    missing = sorted({r.endpoint for r in _incident_rules(app)} - set(POLICY))
    assert not missing, f"incident routes without an entry in tests/test_incidents_access.py: {missing}"


def _ids(app, world) -> dict:
    """A submitted stage with its PDF (the early warning), the kind walked on submit (a correction)."""
    with app.app_context():
        report = db.session.get(IncidentReport, world.report_id)
        stage = next(s for s in report.stages if s.kind is StageKind.EARLY_WARNING)
        from app.models import Document

        document = Document(object_type="incident_reports", object_id=report.id, kind="incident_stage",
                            version=1, reference=report.reference, filename="s.pdf", sha256="3" * 64, size=8,
                            content=b"%PDF-1.7", tlp=report.tlp)
        db.session.add(document)
        db.session.flush()
        stage.submitted_at, stage.document_id, stage.body = utcnow(), document.id, "text"
        db.session.commit()
        return {"incident_id": report.id, "stage_id": stage.id, "stage_kind": "intermediate"}


def _state(app, world) -> tuple:
    with app.app_context():
        report = db.session.get(IncidentReport, world.report_id)
        return (report.version, report.status,
                db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
                db.session.scalar(sa.select(sa.func.count(IncidentReportStage.id))),
                tuple(db.session.scalars(sa.select(IncidentReportStage.acknowledged_at).order_by(IncidentReportStage.id))))


def _check(response, expected, label):
    status = response.status_code
    if expected == OK:
        assert status < 500 and status not in (401, 403, 404, 405), f"{label}: {status}"
        assert "/auth/login" not in response.headers.get("Location", ""), f"{label}: sent to sign-in"
    else:
        assert status == expected, f"{label}: expected {expected}, got {status}"


def test_reads_by_everyone_around_a_report():
    app = make_app()
    world = build(app)
    ids = _ids(app, world)
    failures = []
    for rule in _incident_rules(app):
        if "GET" not in rule.methods:
            continue
        url = build_url(rule, ids)
        for who in PEOPLE:
            try:
                _check(client(app, world, who).get(url), POLICY[rule.endpoint][who], f"GET {url} as {who}")
            except AssertionError as exc:
                failures.append(str(exc))
    assert not failures, "\n".join(failures)


def _writes():
    app = make_app()
    return [pytest.param(r.endpoint, m, id=f"{m} {r.endpoint}") for r in _incident_rules(app) for m in write_methods(r)]


# Refusals first, so one person's accepted write cannot hide another's refusal.
WRITE_ORDER = sorted(PEOPLE, key=lambda who: 0 if who in ("client_member", "third_coordinator") else 1)


@pytest.mark.parametrize("endpoint, method", _writes())
def test_writes_by_everyone_around_a_report(endpoint, method):
    app = make_app()
    world = build(app)
    ids = _ids(app, world)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods)
    url = build_url(rule, ids)
    failures = []
    for who in WRITE_ORDER:
        expected = POLICY[endpoint][who]
        before = _state(app, world)
        response = client(app, world, who).open(url, method=method, data={})
        try:
            _check(response, expected, f"{method} {url} as {who}")
            if expected != OK:
                assert _state(app, world) == before, f"{method} {url} as {who}: refused but something changed"
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)


def test_another_authority_sees_nothing_of_a_report_addressed_to_the_first():
    """The sector CSIRT's coordinator and the national authority's: each is 404 on every route of a report
    addressed to the other (reads, writes, the stage PDF), and /verify does not name the other's stage PDF."""
    import hashlib

    from app.models import Document
    from app.models import Role
    from tests import factories as f

    app = make_app()
    world = build(app)
    ids = _ids(app, world)
    content = b"%PDF-1.7 stage of another authority"
    with app.app_context():
        other = f.organization(name="Energy Sector CSIRT", short_name="ECSIRT", is_authority=True)
        outsider = f.user(role=Role.COORDINATOR, organization=other)
        document = db.session.scalar(sa.select(Document).where(Document.object_id == world.report_id,
                                                               Document.kind == "incident_stage"))
        document.content, document.sha256, document.size = content, hashlib.sha256(content).hexdigest(), len(content)
        reference = document.reference
        db.session.commit()
        browser = app.test_client(user=outsider)
    failures = []
    for rule in (r for r in _incident_rules(app) if r.arguments):  # the list and /new are everyone's
        url = build_url(rule, ids)
        for method in (["GET"] if "GET" in rule.methods else []) + list(write_methods(rule)):
            before = _state(app, world)
            status = browser.open(url, method=method, data={}).status_code
            if status != 404:
                failures.append(f"{method} {url}: {status}")
            if _state(app, world) != before:
                failures.append(f"{method} {url}: something changed")
    assert not failures, "\n".join(failures)
    assert reference not in browser.get("/incidents/").get_data(as_text=True)
    assert reference not in browser.get("/incidents/?queue=received").get_data(as_text=True)
    import io

    def verify(who):
        return who.post("/verify", data={"file": (io.BytesIO(content), "stage.pdf")},
                        content_type="multipart/form-data").get_data(as_text=True)

    assert reference in verify(client(app, world, "authority_coordinator"))  # the addressed authority is told
    assert reference not in verify(browser)


def test_archive_matrix_of_a_closed_case():
    """Once the authority has closed the case, the operator's coordinator archives and restores it (audited,
    a second click changes nothing); everyone else is refused (404 out of scope, 403 in it), unchanged."""
    from app.models import IncidentStatus

    app = make_app()
    world = build(app, status=IncidentStatus.CLOSED)
    url = f"/incidents/{world.report_id}"

    def archived_and_events():
        with app.app_context():
            report = db.session.get(IncidentReport, world.report_id)
            actions = db.session.scalars(sa.select(AuditEvent.action).where(
                AuditEvent.object_id == report.id, AuditEvent.action.like("incident_report.%"))).all()
            return report.archived_at is not None, sorted(actions)

    for who in WRITE_ORDER:
        if who == "operator_coordinator":
            continue
        before = archived_and_events()
        expected = 404 if who in ("client_member", "third_coordinator") else 403
        assert client(app, world, who).post(f"{url}/archive").status_code == expected, who
        assert archived_and_events() == before, who
    coordinator = client(app, world, "operator_coordinator")
    assert ">Archive<" in coordinator.get(url).get_data(as_text=True)
    assert coordinator.post(f"{url}/archive").status_code == 302
    archived, actions = archived_and_events()
    assert archived and actions.count("incident_report.archived") == 1
    page = coordinator.post(f"{url}/archive", follow_redirects=True).get_data(as_text=True)
    assert "already archived" in page
    assert archived_and_events() == (True, actions)  # twice does nothing
    assert client(app, world, "authority_coordinator").post(f"{url}/restore").status_code == 403
    assert coordinator.post(f"{url}/restore").status_code == 302
    assert archived_and_events()[0] is False
    assert ">Archive<" not in client(app, world, "authority_coordinator").get(url).get_data(as_text=True)


# Evidence (logs, the operator's forensic notes): the operator's coordinators and members who write the
# report, on an open case; the authority's coordinator files its analysis. Nobody else.
EVIDENCE = {**READERS, "operator_coordinator": OK, "operator_member": OK, "operator_executive": 403,
            "authority_coordinator": OK, "authority_member": 403, "admin": 403}


def test_who_files_evidence_on_a_report():
    import io

    from app.models import Attachment

    app = make_app()
    world = build(app)
    failures = []
    for who in WRITE_ORDER:
        data = {"files": [(io.BytesIO(b"log line\n"), f"{who}.txt", "text/plain")]}
        response = client(app, world, who).post(f"/attachments/incident-reports/{world.report_id}/", data=data,
                                                content_type="multipart/form-data")
        with app.app_context():
            names = set(db.session.scalars(sa.select(Attachment.filename)))
        try:
            _check(response, EVIDENCE[who], f"evidence as {who}")
            assert (f"{who}.txt" in names) is (EVIDENCE[who] == OK), f"evidence as {who}: stored {names}"
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)
