"""Egress: the TLP rule applied to the organisation that holds a TAXII token (a peer's organisation).

The reader is the organisation itself, never a person, so the rule is app.permissions' TLP condition
evaluated for an organisation (no user id: nothing TLP:RED, which goes to named people only, ever matches),
narrowed by the collection the objects are asked from:

| TLP | leaves for organisation O in collection C |
|---|---|
| CLEAR | freely |
| GREEN | within the community of the collection: in an information-sharing agreement's collection when one of its parties authored it; in "shared with my organisation" when O takes part (author or recipient) |
| AMBER | O or O's parent takes part (O is a client of a participant) |
| AMBER+STRICT | O takes part |
| RED | never |

An information-sharing agreement's collection holds only what one of its parties authored. What arrived from a
peer never goes back to the organisation that represents that peer (no echo). When O may not
read an advisory's restricted edition but the advisory has a public edition, the public one leaves (CLEAR).
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.models import (
    TLP,
    Advisory,
    AdvisoryAuthor,
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Organization,
    Peer,
    PeerImport,
)
from app.permissions import OrganizationReader
from app.stix import instance_namespace
from app.stix.export import HEAD_STATUSES

SHARED = "shared"


@dataclass
class Collection:
    key: str  # SHARED, or the agreement id
    title: str
    description: str
    agreement: Agreement | None = None
    id: str = field(default="")

    def __post_init__(self):
        self.id = str(uuid.uuid5(instance_namespace(), f"collection:{self.key}"))


def collections_for(organization: Organization) -> list[Collection]:
    """"Shared with my organisation", then one per active information-sharing agreement O is a party to."""
    found = [Collection(SHARED, "Shared with my organisation",
                        f"What {organization.name} may read under TLP: advisories it takes part in, and TLP:CLEAR.")]
    agreements = db.session.scalars(
        sa.select(Agreement).join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
        .where(AgreementParty.organization_id == organization.id, Agreement.kind == AgreementKind.INFORMATION_SHARING,
               Agreement.status == AgreementStatus.ACTIVE, Agreement.archived_at.is_(None))
        .order_by(Agreement.id).distinct())
    for agreement in agreements:
        found.append(Collection(str(agreement.id), f"{agreement.reference}: {agreement.title}",
                                "Advisories authored by the parties of this information-sharing agreement.",
                                agreement))
    return found


def collection_by_id(organization: Organization, collection_id: str) -> Collection | None:
    return next((c for c in collections_for(organization) if c.id == collection_id), None)


def date_added():
    """SQL: when the head of an advisory's chain reached its current state (released, or withdrawn)."""
    return sa.func.coalesce(Advisory.status_changed_at, Advisory.released_at, Advisory.created_at)


def _authored_by_parties(agreement: Agreement):
    parties = sa.select(AgreementParty.organization_id).where(AgreementParty.agreement_id == agreement.id)
    return sa.exists().where(AdvisoryAuthor.advisory_id == Advisory.id, AdvisoryAuthor.organization_id.in_(parties))


def restricted_condition(organization: Organization, collection: Collection):
    """SQL: the advisory's restricted edition may leave for `organization` in `collection`."""
    reader = OrganizationReader(organization)
    rule = permissions.tlp_condition(Advisory, reader)
    if collection.agreement is not None:
        narrowed = _authored_by_parties(collection.agreement)
    else:
        narrowed = sa.or_(Advisory.tlp != TLP.GREEN, Advisory.participation_condition([organization.id]))
    return sa.and_(Advisory.tlp != TLP.RED, rule, narrowed)


def public_condition(collection: Collection):
    """SQL: the advisory's public edition (TLP:CLEAR) may leave in `collection`."""
    has_public = Advisory.public_title != ""
    if collection.agreement is not None:
        return sa.and_(has_public, _authored_by_parties(collection.agreement))
    return has_public


def heads(organization: Organization, collection: Collection, added_after: datetime | None = None,
          after_id: int | None = None) -> sa.Select:
    """(advisory, date added, restricted?) of what may leave, oldest first (the TAXII paging order)."""
    restricted = restricted_condition(organization, collection)
    added = date_added().label("date_added")
    echo = sa.exists().where(PeerImport.advisory_id == Advisory.id, PeerImport.peer_id == Peer.id,
                             Peer.organization_id == organization.id)
    stmt = (sa.select(Advisory, added, restricted.label("restricted"))
            .where(Advisory.status.in_(HEAD_STATUSES), Advisory.archived_at.is_(None), ~echo,
                   sa.or_(restricted, public_condition(collection)))
            .order_by(added, Advisory.id))
    if added_after is not None:
        if after_id is None:
            stmt = stmt.where(date_added() > added_after)
        else:
            stmt = stmt.where(sa.or_(date_added() > added_after,
                                     sa.and_(date_added() == added_after, Advisory.id > after_id)))
    return stmt
