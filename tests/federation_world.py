"""Advisories at every TLP around the advisory world (tests/advisory_world.py), an active information-sharing
agreement between the agency and the third organisation, API tokens for each organisation's coordinator, and
the egress rule written out again here, independently of app.permissions and app.federation."""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AgreementKind
from app.models import AgreementStatus
from app.models import IncidentReport
from app.models import Organization
from app.models import Risk
from tests import advisory_world as aw
from tests import factories as f

ORGS = ("gov", "operator", "recipient", "client", "sector", "third")
TOKEN_HOLDERS = {"gov": "gov_coordinator", "operator": "op_coordinator", "recipient": "recipient_coordinator",
                 "client": "client_member", "sector": "sector_coordinator", "third": "third_coordinator"}


def build(app, monkeypatch):
    """The world, one released advisory per TLP (and an AMBER one with a public edition), the agreement.
    Returns (world, agreement id)."""
    aw.fake_editions(monkeypatch)
    world = aw.build(app)
    with app.app_context():
        for tlp in (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT):
            aw.release(world, aw.draft(world, tlp=tlp, title=f"Advisory {tlp.label}",
                                       recommended_actions="Patch the relays."))
        aw.release(world, aw.draft(world, tlp=TLP.AMBER, title="Restricted with a public edition",
                                   public_title="Public: relay firmware"))
        gov, third, operator, recipient, csirt = (db.session.get(Organization, world.orgs[k]) for k in
                                                  ("gov", "third", "operator", "recipient", "csirt"))
        for tlp in (TLP.AMBER, TLP.AMBER_STRICT):  # an incident report is AMBER or AMBER+STRICT
            incident(operator, gov, tlp, f"Incident {tlp.label}")
            incident(recipient, csirt, tlp, f"Water incident {tlp.label}")
        for tlp in TLP:  # risks of the agency at every TLP, and the operator's, mitigated by the recipient
            f.risk(owner_organization=gov, tlp=tlp, title=f"Agency risk {tlp.label}", asset=SECRET_FIELDS[0])
            mitigated = f.risk(owner_organization=operator, tlp=tlp, title=f"Grid risk {tlp.label}")
            f.mitigation(risk=mitigated, assigned_organization=recipient)
        agreement = f.agreement(parties=[gov, third], kind=AgreementKind.INFORMATION_SHARING,
                                status=AgreementStatus.ACTIVE, created_by=aw.person(world, "gov_coordinator"))
        return world, agreement.id


SECRET_FIELDS = ("SERVICES-NOT-SHARED", "STAGE-BODY-NOT-SHARED", "ROOT-CAUSE-NOT-SHARED")


def incident(reporter: Organization, authority: Organization, tlp: TLP, title: str):
    """An incident report with what never leaves in its services, a stage's body and root cause."""
    report = f.incident_report(owner_organization=reporter, authority=authority, tlp=tlp, title=title,
                               summary=f"Summary of {title}.", services_affected=SECRET_FIELDS[0],
                               users_affected=4242)
    report.stages[0].body, report.stages[0].root_cause = SECRET_FIELDS[1], SECRET_FIELDS[2]
    db.session.commit()
    return report


def expected_incident(org: Organization, report: IncidentReport, parties: set[int] | None) -> bool:
    """Whether the rule lets the incident summary leave for `org` in a collection (as expected_reports)."""
    takes_part = {report.owner_organization_id, report.authority_organization_id}
    in_community = parties is None or bool(takes_part & parties)
    return in_community and _leaves(org, report.tlp, takes_part, takes_part, parties)


def expected_risk(org: Organization, risk: Risk, parties: set[int] | None) -> bool:
    """Whether the rule lets the risk leave on its own for `org` (an agreement's collection: a party's risks)."""
    takes_part = risk.participating_org_ids()
    owner = {risk.owner_organization_id}
    return (parties is None or bool(owner & parties)) and _leaves(org, risk.tlp, takes_part, owner, parties)


def risks() -> list[Risk]:
    return db.session.scalars(sa.select(Risk).order_by(Risk.id)).all()


def incident_reports() -> list[IncidentReport]:
    return db.session.scalars(sa.select(IncidentReport).order_by(IncidentReport.id)).all()


def token(app, world, who: str) -> str:
    """A live read-only API token of `who` (the API's own token service)."""
    from datetime import timedelta

    from app.api_tokens.services import create_token
    from app.models import TokenScope
    from app.models import today

    with app.app_context():
        user = aw.person(world, who)
        _row, secret = create_token(user, name=f"taxii {who}", scope=TokenScope.READ,
                                    expires_on=today() + timedelta(days=30))
        db.session.commit()
        return secret


def expected_reports(org: Organization, advisory: Advisory, parties: set[int] | None) -> str | None:
    """Which edition of `advisory` the rule lets leave for `org` in a collection (parties: the information-
    sharing agreement's, None for "shared with my organisation"): "restricted", "public" or None."""
    authors = {a.organization_id for a in advisory.authors}
    takes_part = authors | {r.organization_id for r in advisory.distribution}
    in_community = parties is None or bool(authors & parties)
    rule = _leaves(org, advisory.tlp, takes_part, authors, parties)
    if rule and in_community:
        return "restricted"
    if advisory.public_title and in_community:
        return "public"
    return None


def _leaves(org: Organization, tlp: TLP, takes_part: set[int], authors: set[int], parties: set[int] | None) -> bool:
    """The TLP rule for `org`: GREEN within the agreement's parties (authored by one), or where it takes part."""
    return {
        TLP.CLEAR: True,
        TLP.GREEN: bool(authors & parties) if parties is not None else org.id in takes_part,
        TLP.AMBER: org.id in takes_part or org.parent_id in takes_part,
        TLP.AMBER_STRICT: org.id in takes_part,
        TLP.RED: False,
    }[tlp]


def heads() -> list[Advisory]:
    return db.session.scalars(sa.select(Advisory).where(Advisory.status.in_(["released", "withdrawn"]))
                              .order_by(Advisory.id)).all()
