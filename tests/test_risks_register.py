"""The register: CSV = exactly the visible rows, heat-map counts and links, search, filters, sort, queries."""
import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Mitigation
from app.models import Risk
from app.models import RiskStatus
from app.models import Role
from app.models import Sector
from app.models import Treatment
from app.models import User
from app.models import today
from tests import factories
from tests.test_risks import EXPECTED_VISIBLE  # noqa: F401  -- the world fixture
from tests.test_risks import csv_refs  # noqa: F401  -- the world fixture
from tests.test_risks import world  # noqa: F401  -- the world fixture

CELL = re.compile(r'data-likelihood="(\d)" data-impact="(\d)" data-count="(\d+)">\s*<a [^>]*href="([^"]+)"')


def heat_cells(client, query: str = "") -> dict[tuple[int, int], tuple[int, str]]:
    page = client.get(f"/risks/?{query}").data.decode()
    return {(int(l_), int(i)): (int(n), unescape(href)) for l_, i, n, href in CELL.findall(page)}


@pytest.mark.parametrize("user_key", sorted(EXPECTED_VISIBLE))
def test_csv_holds_exactly_the_visible_rows(world, user_key):
    expected = {world.refs[key] for key in EXPECTED_VISIBLE[user_key]}
    assert csv_refs(world.clients[user_key], "") == expected


def test_csv_columns_and_values(app, world):
    response = world.clients["coord_a"].get(f"/risks/?format=csv&q={world.refs['a_amber_strict']}")
    header, row = response.data.decode("utf-8-sig").splitlines()
    assert header == ("Reference,Title,Sector,Owner,Likelihood,Impact,Score,Level,Residual likelihood,"
                      "Residual impact,Residual score,Treatment,Status,Next review,Mitigations,TLP")
    assert row.startswith(f"{world.refs['a_amber_strict']},Risk a_amber_strict,,Org A,4,4,16,High,,,,Mitigate,Open,")
    assert row.endswith(",0,TLP:AMBER+STRICT")


@pytest.mark.parametrize("user_key", ["member_a", "member_b", "client", "admin"])
def test_heat_map_counts_equal_the_visible_set(app, world, user_key):
    cells = heat_cells(world.clients[user_key])
    assert len(cells) == 25
    with app.app_context():
        expected: dict[tuple[int, int], int] = {}
        for key in EXPECTED_VISIBLE[user_key]:
            risk = db.session.get(Risk, world.risks[key])
            expected[(risk.likelihood, risk.impact)] = expected.get((risk.likelihood, risk.impact), 0) + 1
    assert {cell: n for cell, (n, _) in cells.items() if n} == expected
    assert sum(n for n, _ in cells.values()) == len(EXPECTED_VISIBLE[user_key])


def test_heat_map_cells_link_to_the_filtered_list(world):
    client = world.clients["member_a"]
    cells = heat_cells(client, "tlp=amber")
    count, href = cells[(3, 3)]  # a_amber sits at likelihood 3, impact 3
    assert count == 1 and "likelihood=3" in href and "impact=3" in href and "tlp=amber" in href
    assert csv_refs(client, href.split("?", 1)[1]) == {world.refs["a_amber"]}
    for (likelihood, impact), (n, link) in cells.items():
        assert len(csv_refs(client, link.split("?", 1)[1])) == n, (likelihood, impact)


def test_heat_map_follows_other_filters_and_ignores_its_own(world):
    client = world.clients["admin"]
    everything = sum(n for n, _ in heat_cells(client).values())
    assert sum(n for n, _ in heat_cells(client, "likelihood=3&impact=3").values()) == everything
    assert sum(n for n, _ in heat_cells(client, "tlp=green").values()) == 2


def test_search_covers_reference_title_and_text_fields(app, world):
    with app.app_context():
        risk = db.session.get(Risk, world.risks["a_green"])
        risk.asset, risk.threat, risk.vulnerability = "Pumping station 7", "Ransomware crew", "Flat network"
        risk.description = "HMI exposed"
        db.session.commit()
    client = world.clients["member_a"]
    ref = world.refs["a_green"]
    for q in (ref, "Risk a_green", "pumping", "ransomware", "flat network", "hmi exposed"):
        assert csv_refs(client, f"q={q}") == {ref}, q
    assert csv_refs(client, "q=%25") == set()  # LIKE wildcards are escaped


def test_filters_status_level_treatment_sector_tlp_initiative(app, world):
    with app.app_context():
        risk = db.session.get(Risk, world.risks["a_amber"])  # (3, 3): medium
        risk.status, risk.treatment, risk.sector = RiskStatus.MITIGATING, Treatment.SHARE, Sector.WATER
        initiative = factories.initiative(created_by=risk.created_by, tlp=TLP.GREEN)
        risk.initiative_id = initiative.id
        db.session.commit()
        initiative_id = initiative.id
    client = world.clients["member_a"]
    ref = world.refs["a_amber"]
    assert csv_refs(client, "status=mitigating") == {ref}
    assert csv_refs(client, "treatment=share") == {ref}
    assert csv_refs(client, "sector=water") == {ref}
    assert csv_refs(client, f"initiative={initiative_id}") == {ref}
    assert csv_refs(client, "tlp=amber_strict") == {world.refs["a_amber_strict"]}
    # member_a sees a: (1,1) low, (2,3) medium, (3,3) medium, (4,4) high, (5,5) critical; b: (1,5), (2,2)
    assert csv_refs(client, "level=critical") == {world.refs["a_red"]}
    assert csv_refs(client, "level=high") == {world.refs["a_amber_strict"]}
    assert csv_refs(client, "level=medium") == {world.refs["a_green"], ref, world.refs["b_clear"]}
    assert csv_refs(client, "level=low") == {world.refs["a_clear"], world.refs["b_green"]}
    assert csv_refs(client, "likelihood=5&impact=5") == {world.refs["a_red"]}
    assert csv_refs(client, "impact=5") == {world.refs["a_red"], world.refs["b_clear"]}


def test_filters_organization_review_due_archived_and_mine(app, world):
    with app.app_context():
        org_c = db.session.scalar(sa.select(User).where(User.id == world.ids["member_c"])).organization_id
        risk = db.session.get(Risk, world.risks["b_green"])
        factories.mitigation(risk=risk, assigned_organization_id=org_c, assigned_user_id=world.ids["member_c"])
        overdue = db.session.get(Risk, world.risks["a_clear"])
        overdue.next_review_date = today() - timedelta(days=1)
        closed = db.session.get(Risk, world.risks["b_clear"])
        closed.next_review_date, closed.status = today() - timedelta(days=1), RiskStatus.CLOSED
        db.session.commit()
    member_c = world.clients["member_c"]
    assert csv_refs(member_c, f"organization={org_c}") == {world.refs["b_amber"], world.refs["b_green"]}
    assert csv_refs(member_c, "mine=1") == {world.refs["b_green"]}
    assert csv_refs(world.clients["member_a"], "mine=1") == set()
    assert csv_refs(member_c, "review=due") == {world.refs["a_clear"]}
    assert csv_refs(world.clients["coord_a"], "archived=1") == {world.refs["archived"]}
    assert csv_refs(world.clients["member_b"], "archived=1") == {world.refs["archived"]}  # GREEN


@pytest.mark.parametrize("query", ["status=nope", "level=extreme", "likelihood=0", "likelihood=x", "impact=9",
                                   "organization=abc", "initiative=-1x", "tlp=white", "sector=moon",
                                   "sort=drop", "dir=sideways", "page=-3", "per_page=abc", "review=later"])
def test_invalid_filter_values_are_ignored(world, query):
    response = world.clients["member_a"].get(f"/risks/?{query}")
    assert response.status_code == 200


def test_sort_by_score_and_residual(app, world):
    with app.app_context():
        db.session.get(Risk, world.risks["a_clear"]).residual_likelihood = 5
        db.session.get(Risk, world.risks["a_clear"]).residual_impact = 5
        db.session.commit()
    client = world.clients["admin"]

    def order(query):
        lines = client.get(f"/risks/?format=csv&{query}").data.decode("utf-8-sig").splitlines()[1:]
        return [line.split(",", 1)[0] for line in lines]

    assert order("sort=score&dir=desc")[0] == world.refs["b_amber_strict"]  # 4 × 5; a_red is not visible
    assert order("sort=score")[0] == world.refs["a_clear"]
    assert order("sort=residual&dir=desc")[0] == world.refs["a_clear"]
    for key in ("reference", "title", "status", "next_review", "updated"):
        assert set(order(f"sort={key}")) == set(order(""))


def test_register_page_shows_rows_badges_and_pagination_keeps_filters(app, world):
    with app.app_context():
        creator = db.session.get(User, world.ids["coord_a"])
        for n in range(25):
            factories.risk(created_by=creator, tlp=TLP.GREEN, title=f"Paged risk {n}")
    page = world.clients["member_a"].get("/risks/?tlp=green&per_page=10").data.decode()
    assert "TLP:GREEN" in page and "Paged risk" in page
    assert "tlp=green" in unescape(re.search(r'href="([^"]*page=2[^"]*)"', page).group(1))


def test_query_count_is_constant_with_page_size(app, client_as):
    with app.app_context():
        creator = factories.user(role=Role.COORDINATOR)
        other = factories.organization()
        for n in range(60):
            risk = factories.risk(created_by=creator, tlp=TLP.GREEN, title=f"Bulk risk {n}",
                                  likelihood=n % 5 + 1, impact=(n // 5) % 5 + 1)
            db.session.add(Mitigation(risk=risk, title="Fence", assigned_organization=other))
        db.session.commit()
        client = client_as(creator)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client.get("/risks/")  # the filters' choices are written once per content generation (see below)
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    counts = []
    for per_page in (5, 50):
        statements.clear()
        response = client.get(f"/risks/?per_page={per_page}")
        assert response.status_code == 200 and response.data.count(b"Bulk risk") == per_page
        counts.append(len(statements))
    assert counts[0] == counts[1]


def initiative_choices(client) -> list[str]:
    page = client.get("/risks/").data.decode()
    select = re.search(r'<select[^>]*id="filter-initiative".*?</select>', page, re.S).group(0)
    return [unescape(text) for text in re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)]


def test_initiative_filter_offers_the_readers_initiatives_and_follows_every_change(app, world):
    """The filters' choices are kept per reader's scope and content generation: another organisation's
    reader never gets them, and a committed change shows on the next page."""
    with app.app_context():
        owner = db.session.get(User, world.ids["coord_a"])
        initiative = factories.initiative(owner_organization=owner.organization, created_by=owner, tlp=TLP.AMBER,
                                          reference="INI-2026-0900", title="Fence programme")
        initiative_id = initiative.id
    member_a, member_b = world.clients["member_a"], world.clients["member_b"]
    assert initiative_choices(member_a) == ["INI-2026-0900 · Fence programme"]
    assert initiative_choices(member_b) == []  # AMBER of Org A: not Org B's
    with app.app_context():
        db.session.get(type(initiative), initiative_id).title = "Fence & gate programme"
        db.session.commit()
    assert initiative_choices(member_a) == ["INI-2026-0900 · Fence & gate programme"]
    page = member_a.get(f"/risks/?initiative={initiative_id}").data.decode()
    assert f'<option value="{initiative_id}" selected>INI-2026-0900 · Fence &amp; gate programme</option>' in page
    assert initiative_choices(member_b) == []


def test_heat_map_counts_follow_a_new_risk_and_stay_per_reader(app, world):
    before = {key: heat_cells(world.clients[key]) for key in ("member_a", "member_b")}
    with app.app_context():
        creator = db.session.get(User, world.ids["coord_a"])
        factories.risk(created_by=creator, tlp=TLP.AMBER, likelihood=1, impact=1)
    assert heat_cells(world.clients["member_a"])[(1, 1)][0] == before["member_a"][(1, 1)][0] + 1
    assert heat_cells(world.clients["member_b"]) == before["member_b"]  # AMBER of Org A: not counted for Org B


def offered_editions(client) -> list[str]:
    page = client.get("/risks/").data.decode()
    select = re.search(r'<select[^>]*id="register-edition".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([a-z_]+)"', select)


@pytest.mark.parametrize("user_key", sorted(EXPECTED_VISIBLE))
def test_register_editions_are_the_documents_editions_and_follow_a_change(app, world, user_key):
    from app.documents.executive import report_editions
    from app.kinds import BY_KEY

    def expected() -> list[str]:
        with app.app_context():
            reader = db.session.get(User, world.ids[user_key])
            return [edition.value for edition in reversed(report_editions(reader, of=(BY_KEY["risk"],)))]

    client = world.clients[user_key]
    assert offered_editions(client) == expected()
    with app.app_context():  # the reader's most restricted risks archived: the editions follow
        for key in EXPECTED_VISIBLE[user_key]:
            risk = db.session.get(Risk, world.risks[key])
            if risk.tlp in (TLP.RED, TLP.AMBER_STRICT):
                risk.archived_at = risk.updated_at
        db.session.commit()
    assert offered_editions(client) == expected()


def test_mitigation_column_follows_a_new_mitigation(app, world):
    reference = world.refs["a_green"]

    def mitigations_shown() -> str:
        page = world.clients["member_a"].get("/risks/").data.decode()
        row = re.search(rf'>{reference}</a>.*?data-label="Mitigations" class="text-nowrap">([^<]*)', page, re.S)
        return row.group(1).strip()

    before = int(mitigations_shown())
    with app.app_context():
        factories.mitigation(risk=db.session.get(Risk, world.risks["a_green"]), title="Fence")
    assert int(mitigations_shown()) == before + 1
