"""The risk register's kept heat map and filter choices (app/kept.py), tried by the insiders of a record:
a TLP:RED record's named recipient and a colleague who is not named, a client organisation, a partner that takes
part through a mitigation, a user moved to another organisation or deactivated. Nothing kept may show a record,
its count or its title to anyone outside its share, and every change (a new risk, a TLP lowered or raised, a
recipient named or removed, an archive) shows on the next page of everyone it concerns."""
import re
from html import unescape

from app.extensions import db
from app.models import TLP
from app.models import Initiative
from app.models import Mitigation
from app.models import Organization
from app.models import Risk
from app.models import User
from app.models import utcnow
from tests import factories
from tests.test_risks import risk_form  # noqa: F401  -- the world fixture
from tests.test_risks import world  # noqa: F401  -- the world fixture
from tests.test_risks_register import heat_cells

# Where build_world puts Org A's risks: (likelihood, impact) by TLP.
A_CELL = {"clear": (1, 1), "green": (2, 3), "amber": (3, 3), "amber_strict": (4, 4), "red": (5, 5)}


def counts(client, query: str = "") -> dict[tuple[int, int], int]:
    return {cell: n for cell, (n, _) in heat_cells(client, query).items()}


def initiative_choices(client) -> list[str]:
    page = client.get("/risks/").data.decode()
    select = re.search(r'<select[^>]*id="filter-initiative".*?</select>', page, re.S).group(0)
    return [unescape(text) for text in re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)]


def change(app, model, record_id, **values) -> None:
    with app.app_context():
        record = db.session.get(model, record_id)
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()


def set_recipients(app, model, record_id, user_ids) -> None:
    with app.app_context():
        db.session.get(model, record_id).recipients = [db.session.get(User, i) for i in user_ids]
        db.session.commit()


def test_red_risk_counts_for_its_named_recipient_and_not_an_unnamed_colleague(app, world):
    red = A_CELL["red"]
    named, colleague = world.clients["member_a"], world.clients["exec_a"]
    assert counts(named)[red] == 1
    assert counts(colleague)[red] == 0
    assert "Risk a_red" not in colleague.get("/risks/").data.decode()
    set_recipients(app, Risk, world.risks["a_red"], [world.ids["member_a"], world.ids["exec_a"]])
    assert counts(colleague)[red] == 1  # named: on the next page
    set_recipients(app, Risk, world.risks["a_red"], [world.ids["exec_a"]])
    assert counts(named)[red] == 0  # no longer named: gone from the kept map on the next page
    assert counts(world.clients["coord_a"])[red] == 1  # its author still reads it
    set_recipients(app, Risk, world.risks["a_red"], [])
    assert counts(colleague)[red] == 0


def test_a_lowered_or_raised_tlp_shows_on_the_next_page_of_every_reader(app, world):
    cell = A_CELL["amber_strict"]
    member_b, client, member_a = world.clients["member_b"], world.clients["client"], world.clients["member_a"]
    assert (counts(member_b)[cell], counts(client)[cell], counts(member_a)[cell]) == (0, 0, 1)
    change(app, Risk, world.risks["a_amber_strict"], tlp=TLP.GREEN)
    assert (counts(member_b)[cell], counts(client)[cell], counts(member_a)[cell]) == (1, 1, 1)
    change(app, Risk, world.risks["a_amber_strict"], tlp=TLP.AMBER)  # A's and its client's, not B's
    assert (counts(member_b)[cell], counts(client)[cell], counts(member_a)[cell]) == (0, 1, 1)
    change(app, Risk, world.risks["a_amber_strict"], tlp=TLP.RED)  # named nobody: its author only
    assert (counts(member_b)[cell], counts(client)[cell], counts(member_a)[cell]) == (0, 0, 0)
    assert counts(world.clients["coord_a"])[cell] == 1
    assert counts(world.clients["admin"])[cell] == 0


def test_a_partner_counts_a_risk_while_it_takes_part_through_a_mitigation(app, world):
    cell = A_CELL["amber"]
    member_c = world.clients["member_c"]
    assert counts(member_c)[cell] == 0
    with app.app_context():
        org_c = db.session.get(User, world.ids["member_c"]).organization
        mitigation_id = factories.mitigation(risk=db.session.get(Risk, world.risks["a_amber"]),
                                             assigned_organization=org_c).id
    assert counts(member_c)[cell] == 1
    assert "Risk a_amber" in member_c.get("/risks/").data.decode()
    with app.app_context():
        db.session.delete(db.session.get(Mitigation, mitigation_id))
        db.session.commit()
    assert counts(member_c)[cell] == 0
    assert "Risk a_amber" not in member_c.get("/risks/").data.decode()


def test_an_archived_risk_leaves_the_map_at_once_for_its_archiver_and_next_page_for_others(app, world):
    cell = A_CELL["amber"]
    coord_a, client = world.clients["coord_a"], world.clients["client"]
    assert counts(coord_a)[cell] == counts(client)[cell] == 1
    response = coord_a.post(f"/risks/{world.risks['a_amber']}/archive", follow_redirects=True)
    assert response.status_code == 200
    assert counts(coord_a)[cell] == 0
    assert counts(client)[cell] == 0
    assert counts(coord_a, "archived=1")[cell] == 0  # the map counts live risks, whatever the list shows
    coord_a.post(f"/risks/{world.risks['a_amber']}/restore")
    assert counts(client)[cell] == 1


def test_a_new_risk_shows_at_once_to_its_author_and_only_to_its_share(app, world):
    coord_a = world.clients["coord_a"]
    before = {key: counts(world.clients[key]) for key in ("coord_a", "member_a", "member_b", "client")}
    response = coord_a.post("/risks/new", data=risk_form(title="Kept-map probe", likelihood="1", impact="2",
                                                         tlp="amber_strict"))
    assert response.status_code == 302
    assert counts(coord_a)[(1, 2)] == before["coord_a"][(1, 2)] + 1
    assert counts(world.clients["member_a"])[(1, 2)] == before["member_a"][(1, 2)] + 1
    assert counts(world.clients["member_b"]) == before["member_b"]
    assert counts(world.clients["client"]) == before["client"]  # AMBER+STRICT: not the client organisation's


def test_a_user_moved_to_another_organisation_loses_the_old_ones_share(app, world):
    member_a = world.clients["member_a"]
    with app.app_context():
        initiative = factories.initiative(owner_organization=db.session.get(Organization, db.session.get(
            User, world.ids["coord_a"]).organization_id), created_by_id=world.ids["coord_a"], tlp=TLP.AMBER,
            reference="INI-2026-0901", title="Org A fence programme")
        initiative_id = initiative.id
        org_b_id = db.session.get(User, world.ids["member_b"]).organization_id
    assert "INI-2026-0901 · Org A fence programme" in initiative_choices(member_a)
    assert counts(member_a)[A_CELL["amber"]] == 1
    change(app, User, world.ids["member_a"], organization_id=org_b_id)
    assert "INI-2026-0901 · Org A fence programme" not in initiative_choices(member_a)
    moved = counts(member_a)
    assert moved[A_CELL["amber"]] == 0 and moved[A_CELL["amber_strict"]] == 0
    assert moved[A_CELL["red"]] == 1  # still named on A's RED risk: RED follows the person, not the organisation
    assert moved[(3, 4)] == 1  # B's AMBER risk
    change(app, Initiative, initiative_id, archived_at=utcnow())
    assert "INI-2026-0901 · Org A fence programme" not in initiative_choices(world.clients["coord_a"])


def test_a_deactivated_user_gets_nothing_kept(app, world):
    member_a = world.clients["member_a"]
    assert counts(member_a)[A_CELL["amber"]] == 1
    change(app, User, world.ids["member_a"], active=False)
    response = member_a.get("/risks/")
    assert response.status_code in (302, 401, 403)
    assert b"Risk a_amber" not in response.data


def test_red_initiative_is_offered_to_its_named_recipient_only(app, world):
    with app.app_context():
        coord_a = db.session.get(User, world.ids["coord_a"])
        initiative = factories.initiative(owner_organization=coord_a.organization, created_by=coord_a,
                                          tlp=TLP.RED, reference="INI-2026-0902", title="Red programme")
        initiative.recipients = [db.session.get(User, world.ids["member_a"])]
        db.session.commit()
        initiative_id = initiative.id
    label = "INI-2026-0902 · Red programme"
    assert label in initiative_choices(world.clients["member_a"])
    assert label not in initiative_choices(world.clients["exec_a"])
    assert label not in initiative_choices(world.clients["admin"])
    page = world.clients["exec_a"].get(f"/risks/?initiative={initiative_id}").data.decode()
    assert "Red programme" not in page
    set_recipients(app, Initiative, initiative_id, [world.ids["exec_a"]])
    assert label in initiative_choices(world.clients["exec_a"])
    assert label not in initiative_choices(world.clients["member_a"])
    change(app, Initiative, initiative_id, tlp=TLP.AMBER_STRICT)
    assert label in initiative_choices(world.clients["member_a"])
    assert label not in initiative_choices(world.clients["client"])
    assert label not in initiative_choices(world.clients["member_b"])


def test_only_the_latest_generations_values_are_kept(app, world):
    """Each change makes every reader's filter choices anew (110 kB of <option>s each at 1,000 initiatives): the
    older generations' are dropped, not kept until a store of the whole process fills up."""
    from app import kept
    from app import permissions

    readers = ("member_a", "member_b", "client")
    sizes = []
    for round_ in range(3):
        for key in readers:
            assert world.clients[key].get("/risks/").status_code == 200
        assert len({entry[1] for entry in kept._kept}) == 1  # one generation
        sizes.append(len(kept._kept))  # what the register keeps of each reader, once
        with app.app_context():
            factories.organization(name=f"Newcomer {round_}")  # a committed change: a new generation
    assert sizes[0] >= 2 * len(readers) and sizes == [sizes[0]] * 3
    assert not any("@" in str(key[0]) for key in permissions._SCOPED)
