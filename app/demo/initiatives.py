"""Demo joint initiatives: realistic CIP programme work across every status, health and TLP label.

Idempotent: an initiative whose title exists is left alone. Dates are relative to today so that
some milestones are always overdue and target dates stay plausible.
"""
from datetime import timedelta

import sqlalchemy as sa

from app.demo.people import COORDINATORS
from app.extensions import db
from app.initiatives import services
from app.models import TLP
from app.models import Agreement
from app.models import Health
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Milestone
from app.models import Sector
from app.models import today
from app.models import utcnow

P, A, H, C, X = (InitiativeStatus.PROPOSED, InitiativeStatus.ACTIVE, InitiativeStatus.ON_HOLD,
                 InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED)
G, AM, R = Health.GREEN, Health.AMBER, Health.RED


# title, objective, lead, participants, sectors, status, health, health reason, TLP, agreement keyword,
# start (days from today), duration (days), milestones [(title, due offset from start, done)]
INITIATIVES = [
    ("Substation physical security hardening programme",
     "Harden the twelve highest-consequence transmission substations against ballistic and intrusion attacks.",
     "energy", ["gov", "client"], ["energy"], A, AM,
     "Two perimeter-wall contracts slipped after steel price increases; re-tender under way.",
     TLP.AMBER, "energy", -240, 540,
     [("Consequence ranking of substations agreed", 30, True), ("Site surveys at 12 substations", 120, True),
      ("Ballistic barrier design approved", 200, False), ("First six sites hardened", 330, False),
      ("Remaining sites hardened and tested", 520, False)]),
    ("Joint ransomware tabletop exercise series 2026",
     "Run four cross-sector tabletop exercises on a ransomware attack on shared OT suppliers.",
     "gov", ["water", "energy", "telecom"], ["water", "energy", "communications"], A, G, "",
     TLP.GREEN, "information", -90, 300,
     [("Exercise scenarios drafted with CISA regional staff", 20, True), ("Exercise 1: water and wastewater", 60, True),
      ("Exercise 2: electricity distribution", 150, False), ("Exercise 3: telecom core", 220, False),
      ("After-action report and improvement plan", 290, False)]),
    ("OT network segmentation pilot for water utilities",
     "Pilot IEC 62443 zone-and-conduit segmentation at two treatment plants and publish a playbook.",
     "water", ["gov", "academia"], ["water", "information_technology"], A, R,
     "Vendor firmware for the PLC firewall is not certified; the pilot cannot go live until it is.",
     TLP.AMBER_STRICT, "water", -200, 400,
     [("Asset inventory of both plants", 30, True), ("Zone and conduit model reviewed", 75, True),
      ("Firewall firmware certified", 120, False), ("Pilot cut-over at plant 1", 180, False),
      ("Segmentation playbook published", 380, False)]),
    ("Cross-border grid incident information exchange",
     "Stand up a 24/7 channel to exchange grid incident indicators with Nordic partners within one hour.",
     "intl", ["energy", "gov"], ["energy"], A, G, "",
     TLP.AMBER, "sharing", -150, 365,
     [("Points of contact exchanged", 15, True), ("Indicator format (STIX 2.1 profile) agreed", 60, True),
      ("Secure channel tested end to end", 120, True), ("First quarterly joint review", 200, False)]),
    ("Emergency generator fuel resupply coordination",
     "Agree priority fuel deliveries for water and telecom sites during extended grid outages.",
     "gov", ["water", "telecom"], ["water", "communications", "energy"], A, AM,
     "Fuel supplier contract awaits legal review at two utilities.",
     TLP.GREEN, "mutual", -120, 270,
     [("Inventory of sites with generators", 20, True), ("Fuel priority list agreed", 70, False),
      ("Supplier contract signed", 110, False), ("Resupply drill", 240, False)]),
    ("SCADA remote access hardening for small utilities",
     "Replace always-on vendor remote access with brokered, MFA-protected sessions at 40 small utilities.",
     "water", ["gov"], ["water"], P, G, "", TLP.CLEAR, "water", 30, 365,
     [("Utility survey on remote access", 45, False), ("Reference architecture published", 120, False),
      ("Grants awarded to first 20 utilities", 200, False)]),
    ("Telecom tower battery backup resilience study",
     "Measure real battery autonomy at 200 rural cell sites and recommend minimum backup durations.",
     "telecom", ["gov", "academia"], ["communications"], A, G, "", TLP.GREEN, "telecom", -60, 240,
     [("Site sample selected", 10, True), ("Field measurements at 200 sites", 120, False),
      ("Recommendations to the regulator", 220, False)]),
    ("GPS timing dependency assessment for the grid",
     "Identify grid protection and control systems that depend on GPS timing and plan fallbacks.",
     "energy", ["academia", "intl"], ["energy", "communications"], A, AM,
     "Lab access for spoofing tests delayed by three months.",
     TLP.AMBER, "energy", -180, 420,
     [("Inventory of timing-dependent devices", 40, True), ("Spoofing test plan", 90, True),
      ("Lab spoofing tests", 150, False), ("Fallback timing design", 300, False)]),
    ("Water sector mutual aid resource typing",
     "Type the pumps, generators and crews that WARN members can lend, so requests are filled in hours.",
     "water", ["gov"], ["water"], C, G, "", TLP.CLEAR, "mutual", -420, 300,
     [("Resource types defined", 60, True), ("Member inventories collected", 150, True),
      ("Typed catalogue published", 280, True)]),
    ("Insider threat programme for control room staff",
     "Set up a joint insider-threat awareness and reporting programme for control rooms.",
     "energy", ["water"], ["energy", "water"], H, AM,
     "Paused until the works council agrees the monitoring policy.",
     TLP.AMBER_STRICT, "", -200, 365,
     [("Policy draft", 30, True), ("Works council consultation", 90, False), ("Training rollout", 200, False)]),
    ("Undersea cable landing station protection review",
     "Review physical protection and monitoring at the two cable landing stations serving the region.",
     "telecom", ["intl", "gov"], ["communications"], A, R,
     "A landing station operator has not granted site access; escalated to the national regulator.",
     TLP.RED, "", -100, 300,
     [("Threat briefing for operators", 20, True), ("Site visit: landing station north", 60, False),
      ("Site visit: landing station south", 90, False), ("Protection recommendations", 250, False)]),
    ("Chlorine gas release consequence modelling",
     "Model toxic-release consequences for chlorine storage at treatment plants near dense housing.",
     "water", ["academia", "gov"], ["water", "chemical"], C, G, "", TLP.AMBER, "", -500, 360,
     [("Plants in scope selected", 30, True), ("Dispersion models run", 200, True),
      ("Emergency planning zones updated", 340, True)]),
    ("Smart meter firmware supply chain assurance",
     "Agree firmware signing, SBOM delivery and vulnerability disclosure terms with meter vendors.",
     "energy", ["gov", "academia"], ["energy", "information_technology", "critical_manufacturing"], A, G, "",
     TLP.GREEN, "information", -75, 300,
     [("Vendor questionnaire issued", 15, True), ("SBOM format agreed", 80, False),
      ("Contract clause template published", 200, False)]),
    ("Regional black start exercise 2026",
     "Exercise restoration of the regional grid from black start units with water and telecom dependencies.",
     "energy", ["water", "telecom", "gov"], ["energy", "water", "communications"], P, G, "",
     TLP.AMBER, "energy", 60, 240,
     [("Exercise objectives agreed", 80, False), ("Master scenario events list", 150, False),
      ("Exercise conducted", 220, False)]),
    ("Ransomware recovery playbook for municipal utilities",
     "Write and test a recovery playbook for utilities whose billing and SCADA historians are encrypted.",
     "gov", ["water", "energy"], ["water", "energy", "government_facilities"], A, AM,
     "Second tabletop postponed; playbook chapter on backups is behind schedule.",
     TLP.GREEN, "information", -160, 300,
     [("Playbook outline", 20, True), ("Backup and restore chapter", 90, False),
      ("Tabletop validation", 150, False), ("Final playbook released", 280, False)]),
    ("Drone incursion detection at critical sites",
     "Trial drone detection sensors at a substation, a reservoir and a switching centre.",
     "gov", ["energy", "water", "telecom"], ["energy", "water", "communications"], X, AM,
     "Cancelled: legal authority for detection equipment not yet in place.",
     TLP.AMBER, "", -300, 365,
     [("Sensor market survey", 30, True), ("Legal authority review", 90, True), ("Field trial", 200, False)]),
    ("Cyber-informed engineering training for water engineers",
     "Train 150 utility engineers in cyber-informed engineering principles.",
     "water", ["academia"], ["water"], A, G, "", TLP.CLEAR, "", -45, 240,
     [("Curriculum adapted", 15, True), ("First cohort trained", 90, False), ("Second cohort trained", 200, False)]),
    ("Shared vulnerability disclosure process for ICS vendors",
     "Create one coordinated disclosure route for ICS vulnerabilities affecting partners.",
     "gov", ["energy", "water", "intl"], ["energy", "water", "information_technology"], A, G, "",
     TLP.GREEN, "sharing", -210, 365,
     [("Process draft", 30, True), ("Vendor consultation", 100, True), ("Process in operation", 180, True),
      ("First annual review", 350, False)]),
    ("Severe weather pre-positioning of repair crews",
     "Pre-position line and pipe repair crews ahead of forecast ice storms under mutual aid.",
     "energy", ["water"], ["energy", "water"], C, G, "", TLP.GREEN, "mutual", -400, 200,
     [("Trigger criteria agreed", 40, True), ("Staging areas identified", 100, True), ("Winter readiness drill", 180, True)]),
    ("Core network DDoS resilience exercise",
     "Exercise coordinated mitigation of a volumetric DDoS on the regional telecom core.",
     "telecom", ["gov", "intl"], ["communications", "information_technology"], H, AM,
     "On hold while the scrubbing-centre contract is renegotiated.",
     TLP.AMBER_STRICT, "telecom", -130, 240,
     [("Scenario design", 30, True), ("Upstream provider participation confirmed", 70, False),
      ("Live exercise", 160, False)]),
    ("Threat intelligence feed for small utilities",
     "Give small water and power utilities a curated, actionable threat feed at TLP:GREEN.",
     "gov", ["water", "energy", "client"], ["water", "energy"], A, G, "", TLP.GREEN, "information", -260, 500,
     [("Feed requirements", 30, True), ("Pilot with ten utilities", 120, True), ("Feed generally available", 250, False),
      ("Usage review", 400, False)]),
    ("Dam safety instrumentation cyber review",
     "Review cyber exposure of dam safety instrumentation shared with the water authority.",
     "water", ["gov"], ["dams", "water"], P, AM,
     "Scope depends on funding decision expected next quarter.",
     TLP.AMBER, "", 45, 300,
     [("Inventory of instrumentation", 75, False), ("Exposure assessment", 180, False)]),
    ("Joint security operations centre feasibility study",
     "Assess a shared SOC for smaller energy and water operators.",
     "energy", ["water", "gov", "academia"], ["energy", "water", "information_technology"], X, R,
     "Cancelled: partners could not agree a cost-sharing model.",
     TLP.AMBER_STRICT, "", -350, 240,
     [("Requirements workshop", 30, True), ("Cost model", 90, True), ("Go/no-go decision", 150, True)]),
    ("Critical spare transformer sharing arrangement",
     "Share a pool of spare large power transformers between transmission operators.",
     "energy", ["intl"], ["energy"], A, AM,
     "Transport route survey for the heaviest units not yet complete.",
     TLP.RED, "mutual", -140, 450,
     [("Spare inventory exchanged", 30, True), ("Transport route survey", 100, False),
      ("Sharing terms drafted", 200, False), ("Pool operational", 420, False)]),
    ("Post-incident review of the March pumping station outage",
     "Establish root causes and lessons from the March pumping station outage.",
     "water", ["energy"], ["water", "energy"], C, G, "", TLP.AMBER, "water", -150, 90,
     [("Timeline reconstructed", 20, True), ("Root-cause workshop", 45, True), ("Lessons learned report", 85, True)]),
    ("Emergency communications redundancy for utilities",
     "Give utility control rooms a second, independent voice and data path for emergencies.",
     "telecom", ["water", "energy"], ["communications", "water", "energy"], A, G, "", TLP.GREEN, "telecom", -50, 330,
     [("Control rooms surveyed", 30, True), ("Satellite backup pilot", 150, False), ("Rollout plan", 300, False)]),
    ("Quantum-safe cryptography readiness roadmap",
     "Inventory cryptography in grid and telecom control systems and plan post-quantum migration.",
     "intl", ["energy", "telecom", "academia"], ["energy", "communications", "information_technology"], P, G, "",
     TLP.CLEAR, "", 20, 540,
     [("Crypto inventory method", 60, False), ("Inventory at three partners", 200, False)]),
    ("Healthcare water dependency mapping",
     "Map hospital dependencies on municipal water and plan emergency supply for dialysis.",
     "gov", ["water"], ["healthcare", "water"], A, R,
     "Hospital data-sharing agreement unsigned; mapping cannot continue.",
     TLP.AMBER, "", -110, 270,
     [("Hospitals in scope", 15, True), ("Dependency data collected", 60, False), ("Emergency supply plan", 200, False)]),
    ("Vendor remote access monitoring for substations",
     "Log and review every vendor remote session into substation networks.",
     "energy", ["client"], ["energy"], H, AM, "Paused pending the substation hardening budget.",
     TLP.AMBER, "energy", -90, 300,
     [("Jump host deployed", 30, True), ("Session recording enabled", 80, False)]),
    ("Executive cyber crisis simulation",
     "A half-day crisis simulation for partner executives on a multi-sector cyber attack.",
     "gov", ["water", "energy", "telecom", "intl"], ["government_facilities", "energy", "water", "communications"],
     C, G, "", TLP.RED, "", -200, 120,
     [("Scenario agreed", 30, True), ("Simulation held", 90, True), ("Executive debrief", 110, True)]),
    ("Lessons-learned library for partnership exercises",
     "A searchable library of after-action items from every partnership exercise.",
     "gov", ["academia"], ["government_facilities"], A, G, "", TLP.CLEAR, "", -30, 200,
     [("Taxonomy of findings", 20, True), ("Library online", 120, False)]),
    ("Cellular modem inventory in field devices",
     "Find cellular modems in field devices across partners and close unmanaged ones.",
     "telecom", ["energy", "water"], ["communications", "energy", "water"], A, AM,
     "Discovery scans found twice as many modems as expected; schedule extended.",
     TLP.AMBER_STRICT, "", -80, 260,
     [("Scan method agreed", 10, True), ("Scans at energy sites", 60, False), ("Scans at water sites", 120, False),
      ("Unmanaged modems closed", 240, False)]),
]


def _agreement(keyword: str):
    """An existing agreement whose title mentions the keyword (never a TLP:RED one), or None."""
    if not keyword:
        return None
    return db.session.scalar(sa.select(Agreement)
                             .where(sa.func.lower(Agreement.title).like(f"%{keyword.lower()}%"),
                                    Agreement.tlp != TLP.RED, Agreement.archived_at.is_(None))
                             .order_by(Agreement.id).limit(1))


def _description(objective: str, lead_name: str) -> str:
    return (f"### Purpose\n\n{objective}\n\n### Approach\n\n{lead_name} leads the work in short phases; the "
            f"partners review progress at the monthly coordination call and record decisions here. Findings "
            f"are shared only under the initiative's TLP label.\n\n### Out of scope\n\n- Funding commitments "
            f"(covered by separate agreements)\n- Regulatory enforcement actions")


def seed(people) -> int:
    created = 0
    now, start_day = utcnow(), today()
    for (title, objective, lead, participants, sectors, status, health, reason, tlp, keyword,
         start, duration, milestones) in INITIATIVES:
        if db.session.scalar(sa.select(Initiative.id).where(Initiative.title == title)):
            continue
        actor = people.user(COORDINATORS[lead])
        recipients = []
        if tlp is TLP.RED:
            recipients = [u for u in people.users.values()
                          if u.organization_id in {people.orgs[k].id for k in participants} and u.role.value
                          in ("coordinator", "executive")]
        agreement = _agreement(keyword)
        initiative = services.create_initiative(
            actor, title=title, objective=objective, description=_description(objective, people.orgs[lead].name),
            agreement_id=agreement.id if agreement else None, lead_organization_id=people.orgs[lead].id,
            participant_ids=[people.orgs[k].id for k in participants], recipients=recipients,
            sectors=[Sector(s) for s in sectors], start_date=start_day + timedelta(days=start),
            target_date=start_day + timedelta(days=start + duration),
            health=health, health_reason=reason, tlp=tlp)
        if status is not InitiativeStatus.PROPOSED:
            initiative.status = status
            initiative.status_changed_at = now
        for m_title, due, done in milestones:
            due_date = start_day + timedelta(days=start + due)
            db.session.add(Milestone(initiative_id=initiative.id, title=m_title, due_date=due_date,
                                     completed_at=now - timedelta(days=max(0, -(start + due))) if done else None))
        created += 1
    db.session.flush()
    return created
