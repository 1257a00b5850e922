"""Pulling from peers: the objects a peer's TAXII 2.1 collection added since the last pull, page by page
(taxii2-client), imported as records owned by the peer's organisation (app.federation.imports).

The peer's API root is checked by the webhooks' address rules before each pull, and every request connects to
the address checked (app.webhooks.addresses: no internal address unless PEERS_ALLOW_PRIVATE, https only in
production, no second resolution). The peer's token is decrypted only here. A response larger than MAX_RESPONSE_BYTES is refused before it is
read whole; a pull that fails (network, HTTP error, not TAXII) records why on the peer and changes nothing
else: the next pull starts from the same point.
"""
import logging
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
import sqlalchemy as sa
from flask import current_app
from requests.adapters import HTTPAdapter
from taxii2client.v21 import Collection
from taxii2client.v21 import as_pages

from app import secret_box
from app.extensions import db
from app.federation.imports import ImportResult
from app.federation.imports import import_objects
from app.models import Peer
from app.models import utcnow
from app.webhooks import addresses

log = logging.getLogger(__name__)
TOKEN_BOX = secret_box.SecretBox(salt=b"palisade-peers-v1", info=b"peers.token_encrypted")
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
PAGE_SIZE = 100
MAX_PAGES = 1000


class PullFailed(RuntimeError):
    pass


def encrypt_token(token: str) -> str:
    return TOKEN_BOX.encrypt(token)


def decrypt_token(peer: Peer) -> str | None:
    return TOKEN_BOX.decrypt(peer.token_encrypted)


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _bounded(seen_last: list):
    """A response hook: read at most MAX_RESPONSE_BYTES (before requests reads the body), remember the page's
    X-TAXII-Date-Added-Last."""
    def hook(response, *args, **kwargs):
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            response.close()
            raise PullFailed(f"response larger than {MAX_RESPONSE_BYTES} bytes")
        body = b""
        for chunk in response.raw.stream(64 * 1024, decode_content=True):
            body += chunk
            if len(body) > MAX_RESPONSE_BYTES:
                response.close()
                raise PullFailed(f"response larger than {MAX_RESPONSE_BYTES} bytes")
        response._content = body
        response._content_consumed = True
        if response.ok and response.headers.get("X-TAXII-Date-Added-Last"):
            seen_last.append(response.headers["X-TAXII-Date-Added-Last"][:40])
        return response
    return hook


class _PinnedAdapter(HTTPAdapter):
    """Every request goes to the address checked when the pull began (never to the name resolved again: DNS
    rebinding), with the name as the Host header and the TLS server name; a request to another host (a
    redirect, a `next` elsewhere) is refused."""

    def __init__(self, target: addresses.Target):
        super().__init__(max_retries=0)
        self.target = target

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        if (parts.hostname or "").rstrip(".").lower() != self.target.host.lower() or \
                (parts.port or (443 if parts.scheme == "https" else 80)) != self.target.port:
            raise PullFailed(f"the peer sent us to another host ({parts.hostname}): refused")
        address = self.target.addresses[0]
        netloc = f"[{address}]" if ":" in address else address
        request.url = urlunsplit(parts._replace(netloc=f"{netloc}:{self.target.port}"))
        request.headers["Host"] = parts.netloc
        if parts.scheme == "https":
            self.poolmanager.connection_pool_kw.update(server_hostname=self.target.host,
                                                       assert_hostname=self.target.host)
        return super().send(request, **kwargs)


def _collection(peer: Peer, seen_last: list) -> Collection:
    token = decrypt_token(peer)
    if not token:
        raise PullFailed("the token cannot be decrypted (SECRET_KEY changed?): enter it again")
    try:
        target = addresses.check(peer.api_root_url, "PEERS", "peers")
    except addresses.AddressRefused as error:
        raise PullFailed(str(error)) from None
    url = f"{peer.api_root_url.rstrip('/')}/collections/{peer.collection_id}/"
    collection = Collection(url, auth=_Bearer(token), verify=current_app.config.get("PEERS_VERIFY_TLS", True),
                            collection_info={"id": peer.collection_id, "title": peer.name, "can_read": True,
                                             "can_write": False})
    collection._conn.session.hooks["response"].append(_bounded(seen_last))
    adapter = _PinnedAdapter(target)
    collection._conn.session.mount("https://", adapter)
    collection._conn.session.mount("http://", adapter)
    return collection


def pull(peer: Peer) -> ImportResult:
    """Pull once from `peer` and import; commits each page with the peer's new starting point."""
    total = ImportResult()
    seen_last: list[str] = []
    try:
        collection = _collection(peer, seen_last)
        filters = {"added_after": peer.added_after} if peer.added_after else {}
        for number, envelope in enumerate(as_pages(collection.get_objects, per_request=PAGE_SIZE, **filters)):
            if number >= MAX_PAGES or not isinstance(envelope, dict):
                break
            total.add(import_objects(peer, envelope.get("objects") or []))
            if seen_last:
                peer.added_after = seen_last[-1]
            peer.last_pulled_at, peer.last_result = utcnow(), total.summary()[:500]
            db.session.commit()
    except Exception as error:  # noqa: BLE001  -- a peer's failure is recorded, never raised into the worker
        db.session.rollback()
        peer = db.session.get(Peer, peer.id)
        peer.last_pulled_at = utcnow()
        peer.last_result = f"failed: {type(error).__name__}: {str(error)[:300]}"[:500]
        db.session.commit()
        log.warning("peer %s pull failed: %s", peer.id, peer.last_result)
        raise PullFailed(peer.last_result) from error
    if not seen_last:
        peer.last_pulled_at, peer.last_result = utcnow(), total.summary()[:500]
        db.session.commit()
    return total


def pull_all(peer_id: int | None = None) -> list[tuple[Peer, str]]:
    """Pull from every active peer (or one): [(peer, what happened)]."""
    stmt = sa.select(Peer).where(Peer.active.is_(True)).order_by(Peer.id)
    if peer_id is not None:
        stmt = sa.select(Peer).where(Peer.id == peer_id)
    done = []
    for peer in db.session.scalars(stmt).all():
        try:
            done.append((peer, pull(peer).summary()))
        except PullFailed as error:
            done.append((peer, str(error)))
    return done
