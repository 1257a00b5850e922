"""VAL-01: property-based (hypothesis) hostile input into every form: a form with messages or a 4xx,
never a 5xx, and nothing written. Record create forms are discovered from app.url_map, so forms that
land later are fuzzed too. VAL-02 (body limits) is in test_security_config.py."""
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.conftest import WORLD_SCOPE
from tests.conftest import make_app
from tests.security_world import app_rules
from tests.security_world import build_url
from tests.security_world import client_for
from tests.security_world import db_snapshot
from tests.security_world import fill_form
from tests.security_world import page_forms
from tests.security_world import seed_world
from tests.security_world import snapshot_diff

HOSTILE_TEXT = st.one_of(
    st.just(""), st.just("   "), st.just("\t\n"),
    st.just("a\x00b"), st.just("\x1b[31mred"), st.just("\u202egnp.exe"), st.just("💣" * 50),
    st.just("ﷺ" * 3000), st.just("x" * 100_001), st.just("-1"), st.just("99999999999999999999"),
    st.just("2031-02-30"), st.just("null"), st.just("[]"), st.just("<script>"), st.just("' OR 1=1 --"),
    st.text(max_size=300),
)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _create_routes(app):
    return [r.endpoint for r in app_rules(app) if {"GET", "POST"} <= r.methods
            and (r.endpoint.endswith(".create") or r.endpoint.split(".")[-1].startswith("add_"))]


@pytest.fixture(scope=WORLD_SCOPE)
def fuzz_world():
    app = make_app()
    return app, seed_world(app)


def _poisoned(fields: dict, values: dict, choice: int) -> dict:
    """Make the submission certainly invalid: a NUL in a text field, one character too many, or an
    option that is not on the list (enum out of range, foreign id)."""
    texts = [n for n, f in fields.items() if f["type"] in ("text", "textarea")]
    selects = [n for n, f in fields.items() if f["type"] in ("select", "radio")]
    data = dict(values)
    if selects and choice % 2:
        data[selects[choice % len(selects)]] = "not-a-choice-999999"
    elif texts:
        name = texts[choice % len(texts)]
        limit = fields[name].get("maxlength")
        data[name] = "x" * (int(limit) + 1) if limit and choice % 3 == 0 else f"bad\x00value{choice}"
    else:
        data = {"version": "stale"}
    return data


# Create forms offered only in a later state of their record: the world's id of a record in that state.
STATE_IDS = {"exercises.add_corrective_action": {"exercise_id": "conducted_exercise_id"}}


def _fuzz(app, world, endpoint: str, role: str):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    ids = dict(world.ids)
    ids.update({name: world.ids[key] for name, key in STATE_IDS.get(endpoint, {}).items()})
    url = build_url(rule, ids)
    client = client_for(app, world, role)
    forms = page_forms(client.get(url).get_data(as_text=True))
    assert forms, f"{endpoint}: no form found on GET {url}"
    fields = forms[0]["fields"]

    @SETTINGS
    @given(hostile=st.dictionaries(st.sampled_from(sorted(fields) or ["x"]), HOSTILE_TEXT, max_size=6),
           choice=st.integers(min_value=0, max_value=50), reverse_dates=st.booleans())
    def run(hostile, choice, reverse_dates):
        data = fill_form(fields, "Fuzzed value")
        dates = [n for n, f in fields.items() if f["type"] == "date"]
        if reverse_dates and len(dates) >= 2:
            data[dates[0]], data[dates[1]] = "2031-12-31", "2030-01-01"
        data.update(hostile)
        data = _poisoned(fields, data, choice)
        before = db_snapshot(app)
        response = client.post(url, data=data)
        assert response.status_code < 500, f"{endpoint} answered {response.status_code} to {data!r:.300}"
        assert response.status_code != 302 or "/auth/login" in response.headers.get("Location", ""), \
            f"{endpoint} accepted invalid input {data!r:.300}"
        after = db_snapshot(app)
        assert after == before, f"{endpoint} wrote: {snapshot_diff(before, after)}"

    run()


def test_val01_every_create_form_refuses_hostile_input(fuzz_world):
    app, world = fuzz_world
    endpoints = _create_routes(app)
    assert endpoints
    for endpoint in endpoints:
        role = "admin" if endpoint.startswith(("organizations.", "users.", "peers.")) else "coordinator"
        _fuzz(app, world, endpoint, role)


@pytest.mark.parametrize("path, fields", [
    ("/auth/account/password", ("current_password", "new_password", "confirm")),
    ("/auth/account/email", ("email",)),
])
def test_val01_account_forms_refuse_hostile_input(fuzz_world, path, fields):
    app, world = fuzz_world
    client = client_for(app, world, "member")

    @SETTINGS
    @given(values=st.fixed_dictionaries({name: HOSTILE_TEXT for name in fields}))
    def run(values):
        before = db_snapshot(app)
        response = client.post(path, data=values)
        assert response.status_code in (400, 429), (response.status_code, values)
        assert db_snapshot(app) == before

    run()


def test_val01_login_and_two_factor_forms_never_fail(fuzz_world):
    app, _ = fuzz_world

    @SETTINGS
    @given(email=HOSTILE_TEXT, password=HOSTILE_TEXT, code=HOSTILE_TEXT)
    def run(email, password, code):
        client = app.test_client()
        # Failed logins are audited (and an audited write renews content_generation, app/transactions.py).
        audited = ("audit_events", "content_generation")
        before = {k: v for k, v in db_snapshot(app).items() if k not in audited}
        assert client.post("/auth/login", data={"email": email, "password": password}).status_code in (200, 400, 413, 429)
        assert client.post("/auth/two-factor", data={"code": code}).status_code in (302, 400, 413, 429)
        after = {k: v for k, v in db_snapshot(app).items() if k not in audited}
        assert after == before

    run()
