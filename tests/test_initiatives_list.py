"""The initiative list and CSV: exactly the visible rows, search, every filter, sorting, query count."""
import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Health
from app.models import InitiativeStatus
from app.models import Milestone
from app.models import Role
from app.models import Sector
from app.models import utcnow
from tests import factories


def csv_refs(client, query: str = "") -> set[str]:
    response = client.get(f"/initiatives/?format=csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {row["Reference"] for row in rows}


@pytest.fixture
def partnership(app, client_as):
    """Three organisations and a client of A, each owning an initiative in every TLP label."""
    with app.app_context():
        orgs = {"a": factories.organization(name="Org A"), "b": factories.organization(name="Org B"),
                "c": factories.organization(name="Org C")}
        orgs["client"] = factories.organization(name="Client of A", parent=orgs["a"])
        coords = {k: factories.user(role=Role.COORDINATOR, organization=o) for k, o in orgs.items()}
        readers = {k: factories.user(role=Role.MEMBER, organization=o) for k, o in orgs.items()}
        refs = {}
        for key, coord in coords.items():
            for tlp in TLP:
                recipients = [readers[key]] if tlp is TLP.RED else []
                ini = factories.initiative(created_by=coord, tlp=tlp, reference=f"I-{key[:3]}-{tlp.value}",
                                           title=f"{key} {tlp.value}")
                ini.recipients = recipients
                refs[(key, tlp)] = ini.reference
        # B's AMBER initiative has A as a participant: A and A's client may read it, C may not.
        shared = factories.initiative(created_by=coords["b"], tlp=TLP.AMBER, participants=[orgs["a"]],
                                      reference="I-shared-amber", title="shared amber")
        shared_strict = factories.initiative(created_by=coords["b"], tlp=TLP.AMBER_STRICT,
                                             participants=[orgs["a"]], reference="I-shared-strict",
                                             title="shared strict")
        db.session.commit()
        clients = {k: client_as(u) for k, u in readers.items()}
        clients["admin"] = client_as(factories.user(role=Role.ADMIN, organization=orgs["c"]))
        shared_refs = shared.reference, shared_strict.reference
    return refs, clients, *shared_refs


def test_csv_holds_exactly_the_rows_each_user_may_read(partnership):
    refs, clients, shared, shared_strict = partnership
    open_refs = {r for (k, t), r in refs.items() if t in (TLP.CLEAR, TLP.GREEN)}

    def own(key, *tlps):
        return {refs[(key, t)] for t in tlps}

    expected = {
        "a": open_refs | own("a", TLP.AMBER, TLP.AMBER_STRICT, TLP.RED) | {shared, shared_strict},
        "b": open_refs | own("b", TLP.AMBER, TLP.AMBER_STRICT, TLP.RED) | {shared, shared_strict},
        "c": open_refs | own("c", TLP.AMBER, TLP.AMBER_STRICT, TLP.RED),
        # A client reads its parent's AMBER (not AMBER+STRICT), plus its own records.
        "client": open_refs | own("client", TLP.AMBER, TLP.AMBER_STRICT, TLP.RED) | own("a", TLP.AMBER) | {shared},
        # Admins read everything except TLP:RED.
        "admin": {r for (k, t), r in refs.items() if t is not TLP.RED} | {shared, shared_strict},
    }
    for who, refs_expected in expected.items():
        assert csv_refs(clients[who]) == refs_expected, who


def test_list_page_shows_the_same_rows_as_the_csv(partnership):
    refs, clients, *_ = partnership
    html = clients["c"].get("/initiatives/?per_page=100").get_data(as_text=True)
    for ref in csv_refs(clients["c"]):
        assert ref in html
    assert refs[("a", TLP.AMBER)] not in html and refs[("b", TLP.RED)] not in html


@pytest.fixture
def catalogue(app, client_as):
    with app.app_context():
        lead = factories.organization(name="Lead Org")
        partner = factories.organization(name="Partner Org")
        coord = factories.user(role=Role.COORDINATOR, organization=lead)
        other_coord = factories.user(role=Role.COORDINATOR, organization=partner)
        specs = [
            dict(reference="INI-2026-0001", title="Substation hardening", status=InitiativeStatus.ACTIVE,
                 health=Health.RED, health_reason="Steel prices", sectors=[Sector.ENERGY], tlp=TLP.GREEN,
                 target_date=date(2026, 12, 1), created_by=coord),
            dict(reference="INI-2026-0002", title="Ransomware tabletop", objective="Exercise ransomware response",
                 status=InitiativeStatus.ON_HOLD, health=Health.AMBER, health_reason="Venue",
                 sectors=[Sector.WATER], tlp=TLP.CLEAR, target_date=date(2026, 3, 1), created_by=coord,
                 participants=[partner]),
            dict(reference="INI-2026-0003", title="Grid exchange", description="cross-border **indicators**",
                 status=InitiativeStatus.PROPOSED, tlp=TLP.AMBER, sectors=[Sector.ENERGY, Sector.COMMUNICATIONS],
                 created_by=other_coord, participants=[lead]),
            dict(reference="INI-2026-0004", title="Archived pilot", tlp=TLP.GREEN, created_by=other_coord,
                 archived_at=utcnow()),
        ]
        for spec in specs:
            factories.initiative(**spec)
        ids = {"lead": lead.id, "partner": partner.id}
        client = client_as(coord)
    return ids, client


@pytest.mark.parametrize("query, expected", [
    ("", {"0001", "0002", "0003"}),
    ("&q=substation", {"0001"}),
    ("&q=RANSOMWARE+response", {"0002"}),
    ("&q=indicators", {"0003"}),
    ("&q=INI-2026-0003", {"0003"}),
    ("&q=100%25", set()),
    ("&status=on_hold", {"0002"}),
    ("&health=red", {"0001"}),
    ("&health=green", {"0003"}),
    ("&sector=energy", {"0001", "0003"}),
    ("&sector=communications", {"0003"}),
    ("&tlp=clear", {"0002"}),
    ("&tlp=amber", {"0003"}),
    ("&archived=1", {"0004"}),
    ("&status=nonsense&health=blue&tlp=white&sector=atlantis&organization=abc&lead=x", {"0001", "0002", "0003"}),
])
def test_search_and_filters(catalogue, query, expected):
    _, client = catalogue
    assert csv_refs(client, query) == {f"INI-2026-{n}" for n in expected}


def test_organization_and_lead_filters(catalogue):
    ids, client = catalogue
    # organisation = lead, owner or participant; lead = lead organisation only.
    assert csv_refs(client, f"&organization={ids['partner']}") == {"INI-2026-0002", "INI-2026-0003"}
    assert csv_refs(client, f"&organization={ids['lead']}") == {"INI-2026-0001", "INI-2026-0002", "INI-2026-0003"}
    assert csv_refs(client, f"&lead={ids['partner']}") == {"INI-2026-0003"}
    assert csv_refs(client, f"&lead={ids['lead']}") == {"INI-2026-0001", "INI-2026-0002"}


@pytest.mark.parametrize("key", ["reference", "title", "status", "health", "target", "progress", "updated"])
def test_every_sort_key_works_in_both_directions(catalogue, key):
    _, client = catalogue
    for direction in ("asc", "desc"):
        response = client.get(f"/initiatives/?sort={key}&dir={direction}")
        assert response.status_code == 200
    html = client.get("/initiatives/?sort=reference&dir=desc").get_data(as_text=True)
    assert html.index("INI-2026-0003") < html.index("INI-2026-0001")


def test_csv_columns_and_values(catalogue):
    _, client = catalogue
    text = client.get("/initiatives/?format=csv&q=substation").get_data(as_text=True).lstrip("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert list(row) == ["Reference", "Title", "Status", "Health", "Health reason", "Lead", "Participants",
                         "Agreement", "Start", "Target", "Progress %", "TLP"]
    assert row["Status"] == "Active" and row["Health"] == "Red" and row["Health reason"] == "Steel prices"
    assert row["Lead"] == "Lead Org" and row["Target"] == "2026-12-01" and row["TLP"] == "TLP:GREEN"
    assert row["Progress %"] == "0"


def test_rows_show_health_badge_and_progress_bar(app, catalogue):
    _, client = catalogue
    with app.app_context():
        ini_id = db.session.scalar(sa.text("SELECT id FROM initiatives WHERE reference = 'INI-2026-0001'"))
        db.session.add_all([Milestone(initiative_id=ini_id, title="done", completed_at=utcnow()),
                            Milestone(initiative_id=ini_id, title="open")])
        db.session.commit()
    html = client.get("/initiatives/?q=substation").get_data(as_text=True)
    assert "health-badge" in html and "health-red" in html
    assert '<progress class="w-100" max="100" value="50"' in html
    html = client.get("/initiatives/?sort=progress&dir=desc").get_data(as_text=True)
    assert html.index("INI-2026-0001") < html.index("INI-2026-0002")


def test_pagination_keeps_filters(app, client_as):
    with app.app_context():
        coord = factories.user(role=Role.COORDINATOR)
        for n in range(25):
            factories.initiative(created_by=coord, tlp=TLP.GREEN, health=Health.AMBER, health_reason="x",
                                 title=f"Amber {n}")
        client = client_as(coord)
    html = client.get("/initiatives/?health=amber").get_data(as_text=True)
    assert "health=amber" in html and "page=2" in html
    assert client.get("/initiatives/?health=amber&page=2").status_code == 200


def test_query_count_does_not_grow_with_rows(app, client_as):
    with app.app_context():
        coord = factories.user(role=Role.COORDINATOR)
        partner = factories.organization()
        for n in range(60):
            ini = factories.initiative(created_by=coord, tlp=TLP.GREEN, participants=[partner], title=f"Row {n}")
            db.session.add(Milestone(initiative_id=ini.id, title="m", completed_at=utcnow() if n % 2 else None))
        db.session.commit()
        client = client_as(coord)

    def count(url: str) -> int:
        statements = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            with app.app_context():
                sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    assert count("/initiatives/?per_page=5") == count("/initiatives/?per_page=50")
    assert count("/initiatives/?per_page=5&sort=progress") == count("/initiatives/?per_page=50&sort=progress")
