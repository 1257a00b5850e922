"""Peer use cases (admin pages, the command line): register one, pause or resume it. Audited in the same
transaction."""
from app import audit
from app import permissions
from app import records
from app.extensions import db
from app.federation.pull import encrypt_token
from app.models import Peer
from app.models import User
from app.webhooks import addresses

KIND = "peer"


class PeerInputError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_url(url: str) -> None:
    """The webhooks' address rules for a peer's API root (https in production; every address the name resolves
    to public unless PEERS_ALLOW_PRIVATE): PeerInputError when refused. The pull checks again and connects to
    the address it checked (app.federation.pull)."""
    try:
        addresses.check(url, "PEERS", "peers")
    except addresses.AddressRefused as error:
        raise PeerInputError("api_root_url", str(error)) from None


def create_peer(actor: User | None, *, token: str, **fields) -> Peer:
    if actor is not None:
        permissions.authorize(permissions.is_admin(actor))
    check_url(fields.get("api_root_url", ""))
    if fields.get("recipient_organization_id") == fields.get("organization_id"):
        fields["recipient_organization_id"] = None
    peer = Peer(**fields, token_encrypted=encrypt_token(token.strip()))
    db.session.add(peer)
    db.session.flush()
    audit.record(actor, f"{KIND}.created", peer, summary=f"{peer.name}: {peer.api_root_url} {peer.collection_id}")
    return peer


def update_peer(actor: User, peer: Peer, *, expected_version: int | None, token: str = "", **fields) -> dict:
    """Change what the form shows (the URL checked again when it changed); a non-blank token replaces the
    stored one. Returns the changes (empty: nothing written)."""
    permissions.authorize(permissions.is_admin(actor))
    if fields.get("api_root_url", peer.api_root_url) != peer.api_root_url:
        check_url(fields["api_root_url"])
    if fields.get("recipient_organization_id") == fields.get("organization_id", peer.organization_id):
        fields["recipient_organization_id"] = None
    changes = records.apply_changes(actor, peer, fields, expected_version=expected_version, action=f"{KIND}.updated")
    if (token or "").strip():
        peer.token_encrypted = encrypt_token(token.strip())
        db.session.flush()
        audit.record(actor, f"{KIND}.token_replaced", peer, summary=peer.name)
        changes = {**changes, "token": ("…", "…")}
    return changes


def set_active(actor: User, peer: Peer, active: bool) -> None:
    permissions.authorize(permissions.is_admin(actor))
    if peer.active == active:
        return
    peer.active = active
    db.session.flush()
    audit.record(actor, f"{KIND}.{'resumed' if active else 'paused'}", peer, summary=peer.name)

