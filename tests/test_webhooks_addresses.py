"""SSRF: a webhook never reaches an internal address, whether written as an address, as a name that resolves to
one (checked at registration and again before each send: DNS rebinding), or hidden in IPv6; http:// only
outside production. The sender connects to the address it checked, never to the name resolved again."""
import ipaddress
import socket

import pytest

from app.webhooks import addresses
from app.webhooks import transport
from config import ProductionConfig
from config import TestConfig
from tests.conftest import make_app
from tests.webhook_receiver import Receiver

STRICT = type("StrictWebhooks", (TestConfig,), {"WEBHOOK_ALLOW_PRIVATE": False})
PUBLIC = "93.184.215.14"


@pytest.fixture(scope="module")
def strict_app():
    return make_app(STRICT)


@pytest.fixture
def resolver(monkeypatch):
    """Names resolve to what the test says (no network)."""
    answers: dict[str, list[str]] = {}
    calls: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)  # an address (the sender's connect) is itself
            found = [host]
        except ValueError:
            calls.append(host)
            found = answers.get(host)
        if found is None:
            raise socket.gaierror("unknown name")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in found]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, calls


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://127.1.2.3/hook", "https://[::1]/hook", "https://169.254.169.254/latest/meta-data",
    "https://10.0.0.5/hook", "https://172.16.0.1/", "https://192.168.1.1/", "https://100.64.0.1/", "https://0.0.0.0/",
    "https://[::ffff:127.0.0.1]/hook", "https://[::ffff:169.254.169.254]/", "https://[64:ff9b::a00:1]/",
    "https://[fe80::1]/", "https://[fd00::1]/", "https://224.0.0.1/", "https://[::]/", "https://240.0.0.1/",
])
def test_internal_addresses_are_refused(strict_app, url):
    with strict_app.app_context(), pytest.raises(addresses.AddressRefused, match="internal address"):
        addresses.check(url)


def test_a_name_resolving_to_loopback_is_refused_whatever_else_it_resolves_to(strict_app, resolver):
    answers, _ = resolver
    answers["hooks.example.org"] = [PUBLIC, "127.0.0.1"]
    answers["mapped.example.org"] = ["::ffff:10.0.0.1"]
    with strict_app.app_context():
        for name in ("hooks.example.org", "mapped.example.org"):
            with pytest.raises(addresses.AddressRefused, match="internal address"):
                addresses.check(f"https://{name}/hook")
        answers["hooks.example.org"] = [PUBLIC]
        assert addresses.check("https://hooks.example.org/hook").addresses == (PUBLIC,)


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://hooks.example.org/", "https://"), ("file:///etc/passwd", "https://"),
    ("https://user:pw@hooks.example.org/", "user name"), ("https://hooks.example.org/#x", "fragment"),
    ("https://hooks.example.org:99999/", "port"), ("https://[::1/", "well formed"), ("https://h:x/", "port"), ("https:///nohost", "host"), ("https://nowhere.invalid/", "resolve"),
    ("https://hooks.example.org/a b", "spaces"), ("https://hooks.example.org/café", "ASCII"),
])
def test_malformed_urls_are_refused(strict_app, resolver, url, message):
    resolver[0]["hooks.example.org"] = [PUBLIC]
    with strict_app.app_context(), pytest.raises(addresses.AddressRefused, match=message):
        addresses.check(url)


def test_production_takes_https_only(resolver):
    resolver[0]["hooks.example.org"] = [PUBLIC]
    assert ProductionConfig.WEBHOOK_ALLOW_HTTP is False  # a fixed value: no environment variable turns it on
    app = make_app(type("ProductionLike", (STRICT,), {"WEBHOOK_ALLOW_HTTP": ProductionConfig.WEBHOOK_ALLOW_HTTP}))
    with app.app_context():
        with pytest.raises(addresses.AddressRefused, match="https://"):
            addresses.check("http://hooks.example.org/")
        assert addresses.check("https://hooks.example.org/").scheme == "https"


def test_registration_refuses_an_internal_address_on_the_form(strict_app):
    from app.extensions import db
    from app.models import Role
    from app.models import WebhookEndpoint
    from tests import factories

    with strict_app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        client = strict_app.test_client(user=coordinator)
    response = client.post(
        "/webhooks/new", data={"url": "http://169.254.169.254/latest", "events": ["agreement.created"]})
    assert response.status_code == 200 and "internal address" in response.text
    with strict_app.app_context():
        assert db.session.query(WebhookEndpoint).count() == 0


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(resolver):
    """DNS rebinding: the name is resolved once, by the check; the socket connects to that address."""
    answers, calls = resolver
    receiver = Receiver()
    try:
        app = make_app(TestConfig)  # receivers on 127.0.0.1 allowed
        answers["rebind.example.org"] = ["127.0.0.1"]
        with app.app_context():
            target = addresses.check(f"http://rebind.example.org:{receiver.port}/in?x=1")
        answers["rebind.example.org"] = ["10.9.9.9"]  # the name now points elsewhere: never asked again
        answer = transport.post(target, {"webhook-id": "msg_1"}, b"{}", timeout=5, total=10)
        assert answer.status == 204 and calls == ["rebind.example.org"]
        (request,) = receiver.requests
        assert request.headers["Host"] == f"rebind.example.org:{receiver.port}" and request.path == "/in?x=1"
    finally:
        receiver.stop()


def test_the_send_checks_the_address_again(strict_app, resolver):
    """An endpoint whose name later resolves inside is refused at send time (the attempt fails, nothing sent)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import TLP
    from app.models import Role
    from app.models import WebhookDelivery
    from app.webhooks import delivery
    from app.webhooks import services
    from tests import factories

    answers, _ = resolver
    answers["hooks.example.org"] = [PUBLIC]
    with strict_app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        factories.agreement(created_by=coordinator, tlp=TLP.GREEN)
        endpoint, _secret = services.register_endpoint(coordinator, url="https://hooks.example.org/h",
                                                       description="", events=["agreement.created"])
        answers["hooks.example.org"] = ["127.0.0.1"]
        services.send_test(coordinator, endpoint)
        db.session.commit()  # the immediate send finds the name inside now
        row = db.session.scalars(sa.select(WebhookDelivery)).one()
        assert row.attempts == 1 and row.response_code is None and "internal address" in row.last_error
        assert delivery.DeliveryStatus.PENDING is row.status


def test_a_redirect_is_not_followed_and_a_long_answer_is_read_in_part(app):
    receiver = Receiver()
    try:
        with app.app_context():
            target = addresses.check(receiver.url)
        receiver.status = 307
        assert transport.post(target, {}, b"{}", timeout=5, total=10).status == 307
        assert [r.path for r in receiver.requests] == ["/hooks"]  # nothing went to /hooks/moved
        receiver.status, receiver.answer = 500, b"x" * 5_000_000
        answer = transport.post(target, {}, b"{}", timeout=5, total=10)
        assert answer.status == 500 and len(answer.excerpt) <= transport.SHOWN_ANSWER
    finally:
        receiver.stop()
