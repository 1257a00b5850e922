"""The command-line tools: create-user, create-organization, seed-demo, seed-if-empty."""
import secrets

import pytest
import sqlalchemy as sa

from app.auth.passwords import verify_password
from app.demo import DEFAULT_PASSWORD
from app.demo.people import ORGANIZATIONS
from app.demo.people import USERS
from app.extensions import db
from app.models import AuditEvent
from app.models import Organization
from app.models import OrganizationKind
from app.models import Role
from app.models import User
from config import ProductionConfig
from tests import factories
from tests.conftest import USING_POSTGRES
from tests.conftest import make_app

STRONG = "basalt heron compass 77"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _table_counts(app) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def _user(app, email) -> User | None:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def org(app):
    with app.app_context():
        return factories.organization(name="National Infrastructure Office", short_name="NIO").name


# --- create-user ---------------------------------------------------------------------------------------

def _create_user(runner, **overrides):
    options = {"--email": "Chief@NIO.example.gov ", "--name": "Chief Admin", "--org": "NIO", "--role": "admin",
               "--password": STRONG}
    options.update(overrides)
    args = ["create-user"]
    for key, value in options.items():
        if value is not None:
            args += [key, value]
    return runner.invoke(args=args)


def test_create_user(app, runner, org):
    result = _create_user(runner)
    assert result.exit_code == 0, result.output
    assert "Created chief@nio.example.gov (admin)" in result.output
    user = _user(app, "chief@nio.example.gov")
    assert user.role is Role.ADMIN and user.active
    assert verify_password(user.password_hash, STRONG)
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == user.id)) == "user.created"


def test_create_user_finds_the_organisation_by_full_name_in_any_case(app, runner, org):
    result = _create_user(runner, **{"--org": "  national INFRASTRUCTURE office", "--role": "member"})
    assert result.exit_code == 0, result.output
    assert _user(app, "chief@nio.example.gov").role is Role.MEMBER


def test_create_user_refuses_a_duplicate_email(app, runner, org):
    assert _create_user(runner).exit_code == 0
    before = _count(app, User)
    result = _create_user(runner, **{"--email": "CHIEF@nio.EXAMPLE.gov"})
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert _count(app, User) == before


def test_create_user_refuses_an_unknown_organisation(app, runner, org):
    result = _create_user(runner, **{"--org": "Nobody Inc"})
    assert result.exit_code != 0 and "No organisation named" in result.output
    assert _count(app, User) == 0


@pytest.mark.parametrize("password, message", [("short", "12 characters"), ("1qaz2wsx3edc", "too common")])
def test_create_user_refuses_a_weak_password(app, runner, org, password, message):
    result = _create_user(runner, **{"--password": password})
    assert result.exit_code != 0 and message in result.output
    assert _count(app, User) == 0


def test_create_user_refuses_an_unknown_role(app, runner, org):
    result = _create_user(runner, **{"--role": "superuser"})
    assert result.exit_code != 0
    assert _count(app, User) == 0


def test_create_user_prompts_for_the_password_twice(app, runner, org):
    result = runner.invoke(args=["create-user", "--email", "p@nio.example.gov", "--name", "Prompted",
                                 "--org", "NIO", "--role", "member"], input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    assert verify_password(_user(app, "p@nio.example.gov").password_hash, STRONG)


# --- create-organization -------------------------------------------------------------------------------

def test_create_organization(app, runner):
    result = runner.invoke(args=["create-organization", "--name", "Harbour Authority", "--short-name", "HA",
                                 "--kind", "government", "--country", "nl"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.scalar(sa.select(Organization).where(Organization.name == "Harbour Authority"))
        assert (org.short_name, org.kind, org.country) == ("HA", OrganizationKind.GOVERNMENT, "NL")


@pytest.mark.parametrize("args, message", [
    (["--country", "XX"], "Unknown country code"),
    (["--kind", "cartel"], "Invalid value"),
])
def test_create_organization_refuses_bad_input(app, runner, args, message):
    base = {"--name": "Harbour Authority", "--kind": "government", "--country": "NL"}
    base.update(dict(zip(args[::2], args[1::2], strict=False)))
    result = runner.invoke(args=["create-organization", *[x for kv in base.items() for x in kv]])
    assert result.exit_code != 0 and message in result.output
    assert _count(app, Organization) == 0


def test_create_organization_refuses_a_duplicate_name(app, runner, org):
    result = runner.invoke(args=["create-organization", "--name", "NATIONAL infrastructure office",
                                 "--kind", "government", "--country", "US"])
    assert result.exit_code != 0 and "already exists" in result.output
    assert _count(app, Organization) == 1


# --- seed-demo ---------------------------------------------------------------------------------------------

def test_seed_demo_creates_the_demo_partnership_and_is_idempotent(demo_world):
    # demo_world: a copy of the database `seed-demo --password …` built for this run (tests/demo_world.py).
    app, result = demo_world.app, demo_world.seeded
    assert result.exit_code == 0, result.output
    with app.app_context():
        names = set(db.session.scalars(sa.select(Organization.name)))
        emails = set(db.session.scalars(sa.select(User.email)))
        client_org = db.session.scalar(sa.select(Organization).where(Organization.parent_id.is_not(None)))
        roles = {(u.organization_id, u.role) for u in db.session.scalars(sa.select(User))}
    assert names == {row[1] for row in ORGANIZATIONS}
    assert emails == {row[0] for row in USERS}
    assert client_org is not None  # a client organisation of an operator
    assert {role for _, role in roles} == set(Role)
    first = _table_counts(app)

    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert _table_counts(app) == first


def test_seed_demo_password_option_sets_the_demo_password(demo_world):
    app, result = demo_world.app, demo_world.seeded  # seeded with `seed-demo --password <demo_world.password>`
    assert result.exit_code == 0, result.output
    assert demo_world.password != DEFAULT_PASSWORD
    client = app.test_client()
    coordinator = next(row[0] for row in USERS if row[4] is Role.COORDINATOR)
    refused = client.post("/auth/login", data={"email": coordinator, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200  # the default does not work
    response = client.post("/auth/login", data={"email": coordinator, "password": demo_world.password})
    assert response.status_code == 302 and "/auth/login" not in response.headers["Location"]
    assert client.get("/").status_code == 200


def test_seed_demo_refuses_a_weak_password(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "short"])
    assert result.exit_code != 0
    assert _count(app, User) == 0 and _count(app, Organization) == 0


class ProductionSqliteConfig(ProductionConfig):
    """Everything a production start-up demands, but a throwaway database."""

    SECRET_KEY = secrets.token_urlsafe(48)
    RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PROXY_FIX_HOPS = 0


@pytest.mark.parametrize("command", [["seed-demo"], ["seed-demo", "--password", STRONG], ["seed-if-empty"]])
def test_demo_data_is_refused_under_the_production_config(command):
    app = make_app(ProductionSqliteConfig)
    if USING_POSTGRES:  # make_app builds no schema on PostgreSQL; this one is a private SQLite memory DB
        with app.app_context():
            db.create_all()
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code != 0
    assert "production" in result.output
    assert _count(app, Organization) == 0 and _count(app, User) == 0


# --- seed-if-empty ----------------------------------------------------------------------------------------

# A whole seed (thirty PDFs). On PostgreSQL the same seed runs once per run as `seed-demo` (tests/demo_world.py,
# checked by test_seed_demo_creates_the_demo_partnership_and_is_idempotent); what seed-if-empty adds (the
# emptiness check, the commit, the summary) does not depend on the database.
@pytest.mark.skipif(USING_POSTGRES, reason="the demo seed on PostgreSQL is seed-demo's; the SQLite pass covers it")
def test_seed_if_empty_seeds_an_empty_database(app, runner):
    result = runner.invoke(args=["seed-if-empty"])
    assert result.exit_code == 0, result.output
    assert _count(app, Organization) == len(ORGANIZATIONS)
    assert _count(app, User) == len(USERS)


def test_seed_if_empty_leaves_a_used_database_alone(app, runner, org):
    before = _table_counts(app)
    result = runner.invoke(args=["seed-if-empty"])
    assert result.exit_code == 0, result.output
    assert "already has data" in result.output
    assert _table_counts(app) == before
