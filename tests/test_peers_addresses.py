"""A peer's API root obeys the webhooks' address rules (app/webhooks/addresses.py) with PEERS_ALLOW_PRIVATE off:
loopback, link-local (cloud metadata), private and a name that resolves to a private address are refused when
the peer is registered (page and command line) and again when it is pulled (a name that answered a public
address at registration and a private one later: DNS rebinding), and nothing is connected to."""
import socket

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.federation.peers import PeerInputError
from app.federation.peers import create_peer
from app.federation.pull import pull_all
from app.models import Peer
from app.models import Role
from tests import factories as f

REFUSED = {
    "http://127.0.0.1:8080/taxii2/api/": "internal address",
    "http://[::1]/taxii2/api/": "internal address",
    "http://169.254.169.254/latest/": "internal address",
    "http://10.1.2.3/taxii2/api/": "internal address",
    "http://192.168.0.7/taxii2/api/": "internal address",
    "http://[::ffff:127.0.0.1]/taxii2/api/": "internal address",
    "http://intranet.peer.test/taxii2/api/": "resolves to 10.0.0.5",
    "ftp://93.184.216.34/": "https://",
}


@pytest.fixture
def closed(app, monkeypatch):
    """Private addresses refused; intranet.peer.test resolves to 10.0.0.5, partner.peer.test to a public
    address; every connection attempt is recorded (and fails)."""
    app.config["PEERS_ALLOW_PRIVATE"] = False
    answers = {"intranet.peer.test": "10.0.0.5", "partner.peer.test": "93.184.216.34"}
    connected = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers.values():  # the HTTP client connecting to an address: recorded, then refused
            connected.append((host, port))
            raise OSError("no network in tests")
        if host not in answers:
            raise socket.gaierror("unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return answers, connected


def test_internal_addresses_are_refused_on_the_page_and_on_the_command_line(app, closed, runner):
    _answers, connected = closed
    with app.app_context():
        org = f.organization(name="Nordic centre")
        admin = f.user(role=Role.ADMIN, organization=org)
        org_id = admin.organization_id
        admin.get_id()
    client = app.test_client(user=admin)
    form = {"name": "Nordic centre", "organization_id": str(org_id), "recipient_organization_id": "",
            "collection_id": "abc", "token": "t0ken"}
    for url, message in REFUSED.items():
        answer = client.post("/peers/new", data={**form, "api_root_url": url})
        assert answer.status_code == 400 and message in answer.get_data(as_text=True), url
        result = runner.invoke(args=["peers", "add", "--name", "x", "--org", "Nordic centre", "--url", url,
                                     "--collection", "c", "--token", "t"])
        assert result.exit_code != 0 and message in result.output, url
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Peer.id))) == 0
    assert connected == []
    assert client.post("/peers/new", data={**form, "api_root_url": "http://partner.peer.test/taxii2/api/"}
                       ).status_code == 302


def test_a_name_that_later_resolves_to_an_internal_address_is_refused_at_the_pull(app, closed):
    answers, connected = closed
    with app.app_context():
        org = f.organization(name="Rebinding peer")
        peer = create_peer(None, name="rebinding", organization_id=org.id, collection_id="c", token="t",
                           api_root_url="http://partner.peer.test/taxii2/api/")
        db.session.commit()
        [(_peer, what)] = pull_all(peer.id)
        assert connected == [("93.184.216.34", 80)]  # the checked address, never the name
        answers["partner.peer.test"] = "127.0.0.1"
        [(_peer, what)] = pull_all(peer.id)
        assert "resolves to 127.0.0.1, an internal address" in what and what.startswith("failed")
        assert connected == [("93.184.216.34", 80)]
        with pytest.raises(PeerInputError):
            create_peer(None, name="again", organization_id=org.id, collection_id="c", token="t",
                        api_root_url="http://partner.peer.test/taxii2/api/")


def test_production_wants_https(app, closed):
    app.config["PEERS_ALLOW_HTTP"] = False
    with app.app_context(), pytest.raises(PeerInputError, match="https"):
        create_peer(None, name="plain", organization_id=f.organization().id, collection_id="c", token="t",
                    api_root_url="http://partner.peer.test/taxii2/api/")
