"""Every route of app.url_map answers 404 (or a clear 4xx) for any path or query value, never a 500.

Path parameters get extreme integers (2^31, 2^63, 10^30), NUL, overlong and non-UTF-8 values; query
strings get the same in ?page=, ?per_page= and the list filters. Run on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL (where an id of 2^31 used to reach the database as out of range).
"""
import re

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.conftest import drop_shared_app
from tests.conftest import shared_app
from tests.security_world import app_rules
from tests.security_world import build_url
from tests.security_world import client_for
from tests.security_world import seed_world
from tests.security_world import write_methods

EXTREME_INTS = ["2147483648", "9223372036854775808", "1" + "0" * 30, "0"]
EXTREME_TEXT = ["a%00b", "x" * 5000, "%FF%FE%FD", "..%2F..%2Fetc"]
QUERY_NAMES = ["page", "per_page", "organization", "status", "tlp", "sort", "dir", "q", "format",
               "working_group", "initiative", "assignee", "owner", "kind", "year", "edition", "next"]
QUERY_VALUES = ["2147483648", "9223372036854775808", "-9223372036854775809", "a%00b", "%FF", "x" * 3000]
ROLES = ("admin", "coordinator", "member")


@pytest.fixture(scope="module")
def robust_world(_postgres_schema):
    app = shared_app()
    world = seed_world(app)
    clients = {role: client_for(app, world, role) for role in ROLES}
    yield app, world, clients
    drop_shared_app(app)


def _rules(app):
    return [r for r in app_rules(app) if r.arguments - {"filename"}]


def _path_with(rule, ids: dict, name: str, value: str) -> str:
    path = build_url(rule, {**ids, name: 0})
    pattern = rule.rule
    # Replace the placeholder we built with 0 by the hostile value, in the segment of that parameter.
    segments, built = pattern.split("/"), path.split("/")
    for index, segment in enumerate(segments):
        if re.fullmatch(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", segment):
            built[index] = value
    return "/".join(built)


def _values_for(rule, name: str) -> list[str]:
    converter = type(rule._converters[name]).__name__
    return EXTREME_INTS if converter == "IntegerConverter" else EXTREME_TEXT


def _open(client, url: str, method: str):
    return client.open(url, method=method, data={})


def _assert_no_500(response, url, method):
    assert response.status_code < 500, f"{method} {url[:200]} -> {response.status_code}"


def test_every_route_answers_404_or_400_to_hostile_path_values(robust_world):
    app, world, clients = robust_world
    checked = 0
    for rule in _rules(app):
        methods = ["GET"] if "GET" in rule.methods else []
        methods += write_methods(rule)
        for name in sorted(rule.arguments - {"filename"}):
            for value in _values_for(rule, name):
                url = _path_with(rule, world.ids, name, value)
                for method in methods:
                    response = _open(clients["coordinator"], url, method)
                    _assert_no_500(response, url, method)
                    checked += 1
    assert checked > 500


def test_every_list_answers_hostile_query_values(robust_world):
    app, world, clients = robust_world
    gets = [r for r in app_rules(app) if "GET" in r.methods and r.endpoint != "static"]
    for rule in gets:
        url = build_url(rule, world.ids)
        for value in QUERY_VALUES:
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            response = clients["coordinator"].get(f"{url}?{query}")
            _assert_no_500(response, f"{url}?{query}", "GET")
        for name in ("page", "per_page", "organization", "initiative", "working_group"):
            response = clients["coordinator"].get(f"{url}?{name}=9223372036854775808")
            _assert_no_500(response, f"{url}?{name}=…", "GET")


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HOSTILE = st.one_of(
    st.integers(min_value=2**31 - 2, max_value=2**70).map(str),
    st.sampled_from(EXTREME_TEXT + QUERY_VALUES),
    st.binary(min_size=1, max_size=40).map(lambda b: "".join(f"%{c:02X}" for c in b)),
    st.text(min_size=1, max_size=60).map(lambda t: "".join(f"%{c:02X}" for c in t.encode("utf-8"))),
)


@SETTINGS
@given(data=st.data())
def test_property_any_route_any_value_is_never_a_500(robust_world, data):
    app, world, clients = robust_world
    rules = [r for r in app_rules(app) if r.endpoint != "static"]
    rule = data.draw(st.sampled_from(rules), label="rule")
    role = data.draw(st.sampled_from(ROLES), label="role")
    method = data.draw(st.sampled_from((["GET"] if "GET" in rule.methods else []) + write_methods(rule)),
                       label="method")
    url = build_url(rule, world.ids)
    names = sorted(rule.arguments - {"filename"})
    if names and data.draw(st.booleans(), label="in path"):
        name = data.draw(st.sampled_from(names), label="parameter")
        url = _path_with(rule, world.ids, name, data.draw(HOSTILE, label="value"))
    query_name = data.draw(st.sampled_from(QUERY_NAMES), label="query")
    url = f"{url}?{query_name}={data.draw(HOSTILE, label='query value')}"
    response = _open(clients[role], url, method)
    _assert_no_500(response, url, method)
