"""The list filters' choices kept per reader's scope and content generation (app/kept.py): My tasks' working
group filter and the group list's initiative filter, tried by the insiders of a group (a partner organisation's member, an observer from another
organisation, a client of the owner, a TLP:RED group's named recipient and a colleague who is not named). A kept
list never offers a group outside the reader's share, and every change (a recipient named or removed, a TLP raised,
an observer added, an archive) shows on the next page of everyone it concerns."""
import re
from html import unescape

import pytest

from app.extensions import db
from app.models import TLP
from app.models import Initiative
from app.models import MemberRole
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupMember
from app.models import utcnow
from tests import factories
from tests.test_working_groups_access import EVERYONE  # noqa: F401  -- the shared fixture
from tests.test_working_groups_access import GROUPS  # noqa: F401  -- the shared fixture
from tests.test_working_groups_access import shared  # noqa: F401  -- the shared fixture
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import text


def offered(client, url: str, name: str) -> set[str]:
    page = client.get(url).data.decode()
    select = re.search(rf'<select[^>]*id="filter-{name}".*?</select>', page, re.S).group(0)
    return {unescape(text) for text in re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)}


def group_choices(client) -> set[str]:
    return offered(client, "/tasks/?scope=all", "working_group")


def change(app, group_id: int, **values) -> None:
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id)
        for name, value in values.items():
            setattr(group, name, value)
        db.session.commit()


@pytest.mark.parametrize("user", EVERYONE)
def test_task_group_filter_offers_exactly_the_readers_groups_twice(shared, user):
    expected = {name for name, spec in GROUPS.items() if user in spec[4]}
    client = shared.c[user]
    assert group_choices(client) == expected
    assert group_choices(client) == expected  # the kept list: the same groups, and only those


def test_task_group_filter_follows_red_recipients_tlp_observers_and_archives(app, shared):
    w, c = shared, shared.c
    red, amber = w.groups["G red gov"], w.groups["G amber gov"]
    for user in EVERYONE:  # every reader's list kept first
        group_choices(c[user])
    assert "G red gov" in group_choices(c["member_water"])  # the named recipient…
    assert "G red gov" not in group_choices(c["coord_water"])  # …not a colleague of theirs
    with app.app_context():  # the recipient removed, a colleague named instead
        group = db.session.get(WorkingGroup, red)
        group.recipients = [db.session.get(User, w.ids["coord_water"])]
        db.session.commit()
    assert "G red gov" not in group_choices(c["member_water"])
    assert "G red gov" in group_choices(c["coord_water"])
    assert "G amber gov" not in group_choices(c["member_energy"])
    with app.app_context():  # an observer from another organisation: the group is shared with it
        db.session.add(WorkingGroupMember(working_group_id=amber, user_id=w.ids["member_energy"],
                                          role=MemberRole.OBSERVER))
        db.session.commit()
    assert "G amber gov" in group_choices(c["member_energy"])
    assert "G amber gov" in group_choices(c["coord_energy"])  # AMBER: the observer's organisation
    assert "G amber gov" in group_choices(c["member_client"])  # AMBER: and its client
    change(app, amber, tlp=TLP.AMBER_STRICT)  # AMBER+STRICT: the observer's organisation still, not its client
    assert "G amber gov" in group_choices(c["member_energy"])
    assert "G amber gov" not in group_choices(c["member_client"])
    change(app, w.groups["G amber shared"], tlp=TLP.RED)  # a partner's group made RED without naming them
    assert "G amber shared" not in group_choices(c["member_water"])
    assert "G amber shared" in group_choices(c["coord_gov"])  # its creator
    change(app, w.groups["G clear"], archived_at=utcnow())  # archived: no longer offered
    assert not any("G clear" in group_choices(c[user]) for user in EVERYONE)
    for user in EVERYONE:  # every list still only what the reader may open
        for name in group_choices(c[user]):
            assert c[user].get(f"/working-groups/{w.groups[name]}").status_code == 200, (user, name)


def initiative_choices(client) -> set[str]:
    return {text.split(" · ", 1)[1] for text in offered(client, "/working-groups/", "initiative")}


def test_group_list_initiatives_kept_per_reader_follow_recipients_participants_and_archives(app, shared):
    """The group list's initiative filter and its rows' initiative labels: a partner organisation (a participant),
    a TLP:RED initiative's named recipient and a colleague who is not, another organisation and its client."""
    w, c = shared, shared.c
    with app.app_context():
        gov, water = (db.session.get(User, w.ids[key]) for key in ("coord_gov", "coord_water"))
        energy = db.session.get(User, w.ids["coord_energy"])
        partnered = factories.initiative(created_by=gov, tlp=TLP.AMBER, title="Partnered programme",
                                         participants=[water.organization]).id
        red = factories.initiative(created_by=gov, tlp=TLP.RED, title="Covert study",
                                   recipients=[db.session.get(User, w.ids["member_water"])]).id
        strict = factories.initiative(created_by=energy, tlp=TLP.AMBER_STRICT, title="Strict grid plan").id
    make_group(app, w, tlp=TLP.GREEN, initiative_id=red, name="Open group")
    ids = {"Partnered programme": partnered, "Covert study": red, "Strict grid plan": strict}

    def check_everyone() -> None:
        for user in EVERYONE:  # offered exactly what the reader may open, and labelled only then
            choices = initiative_choices(c[user])
            opens = {title for title, id_ in ids.items() if c[user].get(f"/initiatives/{id_}").status_code == 200}
            assert choices & set(ids) == opens, user
            assert ("Covert study" in text(c[user].get("/working-groups/?q=Open+group"))) == ("Covert study" in opens)

    check_everyone()
    assert "Covert study" in initiative_choices(c["member_water"])  # the named recipient…
    assert "Covert study" not in initiative_choices(c["coord_water"])  # …not a colleague of theirs
    assert "Partnered programme" in initiative_choices(c["coord_water"])  # the partner organisation
    assert "Partnered programme" not in initiative_choices(c["member_energy"])
    assert "Strict grid plan" in initiative_choices(c["member_energy"])
    assert "Strict grid plan" not in initiative_choices(c["member_client"])  # AMBER+STRICT: not the client
    with app.app_context():  # the recipient removed, a colleague named instead; the partner leaves
        initiative = db.session.get(Initiative, red)
        initiative.recipients = [db.session.get(User, w.ids["coord_water"])]
        db.session.get(Initiative, partnered).participants = []
        db.session.commit()
    assert "Covert study" not in initiative_choices(c["member_water"])
    assert "Covert study" in initiative_choices(c["coord_water"])
    assert "Partnered programme" not in initiative_choices(c["coord_water"])
    check_everyone()
    with app.app_context():
        db.session.get(Initiative, strict).archived_at = utcnow()
        db.session.commit()
    assert "Strict grid plan" not in initiative_choices(c["member_energy"])  # archived: not offered
