"""Who manages webhooks (every role of the organisation, its client, another partner, the administrator), and
which organisations' endpoints hear about a record (the pages' TLP rule for the endpoint's organisation),
with payloads that say nothing of a record above TLP:GREEN but its kind, id, reference, label and address."""
import json
import re

import pytest
import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import TLP
from app.models import AuditEvent
from app.models import PartyRole
from app.models import Role
from app.models import User
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.webhooks import delivery
from app.webhooks import outbox
from tests import factories
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def _endpoint(org, url, events=("agreement.updated", "incident_report.updated")):
    return WebhookEndpoint(organization_id=org.id, url=url, events=list(events),
                           secret_encrypted=delivery.SECRETS.encrypt("whsec_" + "A" * 44))


# --- Which organisations receive what ------------------------------------------------------------------------
RECEIVE = {  # TLP -> the organisations whose endpoints hear of an agreement update (DESIGN.md's TLP table)
    TLP.CLEAR: {"owner", "party", "observer", "client", "outsider"},
    TLP.GREEN: {"owner", "party", "observer", "client", "outsider"},
    TLP.AMBER: {"owner", "party", "observer", "client"},
    TLP.AMBER_STRICT: {"owner", "party", "observer"},
    TLP.RED: set(),  # RED names people, never an organisation: not even the creator's
}


@pytest.mark.parametrize("tlp", list(TLP))
def test_only_organisations_that_may_read_the_record_receive_it(app, receiver, tlp):
    with app.app_context():
        owner = factories.organization(name="Owner")
        party = factories.organization(name="Party")
        orgs = {"owner": owner, "party": party, "observer": factories.organization(name="Observer"),
                "client": factories.organization(name="Client of party", parent=party),
                "outsider": factories.organization(name="Outsider")}
        creator = factories.user(role=Role.COORDINATOR, organization=owner)
        record = factories.agreement(created_by=creator, tlp=tlp, title="Secret pipeline",
                                     parties=[(party, PartyRole.PARTNER), (orgs["observer"], PartyRole.OBSERVER)])
        if tlp is TLP.RED:
            record.recipients = [creator]
        endpoints = {name: _endpoint(org, receiver.url) for name, org in orgs.items()}
        db.session.add_all(endpoints.values())
        db.session.commit()
        audit.record(creator, "agreement.updated", record, summary="title: a → b")
        db.session.commit()
        by_endpoint = {row.endpoint_id: row for row in db.session.scalars(sa.select(WebhookDelivery))}
        received = {name for name, endpoint in endpoints.items() if endpoint.id in by_endpoint}
        assert received == RECEIVE[tlp]
        for row in by_endpoint.values():
            data = json.loads(row.payload)["data"]
            if tlp in (TLP.CLEAR, TLP.GREEN):
                assert data["title"] == "Secret pipeline"
            else:
                assert set(data) == {"kind", "id", "reference", "tlp", "url"}
                assert "Secret pipeline" not in row.payload
    assert len(receiver.requests) == len(RECEIVE[tlp])


def test_an_incident_report_is_named_by_its_reference_even_at_green(app, receiver):
    with app.app_context():
        reporter = factories.user(role=Role.COORDINATOR)
        report = factories.incident_report(created_by=reporter, tlp=TLP.GREEN, title="Ransomware at Acme Water")
        db.session.add(_endpoint(reporter.organization, receiver.url))
        db.session.commit()
        audit.record(reporter, "incident_report.updated", report, summary="users affected: 1 → 2")
        db.session.commit()
        row = db.session.scalars(sa.select(WebhookDelivery)).one()
        assert "Acme" not in row.payload and json.loads(row.payload)["data"]["title"] == report.reference


def test_a_change_making_the_record_amber_in_the_same_transaction_sends_no_content(app, receiver):
    with app.app_context():
        creator = factories.user(role=Role.COORDINATOR)
        record = factories.agreement(created_by=creator, tlp=TLP.GREEN, title="Grid plans")
        db.session.add(_endpoint(creator.organization, receiver.url))
        db.session.commit()
        audit.record(creator, "agreement.updated", record, summary="title: a → b")
        record.tlp = TLP.AMBER  # later in the same transaction: the payload is built as it commits
        db.session.commit()
        row = db.session.scalars(sa.select(WebhookDelivery)).one()
        assert "Grid plans" not in row.payload and json.loads(row.payload)["data"]["tlp"] == "amber"


# --- Who manages an organisation's webhooks -------------------------------------------------------------------
OK, DENIED, HIDDEN = 200, 403, 404
# role -> expected answer per action (a redirect after a POST that did its work counts as OK).
MATRIX = {
    "coordinator": {"index": OK, "new": OK, "detail": OK, "edit": OK, "save": OK, "test": OK, "replay": OK,
                    "secret": OK, "disable": OK, "enable": OK, "delete": OK},
    "member": {"index": DENIED, "new": DENIED, "detail": HIDDEN, "edit": HIDDEN, "save": HIDDEN, "test": HIDDEN,
               "replay": HIDDEN, "secret": HIDDEN, "disable": HIDDEN, "enable": HIDDEN, "delete": HIDDEN},
    "executive": {"index": DENIED, "new": DENIED, "detail": HIDDEN, "edit": HIDDEN, "save": HIDDEN, "test": HIDDEN,
                  "replay": HIDDEN, "secret": HIDDEN, "disable": HIDDEN, "enable": HIDDEN, "delete": HIDDEN},
    "client_coordinator": {"index": OK, "new": OK, "detail": HIDDEN, "edit": HIDDEN, "save": HIDDEN, "test": HIDDEN,
                           "replay": HIDDEN, "secret": HIDDEN, "disable": HIDDEN, "enable": HIDDEN, "delete": HIDDEN},
    "partner_coordinator": {"index": OK, "new": OK, "detail": HIDDEN, "edit": HIDDEN, "save": HIDDEN, "test": HIDDEN,
                            "replay": HIDDEN, "secret": HIDDEN, "disable": HIDDEN, "enable": HIDDEN, "delete": HIDDEN},
    "admin": {"index": OK, "new": DENIED, "detail": OK, "edit": DENIED, "save": DENIED, "test": DENIED,
              "replay": DENIED, "secret": DENIED, "disable": OK, "enable": DENIED, "delete": DENIED},
}


def _requests(endpoint_id, delivery_id):
    base = f"/webhooks/{endpoint_id}"
    return {
        "index": ("get", "/webhooks/", None), "new": ("get", "/webhooks/new", None),
        "detail": ("get", base, None), "edit": ("get", f"{base}/edit", None),
        "save": ("post", f"{base}/edit", {"url": "http://127.0.0.1:9/elsewhere", "events": ["agreement.created"],
                                          "version": "1"}),
        "test": ("post", f"{base}/test", None), "replay": ("post", f"{base}/deliveries/{delivery_id}/replay", None),
        "secret": ("post", f"{base}/secret", None), "disable": ("post", f"{base}/disable", None),
        "enable": ("post", f"{base}/enable", None),
        "delete": ("post", f"{base}/delete", None),
    }


@pytest.mark.parametrize("role", list(MATRIX))
def test_who_manages_an_organisations_webhooks(app, role):
    with app.app_context():
        org = factories.organization(name="Utility")
        people = {
            "coordinator": factories.user(role=Role.COORDINATOR, organization=org),
            "member": factories.user(role=Role.MEMBER, organization=org),
            "executive": factories.user(role=Role.EXECUTIVE, organization=org),
            "client_coordinator": factories.user(role=Role.COORDINATOR,
                                                 organization=factories.organization(parent=org)),
            "partner_coordinator": factories.user(role=Role.COORDINATOR),
            "admin": factories.user(role=Role.ADMIN),
        }
        endpoint = _endpoint(org, "http://127.0.0.1:9/hook")
        db.session.add(endpoint)
        db.session.flush()
        row = outbox.queue(db.session, endpoint, "webhook.test", "{}")
        row.status = delivery.DeliveryStatus.FAILED
        db.session.commit()
        client = app.test_client(user=people[role])
        requests = _requests(endpoint.id, row.id)
    for action, expected in MATRIX[role].items():
        method, url, data = requests[action]
        response = getattr(client, method)(url, data=data)
        answer = OK if response.status_code in (200, 302) else response.status_code
        assert answer == expected, (role, action, response.status_code)
    with app.app_context():  # nothing a refused role tried changed the endpoint (an admin may only disable it)
        endpoint = db.session.get(WebhookEndpoint, endpoint.id)
        if MATRIX[role]["save"] != OK:
            assert endpoint.url == "http://127.0.0.1:9/hook" and endpoint.active is (MATRIX[role]["disable"] != OK)


def test_the_list_shows_only_the_organisations_own_webhooks(app):
    with app.app_context():
        mine, theirs = factories.organization(), factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=mine)
        db.session.add_all([_endpoint(mine, "http://127.0.0.1:9/mine"), _endpoint(theirs, "http://127.0.0.1:9/theirs")])
        db.session.commit()
        client = app.test_client(user=coordinator)
        admin = app.test_client(user=factories.user(role=Role.ADMIN))
    page = client.get("/webhooks/").text
    assert "/mine" in page and "/theirs" not in page
    assert "Webhooks" in client.get("/").text  # the account menu links it
    everyone = admin.get("/webhooks/").text
    assert "/mine" in everyone and "/theirs" in everyone


def test_the_secret_is_shown_once_and_stored_encrypted(app):
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        client = app.test_client(user=coordinator)
    response = client.post("/webhooks/new", data={"url": "http://127.0.0.1:9/h", "events": ["risk.created"]})
    secret = re.search(r'value="(whsec_[^"]+)"', response.text).group(1)
    with app.app_context():
        endpoint = db.session.scalars(sa.select(WebhookEndpoint)).one()
        assert secret not in endpoint.secret_encrypted and delivery.SECRETS.decrypt(endpoint.secret_encrypted) == secret
        endpoint_id = endpoint.id
    for page in (f"/webhooks/{endpoint_id}", f"/webhooks/{endpoint_id}/edit", "/webhooks/"):
        assert secret not in client.get(page).text
    with app.app_context():
        assert all(secret not in (event.summary or "") for event in db.session.scalars(sa.select(AuditEvent)))


def test_a_deactivated_coordinator_manages_nothing(app):
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        endpoint = _endpoint(coordinator.organization, "http://127.0.0.1:9/h")
        db.session.add(endpoint)
        db.session.commit()
        client = app.test_client(user=coordinator)
        db.session.get(User, coordinator.id).active = False
        db.session.commit()
        endpoint_id = endpoint.id
    assert client.post(f"/webhooks/{endpoint_id}/delete").status_code in (302, 401, 403, 404)
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id) is not None


def test_a_draft_advisory_reaches_its_authors_only_even_at_green(app, receiver):
    """Kinds read in editions decide as the pages do: a draft is its authors' alone, whatever its label."""
    with app.app_context():
        author = factories.user(role=Role.COORDINATOR)
        co_author, outsider = factories.organization(), factories.organization()
        advisory = factories.advisory(created_by=author, authors=[co_author], tlp=TLP.GREEN, title="Draft alert")
        endpoints = {name: _endpoint(org, receiver.url, events=["advisory.updated"])
                     for name, org in {"author": author.organization, "co_author": co_author,
                                       "outsider": outsider}.items()}
        db.session.add_all(endpoints.values())
        db.session.commit()
        audit.record(author, "advisory.updated", advisory, summary="title: a → b")
        db.session.commit()
        reached = set(db.session.scalars(sa.select(WebhookDelivery.endpoint_id)))
        assert reached == {endpoints["author"].id, endpoints["co_author"].id}


@pytest.mark.parametrize("event", ["advisory.commented", "advisory.updated"])
def test_a_public_edition_reader_hears_no_talk_about_the_restricted_text(app, receiver, event):
    """An organisation that reads only an AMBER advisory's public edition is no reader of its comments or of
    changes to its restricted text: those events go to the restricted
    edition's readers; its release and status still reach every reader of an edition, as its page does. (What a
    recipient did with it, an acknowledgement, goes to its authors only: tests/test_webhooks_flows.py.)"""
    with app.app_context():
        author = factories.user(role=Role.COORDINATOR)
        recipient, outsider = factories.organization(), factories.organization()
        advisory = factories.advisory(created_by=author, recipients=[recipient], tlp=TLP.AMBER, status="released",
                                      title="Relay firmware exploited", public_title="Update your relays")
        events = ["advisory.commented", "advisory.updated", "advisory.transitioned"]
        endpoints = {name: _endpoint(org, receiver.url, events=events)
                     for name, org in {"author": author.organization, "recipient": recipient,
                                       "outsider": outsider}.items()}
        db.session.add_all(endpoints.values())
        db.session.commit()
        if event == "advisory.commented":
            audit.record(author, event, advisory, summary="comment: seen at two substations")
        else:
            audit.record(author, "advisory.updated", advisory, summary="contact: a → b")
        db.session.commit()
        reached = set(db.session.scalars(sa.select(WebhookDelivery.endpoint_id)))
        assert reached == {endpoints["author"].id, endpoints["recipient"].id}
        rows = list(db.session.scalars(sa.select(WebhookDelivery)))
        assert all(delivery.still_readable(row) for row in rows)
        audit.record(author, "advisory.withdrawn", advisory, summary="withdrawn")
        db.session.commit()
        withdrawn = set(db.session.scalars(sa.select(WebhookDelivery.endpoint_id)
                                           .where(WebhookDelivery.event == "advisory.transitioned")))
        assert withdrawn == set(endpoints[name].id for name in endpoints)
