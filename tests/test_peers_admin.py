"""Peers (admin): registering one keeps its token encrypted at rest; only admins reach the pages; a pull that
fails (nothing answers, not TAXII, a huge answer) is recorded on the peer and shown, never an error page;
`flask peers pull` does it once."""
import sqlalchemy as sa

from app.extensions import db
from app.federation.peers import create_peer
from app.federation.pull import decrypt_token
from app.federation.pull import pull_all
from app.models import AuditEvent
from app.models import Peer
from app.models import Role
from tests import factories as f


def _form(org, **overrides):
    data = {"name": "Nordic centre", "organization_id": str(org.id), "recipient_organization_id": "",
            "api_root_url": "http://127.0.0.1:9/taxii2/api/", "collection_id": "abc-123", "token": "s3cret-peer-token"}
    return {**data, **overrides}


def test_an_admin_registers_a_peer_and_the_token_is_stored_encrypted(app, client_as):
    with app.app_context():
        org = f.organization(name="Nordic centre")
        admin = f.user(role=Role.ADMIN, organization=org)
        coordinator = f.user(role=Role.COORDINATOR, organization=org)
        form = _form(org)
        client, other = client_as(admin), client_as(coordinator)
    assert other.get("/peers/").status_code == 403
    assert other.post("/peers/new", data=form).status_code == 403
    assert client.post("/peers/new", data={**form, "api_root_url": "file:///etc/passwd"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Peer)) == 0
    assert client.post("/peers/new", data=form).status_code == 302
    with app.app_context():
        peer = db.session.scalar(sa.select(Peer))
        assert "s3cret-peer-token" not in peer.token_encrypted and decrypt_token(peer) == "s3cret-peer-token"
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_type == "peers")) == "peer.created"
        peer_id = peer.id
    page = client.get("/peers/").get_data(as_text=True)
    assert "Nordic centre" in page and "s3cret-peer-token" not in page and "never" in page
    pulled = client.post(f"/peers/{peer_id}/pull", follow_redirects=True)
    assert pulled.status_code == 200 and "failed" in pulled.get_data(as_text=True)
    client.post(f"/peers/{peer_id}/pause")
    with app.app_context():
        peer = db.session.get(Peer, peer_id)
        assert peer.last_result.startswith("failed:") and peer.added_after == ""
        assert not peer.active and pull_all() == []


def test_a_peer_that_answers_garbage_or_too_much_is_recorded_not_raised(app, live_app, runner):
    from app.federation import pull as pulling

    with live_app.app.app_context():
        org = f.organization(name="Broken peer")
        # the login page is HTML, not TAXII; the healthz answer is JSON of the wrong kind
        for url in (f"{live_app.url}/auth/", f"{live_app.url}/healthz/../"):
            create_peer(None, name=url, organization_id=org.id, api_root_url=url, collection_id="x", token="t")
        db.session.commit()
        done = pull_all()
        assert len(done) == 2 and all(what.startswith("failed:") for _peer, what in done)
        original = pulling.MAX_RESPONSE_BYTES
        pulling.MAX_RESPONSE_BYTES = 10
        try:
            big = create_peer(None, name="big", organization_id=org.id, api_root_url=f"{live_app.url}/auth/",
                              collection_id="login", token="t")
            db.session.commit()
            assert "larger than" in pull_all(big.id)[0][1]
        finally:
            pulling.MAX_RESPONSE_BYTES = original


def test_the_cli_pulls_once_and_names_an_unknown_peer(app, runner):
    result = runner.invoke(args=["peers", "pull", "--peer", "999"])
    assert result.exit_code != 0 and "No peer 999" in result.output
    with app.app_context():
        org = f.organization(name="Quiet peer")
        create_peer(None, name="Quiet", organization_id=org.id, api_root_url="http://127.0.0.1:9/taxii2/api/",
                    collection_id="x", token="t")
        db.session.commit()
    result = runner.invoke(args=["peers", "pull"])
    assert result.exit_code == 0 and "(Quiet): failed:" in result.output


def test_the_worker_pulls_on_a_schedule():
    from app.jobs import huey

    assert any("pull_peers" in str(task) for task in huey._registry._periodic_tasks)
