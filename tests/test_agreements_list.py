"""The agreement list: search, every filter, sorting, pagination, query count; and bad form input."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AgreementKind
from app.models import AgreementStatus
from app.models import Organization
from app.models import PartyRole
from app.models import User
from app.models import today
from app.models import utcnow
from tests import factories
from tests.test_agreements_helpers import agreement_count
from tests.test_agreements_helpers import form_data
from tests.test_agreements_helpers import make_world


@pytest.fixture
def world(app):
    with app.app_context():
        return make_world()


@pytest.fixture
def catalogue(app, world):
    """Named agreements owned by A (some shared with B or C), visible to coord_a. name -> reference."""
    specs = {
        "warn": dict(title="Water WARN mutual aid", kind=AgreementKind.MUTUAL_AID, status=AgreementStatus.ACTIVE,
                     tlp=TLP.GREEN, sectors=["water"], parties=["b"], summary="Pumps and crews after floods.",
                     expiry_date=today() + timedelta(days=400)),
        "energy": dict(title="Energy sharing MOU", kind=AgreementKind.INFORMATION_SHARING, tlp=TLP.AMBER,
                       status=AgreementStatus.ACTIVE, sectors=["energy"], parties=["c"],
                       terms="## Purpose\n\nShare substation telemetry.", expiry_date=today() + timedelta(days=40)),
        "crada": dict(title="Grid research CRADA", kind=AgreementKind.CRADA, status=AgreementStatus.DRAFT,
                      tlp=TLP.AMBER_STRICT, sectors=["energy", "information_technology"],
                      expiry_date=today() + timedelta(days=10)),
        "old": dict(title="Expired NDA", kind=AgreementKind.NDA, status=AgreementStatus.EXPIRED, tlp=TLP.CLEAR,
                    expiry_date=today() - timedelta(days=5)),
        "late": dict(title="Signing soon MOU", kind=AgreementKind.MOU, status=AgreementStatus.OUT_FOR_SIGNATURE,
                     tlp=TLP.GREEN, expiry_date=today() + timedelta(days=90), parties=["b"]),
        "gone": dict(title="Archived MOA", kind=AgreementKind.MOA, tlp=TLP.GREEN, archived_at=utcnow()),
    }
    refs = {}
    with app.app_context():
        creator = db.session.get(User, world.users["coord_a"])
        for name, spec in specs.items():
            parties = [(db.session.get(Organization, world.orgs[k]), PartyRole.PARTNER) for k in spec.pop("parties", [])]
            refs[name] = factories.agreement(created_by=creator, parties=parties, **spec).reference
        # One owned by B with A as a party: found by the organisation filter for A.
        b_creator = db.session.get(User, world.users["coord_b"])
        refs["bravo"] = factories.agreement(created_by=b_creator, title="Bravo owned", tlp=TLP.GREEN,
                                            parties=[db.session.get(Organization, world.orgs["a"])]).reference
    return refs


def _shown(client, query: str, refs: dict) -> set[str]:
    response = client.get(f"/agreements/?per_page=100&{query}")
    assert response.status_code == 200, query
    html = response.get_data(as_text=True)
    return {name for name, ref in refs.items() if f">{ref}<" in html}


@pytest.mark.parametrize("query, expected", [
    ("", {"warn", "energy", "crada", "old", "late", "bravo"}),
    ("q=warn", {"warn"}),
    ("q=PUMPS+floods", {"warn"}),  # summary, case-insensitive, every word
    ("q=substation", {"energy"}),  # terms
    ("q=mou", {"energy", "late"}),
    ("q=100%25_", set()),  # LIKE wildcards are literal
    ("status=active", {"warn", "energy"}),
    ("status=draft", {"crada", "bravo"}),
    ("kind=crada", {"crada"}),
    ("kind=nda", {"old"}),
    ("sector=energy", {"energy", "crada"}),
    ("sector=information_technology", {"crada"}),
    ("tlp=amber_strict", {"crada"}),
    ("tlp=green", {"warn", "late", "bravo"}),
    ("expiring=1", {"energy", "late"}),  # active/out for signature/approved and within 90 days
    ("archived=1", {"gone"}),
    ("status=active&sector=water", {"warn"}),
    # Invalid values are ignored, never a 500.
    ("status=bogus", {"warn", "energy", "crada", "old", "late", "bravo"}),
    ("sector=%25", {"warn", "energy", "crada", "old", "late", "bravo"}),
    ("organization=abc&tlp=PURPLE&kind=&expiring=yes&sort=evil&dir=sideways&page=-3",
     {"warn", "energy", "crada", "old", "late", "bravo"}),
])
def test_search_and_filters(app, world, catalogue, query, expected):
    assert _shown(world.client(app, "coord_a"), query, catalogue) == expected


def test_organization_filter_covers_owner_and_parties(app, world, catalogue):
    client = world.client(app, "coord_a")
    assert _shown(client, f"organization={world.orgs['b']}", catalogue) == {"warn", "late", "bravo"}
    assert _shown(client, f"organization={world.orgs['c']}", catalogue) == {"energy"}
    assert _shown(client, f"organization={world.orgs['a']}", catalogue) == {
        "warn", "energy", "crada", "old", "late", "bravo"}


def test_expiring_badge_on_rows(app, world, catalogue):
    html = world.client(app, "coord_a").get("/agreements/").get_data(as_text=True)
    assert "Expires in 40 days" in html and "Expires in 90 days" in html
    assert "Expires in 10 days" not in html  # a draft is not "expiring"


@pytest.mark.parametrize("key, first", [("title", "bravo"), ("expiry", "old"), ("reference", "warn")])
def test_sorting(app, world, catalogue, key, first):
    html = world.client(app, "coord_a").get(f"/agreements/?sort={key}&dir=asc").get_data(as_text=True)
    positions = {name: html.find(f">{ref}<") for name, ref in catalogue.items() if f">{ref}<" in html}
    if key == "expiry":
        # NULL expiry dates sort first on SQLite; among dated rows the past one comes first.
        positions = {n: p for n, p in positions.items() if n not in ("bravo",)}
    assert min(positions, key=positions.get) == first


def test_pagination_keeps_filters(app, world):
    with app.app_context():
        creator = db.session.get(User, world.users["coord_a"])
        for n in range(25):
            factories.agreement(created_by=creator, title=f"Paged {n:02d}", tlp=TLP.GREEN,
                                status=AgreementStatus.ACTIVE)
    html = world.client(app, "coord_a").get("/agreements/?status=active&q=paged").get_data(as_text=True)
    assert "1–20 of 25" in html
    link = re.search(r'href="([^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "status=active" in link and "q=paged" in link
    assert "21–25 of 25" in world.client(app, "coord_a").get(link).get_data(as_text=True)


def test_query_count_does_not_grow_with_rows(app, world):
    with app.app_context():
        creator = db.session.get(User, world.users["coord_a"])
        partners = [db.session.get(Organization, world.orgs[k]) for k in ("b", "c")]
        for n in range(60):
            factories.agreement(created_by=creator, title=f"Bulk {n}", tlp=TLP.AMBER, parties=partners,
                                expiry_date=today() + timedelta(days=n), status=AgreementStatus.ACTIVE)
    client = world.client(app, "coord_a")
    counts = {}
    for per_page in (5, 50):
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
        response = client.get(f"/agreements/?per_page={per_page}")
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("Bulk ") >= per_page
        counts[per_page] = len(statements)
    assert 0 < counts[5] == counts[50], counts


# --- Bad input: a form error, nothing written, never a 500 ----------------------------------------------

BAD_INPUT = [
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters"),
    ({"title": "   "}, "This field is required"),
    ({"title": "Bad\x00title"}, "control characters"),
    ({"expiry_date": "2025-12-31"}, "expiry date must be after the effective date"),
    ({"expiry_date": "2026-01-01"}, "expiry date must be after the effective date"),
    ({"effective_date": "2026-13-45"}, "Not a valid date value"),
    ({"kind": "treaty"}, "Not a valid choice"),
    ({"tlp": "white"}, "Not a valid choice"),
    ({"sectors": ["water", "moon"]}, "Invalid choice(s)"),
    ({"notice_days": "-1"}, "Number must be between 0 and 3650"),
    ({"notice_days": "3651"}, "Number must be between 0 and 3650"),
    ({"notice_days": "ten"}, "Not a valid integer value"),
    ({"summary": "s" * 5001}, "Field cannot be longer than 5000 characters"),
    ({"terms": "t" * 100_001}, "Field cannot be longer than 100000 characters"),
]


@pytest.mark.parametrize("overrides, message", BAD_INPUT)
def test_bad_input_writes_nothing(app, world, overrides, message):
    response = world.client(app, "coord_a").post("/agreements/new", data=form_data(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert agreement_count(app) == 0


def test_xss_in_fields_is_inert(app, world):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{7*7}}'
    client = world.client(app, "coord_a")
    response = client.post("/agreements/new", data=form_data(
        title=payload, summary=payload, terms=payload + "\n\n[x](javascript:alert(1))",
        parties=[(world.orgs["b"], "partner", payload[:100], "T", "")]))
    assert response.status_code == 302
    for url in (response.headers["Location"], "/agreements/", response.headers["Location"] + "/history"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert 'href="javascript' not in html and ">49<" not in html
