"""A real worker process (`flask --app wsgi worker`, SQLite Huey storage, a file SQLite database) sends webhook
deliveries to a real HTTP receiver: a comment posted on a page reaches the receiver signed so that the
`standardwebhooks` package verifies it; a receiver answering 500 then 204 gets the retry after the backoff
(shortened for the test by WEBHOOK_RETRY_BASE_SECONDS; production waits 30 s, then doubling, for 24 hours)
and the delivery log shows both attempts and their response codes; replay from the log sends the same message
again as a new entry. The web side only writes the outbox row and queues the job after its commit."""
import os
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from app.extensions import db
from app.jobs import huey
from app.models import TLP
from app.models import DeliveryStatus
from app.models import Role
from app.models import WebhookDelivery
from config import TestConfig
from tests import factories
from tests.conftest import USING_POSTGRES
from tests.conftest import make_app
from tests.webhook_receiver import Receiver
from tests.worker_process import worker_process

RETRY_BASE = 1  # seconds before the first retry (production: 30)


def _wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def _rows(app) -> list[tuple]:
    with app.app_context():
        rows = [(r.id, r.status, r.attempts, r.response_code, r.message_id, r.created_at, r.last_attempt_at)
                for r in db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))]
        db.session.remove()
        return rows


@pytest.mark.skipif(USING_POSTGRES, reason="the worker process runs on a SQLite file; the SQLite pass covers it")
def test_the_worker_delivers_retries_after_the_backoff_and_replays(tmp_path):
    receiver = Receiver()
    database = f"sqlite:///{tmp_path / 'hooks.sqlite'}"
    queue_path = str(tmp_path / "huey.sqlite")
    settings = {"SQLALCHEMY_DATABASE_URI": database, "HUEY_IMMEDIATE": False, "HUEY_SQLITE_PATH": queue_path,
                "REDIS_URL": "", "WEBHOOK_RETRY_BASE_SECONDS": RETRY_BASE}
    app = make_app(type("QueuedConfig", (TestConfig,), settings))
    env = {**os.environ, "PALISADE_CONFIG": "development", "DATABASE_URL": database, "HUEY_IMMEDIATE": "0",
           "HUEY_SQLITE_PATH": queue_path, "REDIS_URL": "", "SECRET_KEY": TestConfig.SECRET_KEY,
           "WEBHOOK_ALLOW_PRIVATE": "1", "WEBHOOK_RETRY_BASE_SECONDS": str(RETRY_BASE),
           "PDF_WARM_AT_START": "0", "WORKER_NICENESS": "0"}  # no PDF here: start at once
    try:
        with worker_process(env) as worker:
            with app.app_context():
                coordinator = factories.user(role=Role.COORDINATOR)
                agreement = factories.agreement(created_by=coordinator, tlp=TLP.GREEN, title="Water sharing")
                client = app.test_client(user=coordinator)
                agreement_id = agreement.id
            response = client.post("/webhooks/new", data={"url": receiver.url, "events": ["agreement.commented"]})
            secret = re.search(r'value="(whsec_[^"]+)"', response.text).group(1)
            receiver.first = [500]  # the first attempt fails, the retry succeeds

            assert client.post(f"/comments/agreements/{agreement_id}", data={"body": "Pumps ready"}).status_code == 302
            assert _wait_for(lambda: len(receiver.requests) >= 2), (receiver.requests, _rows(app), huey.pending_count())
            assert worker.poll() is None
            first, retry = receiver.requests
            for received in (first, retry):  # one message, signed per Standard Webhooks, the same on each attempt
                payload = Webhook(secret).verify(received.body, received.headers)
                assert payload["type"] == "agreement.commented" and payload["data"]["id"] == agreement_id
            assert first.headers["webhook-id"] == retry.headers["webhook-id"]
            # The retry comes after its backoff, by a send of its own at its time (not the next minute's run).
            assert RETRY_BASE <= retry.at - first.at < RETRY_BASE + 8
            assert _wait_for(lambda: _rows(app)[0][1] is DeliveryStatus.DELIVERED, 5)
            ((row_id, status, attempts, code, message, created, last),) = _rows(app)
            assert (status, attempts, code) == (DeliveryStatus.DELIVERED, 2, 204)
            assert last - created >= timedelta(seconds=RETRY_BASE)
            endpoint_page = client.get("/webhooks/").text
            endpoint_id = int(re.search(r'/webhooks/(\d+)"', endpoint_page).group(1))
            log = client.get(f"/webhooks/{endpoint_id}").text
            assert "204" in log and re.search(r"<td>2</td>", log)  # response code and attempts in the log

            assert client.post(f"/webhooks/{endpoint_id}/deliveries/{row_id}/replay").status_code == 302
            assert _wait_for(lambda: len(receiver.requests) == 3)
            replayed = receiver.requests[2]
            assert Webhook(secret).verify(replayed.body, replayed.headers)["type"] == "agreement.commented"
            assert replayed.headers["webhook-id"] == message
            assert _wait_for(lambda: len(_rows(app)) == 2 and _rows(app)[1][1] is DeliveryStatus.DELIVERED, 5)
            again = _rows(app)[1]
            assert again[2:5] == (1, 204, message)  # a new entry in the log, its own first attempt
            assert _rows(app)[0][2] == 2  # the original entry keeps its own attempts
    finally:
        print(worker.output)  # shown when the test fails
        receiver.stop()
        make_app()  # back to the immediate queue of the test configuration
        assert huey.immediate
