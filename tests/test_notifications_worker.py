"""A real worker process (`flask --app wsgi worker`, SQLite Huey storage) delivers queued mail to a
real SMTP server: the web side only writes the outbox row and queues the job after commit."""
import os
import time

import sqlalchemy as sa

from app.extensions import db
from app.jobs import huey
from app.models import OutboxEmail
from app.models import OutboxStatus
from app.notifications.mail import queue_email
from config import TestConfig
from tests.conftest import make_app
from tests.smtp_server import SMTPServer
from tests.worker_process import worker_process


def test_worker_process_delivers_the_outbox(tmp_path):
    smtp = SMTPServer().start()
    database = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    queue_path = str(tmp_path / "huey.sqlite")
    settings = {"SQLALCHEMY_DATABASE_URI": database, "HUEY_IMMEDIATE": False, "HUEY_SQLITE_PATH": queue_path,
                "REDIS_URL": "", **smtp.config()}
    app = make_app(type("QueuedConfig", (TestConfig,), settings))
    env = {**os.environ, "PALISADE_CONFIG": "development", "DATABASE_URL": database, "HUEY_IMMEDIATE": "0",
           "HUEY_SQLITE_PATH": queue_path, "REDIS_URL": "", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp.port), "MAIL_DEFAULT_SENDER": "palisade@example.org"}
    try:
        with worker_process(env) as worker:
            with app.app_context():
                queue_email("ops@example.org", "Queued for the worker", "Delivered by the worker process.")
                db.session.commit()  # queues the delivery job in the SQLite queue; nothing is sent here
                assert smtp.messages == []
            deadline = time.monotonic() + 60
            while not smtp.messages and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.2)
            assert worker.poll() is None, worker.stdout.read()
            (message,) = smtp.messages
            assert message["Subject"] == "Queued for the worker" and message["To"] == "ops@example.org"
            # The worker marks the row sent in its own transaction just after the SMTP server has the message.
            deadline = time.monotonic() + 20
            while True:
                with app.app_context():
                    row = db.session.scalars(sa.select(OutboxEmail)).one()
                    status, attempts = row.status, row.attempts
                    db.session.remove()
                if status is not OutboxStatus.PENDING or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert status is OutboxStatus.SENT and attempts == 1
    finally:
        smtp.stop()
        make_app()  # back to the immediate queue of the test configuration
        assert huey.immediate
