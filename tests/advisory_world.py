"""The people around one co-authored advisory: a government agency and an operator write it (two coordinators
and a member each; the agency's executive observes), a named recipient (coordinator, member) with a client
organisation, an organisation of the distribution sector, a third organisation, a sector CSIRT (an authority
that takes no part), an admin. Every advisory here is built by the services, so
drafts, approvals, releases and editions are the real ones."""
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import OrganizationKind
from app.models import Role
from app.models import Sector
from app.models import User
from tests import factories as f

PEOPLE = ("gov_coordinator", "gov_coordinator2", "gov_member", "gov_executive", "op_coordinator", "op_coordinator2",
          "op_member", "recipient_coordinator", "recipient_member", "client_member", "sector_coordinator",
          "third_coordinator", "csirt_coordinator", "admin")


@dataclass
class AdvisoryWorld:
    emails: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)


def build(app) -> AdvisoryWorld:
    world = AdvisoryWorld()
    with app.app_context():
        gov = f.organization(name="National Cyber Agency", short_name="NCA", kind=OrganizationKind.GOVERNMENT,
                             is_authority=True)
        operator = f.organization(name="Northern Grid", short_name="NGRID", sectors=[Sector.ENERGY])
        recipient = f.organization(name="Lakeside Water", short_name="LWAT", sectors=[Sector.WATER])
        client = f.organization(name="Lakeside Client", short_name="LCLI", parent=recipient)
        sector_org = f.organization(name="River Water Board", short_name="RWB", sectors=[Sector.WATER])
        third = f.organization(name="Third Telecom", short_name="TTEL", sectors=[Sector.COMMUNICATIONS])
        csirt = f.organization(name="Telecom CSIRT", short_name="TCSIRT", kind=OrganizationKind.GOVERNMENT,
                               is_authority=True, sectors=[Sector.COMMUNICATIONS])
        people = {
            "gov_coordinator": f.user(role=Role.COORDINATOR, organization=gov),
            "gov_coordinator2": f.user(role=Role.COORDINATOR, organization=gov),
            "gov_member": f.user(role=Role.MEMBER, organization=gov),
            "gov_executive": f.user(role=Role.EXECUTIVE, organization=gov),
            "op_coordinator": f.user(role=Role.COORDINATOR, organization=operator),
            "op_coordinator2": f.user(role=Role.COORDINATOR, organization=operator),
            "op_member": f.user(role=Role.MEMBER, organization=operator),
            "recipient_coordinator": f.user(role=Role.COORDINATOR, organization=recipient),
            "recipient_member": f.user(role=Role.MEMBER, organization=recipient),
            "client_member": f.user(role=Role.MEMBER, organization=client),
            "sector_coordinator": f.user(role=Role.COORDINATOR, organization=sector_org),
            "third_coordinator": f.user(role=Role.COORDINATOR, organization=third),
            "csirt_coordinator": f.user(role=Role.COORDINATOR, organization=csirt),
            "admin": f.user(role=Role.ADMIN, organization=third),
        }
        world.emails = {name: u.email for name, u in people.items()}
        world.orgs = {"gov": gov.id, "operator": operator.id, "recipient": recipient.id, "client": client.id,
                      "sector": sector_org.id, "third": third.id, "csirt": csirt.id}
    return world


def person(world: AdvisoryWorld, who: str) -> User:
    """Inside an app context."""
    return db.session.scalar(sa.select(User).where(User.email == world.emails[who]))


def client(app, world: AdvisoryWorld, who: str):
    with app.app_context():
        return app.test_client(user=person(world, who))


def draft(world: AdvisoryWorld, tlp=TLP.AMBER, public_title="", **fields) -> Advisory:
    """A draft by the agency's coordinator, co-authored by the operator, for the named recipient and the water
    sector (inside an app context; committed)."""
    from app.advisories import services
    from app.models import Organization

    orgs = {k: db.session.get(Organization, v) for k, v in world.orgs.items()}
    fields.setdefault("title", "Restricted: grid relay exploitation")
    fields.setdefault("summary", "RESTRICTED-SUMMARY relay firmware")
    fields.setdefault("body", "RESTRICTED-BODY indicators")
    advisory = services.create_advisory(
        person(world, "gov_coordinator"), co_authors=[orgs["operator"]], recipients=[orgs["recipient"]],
        tlp=tlp, public_title=public_title, public_body="Public text: patch your relays." if public_title else "",
        recipient_sectors=fields.pop("recipient_sectors", [Sector.WATER]), **fields)
    db.session.commit()
    return advisory


def release(world: AdvisoryWorld, advisory: Advisory) -> Advisory:
    """Submit, then approve by the second coordinator of each co-author (four eyes); the last one releases."""
    from app.advisories import services

    services.submit_for_review(person(world, "gov_coordinator"), advisory)
    services.approve(person(world, "op_coordinator"), advisory)
    released = services.approve(person(world, "gov_coordinator2"), advisory)
    assert released
    db.session.commit()
    return advisory


def fake_editions(monkeypatch) -> None:
    """Release without rendering: each edition is stored as a stand-in document (kind, TLP, a text naming the
    edition's title) so tests that do not read the sealed PDF stay fast. The real editions are tested once in
    tests/test_advisories.py."""
    import hashlib

    from app.documents import services as documents
    from app.models import Document

    def issue(actor, advisory, public):
        title = advisory.public_title if public else advisory.title
        content = f"%PDF-1.7 stand-in {advisory.reference} {title}".encode()
        document = Document(object_type="advisories", object_id=advisory.id,
                            kind=documents.KIND_ADVISORY_PUBLIC if public else documents.KIND_ADVISORY, version=1,
                            reference=advisory.reference, filename=f"{advisory.reference}.pdf",
                            sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content,
                            tlp=TLP.CLEAR if public else advisory.tlp, issuer_id=actor.id if actor else None)
        db.session.add(document)
        db.session.flush()
        return document

    monkeypatch.setattr(documents, "issue_advisory", issue)
