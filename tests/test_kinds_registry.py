"""The kinds registry (app/kinds.py) against every cross-cutting feature.

Each check below asks one feature whether it covers a kind, the way a user would find out: the
record's page shows its comments and files panels, its history shows its audit events, a
notification about it names it and links to a page that opens, the organisation that owns it
cannot be deleted, the reminders and the calendar announce its dated fields… A kind added to the
registry without what a feature needs fails here by name; a fake kind proves the checks can fail.
"""
import importlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for

from app import audit
from app import kinds
from app import permissions
from app import records
from app.calendar import services as calendar
from app.extensions import db
from app.inbox import providers as inbox
from app.models import TLP
from app.models import AuditEvent
from app.models import IncidentPlan
from app.models import Milestone
from app.models import Notification
from app.models import Organization
from app.models import ReviewRequest
from app.notifications import objects
from app.notifications import reminders
from app.organizations import services as organizations
from tests.security_world import client_for
from tests.security_world import seed_world

ROOT = Path(__file__).resolve().parent.parent


def _record(kind):
    """Org A's record of the kind (the world makes A's records first)."""
    return db.session.scalars(sa.select(kind.model).order_by(kind.model.id).limit(1)).first()


def _page(app, world, kind, record_id: int, role: str = "coordinator") -> tuple[int, str]:
    with app.app_context():
        record = db.session.get(kind.model, record_id)
        with app.test_request_context():
            url = url_for(kind.endpoint, **kind.url_values(record))
    response = client_for(app, world, role).get(url)
    return response.status_code, response.get_data(as_text=True)


def check_scope(app, world, kind, record_id) -> list[str]:
    """Permissions: A's coordinator reads A's AMBER record; B's member does not (404 on its page)."""
    with app.app_context():
        users = {role: db.session.get(type(u), u.id) for role, u in world.users.items()}
        try:
            readers = {role for role in ("coordinator", "other_org") if db.session.scalar(
                permissions.visible_records(kind, users[role]).with_only_columns(kind.model.id)
                .where(kind.model.id == record_id)) is not None}
        except (AttributeError, KeyError, LookupError, sa.exc.SQLAlchemyError) as exc:
            return [f"permissions: no scope ({type(exc).__name__}: {exc})"]
    return [] if readers == {"coordinator"} else [f"permissions: readers {sorted(readers)}"]


def check_panels(app, world, kind, record_id) -> list[str]:
    """Comments and attachments: the record's page shows the panels of the features the kind takes, and only
    those."""
    try:
        status, html = _page(app, world, kind, record_id)
    except Exception as exc:  # noqa: BLE001 -- the URL cannot even be built: the kind has no page
        return [f"page: {type(exc).__name__}: {exc}"]
    problems = [] if status == 200 else [f"page: {status}"]
    commented = 'id="comments"' in html and f"comments.{kind.key}" in app.view_functions
    if commented != kind.comments:  # the flag is what the page does, both ways
        problems.append(f"comments: the entry says {kind.comments}, the page's comments panel and URL {commented}")
    if (f'id="attachments-{kind.slug}-{record_id}"' in html) != kind.attachments:
        problems.append(f"attachments: the entry says {kind.attachments}, the page's files panel disagrees")
    return problems


def check_notifications(app, world, kind, record_id) -> list[str]:
    """Notifications and mails: the record is named (noun, reference) and linked to a page that opens."""
    with app.app_context():
        record = db.session.get(kind.model, record_id)
        try:
            object_type = objects.object_type_of(record)
            named = f"{kind.noun} {kind.reference(record)}"
            with app.test_request_context():
                endpoint, values = objects.link_for(object_type, "assignment", record)
                url = url_for(endpoint, **values)
        except Exception as exc:  # noqa: BLE001
            return [f"notifications: {type(exc).__name__}: {exc}"]
    status = client_for(app, world, "coordinator").get(url).status_code
    return [] if named.strip() and status == 200 else [f"notifications: {url} answers {status}"]


def check_history(app, world, kind, record_id) -> list[str]:
    """History: an event audited on the record shows on the history page of the record's page."""
    with app.app_context():
        record = db.session.get(kind.model, record_id)
        audit.record(None, f"{kind.key}.checked", record, summary="registry walk")
        db.session.commit()
        in_history = any(e.action == f"{kind.key}.checked" for e in records.history(record))
        with app.test_request_context():
            blueprint = kind.endpoint.rsplit(".", 1)[0]
            values = {k: v for k, v in kind.url_values(record).items() if not k.startswith("_")}
            try:
                url = url_for(f"{blueprint}.history", **values)
            except Exception as exc:  # noqa: BLE001
                return [f"history: no history page ({exc})"]
    html = client_for(app, world, "coordinator").get(url).get_data(as_text=True)
    shown = "registry walk" in html
    return [] if in_history and shown else [f"history: stored {in_history}, shown on {url} {shown}"]


def check_organisation(app, world, kind, record_id) -> list[str]:
    """Organisation page: a shareable kind's owner organisation counts it as in use."""
    if not kind.shareable:
        return []
    columns = {(model, column.name) for model, column in organizations.organization_columns()}
    if (kind.model, "owner_organization_id") not in columns:
        return ["organisation page: the owner organisation does not count the record"]
    return []


def check_reports(app, world, kind, record_id) -> list[str]:
    """Executive report and documents: a reported kind's labels raise the editions; a shareable kind's
    documents are scoped."""
    if not kind.shareable:
        return []
    from app.documents.executive import report_editions

    with app.app_context():
        coordinator = db.session.get(type(world.users["coordinator"]), world.users["coordinator"].id)
        record = db.session.get(kind.model, record_id)
        try:
            record.tlp = TLP.RED
            db.session.commit()
            editions = report_editions(coordinator)
            permissions.visible_documents(coordinator, kind.model, record_id)
        except (AttributeError, LookupError, sa.exc.SQLAlchemyError) as exc:
            return [f"executive report and documents: {type(exc).__name__}: {exc}"]
        finally:
            db.session.rollback()
            record.tlp = TLP.AMBER
            db.session.commit()
    if kind.reported and TLP.RED not in editions:
        return ["executive report: a RED record does not raise the editions"]
    return check_executive_section(app, world, kind) if kind.reported else []


def check_executive_section(app, world, kind) -> list[str]:
    """Executive report: a reported kind has a section, one of the report's own (CORE_KINDS) or the one its entry
    declares, listed in the contents and shown with its template."""
    from app.documents.executive import CORE_KINDS
    from app.documents.executive import executive_document

    if kind.key in CORE_KINDS:
        return [] if not kind.executive_section else ["executive report: a second section for a core kind"]
    if not kind.executive_section:
        return ["executive report: no section (executive_section)"]
    try:
        section = kind.part("executive_section")
        with app.app_context():
            coordinator = db.session.get(type(world.users["coordinator"]), world.users["coordinator"].id)
            template, context = executive_document(coordinator, previous=None)
            app.jinja_env.get_template(section.template)
    except Exception as exc:  # noqa: BLE001 -- whatever breaks, the section is missing
        return [f"executive report: {type(exc).__name__}: {exc}"]
    if (section.anchor, section.heading) not in context["detail_toc"] or section.template not in context["kind_sections"]:
        return ["executive report: the section is not in the report"]
    return []


def check_dates(app, world, kind, record_id) -> list[str]:
    """Reminders and calendar announce each dated field the kind declares while the record is open
    (`open_condition()`); the inbox lists the dated work of a kind assigned to a person."""
    problems = []
    for field in kind.dates:
        try:
            with app.app_context():
                db.session.execute(sa.select(kind.model.id).where(
                    kind.model.open_condition(), getattr(kind.model, field).is_not(None)).limit(1))
        except (AttributeError, sa.exc.SQLAlchemyError) as exc:
            problems.append(f"dates: no open_condition() or no {field} ({type(exc).__name__})")
        if (kind.model, field) not in reminders.covered():
            problems.append(f"reminders: no rule for {field}")
        if (kind.model, field) not in calendar.covered():
            problems.append(f"calendar: no entry for {field}")
        if kind.assignee and (kind.model, field) not in inbox.covered():
            problems.append(f"inbox: no entry for {field}")
    return problems


def check_list(app, world, kind, record_id) -> list[str]:
    """List page and search: a kind with a page of its own is listed at its blueprint's index, where ?q= with its
    title links to its page (among all the reader sees: ?scope=all) and words it does not hold do not (a kind
    shown on its parent's page, the mitigation, is found there)."""
    if kind.locate is not None:
        return []
    endpoint = f"{kind.blueprint}.index"
    if endpoint not in app.view_functions:
        return [f"list: no list page {endpoint}"]
    with app.app_context():
        record = db.session.get(kind.model, record_id)
        with app.test_request_context():
            link = f'href="{url_for(kind.endpoint, **kind.url_values(record))}"'
            found, missed = (url_for(endpoint, q=q, scope="all") for q in (kind.title(record), "zqxj nothing"))
    client = client_for(app, world, "coordinator")
    shown = [link in client.get(url).get_data(as_text=True) for url in (found, missed)]
    return [] if shown == [True, False] else [f"list and search: found, left out {shown}"]


def check_parts(app, world, kind, record_id) -> list[str]:
    """The kind's own plug-ins (calendar entries, dashboard panel, clock reminders, inbox sections) load and
    serve: the calendar lists the entries, the dashboard shows the panel, the inbox has the sections."""
    problems = []
    for name in ("calendar_entries", "dashboard_panel", "clock_reminders", "dated_reminders", "inbox_sections"):
        try:
            kind.part(name)
        except (ImportError, AttributeError) as exc:
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    if problems:
        return problems
    if kind.dashboard_panel and not (ROOT / "templates" / kind.blueprint / "_dashboard.html").is_file():
        problems.append(f"dashboard: no templates/{kind.blueprint}/_dashboard.html for its panel")
    if kind.inbox_sections and not any(p.fn.__module__ == kind.inbox_sections for p in inbox.PROVIDERS):
        problems.append(f"inbox: {kind.inbox_sections} registers no section")
    with app.app_context():
        coordinator = db.session.get(type(world.users["coordinator"]), world.users["coordinator"].id)
        if kind.calendar_entries and not isinstance(kind.part("calendar_entries")(coordinator), list):
            problems.append("calendar: its entries are not a list")
        if kind.clock_reminders and not isinstance(kind.part("clock_reminders")(), int):
            problems.append("reminders: its clock does not say how many it sent")
        if kind.dated_reminders and not isinstance(kind.part("dated_reminders")(None), int):
            problems.append("reminders: its dated rules do not say how many they sent")
    return problems


def check_reviews(app, world, kind, record_id) -> list[str]:
    """Review rounds: a reviewed kind's page holds the review panel and its record lists the rounds opened on it
    (`review_rounds`); a kind the entry does not call reviewed has neither."""
    with app.app_context():
        source = app.jinja_env.loader.get_source(app.jinja_env, f"{kind.blueprint}/detail.html")[0]
        panel = "reviews/_panel.html" in source and kind.locate is None
        record = db.session.get(kind.model, record_id)
        db.session.add(ReviewRequest(object_type=kind.table, object_id=record_id,
                                     submitted_by_id=world.users["coordinator"].id))
        db.session.flush()
        rounds = [r.object_id for r in getattr(record, "review_rounds", [])]
        db.session.rollback()
    if kind.reviewed != panel or kind.reviewed != (rounds == [record_id]):
        return [f"reviews: the entry says {kind.reviewed}, the page's panel {panel}, the record's rounds {rounds}"]
    return []


def check_audit(app, world, kind, record_id) -> list[str]:
    """Audit: archiving the record from its page audits "<key>.archived" on it, the registry's key (app/records.py
    takes it from there, and refuses another one)."""
    endpoint = f"{kind.blueprint}.archive"
    if kind.locate is not None or endpoint not in app.view_functions:
        return []  # archived with its parent (a mitigation), or not archived at all (an advisory is withdrawn)
    with app.app_context():
        record = db.session.get(kind.model, record_id)
        with app.test_request_context():
            url = url_for(endpoint, **kind.url_values(record))
    client_for(app, world, "coordinator").post(url)
    with app.app_context():
        record = db.session.get(kind.model, record_id)
        if getattr(record, "archived_at", None) is None:
            return []  # not in a state to archive (an open incident report)
        actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.linked_to(record))))
        records.restore(None, record)
        db.session.commit()
    archived.append(kind.key)
    return [] if f"{kind.key}.archived" in actions else [f"audit: archiving it audited {sorted(actions)}"]


archived: list[str] = []  # the kinds check_audit archived (the walk proves it ran)


CHECKS = (check_scope, check_panels, check_notifications, check_history, check_organisation, check_reports,
          check_dates, check_list, check_parts, check_reviews,
          check_audit)


def _walk(app, world, kind) -> list[str]:
    with app.app_context():
        record_id = _record(kind).id
    return [problem for check in CHECKS for problem in check(app, world, kind, record_id)]


def test_every_kind_is_covered_by_every_cross_cutting_feature(app):
    world = seed_world(app)
    missing = {kind.key: problems for kind in kinds.KINDS if (problems := _walk(app, world, kind))}
    assert missing == {}
    assert {"agreement", "task", "incident_plan"} <= set(archived)


def test_one_key_spelling_and_derived_names():
    assert len({k.key for k in kinds.KINDS}) == len({k.table for k in kinds.KINDS}) == len(kinds.KINDS)
    for kind in kinds.KINDS:
        assert re.fullmatch(r"[a-z_]+", kind.key)
        assert kind.table == kind.model.__tablename__ and kind.slug == kind.table.replace("_", "-")
        assert kinds.BY_KEY[kind.key] is kinds.BY_TABLE[kind.table] is kinds.BY_SLUG[kind.slug] is kind
        assert kind.shareable or kind.parent_kind is not None and kind.parent_kind.shareable


def test_stored_object_types_are_the_kinds_tables(app):
    """Every (object_type, object_id) pair written for a record names its kind's table: one spelling."""
    seed_world(app)
    with app.app_context():
        stored = set(db.session.scalars(sa.select(AuditEvent.object_type).distinct()))
        stored |= set(db.session.scalars(sa.select(Notification.object_type).distinct()))
    tables = {kind.table for kind in kinds.KINDS}
    assert stored & {kind.key for kind in kinds.KINDS} - tables == set()
    assert {"tasks"} <= stored


def test_a_kind_missing_from_the_features_is_caught(app):
    """A milestone declared as a kind without the rest (no TLP label, no page of its own, no history,
    no dated-field rules, not on a list page, an inbox module that is not there, no review rounds) fails every feature's check."""
    world = seed_world(app)
    fake = kinds.RecordKind("milestone", Milestone, "milestone", "initiatives.detail", "initiative_id",
                            assignee="completed_by_id", comments=True,
                            deadlines=(kinds.Deadline("due_date", "due", "milestone_due", (3,), "is due"),),
                            inbox_sections="app.initiatives.milestones", reviewed=True)
    with app.app_context():
        record_id = db.session.scalars(sa.select(Milestone.id)).first()
    caught = {check.__name__ for check in CHECKS if check(app, world, fake, record_id)}
    assert caught == {"check_scope", "check_panels", "check_notifications", "check_history",
                      "check_organisation", "check_reports", "check_dates", "check_list", "check_parts",
                      "check_reviews"}


def test_kind_of_refuses_what_is_not_a_kind(app):
    with app.app_context():
        with pytest.raises(LookupError, match="not a record kind"):
            kinds.kind_of(Organization(name="X"))
    assert kinds.find(object()) is None


def test_an_audit_key_is_the_registrys(app):
    """The shared steps take a record's audit key from its kind, and refuse one typed differently."""
    with app.app_context():
        assert records.audit_key(IncidentPlan()) == "incident_plan"
        with pytest.raises(ValueError, match="not the audit key"):
            records.audit_key(IncidentPlan(), "plan")
        assert records.audit_key(Organization(name="X"), "organization") == "organization"


# What a new kind edits: its own package (app/<blueprint>/, with `bp`), its model module (app/models/<kind>.py), its
# migration, and its entry in app/kinds.py. The files that wire every feature together name no kind: the factory
# registers the kinds' blueprints from the registry, app/models re-exports whatever its modules define.
WIRING = ("app/__init__.py", "app/models/__init__.py")


def _names(kind) -> set[str]:
    return {kind.key, kind.table, kind.slug, kind.blueprint, kind.model.__name__, kind.model.__module__}


def test_a_kind_is_its_package_its_model_module_and_its_entry(app):
    import app.models as models_package

    for kind in kinds.KINDS:
        package = importlib.import_module(f"app.{kind.blueprint}")
        assert package.bp.name == kind.blueprint and app.blueprints[kind.blueprint] is package.bp, kind.key
        assert kind.model.__module__.startswith("app.models.") and not kind.model.__module__.endswith("__init__")
        assert getattr(models_package, kind.model.__name__) is kind.model, kind.key
    for path in WIRING:
        text = (ROOT / path).read_text(encoding="utf-8")
        named = {(kind.key, name) for kind in kinds.KINDS for name in _names(kind)
                 if re.search(rf"\b{re.escape(name)}\b", text)}
        assert named == set(), path


def test_the_registered_features_follow_the_registry(monkeypatch):
    from app import SHARED_FEATURES
    from app import features

    registered = features()
    assert {kind.blueprint for kind in kinds.KINDS} <= set(registered)
    assert set(registered) - {kind.blueprint for kind in kinds.KINDS} == set(SHARED_FEATURES)
    newcomer = kinds.RecordKind("drill", Milestone, "drill", "drills.detail", "drill_id")
    without_tasks = tuple(kind for kind in kinds.KINDS if kind.key != "task")
    monkeypatch.setattr(kinds, "KINDS", (*without_tasks, newcomer))
    assert "drills" in features() and "tasks" not in features()


def test_the_inbox_shared_sections_list_the_kinds_whose_entry_names_them(monkeypatch):
    """Reviews to give, assigned work and reviews due list the kinds that name app.inbox.shared, each by what it
    is (reviewed, assigned, reviewed on a date), with what its entry tells the user to do."""
    from app.inbox import shared

    keys = lambda found: {kind.key for kind in found}  # noqa: E731
    assert keys(shared._reviewed()) == {"agreement", "incident_plan"}
    assert keys(shared._assigned()) == {"task", "mitigation"}
    assert keys(shared._dated_reviews()) == {"risk", "incident_plan"}
    for kind in (*shared._assigned(), *shared._dated_reviews()):
        assert kind.inbox_action and kind.inbox_action.endswith(("update", "status", "date", "approved")), kind.key
    for kind in shared._assigned():
        assert kind.deadlines and kind.model.NOT_STARTED in type(kind.model.NOT_STARTED), kind.key
    monkeypatch.setattr(kinds, "KINDS", tuple(kind for kind in kinds.KINDS if kind.key not in {"task", "risk"}))
    assert keys(shared._assigned()) == {"mitigation"} and keys(shared._dated_reviews()) == {"incident_plan"}
