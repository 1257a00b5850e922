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
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryAuthor
from app.models import Agreement
from app.models import AgreementKind
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import IncidentReport
from app.models import Organization
from app.models import Peer
from app.models import PeerImport
from app.models import Risk
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


def after(date_column, id_column, rank: int, position: tuple | None):
    """SQL: rows of the stream of `rank` that come after `position` = (date added, stream rank, id) in the
    TAXII order (date added, then stream, then id)."""
    if position is None or position[0] is None:
        return sa.true()
    moment, at_rank, at_id = position
    if at_id is None or rank < at_rank:
        return date_column > moment
    if rank > at_rank:
        return date_column >= moment
    return sa.or_(date_column > moment, sa.and_(date_column == moment, id_column > at_id))


def _no_echo(record_column, organization: Organization):
    """SQL: the record did not arrive from a peer that `organization` represents (nothing goes back)."""
    return ~sa.exists().where(PeerImport.advisory_id == record_column, PeerImport.peer_id == Peer.id,
                              Peer.organization_id == organization.id)


def heads(organization: Organization, collection: Collection, position: tuple | None = None) -> sa.Select:
    """(advisory, date added, restricted?) of what may leave, oldest first (the TAXII paging order)."""
    restricted = restricted_condition(organization, collection)
    added = date_added().label("date_added")
    return (sa.select(Advisory, added, restricted.label("restricted"))
            .where(Advisory.status.in_(HEAD_STATUSES), Advisory.archived_at.is_(None),
                   _no_echo(Advisory.id, organization), sa.or_(restricted, public_condition(collection)),
                   after(date_added(), Advisory.id, ADVISORIES, position))
            .order_by(added, Advisory.id))


def incident_added():
    """SQL: when an incident report reached the version exported (its last change: archiving is one)."""
    return sa.func.coalesce(IncidentReport.updated_at, IncidentReport.created_at)


def incident_heads(organization: Organization, collection: Collection, position: tuple | None = None) -> sa.Select:
    """(incident report, date added, True) of the incident summaries that may leave, oldest first.

    The TLP rule for the organisation (reporter and authority take part), RED never; in an agreement's
    collection only reports whose reporter or authority is a party; in "shared with my organisation" GREEN
    only when the organisation takes part. An archived report leaves (revoked) to whom it would leave."""
    reader = OrganizationReader(organization)
    rule = permissions.tlp_condition(IncidentReport, reader)
    if collection.agreement is not None:
        parties = sa.select(AgreementParty.organization_id).where(AgreementParty.agreement_id == collection.agreement.id)
        narrowed = sa.or_(IncidentReport.owner_organization_id.in_(parties),
                          IncidentReport.authority_organization_id.in_(parties))
    else:
        narrowed = sa.or_(IncidentReport.tlp != TLP.GREEN, IncidentReport.participation_condition([organization.id]))
    added = incident_added().label("date_added")
    return (sa.select(IncidentReport, added, sa.true().label("restricted"))
            .where(IncidentReport.tlp != TLP.RED, rule, narrowed,
                   after(incident_added(), IncidentReport.id, INCIDENTS, position))
            .order_by(added, IncidentReport.id))


def risk_added():
    """SQL: when a risk reached the version exported (its last change: archiving is one)."""
    return sa.func.coalesce(Risk.updated_at, Risk.created_at)


def risk_heads(organization: Organization, collection: Collection, position: tuple | None = None) -> sa.Select:
    """(risk, date added, True) of the risks that may leave on their own, oldest first: the TLP rule for the
    organisation (the owner and the organisations assigned a mitigation take part), RED never; in an
    agreement's collection only a party's risks; in "shared with my organisation" GREEN only where the
    organisation takes part. An archived risk leaves (revoked) to whom it would leave."""
    rule = permissions.tlp_condition(Risk, OrganizationReader(organization))
    if collection.agreement is not None:
        parties = sa.select(AgreementParty.organization_id).where(AgreementParty.agreement_id == collection.agreement.id)
        narrowed = Risk.owner_organization_id.in_(parties)
    else:
        narrowed = sa.or_(Risk.tlp != TLP.GREEN, Risk.participation_condition([organization.id]))
    added = risk_added().label("date_added")
    return (sa.select(Risk, added, sa.true().label("restricted"))
            .where(Risk.tlp != TLP.RED, rule, narrowed, after(risk_added(), Risk.id, RISKS, position))
            .order_by(added, Risk.id))


ADVISORIES, INCIDENTS, RISKS = 0, 1, 2
