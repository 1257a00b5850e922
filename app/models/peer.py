"""Peers: other TAXII 2.1 servers (another Palisade, or any TAXII server) this instance pulls from
(DESIGN.md, "Exchange and federation"). A peer is represented here by one partner organisation: what it
shares is imported as records owned by that organisation, under the TLP it was marked with.

`peer_imports` remembers each imported STIX object by its id (deduplication), the `modified` time of the
version held (a newer one supersedes it), the local record it became and the authoring identities it named.
"""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import TimestampMixin
from app.models._common import utcnow


class Peer(TimestampMixin, db.Model):
    __tablename__ = "peers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # The partner organisation that represents the peer: the owner of what is imported from it.
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    # The organisation of this instance the peer shares with (the recipient of what arrives), if any.
    recipient_organization_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organizations.id"))
    api_root_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    collection_id: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_encrypted: so.Mapped[str] = so.mapped_column(sa.Text)
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    last_pulled_at: so.Mapped[datetime | None]
    # The peer's X-TAXII-Date-Added-Last of the last page imported: the next pull asks for what came after.
    added_after: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    last_result: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    version: so.Mapped[int] = so.mapped_column(default=1)

    organization: so.Mapped["Organization"] = so.relationship(foreign_keys=[organization_id])  # noqa: F821
    recipient_organization: so.Mapped["Organization | None"] = so.relationship(  # noqa: F821
        foreign_keys=[recipient_organization_id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Peer {self.id} {self.name!r}>"


class PeerImport(db.Model):
    __tablename__ = "peer_imports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    peer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("peers.id"), index=True)
    stix_id: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    modified: so.Mapped[datetime]
    advisory_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("advisories.id"), index=True)
    # The identities (authoring organisations) the object named: [{"id": ..., "name": ...}].
    authors: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    created_by_ref: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    created: so.Mapped[datetime]
    revoked: so.Mapped[bool] = so.mapped_column(default=False)
    imported_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    peer: so.Mapped[Peer] = so.relationship()
    advisory: so.Mapped["Advisory"] = so.relationship()  # noqa: F821
