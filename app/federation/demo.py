"""Two Palisade instances that share under TLP: a national programme and a Nordic centre.

`make federation-demo` (bench/federation_demo.py) starts both, each with its own SQLite database, on two
ports; peers them both ways (each side has an organisation that represents the other, an information-sharing
agreement with it and an API token for it); releases an advisory and registers a risk at every TLP on each
side; pulls once on each side; and prints what arrived where. tests/test_federation_two_instances.py runs the same steps.
Development only: its own configuration (the development one), databases in a new temporary folder.
"""
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import Agreement
from app.models import AgreementKind
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import Organization
from app.models import OrganizationKind
from app.models import PeerImport
from app.models import Role
from app.models import Sector
from app.models import User
from app.models import today
from app.models import utcnow

SIDES = {"national": ("National programme", "NATL", "DE"), "nordic": ("Nordic centre", "NORD", "SE")}
PASSWORD = "federation demo password"
# (title, TLP, who it is addressed to: "peer" = the other side's organisation here, "operator" = a local one)
RELEASES = [
    ("CLEAR: public guidance on relay firmware", TLP.CLEAR, None),
    ("GREEN: community alert on phishing of grid operators", TLP.GREEN, None),
    ("AMBER: indicators for the partner centre", TLP.AMBER, "peer"),
    ("AMBER: indicators for national operators only", TLP.AMBER, "operator"),
    ("AMBER+STRICT: incident summary for the partner centre", TLP.AMBER_STRICT, "peer"),
    ("AMBER+STRICT: operator's outage, operator only", TLP.AMBER_STRICT, "operator"),
]


# (title, TLP, the authority it is reported to: "own" = this side's programme, "peer" = the partner centre)
INCIDENTS = [
    ("AMBER: substation outage reported at home", TLP.AMBER, "own"),
    ("AMBER+STRICT: control-room intrusion reported at home", TLP.AMBER_STRICT, "own"),
    ("AMBER+STRICT: cross-border outage reported to the partner centre", TLP.AMBER_STRICT, "peer"),
]


# Risks shared on their own (each leaves as a STIX `vulnerability`): (title, TLP, the organisation assigned a
# mitigation: "peer" makes the other side's organisation a participant, "operator" a local one)
RISKS = [
    ("CLEAR: relay firmware exposed on the internet", TLP.CLEAR, None),
    ("GREEN: phishing of grid operators' staff", TLP.GREEN, None),
    ("AMBER: shared interconnector control system", TLP.AMBER, "peer"),
    ("AMBER: substation remote access, operators only", TLP.AMBER, "operator"),
    ("AMBER+STRICT: cross-border telemetry link", TLP.AMBER_STRICT, "peer"),
    ("RED: control-room access codes", TLP.RED, "peer"),
]


@dataclass
class Side:
    key: str
    app: object
    url: str = ""
    orgs: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    agreement_id: int = 0
    token: str = ""  # the token this side issued for the other side

    @property
    def name(self) -> str:
        return SIDES[self.key][0]


def _user(org: Organization, role: Role, email: str, name: str) -> User:
    from app.auth.passwords import hash_password

    user = User(email=email, name=name, organization=org, role=role, password_hash=hash_password(PASSWORD))
    db.session.add(user)
    return user


def seed(side: Side, other_key: str) -> None:
    """This side's organisations and people, the organisation that represents the other side, the
    information-sharing agreement with it, and the token the other side pulls with."""
    from app.api_tokens.services import create_token
    from app.models import TokenScope

    name, short, country = SIDES[side.key]
    other_name, other_short, other_country = SIDES[other_key]
    domain = f"{side.key}.example.org"
    with side.app.app_context():
        own = Organization(name=name, short_name=short, kind=OrganizationKind.GOVERNMENT, country=country,
                           is_authority=True)
        client = Organization(name=f"{name} regional office", short_name=f"{short}-R",
                              kind=OrganizationKind.GOVERNMENT, country=country, parent=own)
        operator = Organization(name=f"{short} Grid Operator", short_name=f"{short}-GRID",
                                kind=OrganizationKind.PRIVATE_SECTOR, country=country)
        peer = Organization(name=other_name, short_name=other_short, kind=OrganizationKind.INTERNATIONAL,
                            country=other_country, is_authority=True)
        db.session.add_all([own, client, operator, peer])
        people = {
            "coordinator": _user(own, Role.COORDINATOR, f"coordinator@{domain}", f"{short} coordinator"),
            "approver": _user(own, Role.COORDINATOR, f"approver@{domain}", f"{short} second coordinator"),
            "member": _user(own, Role.MEMBER, f"member@{domain}", f"{short} analyst"),
            "client": _user(client, Role.MEMBER, f"regional@{domain}", f"{short} regional analyst"),
            "operator": _user(operator, Role.COORDINATOR, f"operator@{domain}", f"{short} grid operator"),
            "peer_service": _user(peer, Role.MEMBER, f"taxii-{other_key}@{domain}", f"{other_short} TAXII client"),
            "admin": _user(own, Role.ADMIN, f"admin@{domain}", f"{short} administrator"),
        }
        db.session.flush()
        agreement = Agreement(reference=f"AGR-{today().year}-0001", title=f"{short}–{other_short} information sharing",
                              kind=AgreementKind.INFORMATION_SHARING, status=AgreementStatus.ACTIVE,
                              owner_organization_id=own.id, created_by=people["coordinator"], tlp=TLP.GREEN)
        agreement.parties = [AgreementParty(organization_id=own.id), AgreementParty(organization_id=peer.id)]
        db.session.add(agreement)
        db.session.flush()
        _row, side.token = create_token(people["peer_service"], name=f"{other_name} peer", scope=TokenScope.READ,
                                        expires_on=today() + timedelta(days=30))
        db.session.commit()
        side.orgs = {"own": own.id, "client": client.id, "operator": operator.id, "peer": peer.id}
        side.emails = {key: user.email for key, user in people.items()}
        side.agreement_id = agreement.id


def release_every_tlp(side: Side) -> None:
    """One advisory per row of RELEASES, written, approved (four eyes) and released by the services."""
    from app.advisories import services

    with side.app.app_context():
        def person(key):
            return db.session.scalar(sa.select(User).where(User.email == side.emails[key]))

        for title, tlp, to in RELEASES:
            recipients = [db.session.get(Organization, side.orgs[to])] if to else []
            advisory = services.create_advisory(
                person("coordinator"), recipients=recipients, tlp=tlp, title=f"[{SIDES[side.key][1]}] {title}",
                summary=f"What {side.name} shares: {title}.", body="Details for the readers the label allows.",
                recommended_actions="Apply the vendor's fix; report sightings.")
            services.submit_for_review(person("coordinator"), advisory)
            services.approve(person("approver"), advisory)
            db.session.commit()


def report_incidents(side: Side) -> None:
    """The grid operator reports incidents (by the incident services): to this side's own programme (they stay
    here) and, a cross-border one, to the partner centre (its summary leaves for the other side)."""
    from app.incidents import services

    with side.app.app_context():
        operator = db.session.scalar(sa.select(User).where(User.email == side.emails["operator"]))
        short = SIDES[side.key][1]
        for title, tlp, to in INCIDENTS:
            services.create_incident_report(
                operator, authority=db.session.get(Organization, side.orgs[to]), tlp=tlp, aware_at=utcnow(),
                title=f"[{short}] {title}", summary=f"What {side.name}'s operator reports: {title}.",
                services_affected="Control room telemetry (not shared)", sectors=[Sector.ENERGY])
        db.session.commit()


def register_risks(side: Side) -> None:
    """One risk per row of RISKS in this side's register (by the risk services), with a mitigation assigned to
    the organisation that takes part."""
    from app.risks import services

    with side.app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == side.emails["coordinator"]))
        for title, tlp, to in RISKS:
            risk = services.create_risk(
                coordinator, title=f"[{SIDES[side.key][1]}] {title}", description=f"What {side.name} shares: {title}.",
                asset="Substation relays (not shared)", threat="Criminal intrusion", vulnerability="Default passwords",
                likelihood=3, impact=4, tlp=tlp)
            if to:
                services.create_mitigation(coordinator, risk, title="Joint hardening",
                                           assigned_organization_id=side.orgs[to])
        db.session.commit()


def collection_id(side: Side) -> str:
    """The id of the agreement's collection on `side` (what the other side pulls)."""
    from app.federation.egress import collections_for

    with side.app.app_context():
        peer = db.session.get(Organization, side.orgs["peer"])
        return next(c.id for c in collections_for(peer) if c.agreement is not None)


def peer_with(side: Side, other: Side) -> int:
    """Register `other` as a peer of `side`: represented by `side`'s organisation for it, shared with `side`'s
    own organisation, pulling the agreement's collection with the token `other` issued."""
    from app.federation.peers import create_peer

    remote_collection = collection_id(other)
    with side.app.app_context():
        peer = create_peer(None, name=other.name, organization_id=side.orgs["peer"],
                           recipient_organization_id=side.orgs["own"], api_root_url=f"{other.url}/taxii2/api/",
                           collection_id=remote_collection, token=other.token)
        db.session.commit()
        return peer.id


def pull(side: Side) -> str:
    from app.federation.pull import pull_all

    with side.app.app_context():
        return "; ".join(what for _peer, what in pull_all())


def arrivals(side: Side) -> list[tuple[str, str, str]]:
    """(reference, TLP, title) of what this side imported."""
    with side.app.app_context():
        rows = db.session.execute(sa.select(Advisory.reference, Advisory.tlp, Advisory.title)
                                  .join(PeerImport, PeerImport.advisory_id == Advisory.id)
                                  .where(Advisory.status == AdvisoryStatus.RELEASED).order_by(Advisory.id)).all()
        return [(ref, tlp.label, title) for ref, tlp, title in rows]
