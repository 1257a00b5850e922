"""Webhooks end to end: a change committed through the app reaches a real HTTP receiver (the worker's job in
the test configuration's immediate mode), signed so that the `standardwebhooks` package verifies it; retried
with backoff for 24 hours then failed; replayed; written in the change's transaction or not at all."""
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app import audit
from app import kinds
from app import records
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import DeliveryStatus
from app.models import Role
from app.models import User
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.webhooks import delivery
from app.webhooks import events
from tests import factories
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def register(client, url: str, chosen: list[str]) -> str:
    """Register an endpoint through the page; the secret shown once."""
    response = client.post("/webhooks/new", data={"url": url, "description": "SIEM", "events": chosen})
    assert response.status_code == 200, response.text
    return re.search(r'value="(whsec_[^"]+)"', response.text).group(1)


@pytest.fixture
def world(app):
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR, name="Casey Coordinator")
        agreement = factories.agreement(created_by=coordinator, tlp=TLP.GREEN, title="Water sharing")
        return {"coordinator": coordinator.id, "agreement": agreement.id, "org": coordinator.organization_id}


def rename(app, world, title: str, *, commit: bool = True) -> None:
    with app.app_context():
        actor = db.session.get(User, world["coordinator"])
        record = db.session.get(Agreement, world["agreement"])
        records.apply_changes(actor, record, {"title": title}, expected_version=None, action="agreement.updated")
        if commit:
            db.session.commit()  # immediate mode: the send job runs once this commits
        else:
            db.session.rollback()


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_committed_change_reaches_the_receiver_signed_per_standard_webhooks(app, world, receiver):
    secret = register(app.test_client(user=_user(app, world)), receiver.url, ["agreement.updated"])
    rename(app, world, "Water sharing, second edition")

    (received,) = receiver.requests
    payload = Webhook(secret).verify(received.body, received.headers)
    assert payload["type"] == "agreement.updated"
    assert payload["data"]["title"] == "Water sharing, second edition"  # TLP:GREEN carries a summary
    assert payload["data"]["url"] == f"http://localhost/api/v1/agreements/{world['agreement']}"
    assert received.headers["webhook-id"].startswith("msg_") and received.path == "/hooks"
    with pytest.raises(WebhookVerificationError):  # a body changed on the way fails the check
        Webhook(secret).verify(received.body.replace(b"second", b"third"), received.headers)
    with pytest.raises(WebhookVerificationError):  # so does another endpoint's secret
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)
    (row,) = deliveries(app)
    assert (row.status, row.response_code, row.attempts) == (DeliveryStatus.DELIVERED, 204, 1)


def test_a_rolled_back_change_leaves_no_delivery(app, world, receiver):
    register(app.test_client(user=_user(app, world)), receiver.url, ["agreement.updated"])
    rename(app, world, "Never saved", commit=False)
    assert deliveries(app) == [] and receiver.requests == []
    rename(app, world, "Saved")
    assert [row.event for row in deliveries(app)] == ["agreement.updated"]


def test_events_not_chosen_are_not_sent(app, world, receiver):
    register(app.test_client(user=_user(app, world)), receiver.url, ["agreement.created"])
    rename(app, world, "Renamed")
    assert deliveries(app) == [] and receiver.requests == []


def test_failed_attempts_back_off_for_24_hours_then_the_delivery_fails(app, world, receiver):
    register(app.test_client(user=_user(app, world)), receiver.url, ["agreement.updated"])
    receiver.status = 500
    rename(app, world, "Renamed")  # first attempt right after the commit: 500
    (row,) = deliveries(app)
    assert (row.status, row.attempts, row.response_code) == (DeliveryStatus.PENDING, 1, 500)
    assert row.last_error.startswith("HTTP 500")
    created, gaps, now = row.created_at, [], row.last_attempt_at
    with app.app_context():
        while True:
            row = db.session.get(WebhookDelivery, row.id)
            if row.status is not DeliveryStatus.PENDING:
                break
            assert delivery.deliver_due(now=row.next_attempt_at - timedelta(seconds=1))["pending"] == 0  # not yet
            gaps.append(row.next_attempt_at - now)
            now = row.next_attempt_at
            delivery.deliver_due(now=now)
            db.session.expire_all()
    assert row.status is DeliveryStatus.FAILED and row.next_attempt_at is None
    assert gaps[:4] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(gaps) <= timedelta(hours=4)
    assert now - created >= timedelta(hours=24) and now - created < timedelta(hours=24, seconds=1)
    assert len(receiver.requests) == row.attempts == len(gaps) + 1
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # one message, several attempts


def test_replay_sends_the_same_message_again(app, world, receiver):
    client = app.test_client(user=_user(app, world))
    secret = register(client, receiver.url, ["agreement.updated"])
    receiver.status = 503
    rename(app, world, "Renamed")
    (first,) = deliveries(app)
    receiver.status = 200
    response = client.post(f"/webhooks/{first.endpoint_id}/deliveries/{first.id}/replay")
    assert response.status_code == 302
    first_again, replayed = deliveries(app)
    assert replayed.status is DeliveryStatus.DELIVERED and replayed.message_id == first.message_id
    assert first_again.status is DeliveryStatus.PENDING  # its own retries go on in its own log entry
    assert Webhook(secret).verify(receiver.requests[-1].body, receiver.requests[-1].headers)["type"] == "agreement.updated"
    page = client.get(f"/webhooks/{first.endpoint_id}").text
    assert "HTTP 503" in page and "Delivered" in page


def test_the_test_button_sends_a_signed_test_event(app, world, receiver):
    client = app.test_client(user=_user(app, world))
    secret = register(client, receiver.url, ["agreement.updated"])
    endpoint_id = _endpoint_id(app)
    assert client.post(f"/webhooks/{endpoint_id}/test").status_code == 302
    (received,) = receiver.requests
    assert Webhook(secret).verify(received.body, received.headers)["type"] == events.TEST_EVENT


def test_a_disabled_endpoint_gets_nothing_until_enabled(app, world, receiver):
    client = app.test_client(user=_user(app, world))
    register(client, receiver.url, ["agreement.updated"])
    endpoint_id = _endpoint_id(app)
    client.post(f"/webhooks/{endpoint_id}/disable")
    rename(app, world, "Renamed")
    assert deliveries(app) == [] and receiver.requests == []
    client.post(f"/webhooks/{endpoint_id}/enable")
    rename(app, world, "Renamed again")
    assert len(receiver.requests) == 1


def test_a_record_out_of_reach_by_send_time_is_withheld(app, world, receiver):
    register(app.test_client(user=_user(app, world)), receiver.url, ["agreement.updated"])
    receiver.status = 500
    rename(app, world, "Renamed")
    with app.app_context():
        record = db.session.get(Agreement, world["agreement"])
        record.tlp = TLP.RED  # now only named people may read it: no organisation receives it
        db.session.commit()
        row = db.session.scalars(sa.select(WebhookDelivery)).one()
        delivery.deliver_due(now=row.next_attempt_at)
    (row,) = deliveries(app)
    assert row.status is DeliveryStatus.WITHHELD and len(receiver.requests) == 1


def test_every_kind_announces_creation_update_transition_and_comments(app, receiver):
    """The registry walk: each kind's audited steps name the kind's events, and its payload (API address
    included) is built, for a GREEN record."""
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        org = coordinator.organization
        group = factories.working_group(created_by=coordinator, tlp=TLP.GREEN)
        made = {
            "agreement": factories.agreement(created_by=coordinator, tlp=TLP.GREEN),
            "initiative": factories.initiative(created_by=coordinator, tlp=TLP.GREEN),
            "working_group": group,
            "task": factories.task(working_group=group),
            "risk": (risk := factories.risk(created_by=coordinator, tlp=TLP.GREEN)),
            "mitigation": factories.mitigation(risk=risk),
            "incident_plan": factories.incident_plan(created_by=coordinator, tlp=TLP.GREEN),
            "incident_report": factories.incident_report(created_by=coordinator, tlp=TLP.GREEN),
            "advisory": factories.advisory(created_by=coordinator, tlp=TLP.GREEN),
            "exercise": (exercise := factories.exercise(created_by=coordinator, tlp=TLP.GREEN)),
            "corrective_action": factories.corrective_action(exercise=exercise),
        }
        assert set(made) == set(kinds.BY_KEY), "a new kind: add it here"
        names = [name for name, _ in events.catalogue()]
        db.session.add(WebhookEndpoint(organization_id=org.id, url=receiver.url, events=names,
                                       secret_encrypted=delivery.SECRETS.encrypt("whsec_" + "A" * 44)))
        db.session.commit()
        expected = []
        for key, record in made.items():
            kind = kinds.BY_KEY[key]
            audit.record(coordinator, f"{key}.created", record)
            audit.record(coordinator, f"{key}.updated", record, summary="title: a → b")
            audit.record(coordinator, f"{key}.status_changed", record, summary="status: A → B")
            expected += [f"{key}.created", f"{key}.updated", f"{key}.transitioned"]
            if kind.comments:
                audit.record(coordinator, f"{key}.commented", record, summary="comment: well done")
                expected.append(f"{key}.commented")
        db.session.commit()
    sent = [json.loads(r.body) for r in receiver.requests]
    assert sorted(body["type"] for body in sent) == sorted(expected)
    for body in sent:
        assert body["data"]["url"].startswith("http://localhost/api/v1/") and body["data"]["tlp"] == "green"


def test_the_named_events_of_signatures_releases_and_stages():
    assert events.event_for("signature.signed", "agreements")[1] == "agreement.signed"
    assert events.event_for("signature.completed", "agreements")[1] == "agreement.executed"
    assert events.event_for("advisory.released", "advisories")[1] == "advisory.released"
    assert events.event_for("incident_report.stage_submitted", "incident_reports")[1] == "incident_report.stage_submitted"
    assert events.event_for("advisory.acknowledged", "advisories")[1] == "advisory.acknowledged"
    assert events.event_for("advisory.risk_opened", "advisories") is None  # the risk announces itself
    assert events.event_for("attachment.downloaded", "agreements") is None  # a read is no event
    assert events.event_for("user.role_changed", "users") is None  # not a record
    assert events.event_for("agreement.changes_requested", "agreements", "comment: fix §2")[1] == "agreement.commented"


def _user(app, world):
    with app.app_context():
        return db.session.get(User, world["coordinator"])


def _endpoint_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(WebhookEndpoint.id))


def test_a_comment_posted_on_the_page_is_announced_with_nothing_of_an_amber_record(app, receiver):
    """Through the real comment route: the comment's service audits, the hook writes the delivery, the commit
    sends it; the AMBER record's title and the comment's text stay home."""
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        record = factories.agreement(created_by=coordinator, tlp=TLP.AMBER, title="Dam telemetry sharing")
        client = app.test_client(user=coordinator)
        record_id = record.id
    secret = register(client, receiver.url, ["agreement.commented"])
    assert client.post(f"/comments/agreements/{record_id}", data={"body": "Valve 7 is exposed"}).status_code == 302
    (received,) = receiver.requests
    payload = Webhook(secret).verify(received.body, received.headers)
    assert payload["type"] == "agreement.commented"
    assert set(payload["data"]) == {"kind", "id", "reference", "tlp", "url"}
    assert b"Dam telemetry" not in received.body and b"Valve" not in received.body
