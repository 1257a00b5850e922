"""`flask --app wsgi peers pull [--peer ID]` (and `peers add`, to register one without the pages)."""
import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.extensions import db
from app.models import Organization


@click.group("peers")
def peers() -> None:
    """TAXII peers: what other instances share with this one."""


@peers.command("pull")
@click.option("--peer", "peer_id", type=int, default=None, help="Only this peer (its id).")
@with_appcontext
def pull(peer_id: int | None) -> None:
    """Fetch what the peers shared since the last pull, once (the worker does it on a schedule)."""
    from app.federation.pull import pull_all

    done = pull_all(peer_id)
    if peer_id is not None and not done:
        raise click.ClickException(f"No peer {peer_id}.")
    for peer, what in done:
        click.echo(f"peer {peer.id} ({peer.name}): {what}")


def _organization(name: str) -> Organization:
    org = db.session.scalar(sa.select(Organization).where(sa.or_(Organization.name == name,
                                                                 Organization.short_name == name)))
    if org is None:
        raise click.ClickException(f"No organisation {name!r}.")
    return org


@peers.command("add")
@click.option("--name", required=True)
@click.option("--org", "org_name", required=True, help="The organisation that represents the peer here.")
@click.option("--recipient", "recipient_name", default=None, help="The organisation here the peer shares with.")
@click.option("--url", "api_root_url", required=True, help="The peer's TAXII 2.1 API root.")
@click.option("--collection", "collection_id", required=True)
@click.option("--token", envvar="PEER_TOKEN", prompt=True, hide_input=True, help="Or PEER_TOKEN in the environment.")
@with_appcontext
def add(name, org_name, recipient_name, api_root_url, collection_id, token) -> None:
    """Register a peer."""
    from app.federation.peers import PeerInputError
    from app.federation.peers import create_peer

    recipient = _organization(recipient_name) if recipient_name else None
    try:
        peer = create_peer(None, name=name, organization_id=_organization(org_name).id,
                           recipient_organization_id=recipient.id if recipient else None,
                           api_root_url=api_root_url, collection_id=collection_id, token=token)
    except PeerInputError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"peer {peer.id} ({peer.name}) registered")
