"""What every page saves (issue 25), seen from outside: the navigation bar rendered once per person, section and
counts and kept (a new notification or a renamed person shows at once; the sign-out form still carries a valid
token), and the statements kept per scope sent as SQL compiled once give the rows the ORM gives (both databases)."""
import re

from flask import template_rendered

from app import permissions
from app import precompiled
from app.extensions import db
from app.models import Notification
from app.models import NotificationKind
from app.models import Role
from app.models import User
from config import CsrfTestConfig
from tests import factories as f
from tests.conftest import USING_POSTGRES
from tests.conftest import empty_all_tables
from tests.conftest import make_app


def _bell(html: str) -> int:
    return int(re.search(r'aria-label="Notifications, (\d+) unread"', html).group(1))


def test_the_kept_navigation_bar_follows_counts_and_names_and_signs_out(app):
    # `app` (unused) keeps the fixture's PostgreSQL cleanup in order; the sign-out needs CSRF checks on.
    csrf_app = make_app(CsrfTestConfig)
    try:
        with csrf_app.app_context():
            person = f.user(role=Role.COORDINATOR, name="Dana Duty")
            person_id = person.id
            client = csrf_app.test_client(user=person)
        rendered = []

        def note(_sender, template, **_extra):
            rendered.append(template.name)

        template_rendered.connect(note, csrf_app)
        try:
            first = client.get("/agreements/").get_data(as_text=True)
            again = client.get("/agreements/?sort=title").get_data(as_text=True)
        finally:
            template_rendered.disconnect(note, csrf_app)
        assert rendered.count("_partials/nav.html") == 1  # the same person, section and counts: kept
        assert _bell(first) == _bell(again) == 0 and "Dana Duty" in again
        with csrf_app.app_context():
            db.session.add(Notification(user_id=person_id, kind=NotificationKind.ASSIGNMENT, object_type="tasks",
                                        object_id=1, summary="A task was assigned to you"))
            db.session.get(User, person_id).name = "Dana Watch"
            db.session.commit()
        html = client.get("/agreements/").get_data(as_text=True)
        assert _bell(html) == 1 and "Dana Watch" in html and "Dana Duty" not in html
        tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', html))
        assert len(tokens) == 1
        response = client.post("/auth/logout", data={"csrf_token": tokens.pop()})
        assert response.status_code == 302
        assert client.get("/agreements/").status_code == 302  # signed out
    finally:
        if USING_POSTGRES:
            empty_all_tables(csrf_app)


def test_statements_kept_per_scope_give_the_same_rows_from_their_compiled_sql(app, client_as):
    with app.app_context():
        grid = f.organization(name="Grid North")
        people = [f.user(role=role, organization=grid) for role in (Role.COORDINATOR, Role.MEMBER, Role.EXECUTIVE)]
        f.agreement(created_by=people[0], parties=[grid])
        f.task(working_group=f.working_group(created_by=people[0], members=people[:2]), assignee=people[1])
        clients = [client_as(person) for person in people]
    for client in clients:
        for url in ("/", "/agreements/", "/risks/"):
            assert client.get(url).status_code == 200
    with app.app_context():
        kept = []
        for (name, *_scope), value in list(permissions._SCOPED.items()):
            if name.startswith("inbox_count:"):
                kept.append(value[0])  # the navigation bar's counts (with the dashboard's figures)
            elif name == "dashboard":
                kept += [value[part] for part in ("figures", "lines") if part in value]
            elif name in ("organization_options", "risk_initiative_options"):
                kept.append(value)
        assert kept
        for statement in kept:
            assert precompiled.rows(statement) == [tuple(row) for row in db.session.execute(statement)]
