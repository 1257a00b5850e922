"""The demo partnership, seeded ONCE per test run, and a private writable copy of it for each user.

Seeding the demo (`flask seed-demo`) renders some thirty PDFs: about half a minute of CPU. Copying a seeded
database costs milliseconds. So the first xdist worker that needs the demo runs the real command
(`seed-demo --password DEMO_PASSWORD`, through the CLI) into a template under a lock; every user then gets its
own copy, which it may read and write freely (nothing leaks into other tests):

- SQLite: a template file in the run's shared temporary directory, copied to a file of the user's own;
- PostgreSQL: a template database, cloned with `CREATE DATABASE … TEMPLATE` (and dropped after use).

    def test_reads_the_demo(demo_world):          # a copy for this test
        client = demo_world.app.test_client()
        ... demo_world.password                   # every demo account's password (not the default one)
        ... demo_world.seeded.exit_code           # the seed-demo run that built the template, and its output

    @pytest.fixture(scope="module")
    def site(demo_template):                      # one copy for a module
        app = demo_template.new_app()
        yield app
        demo_template.drop(app)
"""
import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import USING_POSTGRES
from tests.conftest import make_app
from tests.conftest import postgres_admin

DEMO_PASSWORD = "basalt heron compass 77"


@dataclass(frozen=True)
class SeedRun:
    exit_code: int
    output: str


class DemoTemplate:
    def __init__(self, root: Path, worker: str):
        self.root, self.worker, self.postgres = root, worker, USING_POSTGRES
        self.password = DEMO_PASSWORD
        self._numbers = count()
        self._own: dict[int, str] = {}  # id(app) -> copy (file path or database name)
        with open(root / "demo-template.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one worker seeds, the others wait for it
            try:
                if not (root / "demo-template.json").exists():
                    self._seed()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        self.seeded = SeedRun(**json.loads((root / "demo-template.json").read_text()))

    # --- where the template and the copies live ----------------------------------------------------
    @property
    def _file(self) -> Path:
        return self.root / "demo-template.sqlite"

    @staticmethod
    def _url_of(name: str) -> str:
        return sa.engine.make_url(os.environ["TEST_DATABASE_URL"]).set(database=name).render_as_string(
            hide_password=False)

    @property
    def _template_name(self) -> str:
        name = sa.engine.make_url(os.environ["TEST_DATABASE_URL"]).database
        if self.worker and name.endswith(f"_{self.worker}"):
            name = name[: -len(self.worker) - 1]
        return f"{name}_demo_template"

    # --- the one seed-demo run --------------------------------------------------------------------
    def _seed(self) -> None:
        if self.postgres:
            postgres_admin(f'DROP DATABASE IF EXISTS "{self._template_name}" WITH (FORCE)',
                           f'CREATE DATABASE "{self._template_name}"')
            url = self._url_of(self._template_name)
        else:
            url = f"sqlite:///{self._file}"
        app = make_app(_config(url))
        from app.extensions import db

        with app.app_context():
            if self.postgres:
                db.create_all()
        result = app.test_cli_runner().invoke(args=["seed-demo", "--password", DEMO_PASSWORD])
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        (self.root / "demo-template.json").write_text(json.dumps({"exit_code": result.exit_code,
                                                                  "output": result.output}))

    # --- copies -----------------------------------------------------------------------------------
    def new_app(self, config_class=None):
        """An app on a fresh copy of the demo database (its config: `config_class` or TestConfig)."""
        number = next(self._numbers)
        if self.postgres:
            name = f"{sa.engine.make_url(os.environ['TEST_DATABASE_URL']).database}_demo{number}"
            postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _clone(name, self._template_name)
            url, own = self._url_of(name), name
        else:
            copy = self.root / f"demo-{self.worker or 'main'}-{os.getpid()}-{number}.sqlite"
            shutil.copyfile(self._file, copy)
            url, own = f"sqlite:///{copy}", str(copy)
        app = make_app(_config(url, config_class))
        self._own[id(app)] = own
        return app

    def drop(self, app) -> None:
        """Close the copy's connections and remove it."""
        from app.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        own = self._own.pop(id(app))
        if self.postgres:
            postgres_admin(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
        else:
            Path(own).unlink(missing_ok=True)


def _clone(name: str, template: str) -> None:
    """CREATE DATABASE … TEMPLATE fails while another session is still leaving the template: retry briefly."""
    for attempt in range(50):
        try:
            postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except sa.exc.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)


def _config(url: str, base=None):
    from config import TestConfig

    return type("DemoWorldConfig", (base or TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, worker_id, _postgres_schema):
    """The demo seeded once for the whole run (shared by the xdist workers); `.new_app()` gives a copy."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if worker_id != "master" else base  # the run's directory, common to every worker
    return DemoTemplate(root, "" if worker_id == "master" else worker_id)


@pytest.fixture
def demo_world(demo_template):
    """A private, writable copy of the demo partnership for one test: `.app`, `.password`, `.seeded`."""
    app = demo_template.new_app()
    yield DemoWorld(app, demo_template.password, demo_template.seeded)
    demo_template.drop(app)


@dataclass(frozen=True)
class DemoWorld:
    app: object
    password: str
    seeded: SeedRun
