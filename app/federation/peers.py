"""Peer use cases (admin pages, the command line): register one, pause or resume it. Audited in the same
transaction."""
from app import audit, permissions
from app.extensions import db
from app.federation.pull import encrypt_token
from app.models import Peer, User

KIND = "peer"


def create_peer(actor: User | None, *, token: str, **fields) -> Peer:
    if actor is not None:
        permissions.authorize(permissions.is_admin(actor))
    if fields.get("recipient_organization_id") == fields.get("organization_id"):
        fields["recipient_organization_id"] = None
    peer = Peer(**fields, token_encrypted=encrypt_token(token.strip()))
    db.session.add(peer)
    db.session.flush()
    audit.record(actor, f"{KIND}.created", peer, summary=f"{peer.name}: {peer.api_root_url} {peer.collection_id}")
    return peer


def set_active(actor: User, peer: Peer, active: bool) -> None:
    permissions.authorize(permissions.is_admin(actor))
    if peer.active == active:
        return
    peer.active = active
    db.session.flush()
    audit.record(actor, f"{KIND}.{'resumed' if active else 'paused'}", peer, summary=peer.name)

