"""Demo organisations and users: a government programme office, operators, a partner, a client."""
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from app.extensions import db
from app.models import Organization
from app.models import OrganizationKind
from app.models import Role
from app.models import User
from app.users import services as user_services

ORGANIZATIONS = [
    # key, name, short name, kind, country, sectors, parent key
    ("gov", "National Infrastructure Resilience Office", "NIRO", OrganizationKind.GOVERNMENT, "US",
     ["government_facilities", "energy", "water", "communications"], None),
    ("water", "Riverbend Regional Water Authority", "RRWA", OrganizationKind.PRIVATE_SECTOR, "US",
     ["water"], None),
    ("energy", "Northgrid Power & Light", "Northgrid", OrganizationKind.PRIVATE_SECTOR, "US",
     ["energy"], None),
    ("telecom", "Meridian Telecom", "Meridian", OrganizationKind.PRIVATE_SECTOR, "US",
     ["communications", "information_technology"], None),
    ("intl", "Nordic Centre for Infrastructure Security", "NCIS", OrganizationKind.INTERNATIONAL, "SE",
     ["energy", "communications"], None),
    ("client", "Northgrid Distribution Services", "NDS", OrganizationKind.PRIVATE_SECTOR, "US",
     ["energy"], "energy"),
    ("academia", "Lakeside Institute for Grid Research", "LIGR", OrganizationKind.NGO_ACADEMIA, "CA",
     ["energy", "information_technology"], None),
    ("csirt", "Energy Sector CSIRT", "E-CSIRT", OrganizationKind.GOVERNMENT, "US", ["energy"], None),
]

# Competent authorities and CSIRTs that operators report incidents to: the national office and a sector CSIRT.
AUTHORITIES = ("gov", "csirt")

USERS = [
    # email, name, title, org key, role
    ("admin@niro.example.gov", "Alex Morgan", "Platform administrator", "gov", Role.ADMIN),
    ("coordinator@niro.example.gov", "Dana Whitfield", "Programme coordinator", "gov", Role.COORDINATOR),
    # A second coordinator of the office: advisories it co-authors are approved by a coordinator who did not
    # write the last change (four eyes), so the deputy approves what Dana wrote.
    ("deputy@niro.example.gov", "Lena Fischer", "Deputy programme coordinator", "gov", Role.COORDINATOR),
    ("analyst@niro.example.gov", "Priya Raman", "Threat analyst", "gov", Role.MEMBER),
    ("director@niro.example.gov", "Robert Haines", "Director, Infrastructure Resilience", "gov", Role.EXECUTIVE),
    ("coordinator@riverbend.example.com", "Maria Alvarez", "Emergency manager", "water", Role.COORDINATOR),
    # The utility's second coordinator approves the after-action report Maria submitted (four eyes).
    ("resilience@riverbend.example.com", "Daniel Osei", "Resilience planner", "water", Role.COORDINATOR),
    ("ops@riverbend.example.com", "Tom Becker", "SCADA operations lead", "water", Role.MEMBER),
    ("ceo@riverbend.example.com", "Helen Cho", "General manager", "water", Role.EXECUTIVE),
    ("coordinator@northgrid.example.com", "Samuel Okafor", "CIP compliance manager", "energy", Role.COORDINATOR),
    ("security@northgrid.example.com", "Jenna Park", "Physical security supervisor", "energy", Role.MEMBER),
    ("ciso@northgrid.example.com", "Marcus Lind", "Chief information security officer", "energy", Role.EXECUTIVE),
    ("coordinator@meridian.example.com", "Ines Duarte", "Network resilience manager", "telecom", Role.COORDINATOR),
    ("noc@meridian.example.com", "Kevin Walsh", "NOC shift lead", "telecom", Role.MEMBER),
    ("liaison@ncis.example.se", "Astrid Nilsson", "International liaison", "intl", Role.COORDINATOR),
    ("analyst@ncis.example.se", "Erik Johansson", "Cyber analyst", "intl", Role.MEMBER),
    ("field@nds.example.com", "Olivia Grant", "Field operations engineer", "client", Role.MEMBER),
    ("researcher@ligr.example.ca", "Noah Tremblay", "Research fellow", "academia", Role.MEMBER),
    ("duty@ecsirt.example.gov", "Farah Siddiqui", "CSIRT duty officer", "csirt", Role.COORDINATOR),
]


# The coordinator who creates each organisation's demo records.
COORDINATORS = {
    "gov": "coordinator@niro.example.gov",
    "water": "coordinator@riverbend.example.com",
    "energy": "coordinator@northgrid.example.com",
    "telecom": "coordinator@meridian.example.com",
    "intl": "liaison@ncis.example.se",
    "csirt": "duty@ecsirt.example.gov",
}


@dataclass
class People:
    orgs: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # by email

    def user(self, email: str) -> User:
        return self.users[email]


def seed_people(password: str) -> People:
    people = People()
    for key, name, short, kind, country, sectors, parent in ORGANIZATIONS:
        org = db.session.scalar(sa.select(Organization).where(Organization.name == name))
        if org is None:
            org = Organization(name=name, short_name=short, kind=kind, country=country, sectors=sectors,
                               parent=people.orgs.get(parent))
            db.session.add(org)
            db.session.flush()
        if key in AUTHORITIES and not org.is_authority:
            org.is_authority = True
        people.orgs[key] = org
    for email, name, title, org_key, role in USERS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = user_services.create_user(None, email=email, name=name, title=title,
                                             organization=people.orgs[org_key], role=role, password=password)
        people.users[email] = user
    return people
