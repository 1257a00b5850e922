"""The named webhook events driven by the steps a user takes on the pages (no outbox or audit call here):
an advisory released by its co-authors' approvals and acknowledged by a recipient, an agreement issued for
signature, signed and executed, an incident stage submitted. Each delivery names its event, says nothing of
the record above TLP:GREEN but kind, id, reference, TLP and API address, and goes only to organisations that
may read the record (owner, party, observer, client organisation, another partner), its acknowledgement to
the advisory's authors only."""
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Organization
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.webhooks import delivery
from app.webhooks import events
from tests import advisory_world
from tests import factories as f
from tests import incident_world
from tests import signing_helpers as signing
from tests.webhook_receiver import Receiver

BARE = {"kind", "id", "reference", "tlp", "url"}  # all a payload above TLP:GREEN carries


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    yield server
    server.stop()


def _listen(app, orgs: dict[str, int], url: str) -> dict[int, str]:
    """An endpoint subscribed to every event for each organisation; endpoint id -> the organisation's name."""
    every = [name for name, _ in events.catalogue()]
    with app.app_context():
        endpoints = {name: WebhookEndpoint(organization_id=org_id, url=url, events=every,
                                           secret_encrypted=delivery.SECRETS.encrypt("whsec_" + "A" * 44))
                     for name, org_id in orgs.items()}
        db.session.add_all(endpoints.values())
        db.session.commit()
        return {endpoint.id: name for name, endpoint in endpoints.items()}


def _heard(app, listeners: dict[int, str], event: str, *secrets: str) -> set[str]:
    """The organisations whose endpoints got a delivery of `event`; each payload bare (above GREEN)."""
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.event == event)).all()
        for row in rows:
            body = json.loads(row.payload)
            assert body["type"] == event
            assert set(body["data"]) == BARE and body["data"]["url"].startswith("http://localhost/api/v1/"), row.payload
            for secret in secrets:
                assert secret not in row.payload
        return {listeners[row.endpoint_id] for row in rows}


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id)))


def test_an_advisory_released_on_the_pages_then_acknowledged_by_a_recipient(app, receiver, monkeypatch):
    advisory_world.fake_editions(monkeypatch)
    world = advisory_world.build(app)
    listeners = _listen(app, world.orgs, receiver.url)
    with app.app_context():
        advisory_id = advisory_world.draft(world).id  # AMBER, by the agency with the operator, to the water sector
    client = lambda who: advisory_world.client(app, world, who)  # noqa: E731
    assert client("gov_coordinator").post(f"/advisories/{advisory_id}/submit").status_code == 302
    assert client("op_coordinator").post(f"/advisories/{advisory_id}/approve").status_code == 302
    assert client("gov_coordinator2").post(f"/advisories/{advisory_id}/approve").status_code == 302  # releases
    secrets = ("RESTRICTED", "grid relay")
    # Released: the authors, the named recipient and the water sector's organisation, the recipient's client
    # organisation (AMBER: clients of participants); never the third partner or the uninvolved authority.
    assert _heard(app, listeners, "advisory.released", *secrets) == {"gov", "operator", "recipient", "sector",
                                                                     "client"}
    assert _heard(app, listeners, "advisory.created") == {"gov", "operator"}  # a draft is its authors' alone

    before = _count(app)
    response = client("recipient_coordinator").post(f"/advisories/{advisory_id}/acknowledge",
                                                    data={"status": "acted", "note": "Patched the relays"})
    assert response.status_code == 302
    # What one recipient did with it is its authors' to know (they see counts), not the other recipients'.
    assert _heard(app, listeners, "advisory.acknowledged", "Patched", *secrets) == {"gov", "operator"}
    assert _count(app) == before + 2  # nothing else: an acknowledgement is no update of the advisory
    with app.app_context():
        assert all(delivery.still_readable(row) for row in db.session.scalars(sa.select(WebhookDelivery)))


def test_an_agreement_issued_signed_and_executed_on_the_pages(app, receiver):
    world = signing.approved_world(app, tlp=TLP.AMBER)
    with app.app_context():
        client_org = f.organization(name="Partner's client", parent=db.session.get(Organization, world.partner_org))
        orgs = {"owner": world.lead_org, "party": world.partner_org, "observer": world.observer_org,
                "client": client_org.id, "outsider": f.organization(name="Another partner").id}
        db.session.commit()
    listeners = _listen(app, orgs, receiver.url)
    assert signing.issue(app, world).status_code == 302
    assert signing.sign(app, world.lead_signer, world.agreement_id).status_code == 302
    assert signing.sign(app, world.partner_signer, world.agreement_id).status_code == 302
    readers = {"owner", "party", "observer", "client"}  # AMBER: participants and their clients
    for event in ("agreement.signature_requested", "agreement.signed", "agreement.executed"):
        assert _heard(app, listeners, event, "Mutual aid", "crews") == readers, event
    with app.app_context():
        signed = db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.event == "agreement.signed"))
        assert len(list(signed)) == 2 * len(readers)  # one per signature


def test_an_incident_stage_submitted_on_the_page(app, receiver):
    world = incident_world.build(app, title="Ransomware at the Northern substation", tlp=TLP.AMBER)
    with app.app_context():
        from app.models import IncidentReport
        from app.models import User

        third = db.session.scalar(sa.select(User).where(User.email == world.emails["third_coordinator"]))
        client_org = db.session.scalar(sa.select(User).where(User.email == world.emails["client_member"]))
        orgs = {"owner": world.operator_id, "authority": world.authority_id,
                "client": client_org.organization_id, "outsider": third.organization_id}
        tlp = db.session.get(IncidentReport, world.report_id).tlp
    listeners = _listen(app, orgs, receiver.url)
    response = incident_world.client(app, world, "operator_member").post(
        f"/incidents/{world.report_id}/stages/early_warning",
        data={"body": "Encrypted SCADA hosts", "malicious_suspected": "yes", "cross_border_suspected": "no"})
    assert response.status_code == 302
    assert tlp is TLP.AMBER
    heard = _heard(app, listeners, "incident_report.stage_submitted", "Ransomware", "SCADA", "Northern")
    assert heard == {"owner", "authority", "client"}
