"""Links that cannot be redirected and tokens nobody else reads (issue 22): PUBLIC_BASE_URL decides every link
that leaves the app; the outbox never shows a live link; a password change retires outstanding links; the
forgot-password request does the same work for known and unknown addresses."""
import re
import statistics
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AccountToken
from app.models import AuditEvent
from app.models import OutboxEmail
from app.models import Role
from app.models import TokenPurpose
from app.models import User
from config import ProductionConfig
from config import TestConfig
from tests import factories
from tests.conftest import make_app
from tests.test_backup import ROOT

PUBLIC = "https://palisade.example.gov"
ATTACKER = "attacker.example"


def _outbox(app, to: str) -> list[OutboxEmail]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == to)
                                       .order_by(OutboxEmail.id)))


def _forgot(client, email: str, **kwargs):
    return client.post("/auth/forgot-password", data={"email": email}, **kwargs)


# --- Host header ---------------------------------------------------------------------------------


def test_a_forged_host_never_decides_a_mailed_link(app):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    with app.app_context():
        factories.user(email="victim@example.org")
    _forgot(app.test_client(), "victim@example.org", base_url=f"http://{ATTACKER}")
    body = _outbox(app, "victim@example.org")[-1].body
    assert f"{PUBLIC}/auth/set-password?token=" in body and ATTACKER not in body


def test_a_forged_x_forwarded_host_behind_the_proxy_never_decides_a_mailed_link():
    config = type("Proxied", (TestConfig,), {"PROXY_FIX_HOPS": 1, "PUBLIC_BASE_URL": PUBLIC})
    app = make_app(config)
    with app.app_context():
        factories.user(email="victim@example.org")
    _forgot(app.test_client(), "victim@example.org",
            headers={"X-Forwarded-Host": ATTACKER, "X-Forwarded-Proto": "http"})
    body = _outbox(app, "victim@example.org")[-1].body
    assert f"{PUBLIC}/auth/set-password?token=" in body and ATTACKER not in body


def test_list_unsubscribe_and_calendar_links_use_the_public_address(app, client_as):
    from datetime import timedelta

    from app.calendar.services import feed_bytes
    from app.models import today
    from app.notifications.delivery import build_message
    from app.notifications.mail import external_url

    app.config["PUBLIC_BASE_URL"] = PUBLIC
    with app.app_context():
        user = factories.user(email="reader@example.org")
        user.get_id()
        row = OutboxEmail(recipient="reader@example.org", subject="Hello", body="Body", attempts=0)
        db.session.add(row)
        db.session.commit()
        user.get_id()
        with app.test_request_context("/", base_url=f"http://{ATTACKER}",
                                      headers={"X-Forwarded-Host": ATTACKER}):
            header = build_message(db.session.get(OutboxEmail, row.id))["List-Unsubscribe"]
            feed_url = external_url("calendar.feed", token="t" * 43)
            risk = factories.risk(tlp=TLP.GREEN, next_review_date=today() + timedelta(days=3))
            owner = db.session.get(User, risk.created_by_id)
            feed = feed_bytes(owner).decode()
    assert header == f"<{PUBLIC}/notifications/preferences>"
    assert feed_url == f"{PUBLIC}/calendar/{'t' * 43}.ics"
    assert f"{PUBLIC}/risks/" in feed.replace("\r\n ", "") and ATTACKER not in feed


def test_worker_and_cli_mail_point_to_the_public_site(app):
    """Outside a request (the worker, `flask notifications …`) links are the same PUBLIC_BASE_URL links."""
    from app.auth import links

    app.config["PUBLIC_BASE_URL"] = PUBLIC + "/"
    with app.app_context():
        factories.user(email="someone@example.org")
        links.mail_reset_link("someone@example.org")
        db.session.commit()
    body = _outbox(app, "someone@example.org")[-1].body
    assert f"{PUBLIC}/auth/set-password?token=" in body and "localhost" not in body


@pytest.mark.parametrize("overrides, message", [
    ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
    ({"PUBLIC_BASE_URL": "http://palisade.example.gov"}, "PUBLIC_BASE_URL"),
    ({"PUBLIC_BASE_URL": "palisade.example.gov"}, "PUBLIC_BASE_URL"),
    ({"PUBLIC_BASE_URL": PUBLIC, "TRUSTED_HOSTS": None}, "TRUSTED_HOSTS"),
    ({"PUBLIC_BASE_URL": PUBLIC, "TRUSTED_HOSTS": []}, "TRUSTED_HOSTS"),
    ({"PUBLIC_BASE_URL": PUBLIC, "TRUSTED_HOSTS": ["other.example.gov"]}, "TRUSTED_HOSTS"),
])
def test_production_refuses_to_start_without_its_public_address_and_trusted_hosts(overrides, message):
    config = type("Prod", (ProductionConfig,), {"SECRET_KEY": "k" * 16 + "a real random production key",
                                                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
                                                "TRUSTED_HOSTS": ["palisade.example.gov"], **overrides})
    with pytest.raises(RuntimeError, match=message):
        make_app(config)
    ok = type("Prod", (config,), {"PUBLIC_BASE_URL": PUBLIC, "TRUSTED_HOSTS": ["palisade.example.gov"]})
    assert make_app(ok).config["PUBLIC_BASE_URL"] == PUBLIC


# --- The outbox and admin-sent links -------------------------------------------------------------


def _admin_and_member(app):
    with app.app_context():
        org = factories.organization()
        admin = factories.user(role=Role.ADMIN, organization=org, email="admin@example.org")
        member = factories.user(role=Role.MEMBER, organization=org, email="member@example.org")
        admin.get_id(), member.get_id()  # loaded before the context closes
        return admin, member, member.id


def test_the_outbox_never_shows_a_live_link(app, client_as):
    admin, member, member_id = _admin_and_member(app)
    assert client_as(admin).post(f"/users/{member_id}/invite").status_code == 302
    _forgot(app.test_client(), "member@example.org")
    with app.app_context():
        db.session.add(OutboxEmail(recipient="member@example.org", subject="Task due", attempts=0,
                                   body="Task WG-1 task #3 is due. http://localhost/tasks/3"))
        db.session.commit()
    rows = _outbox(app, "member@example.org")
    tokens = [m.group(1) for row in rows for m in re.finditer(r"token=([A-Za-z0-9_-]+)", row.body)]
    assert len(tokens) == 2, "an invitation and a reset link were queued"
    page = client_as(admin).get("/notifications/outbox").get_data(as_text=True)
    for token in tokens:
        assert token not in page and token[:12] not in page
    assert "Your Palisade account: choose a password" in page and "Reset your Palisade password" in page
    assert "member@example.org" in page
    assert "http://localhost/tasks/3" in page, "a message without a token is still shown"


def test_inviting_another_user_needs_a_fresh_login_and_is_the_admins_audited_action(app):
    admin, member, member_id = _admin_and_member(app)
    stale = app.test_client(user=admin)
    with stale.session_transaction() as session:
        session["fresh_at"] -= 11 * 60
    answer = stale.post(f"/users/{member_id}/invite")
    assert answer.status_code == 302 and "/auth/reauthenticate" in answer.headers["Location"]
    assert _outbox(app, "member@example.org") == []
    assert app.test_client(user=admin).post(f"/users/{member_id}/invite").status_code == 302
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.invitation_sent")).one()
        assert event.actor_id == admin.id and event.object_id == member_id


# --- Links retired by a password change ----------------------------------------------------------


def test_a_password_change_retires_outstanding_links(app, client_as):
    with app.app_context():
        user = factories.user(email="changer@example.org")
        user.get_id()
    _forgot(app.test_client(), "changer@example.org")
    link = re.search(r"http://localhost(/auth/set-password\?token=\S+)", _outbox(app, "changer@example.org")[-1].body)
    new = "an entirely different passphrase here"
    changed = client_as(user).post("/auth/account/password", data={
        "current_password": factories.PASSWORD, "new_password": new, "confirm": new})
    assert changed.status_code == 302
    stranger = app.test_client()
    stranger.get(link.group(1))
    page = stranger.get("/auth/set-password")
    assert b'name="new_password"' not in page.data, "the reset link no longer works"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)
                                 .where(AccountToken.used_at.is_(None))) == 0


def test_setting_a_password_through_a_link_still_works(app):
    """The link being used is spent first; the password change then retires the others."""
    from app.auth import links

    with app.app_context():
        user = factories.user(email="linked@example.org")
        token = links.issue(user, TokenPurpose.PASSWORD_RESET)
        db.session.commit()
    client = app.test_client()
    client.get(f"/auth/set-password?token={token}")
    new = "a passphrase chosen through the link"
    answer = client.post("/auth/set-password", data={"new_password": new, "confirm": new})
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "linked@example.org")).password_changed_at


# --- Forgot-password: the same work either way ---------------------------------------------------


def _statements(app, email: str) -> list[str]:
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(re.sub(r"\s+", " ", statement))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        _forgot(app.test_client(), email)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(tmp_path):
    config = type("Queued", (TestConfig,), {"HUEY_IMMEDIATE": False, "HUEY_SQLITE_PATH": str(tmp_path / "q.sqlite"),
                                            "PASSWORD_RESET_LIMIT_PER_HOUR": 1000})
    app = make_app(config)
    try:
        with app.app_context():
            factories.user(email="known@example.org")
        _statements(app, "warm@example.org")
        known, unknown = _statements(app, "known@example.org"), _statements(app, "nobody@example.org")
        assert known == unknown, "the request runs the same statements whether or not the account exists"
        from app.jobs import huey

        assert huey.pending_count() == 3, "each request queued the same job"
        # The work the request does, in this process's CPU time: a busy machine stretches wall-clock time by
        # tens of milliseconds either way, which would hide (or invent) a difference.
        timings = {"known@example.org": [], "nobody@example.org": []}
        for _ in range(15):
            for email, samples in timings.items():
                started = time.process_time()
                _forgot(app.test_client(), email)
                samples.append(time.process_time() - started)
        known_ms, unknown_ms = (statistics.median(v) * 1000 for v in timings.values())
        assert abs(known_ms - unknown_ms) < 5, (known_ms, unknown_ms)
        while huey.pending_count():  # what the worker does: only the known address gets a mail
            huey.execute(huey.dequeue())
        with app.app_context():
            recipients = set(db.session.scalars(sa.select(OutboxEmail.recipient)))
        assert recipients == {"known@example.org"}
    finally:
        make_app()


# --- Mitigations carry their risk's label ---------------------------------------------------------


@pytest.mark.parametrize("tlp", [TLP.CLEAR, TLP.GREEN, TLP.AMBER])
def test_mitigations_carry_their_risks_tlp_in_mail_and_calendar(app, tlp):
    from datetime import timedelta

    from app.calendar.services import feed_bytes
    from app.models import Notification
    from app.models import NotificationKind
    from app.models import today
    from app.notifications.messages import notification_email

    with app.app_context():
        org = factories.organization()
        owner = factories.user(role=Role.COORDINATOR, organization=org)
        assignee = factories.user(role=Role.MEMBER, organization=org)
        risk = factories.risk(created_by=owner, tlp=tlp)
        mitigation = factories.mitigation(risk=risk, assigned_organization=org, assigned_user=assignee,
                                          title="Raise the flood wall", due_date=today() + timedelta(days=5))
        notification = Notification(user_id=assignee.id, kind=NotificationKind.ASSIGNMENT,
                                    object_type="mitigations", object_id=mitigation.id, summary="Assigned to you")
        subject, text, _html = notification_email(notification, mitigation, assignee)
        feed = feed_bytes(assignee).decode()
    assert tlp.label in text and "TLP:RED" not in text
    assert f"({tlp.label})" in feed and "TLP:RED" not in feed
    assert ("Raise the flood wall" in subject) == (tlp in (TLP.CLEAR, TLP.GREEN))


# --- Tokens never reach a log line ----------------------------------------------------------------


def test_gunicorns_access_and_error_logs_never_hold_a_token(tmp_path):
    """The access log line of a reset link or a calendar feed, as gunicorn.conf.py's logger writes it."""
    import datetime as dt
    import types

    from gunicorn.config import Config as GunicornConfig

    from app.logs import RedactingGunicornLogger

    conf = (ROOT / "gunicorn.conf.py").read_text()
    assert 'logger_class = "app.logs.RedactingGunicornLogger"' in conf
    config = GunicornConfig()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = RedactingGunicornLogger(config)
    token, feed = "Zq3-secret_reset_TOKEN_abcdefghijklmnop", "F33d-calendar_TOKEN_abcdefghijklmnopqrstu"
    response = types.SimpleNamespace(status="200 OK", sent=10, headers=[])
    for path, query in (("/auth/set-password", f"token={token}"), (f"/calendar/{feed}.ics", "")):
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{path}?{query}" if query else path, "PATH_INFO": path,
                   "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.5",
                   "HTTP_REFERER": f"https://palisade.example.gov{path}?{query}"}
        logger.access(response, types.SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=3))
    logger.error("Error handling request /auth/set-password?token=%s", token)
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    written = (tmp_path / "access.log").read_text() + (tmp_path / "error.log").read_text()
    assert "set-password?token=[redacted]" in written and "/calendar/[redacted].ics" in written
    assert token not in written and feed not in written


def test_app_log_lines_never_hold_a_calendar_address_or_a_token(app, caplog):
    import logging

    from app.logs import SafeFormatter

    record = logging.LogRecord("app", logging.WARNING, __file__, 1, "fetch %s then %s", (
        "/calendar/AbCdEf0123456789abcdef_-xyz.ics", "/auth/set-password?token=abc_DEF-123"), None)
    line = SafeFormatter("%(message)s").format(record)
    assert "AbCdEf0123456789abcdef_-xyz" not in line and "abc_DEF-123" not in line


# --- Mail over TLS verifies the server ------------------------------------------------------------


def _self_signed(tmp_path):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_mail_over_tls_refuses_an_unverified_server_and_delivers_to_a_verified_one(app, tmp_path, monkeypatch,
                                                                                     mode):
    import ssl

    from aiosmtpd.controller import Controller

    from app.notifications import delivery
    from app.notifications.mail import queue_email
    from tests.mail_server import Inbox
    from tests.mail_server import _free_port

    cert, key = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox = Inbox()
    if mode == "starttls":
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), tls_context=server_context,
                                require_starttls=True)
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), ssl_context=server_context)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=mode == "starttls",
                          MAIL_USE_SSL=mode == "smtps", MAIL_USERNAME="", MAIL_DEFAULT_SENDER="palisade@example.org")
        with app.app_context():
            queue_email("ops@example.org", "Over TLS", "Hello")
            db.session.commit()  # the delivery job runs at once (immediate jobs) and is refused
            delivery.deliver_due()
            row = db.session.scalars(sa.select(OutboxEmail)).one()
            assert row.status.value == "pending" and row.attempts == 1 and inbox.messages == []
            assert "CERTIFICATE_VERIFY_FAILED" in row.last_error or "certificate verify failed" in row.last_error
            trusted = ssl.create_default_context(cafile=str(cert))  # the same checks, our CA trusted
            monkeypatch.setattr(delivery, "tls_context", lambda: trusted)
            row.next_attempt_at = row.created_at
            db.session.commit()
            assert delivery.deliver_due()["sent"] == 1
        assert [m["Subject"] for m in inbox.messages] == ["Over TLS"]
    finally:
        controller.stop()


def test_a_signers_forged_forwarded_host_never_reaches_the_sealed_executed_pdf():
    """Behind the proxy (one trusted hop), each signer sends X-Forwarded-Host: the executed document's
    "check this file at …/verify" line still names PUBLIC_BASE_URL."""
    from tests import signing_helpers as helpers

    app = make_app(type("Proxied", (TestConfig,), {"PROXY_FIX_HOPS": 1, "PUBLIC_BASE_URL": PUBLIC}))
    world = helpers.approved_world(app)
    assert helpers.issue(app, world).status_code in (302, 303)
    for signer in (world.lead_signer, world.partner_signer):
        answer = app.test_client(user=signer).post(
            f"/agreements/{world.agreement_id}/sign",
            data={"typed_name": signer.name, "password": factories.PASSWORD, "consent": "y"},
            headers={"X-Forwarded-Host": f"verify-palisade.{ATTACKER}", "X-Forwarded-Proto": "http"})
        assert answer.status_code == 302
    executed = helpers.document_bytes(app, world.agreement_id, "agreement_executed")
    text = helpers.pdf_text(executed).replace("\n", "")
    assert f"{PUBLIC}/verify" in text and ATTACKER not in text
