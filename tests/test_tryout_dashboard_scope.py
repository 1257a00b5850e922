"""The dashboard's agreements, now counted by status in one grouped count and the expiring ones read from a range
of expiry dates: the figures and the expiring list hold an agreement for its share only (the owner, a partner
or observer party, a client of a party under TLP:AMBER, a TLP:RED agreement's named recipient) and follow a TLP
raised or lowered, a recipient removed and an archive on the next page."""
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementStatus
from app.models import PartyRole
from app.models import Role
from app.models import User
from app.models import today
from app.models import utcnow
from tests import factories

TITLE = "Dashboard probe agreement"


def seen(client) -> tuple[int, int, int, bool]:
    """(the Agreements figure, the Active row of Agreements by status, the expiring figure, whether the expiring list
    names the probe)."""
    page = client.get("/").get_data(as_text=True)

    def figure(label):
        found = re.search(r'>(\d+)</div>\s*<div class="small text-body-secondary">' + label + "</div>", page)
        return int(found.group(1))

    active = re.search(r'href="/agreements/\?status=active".*?<td class="text-end">(\d+)</td>', page, re.S)
    return (figure("Agreements"), int(active.group(1)) if active else 0,
            figure("Agreements expiring within 90 days"), TITLE in page)


@pytest.fixture
def scene(app, client_as):
    with app.app_context():
        owner, partner, observer, other = (factories.organization(name=n) for n in ("Owner", "Partner", "Observer",
                                                                                     "Other"))
        client_org = factories.organization(name="Client of partner", parent=partner)
        people = {key: factories.user(role=Role.COORDINATOR, organization=org) for key, org in (
            ("owner", owner), ("partner", partner), ("observer", observer), ("other", other),
            ("client", client_org))}
        people["named"] = factories.user(role=Role.COORDINATOR, organization=other)
        agreement = factories.agreement(
            created_by=people["owner"], title=TITLE, tlp=TLP.AMBER, status=AgreementStatus.ACTIVE,
            expiry_date=today() + timedelta(days=30),
            parties=[(owner, PartyRole.LEAD), partner, (observer, PartyRole.OBSERVER)])
        return {"agreement": agreement.id, "ids": {k: u.id for k, u in people.items()},
                "clients": {k: client_as(u) for k, u in people.items()}}


def _set(app, agreement_id, **values):
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        for name, value in values.items():
            setattr(agreement, name, value)
        db.session.commit()


def test_the_agreement_figures_hold_an_agreement_for_its_share_only(app, scene):
    clients = scene["clients"]
    base = {key: seen(clients[key]) for key in clients}
    for key in ("owner", "partner", "observer", "client"):
        assert base[key][3], key  # in the expiring list, so counted in every figure below
        assert min(base[key][:3]) >= 1, key
    assert not base["other"][3] and not base["named"][3]

    _set(app, scene["agreement"], tlp=TLP.AMBER_STRICT)  # the parties only, not a party's client
    assert not seen(clients["client"])[3]
    assert seen(clients["client"])[:3] == tuple(n - 1 for n in base["client"][:3])
    assert seen(clients["observer"]) == base["observer"]

    with app.app_context():
        agreement = db.session.get(Agreement, scene["agreement"])
        agreement.tlp = TLP.RED
        agreement.recipients = [db.session.get(User, scene["ids"]["named"])]
        db.session.commit()
    named = seen(clients["named"])
    assert named[3] and named[:3] == tuple(n + 1 for n in base["named"][:3])
    assert not seen(clients["partner"])[3]  # a party, but not named
    assert not seen(clients["other"])[3]  # the named reader's colleague

    _set(app, scene["agreement"], recipients=[])
    assert seen(clients["named"]) == base["named"]
    assert seen(clients["owner"])[3]  # its author still reads it

    _set(app, scene["agreement"], tlp=TLP.GREEN)
    assert seen(clients["other"])[3]
    _set(app, scene["agreement"], archived_at=utcnow())
    for key in clients:
        assert not seen(clients[key])[3], key
    assert seen(clients["other"]) == base["other"]
