"""Demo incident-response plans: every TLP label and lifecycle state, versions, an overdue review.

Idempotent: a plan whose title and version already exist is left alone. Dates are relative to today,
so one approved plan is always past its review date.
"""
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa

from app import audit
from app import records
from app.demo import incident_plan_content as content
from app.demo.people import COORDINATORS
from app.extensions import db
from app.models import TLP
from app.models import IncidentPlan
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import PlanStatus
from app.models import today
from app.models.incident_plan import add_months

S = PlanStatus

PLANS = [
    dict(title="Ransomware Response Plan — Water and Wastewater", owner="water", covered=["gov"],
         sectors=["water"], tlp=TLP.AMBER, status=S.APPROVED, approved_days_ago=40,
         scope="""\
**Mission.** Keep safe drinking water flowing and wastewater treated while a ransomware attack is
contained, and restore IT and OT systems without reinfection.

**Covers** the Riverbend treatment plants (North, South), 14 pumping stations, the SCADA network,
the billing and customer systems, and coordination with NIRO and Northgrid (power dependency).""",
         sections=content.RANSOMWARE_WATER_SECTIONS, contacts=content.RANSOMWARE_WATER_CONTACTS,
         change_summary="Annual review: added immutable backups, CIRCIA reporting timeline, WaterISAC contact."),
    dict(title="Grid Control Centre Cyber Incident Response Plan", owner="energy", covered=["gov"],
         sectors=["energy"], tlp=TLP.AMBER, status=S.RETIRED, approved_days_ago=420, version="1.0",
         scope="Cyber incidents affecting the Northgrid control centres and EMS (NERC CIP-008).",
         sections=content.GRID_SECTIONS_V1, contacts=content.GRID_CONTACTS[:4],
         change_summary="First issue."),
    dict(title="Grid Control Centre Cyber Incident Response Plan", owner="energy", covered=["gov"],
         sectors=["energy"], tlp=TLP.AMBER, status=S.APPROVED, approved_days_ago=60, version="2.0",
         previous="1.0",
         scope="""\
Cyber security incidents affecting the Northgrid primary and backup control centres, the EMS/SCADA
and the transmission RTUs, per **NERC CIP-008-6**, with partner coordination through NIRO.""",
         sections=content.GRID_SECTIONS_V2, contacts=content.GRID_CONTACTS,
         change_summary="Severity matrix added; reportable-incident determination within one hour; "
                        "backup centre drill twice a year."),
    dict(title="Telecom Outage Coordination Plan", owner="telecom", covered=["gov", "water", "energy"],
         sectors=["communications", "information_technology"], tlp=TLP.GREEN, status=S.IN_REVIEW,
         scope="Coordination with critical partners during major network outages, whatever their cause.",
         sections=content.TELECOM_SECTIONS,
         lead="noc@meridian.example.com", liaison="coordinator@niro.example.gov"),
    dict(title="Insider Threat Response Plan — Control Room Operators", owner="energy", covered=["gov"],
         sectors=["energy"], tlp=TLP.RED, status=S.APPROVED, approved_days_ago=100,
         recipients=["security@northgrid.example.com", "ciso@northgrid.example.com",
                     "coordinator@niro.example.gov"],
         scope="Suspected malicious insiders with privileged access to control-room systems. "
               "Named recipients only.",
         sections=content.INSIDER_SECTIONS,
         contacts=[("Incident response lead", "security@northgrid.example.com", 1, True),
                   ("Executive sponsor", "ciso@northgrid.example.com", 2, True),
                   ("Legal counsel", "Corporate counsel on call", "Northgrid Power & Light", "+1 555 0170 3010",
                    "", 2, False)]),
    dict(title="Chlorine Dosing Manipulation Response Plan", owner="water", covered=["gov"],
         sectors=["water", "chemical"], tlp=TLP.AMBER_STRICT, status=S.APPROVED, approved_days_ago=430,
         review_days_ago=65,
         scope="Unauthorised changes to chemical dosing through SCADA at the treatment plants.",
         sections=content.CHLORINE_SECTIONS, lead="ops@riverbend.example.com"),
    dict(title="National Cyber Incident Coordination Plan for Critical Infrastructure", owner="gov",
         covered=["water", "energy", "telecom", "intl"], sectors=["government_facilities", "energy", "water",
                                                                  "communications"],
         tlp=TLP.CLEAR, status=S.APPROVED, approved_days_ago=150,
         scope="How NIRO coordinates partners during significant cyber incidents across sectors.",
         sections=content.NATIONAL_SECTIONS),
    dict(title="Cross-Border Energy Incident Information Sharing Plan", owner="intl", covered=["energy", "gov"],
         sectors=["energy"], tlp=TLP.AMBER, status=S.DRAFT,
         scope="Sharing incident information on interconnectors and shared market systems across the border.",
         sections=content.CROSS_BORDER_SECTIONS),
    dict(title="DDoS Response Plan — Customer Portals and Billing", owner="telecom", covered=[],
         sectors=["communications"], tlp=TLP.GREEN, status=S.DRAFT,
         scope="Volumetric and application-layer DDoS against customer-facing services.",
         sections=content.DDOS_SECTIONS, lead="noc@meridian.example.com"),
    dict(title="OT Vendor Supply-Chain Compromise Response Plan", owner="gov", covered=["water", "energy"],
         sectors=["energy", "water", "critical_manufacturing"], tlp=TLP.AMBER, status=S.IN_REVIEW,
         scope="A compromised update or remote-access channel of an OT vendor used by several partners.",
         sections=content.SUPPLY_CHAIN_SECTIONS, lead="analyst@niro.example.gov"),
    dict(title="GPS Timing Disruption Response Plan", owner="telecom", covered=["energy"],
         sectors=["communications", "energy"], tlp=TLP.GREEN, status=S.APPROVED, approved_days_ago=400,
         review_days_ago=45,
         scope="Jamming or spoofing of GNSS time used by cell sites and grid phasor measurement units.",
         sections=content.GPS_SECTIONS,
         liaison="coordinator@northgrid.example.com"),
    dict(title="Wildfire PSPS Cyber-Physical Coordination Plan", owner="energy", covered=["telecom"],
         sectors=["energy", "emergency_services"], tlp=TLP.CLEAR, status=S.DRAFT,
         scope="Cyber threats to public safety power shutoffs and their customer notifications.",
         sections=content.WILDFIRE_SECTIONS),
    dict(title="Phishing and Business Email Compromise Playbook", owner="water", covered=["gov"],
         sectors=["water"], tlp=TLP.GREEN, status=S.RETIRED, approved_days_ago=700,
         scope="Credential phishing and payment-redirection fraud against Riverbend staff.",
         sections=content.PHISHING_SECTIONS),
    dict(title="Customer Data Breach Notification Plan", owner="water", covered=[],
         sectors=["water"], tlp=TLP.AMBER_STRICT, status=S.DRAFT,
         scope="Breaches of customer personal information held by Riverbend.",
         sections=content.BREACH_SECTIONS),
    dict(title="Research Enclave Historian Compromise Plan", owner="gov", covered=["energy"],
         sectors=["energy", "information_technology"], tlp=TLP.AMBER, status=S.DRAFT,
         scope="Compromise of the one-way historian replica shared with the Lakeside Institute.",
         sections=content.HISTORIAN_SECTIONS, lead="analyst@niro.example.gov"),
    *[dict(title=f"Substation Physical Attack Response Plan — {region} Region", owner="energy", covered=["gov"],
           sectors=["energy"], tlp=tlp, status=status, approved_days_ago=days,
           scope=f"Ballistic, vehicle or intrusion attacks on {region.lower()} region transmission substations.",
           sections=content.SUBSTATION_SECTIONS, lead="security@northgrid.example.com")
      for region, tlp, status, days in (("North", TLP.AMBER, S.APPROVED, 200), ("East", TLP.AMBER, S.IN_REVIEW, 0),
                                        ("South", TLP.AMBER_STRICT, S.DRAFT, 0),
                                        ("West", TLP.GREEN, S.APPROVED, 90), ("Central", TLP.GREEN, S.DRAFT, 0),
                                        ("Coastal", TLP.AMBER, S.APPROVED, 30))],
    *[dict(title=f"Pumping Station Flood and Cyber Response Plan — {site}", owner="water", covered=["gov"],
           sectors=["water"], tlp=tlp, status=status, approved_days_ago=days,
           scope=f"Loss of control or flooding at the {site} pumping station, accidental or malicious.",
           sections=content.RANSOMWARE_WATER_SECTIONS, lead="ops@riverbend.example.com")
      for site, tlp, status, days in (("Mill Creek", TLP.GREEN, S.APPROVED, 120),
                                      ("Harbor Road", TLP.AMBER, S.DRAFT, 0))],
]


def _contacts(people, spec) -> list[tuple]:
    """The plan's own roster, or the standard one of its owner: its `lead` (the plan's author unless named) and
    an optional partner `liaison`. A demo user in it is named by email (content's roster entries)."""
    roster = spec.get("contacts") or content.standard_contacts(
        people.orgs[spec["owner"]].name, spec.get("lead", COORDINATORS[spec["owner"]]), spec.get("liaison"))
    return [_demo_user_entry(people, *entry) if len(entry) == 4 else entry for entry in roster]


def _demo_user_entry(people, role: str, email: str, tier: int, always: bool) -> tuple:
    user = people.user(email)
    return role, user.name, user.organization.name, content.PHONES[email], email, tier, always


def _approver(people, spec):
    """Four eyes: a coordinator of a covered organisation (or NIRO), never the author."""
    for key in [*spec["covered"], "gov", "energy"]:
        email = COORDINATORS.get(key)
        if email and key != spec["owner"]:
            return people.user(email)
    return None


def seed(people) -> int:
    created = 0
    by_title_version = {}
    for spec in PLANS:
        label = spec.get("version", "1.0")
        existing = db.session.scalar(sa.select(IncidentPlan).where(IncidentPlan.title == spec["title"],
                                                                   IncidentPlan.version_label == label))
        if existing is not None:
            by_title_version[(spec["title"], label)] = existing
            continue
        author = people.user(COORDINATORS[spec["owner"]])
        previous = by_title_version.get((spec["title"], spec.get("previous")))
        plan = IncidentPlan(
            reference=previous.reference if previous else records.next_reference(IncidentPlan, "IRP"),
            title=spec["title"], scope=spec["scope"], sectors=spec["sectors"], version_label=label,
            owner_organization_id=people.orgs[spec["owner"]].id, tlp=spec["tlp"], status=PlanStatus.DRAFT,
            change_summary=spec.get("change_summary", ""), created_by=author,
            previous_version_id=previous.id if previous else None)
        plan.covered_organizations = [people.orgs[key] for key in spec["covered"]]
        plan.recipients = [people.user(email) for email in spec.get("recipients", [])]
        for phase, group in _grouped(spec["sections"]):
            for position, (title, body) in enumerate(group):
                plan.sections.append(PlanSection(phase=phase, title=title, body=body, position=position))
        plan.contacts = [PlanContact(role=role, name=name, organization=org, phone=phone, email=email,
                                     escalation_tier=tier, available_24_7=always)
                         for role, name, org, phone, email, tier, always in _contacts(people, spec)]
        db.session.add(plan)
        db.session.flush()
        audit.record(author, "incident_plan.created", plan, summary=f"{plan.reference} v{label}: {plan.title}")
        _set_status(plan, spec, _approver(people, spec), author)
        by_title_version[(spec["title"], label)] = plan
        created += 1
    db.session.commit()
    return created


def _grouped(sections):
    for phase in Phase:
        group = [(title, body) for code, title, body in sections if code == phase.value]
        if group:
            yield phase, group


def _set_status(plan: IncidentPlan, spec: dict, approver, author) -> None:
    status = spec["status"]
    if status is PlanStatus.DRAFT:
        return
    plan.status = PlanStatus.IN_REVIEW
    audit.record(author, "incident_plan.status_changed", plan, summary="status: Draft → In review")
    if status is PlanStatus.IN_REVIEW:
        return
    approved_on = today() - timedelta(days=spec.get("approved_days_ago", 30))
    plan.status = PlanStatus.APPROVED
    plan.approver = approver
    plan.approved_at = datetime.combine(approved_on, time(15, 0), tzinfo=UTC)
    plan.next_review_date = (today() - timedelta(days=spec["review_days_ago"]) if "review_days_ago" in spec
                             else add_months(approved_on, 12))
    audit.record(approver, "incident_plan.status_changed", plan,
                 summary=f"status: In review → Approved; approver: {approver.name}; "
                         f"next review: {plan.next_review_date.isoformat()}")
    if status is PlanStatus.RETIRED:
        plan.status = PlanStatus.RETIRED
        audit.record(approver, "incident_plan.status_changed", plan, summary="status: Approved → Retired")
