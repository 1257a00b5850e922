"""Every list page and the dashboard run a fixed number of SQL statements, whatever the number of rows: the
statements are counted with N records of every kind and again with 3N (bench/scale.py adds them): never more
at 3N, and within the budget (lists 8, dashboard 12). The lists are every GET route without arguments that the
application names a list (LIST_ENDPOINT): a new one without a counted address fails by name."""
import re
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import IncidentPlan
from app.models import Organization
from app.models import Role
from app.models import User
from bench.scale import seed_scale
from tests import factories as f
from tests.api_helpers import bearer
from tests.api_helpers import token_for
from tests.conftest import WORLD_SCOPE
from tests.conftest import make_app

LISTS = ["/agreements/", "/risks/", "/inbox/", "/tasks/", "/tasks/?scope=all", "/initiatives/", "/working-groups/",
         "/incident-plans/", "/notifications/", "/agreements/?per_page=100", "/advisories/", "/sharing/", "/incidents/",
         "/exercises/", "/corrective-actions/", "/corrective-actions/?per_page=100", "/exercises/programme",
         "/risks/?per_page=100", "/tasks/?scope=all&per_page=100",
         "/api/v1/agreements/", "/api/v1/risks/", "/api/v1/tasks/", "/api/v1/initiatives/", "/api/v1/working-groups/",
         "/api/v1/incident-plans/", "/api/v1/incidents/", "/api/v1/advisories/", "/api/v1/exercises/",
         "/api/v1/corrective-actions/", "/api/v1/notifications/", "/api/v1/inbox/"]
ADMIN_LISTS = ["/organizations/", "/users/", "/peers/", "/webhooks/", "/notifications/outbox"]  # the administrator's
DASHBOARD = "/"
# A list: a blueprint's index, an API collection, or one of the named others. The dashboard is counted on its own.
LIST_ENDPOINT = re.compile(r"\.index$|^api\.list_|^api\.inbox$|^exercises\.programme$|^notifications\.outbox$")
COORDINATOR = "coordinator@grid.example"


def _scale(n: int) -> None:
    seed_scale(COORDINATOR, agreements=n, tasks=5 * n, audit_events=10 * n, notifications=n, risks=n // 2,
               groups=n // 2, seed=n)
    _exercises(n)
    _incidents_and_advisories(n)


def _incidents_and_advisories(n: int) -> None:
    """n incident reports to the authority (every other one the coordinator's organisation's) and n advisories from
    partners, released to the coordinator's organisation, each with a co-author."""
    from app.models import AdvisoryStatus

    coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR))
    partners = db.session.scalars(sa.select(Organization).where(Organization.name.like("Partner %"))).all()
    authority = db.session.scalar(sa.select(Organization).where(Organization.is_authority.is_(True)))
    for i in range(n):
        owner = coordinator.organization if i % 2 == 0 else partners[i % len(partners)]
        f.incident_report(authority=authority, owner_organization=owner,
                          created_by=f.user(role=Role.COORDINATOR, organization=owner))
        author = partners[(i + 1) % len(partners)]
        f.advisory(owner_organization=author, created_by=f.user(role=Role.COORDINATOR, organization=author),
                   authors=[partners[(i + 2) % len(partners)]], recipients=[coordinator.organization],
                   status=AdvisoryStatus.RELEASED if i % 3 else AdvisoryStatus.DRAFT)
    db.session.commit()


def _exercises(n: int) -> None:
    """n exercises led by the coordinator's organisation or a partner (every other one with the first's
    organisation taking part), each of a plan version, with participants and three corrective actions owned by
    organisations of their own, each with a point of contact; each plan planned to be exercised again."""
    from app.models import TLP
    from app.models import CapabilityElement
    from app.models import CorrectiveAction
    from app.models import ExerciseStatus
    from app.models import ParticipantRole

    coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR))
    partners = db.session.scalars(sa.select(Organization).where(Organization.name.like("Partner %"))).all()
    # The scaled plans (bench/scale.py writes their ids itself: a new plan here would collide on PostgreSQL).
    plans = db.session.scalars(sa.select(IncidentPlan).order_by(IncidentPlan.id.desc()).limit(n)).all()
    for i in range(n):
        owner = partners[i % len(partners)]
        lead = f.user(role=Role.COORDINATOR, organization=owner)
        plan = plans[i % len(plans)]
        exercise = f.exercise(created_by=lead, tlp=(TLP.GREEN, TLP.AMBER)[i % 2], incident_plan_id=plan.id,
                              plan_version_label=plan.version_label, status=ExerciseStatus.EVALUATED,
                              organizations=[coordinator.organization, partners[(i + 1) % len(partners)]],
                              participants=[(lead, ParticipantRole.CONTROLLER), (coordinator, ParticipantRole.PLAYER)],
                              conducted_on=date.today() - timedelta(days=30 + i))
        # The plan exercised again: the programme lists the open findings of the last exercise to re-test.
        f.exercise(created_by=lead, tlp=TLP.GREEN, incident_plan_id=plan.id, plan_version_label=plan.version_label,
                   status=ExerciseStatus.PLANNING, organizations=[coordinator.organization])
        for k in range(3):
            responsible = partners[(i + k + 2) % len(partners)]
            contact = f.user(role=Role.MEMBER, organization=responsible)
            db.session.add(CorrectiveAction(
                exercise_id=exercise.id, title=f"Action {i}.{k}", area_for_improvement="A gap",
                capability_element=CapabilityElement.TRAINING, responsible_organization_id=responsible.id,
                point_of_contact_id=contact.id, created_by_id=lead.id))
    db.session.commit()


@pytest.fixture(scope=WORLD_SCOPE)
def world(_postgres_schema):
    app = make_app()
    with app.app_context():
        grid, water = f.organization(name="Grid North"), f.organization(name="Water South")
        csirt = f.organization(name="National CSIRT", is_authority=True)
        for n in range(6):  # records owned across many organisations: a per-row load of one would show
            f.organization(name=f"Partner {n}")
        people = {"coordinator": f.user(email=COORDINATOR, role=Role.COORDINATOR, organization=grid),
                  "member": f.user(role=Role.MEMBER, organization=grid),
                  "executive": f.user(role=Role.EXECUTIVE, organization=grid),
                  "partner": f.user(role=Role.COORDINATOR, organization=water),
                  "authority": f.user(role=Role.COORDINATOR, organization=csirt),
                  "admin": f.user(role=Role.ADMIN, organization=grid)}
        for n in range(3):  # open incidents addressed to the authority: its dashboard shows the picture
            f.incident_report(authority=csirt, owner_organization=water)
        db.session.commit()
        ids = {name: person.id for name, person in people.items()}
    yield app, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def statements(app, user_id: int, url: str) -> int:
    """The statements of the second request of `url` by the user (the API's with a read token of theirs)."""
    headers = {}
    with app.app_context():
        engine, user = db.engine, db.session.get(User, user_id)
        if url.startswith("/api/"):
            headers = bearer(token_for(user, write=False, name=f"count {url}"))
        user.get_id()  # loaded (the token's commit expires it) for the client outside the context
    client = app.test_client(user=user)
    assert client.get(url, headers=headers).status_code == 200, url  # warm: statements built and cached
    seen = []

    def note(*_args):
        seen.append(1)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url, headers=headers).status_code == 200, url
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_every_list_route_is_counted():
    """Every list the application serves is among the counted addresses (or the administrator's)."""
    app = make_app()
    adapter = app.url_map.bind("localhost")
    counted = {adapter.match(url.split("?")[0], method="GET")[0] for url in [*LISTS, *ADMIN_LISTS]}
    lists = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and LIST_ENDPOINT.search(rule.endpoint)}
    lists.discard("main.index")  # the dashboard (DASHBOARD)
    assert len(lists) > 25, sorted(lists)  # the rule still finds the lists
    assert lists - counted == set(), "lists without a statement count"
    assert counted - lists == set(), "counted addresses that are not lists"


def test_lists_and_the_dashboard_run_as_many_statements_at_3n_rows_as_at_n(world):
    app, ids = world
    pages = [(name, url) for name in ("coordinator", "member", "executive") for url in [DASHBOARD, *LISTS]
             if name == "coordinator" or not url.startswith("/api/")]  # the API: the coordinator (who sees the most)
    pages += [("admin", url) for url in [DASHBOARD, *ADMIN_LISTS]]
    pages += [(name, DASHBOARD) for name in ("authority", "partner")]  # every role and kind keeps the rule
    with app.app_context():
        _scale(12)
    small = {(name, url): statements(app, ids[name], url) for name, url in pages}
    with app.app_context():
        _scale(24)  # 36 = 3 × 12 of every kind
    large = {(name, url): statements(app, ids[name], url) for name, url in pages}
    # Never more. The inbox (page, API, the dashboard's preview) asks every section's first entries in one statement,
    # once the counts show there are some: one more for a reader whose inbox the scaled data first fill at 3N.
    inbox = {DASHBOARD, "/inbox/", "/api/v1/inbox/"}
    grown = {page: (small[page], large[page]) for page in pages
             if large[page] > small[page] + (1 if page[1] in inbox else 0)}
    assert not grown, grown
    over = {page: count for page, count in [*small.items(), *large.items()]
            if count > (12 if page[1] == DASHBOARD else 8)}
    assert not over, over
