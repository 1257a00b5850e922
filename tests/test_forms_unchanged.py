"""An edit form saved as the browser sends it, untouched, changes nothing.

The page's form is read as Chromium submits it (tests/browser_forms.py: a select with no selected
option sends its first option, textareas send CRLF line breaks), so the tests see what people see.
The every-form sweep in a real browser is tests/test_forms_browser.py.
"""
import unicodedata
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import Initiative
from app.models import Milestone
from app.models import Risk
from app.models import Task
from app.models import TaskStatus
from app.models import User
from app.models import today
from app.models import utcnow
from tests import factories
from tests.browser_forms import browser_form_data
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world


def _edit_form(html: str) -> dict:
    return browser_form_data(html, lambda f: "app-form" in f["class"] and f["method"] == "post")


def test_initiative_edit_never_recreates_its_milestones_and_35_milestones_still_edit(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        creator = db.session.get(User, w.ids["coord_gov"])
        initiative = factories.initiative(created_by=creator, tlp=TLP.AMBER)
        for n in range(35):
            db.session.add(Milestone(initiative=initiative, title=f"Step {n}", due_date=today() + timedelta(days=n),
                                     completed_at=None))
        db.session.commit()
        initiative_id = initiative.id
    coord = w.c["coord_gov"]
    page = coord.get(f"/initiatives/{initiative_id}/edit")
    assert page.status_code == 200  # was 500 above 30 milestones
    html = text(page)
    assert 'value="Step 0"' not in html  # the "Add milestones" rows start empty
    saved = coord.post(f"/initiatives/{initiative_id}/edit", data=_edit_form(html))
    assert saved.status_code == 302, text(saved)[:2000]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 35
        assert db.session.get(Initiative, initiative_id).version == 1


def test_initiative_edit_with_four_milestones_saved_twice_keeps_four(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        creator = db.session.get(User, w.ids["coord_gov"])
        initiative = factories.initiative(created_by=creator, tlp=TLP.AMBER)
        for n in range(4):
            db.session.add(Milestone(initiative=initiative, title=f"Step {n}", due_date=None,
                                     completed_at=None if n == 3 else utcnow()))
        db.session.commit()
        initiative_id = initiative.id
    coord = w.c["coord_gov"]
    for _ in range(2):
        html = text(coord.get(f"/initiatives/{initiative_id}/edit"))
        assert coord.post(f"/initiatives/{initiative_id}/edit", data=_edit_form(html)).status_code == 302
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        assert len(initiative.milestones) == 4 and initiative.progress == 75


def test_risk_edit_keeps_an_initiative_the_editor_cannot_pick(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        gov_coord = db.session.get(User, w.ids["coord_gov"])
        water_coord = db.session.get(User, w.ids["coord_water"])
        # An initiative of the government office, shared only within it: the water coordinator who
        # edits the risk does not see it, so the picker cannot offer it.
        initiative = factories.initiative(created_by=gov_coord, tlp=TLP.AMBER_STRICT)
        risk = factories.risk(created_by=water_coord, tlp=TLP.GREEN, initiative_id=initiative.id,
                              next_review_date=today() + timedelta(days=90))
        risk_id, initiative_id, reference = risk.id, initiative.id, initiative.reference
    coord = w.c["coord_water"]
    html = text(coord.get(f"/risks/{risk_id}/edit"))
    assert reference not in html  # the editor is not told which initiative it is
    saved = coord.post(f"/risks/{risk_id}/edit", data=_edit_form(html))
    assert saved.status_code == 302, text(saved)[:2000]
    with app.app_context():
        risk = db.session.get(Risk, risk_id)
        assert risk.initiative_id == initiative_id
        assert risk.version == 1


def test_risk_edit_keeps_an_archived_initiative(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        coord_user = db.session.get(User, w.ids["coord_gov"])
        initiative = factories.initiative(created_by=coord_user, tlp=TLP.GREEN, archived_at=utcnow())
        risk = factories.risk(created_by=coord_user, tlp=TLP.GREEN, initiative_id=initiative.id)
        risk_id, initiative_id = risk.id, initiative.id
    coord = w.c["coord_gov"]
    html = text(coord.get(f"/risks/{risk_id}/edit"))
    assert coord.post(f"/risks/{risk_id}/edit", data=_edit_form(html)).status_code == 302
    with app.app_context():
        assert db.session.get(Risk, risk_id).initiative_id == initiative_id


def test_done_task_keeps_an_assignee_who_has_left_the_group(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w)  # member_water is not (or no longer) a member
    task_id = make_task(app, w, group_id, assignee="member_water", status=TaskStatus.DONE, title="Inventory")
    coord = w.c["coord_gov"]
    html = text(coord.get(f"/tasks/{task_id}/edit"))
    assert coord.post(f"/tasks/{task_id}/edit", data=_edit_form(html)).status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.assignee_id == w.ids["member_water"] and task.version == 1


def test_task_saved_untouched_keeps_its_multiline_text_and_its_version(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_water"])
    description = "Scope:\n\n- survey the pumps  \n- replace the firmware\n\nDone when signed off."
    task_id = make_task(app, w, group_id, title="Firmware", description=description)
    coord = w.c["coord_gov"]
    html = text(coord.get(f"/tasks/{task_id}/edit"))
    data = _edit_form(html)
    assert "\r\n" in data["description"]  # what Chromium sends
    assert coord.post(f"/tasks/{task_id}/edit", data=data).status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.description == description and task.version == 1
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.object_type == "tasks", AuditEvent.action.like("%updated%"))) == 0


def test_typed_text_is_stored_in_nfc_with_lf_line_breaks(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w)
    task_id = make_task(app, w, group_id, title="Old")
    coord = w.c["coord_gov"]
    data = _edit_form(text(coord.get(f"/tasks/{task_id}/edit")))
    data.update(title=unicodedata.normalize("NFD", "Réseau électrique  "),
                description="Ligne une\r\nLigne deux\rLigne trois\r\n\r\n")
    assert coord.post(f"/tasks/{task_id}/edit", data=data).status_code == 302
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.title == unicodedata.normalize("NFC", "Réseau électrique")
        assert task.description == "Ligne une\nLigne deux\nLigne trois"


def test_incident_report_saved_untouched_keeps_its_times_to_the_second_and_its_version(app):
    """A report filed with times to the second, edited by someone on another clock: the untouched save
    writes nothing (no new version, no audit event), although the form shows minutes in New York time."""
    from app.models import IncidentReport
    from tests.incident_world import build
    from tests.incident_world import client
    from tests.incident_world import person

    world = build(app, started_at=utcnow() - timedelta(hours=2, seconds=29), summary="Line one\nLine two",
                  countries_affected="BE,FR", users_affected=40)
    with app.app_context():
        person(world, "operator_member").time_zone = "America/New_York"
        db.session.commit()
        before = db.session.get(IncidentReport, world.report_id).started_at
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    member = client(app, world, "operator_member")
    data = _edit_form(text(member.get(f"/incidents/{world.report_id}/edit")))
    assert "\r\n" in data["summary"] and data["started_at"]
    assert member.post(f"/incidents/{world.report_id}/edit", data=data).status_code == 302
    with app.app_context():
        report = db.session.get(IncidentReport, world.report_id)
        assert report.version == 1 and report.started_at == before and report.ended_at is None
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def _form_classes(base) -> set:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _form_classes(sub)
    return found


def test_every_form_of_the_app_normalises_its_text_fields(app):
    """A new form is covered without a new test: every form class the app defines derives from AppForm."""
    from flask_wtf import FlaskForm

    from app.forms import AppForm

    mine = {cls for cls in _form_classes(FlaskForm) if cls.__module__.startswith("app.")}
    assert len(mine) > 20
    assert {f"{cls.__module__}.{cls.__qualname__}" for cls in mine if not issubclass(cls, AppForm)} == set()
    with app.test_request_context(method="POST", data={"body": "a\r\nb\u0065\u0301  "}):
        from app.comments.forms import CommentForm

        assert CommentForm().body.data == "a\nb\u00e9"


def _insert_as_of_then(table: sa.Table, **values) -> int:
    """Insert a row into `table` as the schema stood at an old revision (reflected, not today's models, which
    may have columns that revision lacks): required columns without a default get a plain value."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        python_type = column.type.python_type
        if python_type is bool:
            row[column.name] = False
        elif python_type is int:
            row[column.name] = 1
        elif python_type.__name__ in ("datetime", "date"):
            row[column.name] = utcnow() if python_type.__name__ == "datetime" else today()
        else:
            row[column.name] = f"{column.name} {table.name}"
    return db.session.execute(table.insert().values(**row)).inserted_primary_key[0]


def test_stored_crlf_text_becomes_lf_once_by_migration(tmp_path):
    """Text saved by the forms before normalisation (CRLF) is converted once, without a new version."""
    from flask_migrate import upgrade

    from app import create_app
    from config import TestConfig

    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'crlf.sqlite'}"

    app = create_app(MigrationConfig)
    with app.app_context():
        try:
            upgrade(revision="a1b2c3d41801")
            then = sa.MetaData()
            then.reflect(bind=db.engine, only=["organizations", "users", "risks"])
            org_id = _insert_as_of_then(then.tables["organizations"], name="Old org", kind="government",
                                        country="DE", sectors="")
            user_id = _insert_as_of_then(then.tables["users"], email="old@example.org", organization_id=org_id,
                                         role="coordinator", active=True)
            risk_id = _insert_as_of_then(then.tables["risks"], title="T", description="One\r\nTwo\r\n\r\nThree",
                                         owner_organization_id=org_id, created_by_id=user_id, version=1,
                                         tlp="green", likelihood=2, impact=2, treatment="mitigate",
                                         status="open", sector="energy")
            db.session.commit()
            db.session.remove()
            upgrade()
            risk = db.session.get(Risk, risk_id)
            assert risk.description == "One\nTwo\n\nThree" and risk.version == 1
        finally:
            db.session.remove()
            db.engine.dispose()
