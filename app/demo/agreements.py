"""Demo agreements: MOUs, CRADAs, information-sharing, mutual-aid and NDAs across the partnership.

Created through the agreement services (so each has a reference and an audit trail) and walked
along the lifecycle to its demo status. Dates are relative to today so "expiring within 90 days"
always has something to show. Idempotent: an agreement whose title exists is left alone.
"""
from datetime import timedelta

import sqlalchemy as sa

from app.agreements import services
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementKind
from app.models import AgreementStatus
from app.models import PartyRole
from app.models import today
from app.models._common import utcnow

K, S, R = AgreementKind, AgreementStatus, PartyRole
PATHS = {
    S.DRAFT: [],
    S.IN_REVIEW: [S.IN_REVIEW],
    S.APPROVED: [S.IN_REVIEW, S.APPROVED],
    S.OUT_FOR_SIGNATURE: [S.IN_REVIEW, S.APPROVED, S.OUT_FOR_SIGNATURE],
    S.ACTIVE: [S.IN_REVIEW, S.APPROVED, S.OUT_FOR_SIGNATURE, S.ACTIVE],
    S.EXPIRED: [S.IN_REVIEW, S.APPROVED, S.OUT_FOR_SIGNATURE, S.ACTIVE, S.EXPIRED],
    S.TERMINATED: [S.IN_REVIEW, S.APPROVED, S.OUT_FOR_SIGNATURE, S.ACTIVE, S.TERMINATED],
    S.CANCELLED: [S.IN_REVIEW, S.CANCELLED],
}

COORDINATORS = {"gov": "coordinator@niro.example.gov", "water": "coordinator@riverbend.example.com",
                "energy": "coordinator@northgrid.example.com", "telecom": "coordinator@meridian.example.com",
                "intl": "liaison@ncis.example.se"}

# Signatories (name, title, email) by organisation key.
SIGNATORIES = {
    "gov": ("Robert Haines", "Director, Infrastructure Resilience", "director@niro.example.gov"),
    "water": ("Helen Cho", "General manager", "ceo@riverbend.example.com"),
    "energy": ("Marcus Lind", "Chief information security officer", "ciso@northgrid.example.com"),
    "telecom": ("Ines Duarte", "Network resilience manager", "coordinator@meridian.example.com"),
    "intl": ("Astrid Nilsson", "International liaison", "liaison@ncis.example.se"),
    "client": ("Olivia Grant", "Field operations engineer", "field@nds.example.com"),
    "academia": ("Dr. Claire Dubois", "Vice-president, research", "research-office@ligr.example.ca"),
}

COSTS = {
    K.MOU: "This MOU is a statement of cooperation. It **does not obligate funds**; each party bears its own "
           "costs. Any transfer of funds requires a separate funding instrument.",
    K.MOA: "No obligation of funds. Activities that need funding are documented in separate task orders "
           "subject to the availability of appropriations.",
    K.CRADA: "Under 15 U.S.C. §3710a the federal party may contribute personnel, facilities, equipment and "
             "intellectual property, **but no funds**, to the non-federal partner.",
    K.INFORMATION_SHARING: "No obligation of funds. Each party bears the cost of its own sharing platform "
                           "connections and analyst time.",
    K.MUTUAL_AID: "The requesting party **reimburses** the responding party for personnel, equipment and "
                  "materials at documented rates, within 60 days of an itemised invoice.",
    K.NDA: "No obligation of funds.",
    K.OTHER: "No obligation of funds.",
}

EXTRA = {
    K.INFORMATION_SHARING: "## Handling rules\n\n- Information is labelled under TLP 2.0 and handled accordingly.\n"
                           "- Protected Critical Infrastructure Information (PCII) is marked and stored separately.\n"
                           "- Personal data is minimised: indicators and technical data, not names of staff.\n"
                           "- Retention: shared reports are kept for 3 years unless the source asks otherwise.\n"
                           "- Onward sharing beyond the label needs the source's permission.\n",
    K.MUTUAL_AID: "## Requests and offers\n\n1. A member utility in need contacts the network's 24/7 line.\n"
                  "2. Responding utilities offer personnel and equipment without obligation to accept.\n"
                  "3. Deployed staff remain employees of the responding party.\n\n"
                  "## Liability and workers' compensation\n\nEach party is responsible for workers' "
                  "compensation of its own staff. The requesting party indemnifies responders for acts in "
                  "good faith under its direction.\n",
    K.CRADA: "## Joint work statement\n\nThe parties jointly research the topics in the Purpose section. "
             "Results are reported quarterly.\n\n## Intellectual property\n\nEach party keeps title to its "
             "inventions; the partner receives a first option to an exclusive licence on joint inventions. "
             "Trade secrets are exchanged only in writing and marked.\n",
    K.NDA: "## Confidential information\n\nTechnical data, vulnerability details and site drawings disclosed "
           "under this agreement are used only for the stated purpose and returned or destroyed on request.\n",
}


def terms(kind: AgreementKind, purpose: str, parties: list[str], people) -> str:
    names = [people.orgs[key].name for key in parties]
    authority = {
        "gov": "the Homeland Security Act of 2002 and the national critical infrastructure protection policy",
        "water": "the Riverbend Regional Water Authority charter and America's Water Infrastructure Act",
        "energy": "the NERC CIP reliability standards and the utility's board resolution 2024-11",
        "telecom": "the operator's licence conditions and its board-approved security policy",
        "intl": "the Centre's founding statute and the bilateral cooperation framework",
        "client": "its service agreement with Northgrid Power & Light",
        "academia": "the Institute's research charter",
    }
    lines = [f"## Purpose\n\n{purpose}\n", "## Authorities\n"]
    lines += [f"- **{people.orgs[key].name}**: {authority[key]}." for key in parties]
    lines.append("\n## Responsibilities\n")
    for name in names:
        lines.append(f"- **{name}** designates a point of contact, takes part in scheduled reviews and "
                     "protects shared information according to its TLP label.")
    lines.append("- **Jointly**, the parties meet quarterly and review this agreement every year.\n")
    lines.append(f"## Costs\n\n{COSTS[kind]}\n")
    if kind in EXTRA:
        lines.append(EXTRA[kind])
    lines.append("## Term and termination\n\nThis agreement takes effect on the effective date and runs until "
                 "the expiry date. Either party may terminate it with written notice of the notice period. "
                 "Modifications are made in writing and signed by all parties. Disagreements are resolved "
                 "at the lowest possible level, then by the signatories.\n")
    lines.append("## Points of contact\n\n| Organisation | Contact | Email |\n|---|---|---|")
    for key in parties:
        name, title, email = SIGNATORIES[key]
        lines.append(f"| {people.orgs[key].name} | {name}, {title} | {email} |")
    return "\n".join(lines)


# title, kind, tlp, status, owner key, parties [(key, role)], sectors, effective offset, expiry offset (days
# from today; None = open-ended), notice days, auto-renew, summary, purpose. RED ones name recipients.
AGREEMENTS = [
    ("Water Sector Mutual Aid and Assistance Agreement (WARN)", K.MUTUAL_AID, TLP.GREEN, S.ACTIVE, "water",
     [("water", R.LEAD), ("gov", R.PARTNER)], ["water", "emergency_services"], -400, 700, 90, True,
     "Riverbend and the national office pledge personnel, equipment and materials to each other after "
     "floods, chemical spills or cyber incidents that overwhelm a utility.",
     "Establish a Water/Wastewater Agency Response Network (WARN) so member utilities can request and offer "
     "emergency assistance quickly, under terms agreed before the emergency."),
    ("Energy Sector Information Sharing MOU", K.INFORMATION_SHARING, TLP.AMBER, S.ACTIVE, "gov",
     [("gov", R.LEAD), ("energy", R.PARTNER), ("intl", R.OBSERVER)], ["energy"], -700, 45, 60, False,
     "Two-way sharing of threat indicators, incident reports and grid vulnerability assessments between "
     "NIRO and Northgrid, with NCIS observing.",
     "Share timely cyber and physical threat information affecting the bulk electric system and coordinate "
     "protective measures."),
    ("Grid Anomaly Detection CRADA", K.CRADA, TLP.AMBER, S.ACTIVE, "gov",
     [("gov", R.LEAD), ("academia", R.PARTNER), ("energy", R.PARTNER)], ["energy", "information_technology"],
     -200, 900, 90, False,
     "Cooperative research on machine-learning detection of anomalous commands in substation protocols.",
     "Develop and test anomaly-detection models for IEC 61850 and DNP3 traffic using Northgrid's "
     "test substation and the Institute's research staff."),
    ("Substation Site Survey Non-Disclosure Agreement", K.NDA, TLP.AMBER_STRICT, S.ACTIVE, "energy",
     [("energy", R.LEAD), ("gov", R.PARTNER)], ["energy"], -90, 275, 30, False,
     "Protects substation drawings and physical-security survey results shared with NIRO assessors.",
     "Allow NIRO's assessors to survey ten critical substations while protecting the operator's drawings."),
    ("Ransomware Indicator Exchange (restricted)", K.INFORMATION_SHARING, TLP.RED, S.ACTIVE, "gov",
     [("gov", R.LEAD), ("water", R.PARTNER), ("energy", R.PARTNER)], ["water", "energy"], -60, 305, 30, False,
     "Named analysts exchange live ransomware negotiation and decryptor intelligence. TLP:RED.",
     "Let a named group of analysts exchange live intelligence on ransomware actors targeting utilities."),
    ("Telecommunications Priority Restoration MOU", K.MOU, TLP.GREEN, S.ACTIVE, "telecom",
     [("telecom", R.LEAD), ("gov", R.PARTNER), ("water", R.PARTNER)], ["communications", "water"],
     -500, 60, 90, True,
     "Priority restoration of circuits serving water treatment plants and the national coordination centre.",
     "Agree the order in which Meridian restores circuits after a widespread outage."),
    ("Nordic-US Cross-Border Grid Resilience MOU", K.MOU, TLP.GREEN, S.ACTIVE, "intl",
     [("intl", R.LEAD), ("gov", R.PARTNER)], ["energy"], -300, 1500, 180, True,
     "Exchange of lessons learned, exercise observers and research on cross-border grid resilience.",
     "Cooperate on grid resilience research, joint exercises and lessons learned from Nordic storms."),
    ("Regional Utilities Cyber Exercise MOA", K.MOA, TLP.CLEAR, S.ACTIVE, "gov",
     [("gov", R.LEAD), ("water", R.PARTNER), ("energy", R.PARTNER), ("telecom", R.PARTNER)],
     ["water", "energy", "communications"], -150, 580, 30, False,
     "Sets out who plans, funds and evaluates the annual regional cyber exercise.",
     "Run an annual multi-sector cyber exercise with a shared after-action report."),
    ("Distribution Network Data Sharing Agreement", K.INFORMATION_SHARING, TLP.AMBER, S.ACTIVE, "energy",
     [("energy", R.LEAD), ("client", R.PARTNER)], ["energy"], -365, 20, 30, True,
     "Northgrid shares outage and telemetry data with its distribution subsidiary.",
     "Give Northgrid Distribution Services the telemetry it needs to plan restoration work."),
    ("SCADA Vulnerability Disclosure NDA", K.NDA, TLP.AMBER, S.ACTIVE, "water",
     [("water", R.LEAD), ("academia", R.PARTNER)], ["water", "information_technology"], -30, 335, 30, False,
     "Covers the Institute's testing of Riverbend's SCADA historian and HMI software.",
     "Allow Institute researchers to test SCADA components and disclose findings to Riverbend first."),
    ("Drinking Water Laboratory Surge Capacity MOU", K.MOU, TLP.GREEN, S.OUT_FOR_SIGNATURE, "water",
     [("water", R.LEAD), ("gov", R.PARTNER)], ["water", "healthcare"], 15, 1110, 60, False,
     "Access to the national laboratory network for sample analysis during contamination events.",
     "Secure laboratory surge capacity for drinking-water sampling after a contamination event."),
    ("Submarine Cable Landing Station Protection MOU", K.MOU, TLP.AMBER, S.OUT_FOR_SIGNATURE, "telecom",
     [("telecom", R.LEAD), ("intl", R.PARTNER), ("gov", R.PARTNER)], ["communications"], 30, 1125, 90, False,
     "Physical protection and incident notification for the Meridian cable landing station.",
     "Coordinate protection of the cable landing station and notify partners of cable faults."),
    ("Cross-Sector Dependency Modelling CRADA", K.CRADA, TLP.GREEN, S.APPROVED, "gov",
     [("gov", R.LEAD), ("academia", R.PARTNER)], ["energy", "water", "communications"], 45, 1140, 90, False,
     "Joint modelling of cascading failures between power, water and telecommunications.",
     "Model cascading failures between sectors to prioritise protective investments."),
    ("Electric Vehicle Charging Security Information Sharing", K.INFORMATION_SHARING, TLP.GREEN, S.APPROVED,
     "energy", [("energy", R.LEAD), ("gov", R.PARTNER), ("telecom", R.OBSERVER)],
     ["energy", "transportation"], 30, 760, 30, True,
     "Sharing vulnerabilities and incidents affecting public EV charging networks.",
     "Share vulnerabilities and incidents affecting charging stations and their back-end systems."),
    ("Emergency Generator Fuel Mutual Aid", K.MUTUAL_AID, TLP.GREEN, S.IN_REVIEW, "water",
     [("water", R.LEAD), ("energy", R.PARTNER)], ["water", "energy"], None, None, 30, True,
     "Fuel for emergency generators at pumping stations during extended outages.",
     "Guarantee diesel deliveries to critical pumping stations during outages longer than 24 hours."),
    ("OT Security Operations Centre Pilot MOA", K.MOA, TLP.AMBER, S.IN_REVIEW, "gov",
     [("gov", R.LEAD), ("water", R.PARTNER), ("energy", R.PARTNER)], ["water", "energy", "information_technology"],
     60, 790, 60, False,
     "A shared OT monitoring pilot for small utilities, run by NIRO for two years.",
     "Pilot a shared operational-technology security operations centre for small utilities."),
    ("5G Network Slicing Resilience Research NDA", K.NDA, TLP.AMBER_STRICT, S.IN_REVIEW, "telecom",
     [("telecom", R.LEAD), ("academia", R.PARTNER)], ["communications"], None, None, 30, False,
     "Protects Meridian's network slicing design documents shared with the Institute.",
     "Let the Institute review Meridian's network slicing design for resilience research."),
    ("Dam Safety Sensor Data Sharing Agreement", K.INFORMATION_SHARING, TLP.GREEN, S.DRAFT, "gov",
     [("gov", R.LEAD), ("water", R.PARTNER)], ["dams", "water"], None, None, 30, False,
     "Real-time sharing of dam instrumentation data with the national office.",
     "Share dam instrumentation data so the national office can support emergency action planning."),
    ("Insider Threat Programme Cooperation MOU", K.MOU, TLP.AMBER_STRICT, S.DRAFT, "energy",
     [("energy", R.LEAD), ("gov", R.PARTNER)], ["energy"], None, None, 60, False,
     "Cooperation on insider-threat indicators and background screening practice.",
     "Exchange insider-threat good practice and de-identified case studies."),
    ("Satellite Timing Backup Research CRADA", K.CRADA, TLP.CLEAR, S.DRAFT, "gov",
     [("gov", R.LEAD), ("academia", R.PARTNER), ("telecom", R.PARTNER)], ["communications", "energy"],
     None, None, 90, False,
     "Research on terrestrial backups for GNSS timing used by grids and networks.",
     "Evaluate terrestrial alternatives to GNSS timing for substations and mobile networks."),
    ("Nordic Threat Intelligence Liaison Agreement", K.INFORMATION_SHARING, TLP.RED, S.DRAFT, "intl",
     [("intl", R.LEAD), ("gov", R.PARTNER)], ["energy", "communications"], None, None, 30, False,
     "Draft terms for a liaison officer exchange handling state-actor intelligence. TLP:RED.",
     "Exchange liaison officers to handle intelligence on state actors targeting energy and telecoms."),
    ("Flood Response Pumping Equipment Loan", K.MUTUAL_AID, TLP.CLEAR, S.DRAFT, "water",
     [("water", R.LEAD), ("telecom", R.PARTNER)], ["water", "communications"], None, None, 14, False,
     "Loan of high-capacity pumps to protect Meridian's flood-prone exchange buildings.",
     "Lend portable pumps to protect telephone exchanges during floods."),
    ("Wildfire Public Safety Power Shutoff Coordination MOU", K.MOU, TLP.GREEN, S.DRAFT, "energy",
     [("energy", R.LEAD), ("gov", R.PARTNER), ("telecom", R.PARTNER), ("water", R.PARTNER)],
     ["energy", "emergency_services", "communications", "water"], None, None, 30, False,
     "Advance notice and coordination before public safety power shutoffs.",
     "Coordinate notice to water and telecom operators before power shutoffs in wildfire weather."),
    ("Smart Meter Privacy Review NDA", K.NDA, TLP.AMBER, S.EXPIRED, "energy",
     [("energy", R.LEAD), ("academia", R.PARTNER)], ["energy"], -800, -70, 30, False,
     "Covered the Institute's privacy review of smart-meter data flows (completed).",
     "Protect smart-meter data samples during the privacy review."),
    ("2023 Hurricane Season Mutual Aid MOU", K.MUTUAL_AID, TLP.GREEN, S.EXPIRED, "gov",
     [("gov", R.LEAD), ("water", R.PARTNER), ("energy", R.PARTNER)], ["water", "energy", "emergency_services"],
     -900, -400, 30, False,
     "Season-specific mutual aid arrangement, superseded by the WARN agreement.",
     "Provide mutual aid during the 2023 hurricane season."),
    ("Legacy Telemetry Network Sharing Agreement", K.INFORMATION_SHARING, TLP.AMBER, S.TERMINATED, "telecom",
     [("telecom", R.LEAD), ("energy", R.PARTNER)], ["communications", "energy"], -1200, 300, 90, False,
     "Terminated early when Northgrid migrated its telemetry to a private LTE network.",
     "Share telemetry network status for circuits carrying grid protection signals."),
    ("Joint Cyber Range Access MOA", K.MOA, TLP.GREEN, S.TERMINATED, "intl",
     [("intl", R.LEAD), ("academia", R.PARTNER)], ["information_technology"], -600, 130, 60, False,
     "Terminated by mutual consent after the cyber range moved to a new operator.",
     "Give Institute researchers access to the Centre's cyber range."),
    ("Chemical Storage Site Information Sharing", K.INFORMATION_SHARING, TLP.AMBER, S.CANCELLED, "water",
     [("water", R.LEAD), ("gov", R.PARTNER)], ["chemical", "water"], None, None, 30, False,
     "Cancelled: replaced by the state's chemical facility reporting programme.",
     "Share chlorine storage inventories with emergency planners."),
    ("Data Centre Cooling Water Supply MOU", K.MOU, TLP.GREEN, S.CANCELLED, "telecom",
     [("telecom", R.LEAD), ("water", R.PARTNER)], ["communications", "water"], None, None, 30, False,
     "Cancelled during review when Meridian chose air cooling for the new data centre.",
     "Secure cooling water supply priority for Meridian's data centre."),
    ("Critical Manufacturing Supply Chain Risk MOU", K.MOU, TLP.GREEN, S.ACTIVE, "gov",
     [("gov", R.LEAD), ("energy", R.PARTNER), ("telecom", R.PARTNER)], ["critical_manufacturing", "energy"],
     -120, 85, 60, False,
     "Sharing supply-chain risk on transformers, switchgear and network equipment.",
     "Share supply-chain risk information on long-lead equipment such as large power transformers."),
    ("Emergency Communications Interoperability Agreement", K.OTHER, TLP.CLEAR, S.ACTIVE, "telecom",
     [("telecom", R.LEAD), ("gov", R.PARTNER), ("water", R.PARTNER), ("energy", R.PARTNER)],
     ["communications", "emergency_services"], -250, 480, 30, True,
     "Shared radio talk groups and satellite phone numbers for emergencies.",
     "Make emergency radio and satellite communications interoperable between the partners."),
    ("Pipeline SCADA Incident Reporting MOU", K.MOU, TLP.AMBER, S.APPROVED, "energy",
     [("energy", R.LEAD), ("gov", R.PARTNER), ("intl", R.OBSERVER)], ["energy"], 20, 750, 30, False,
     "Incident reporting timelines for gas pipeline control systems.",
     "Agree incident reporting timelines and content for pipeline control-system incidents."),
]

# TLP:RED recipients (emails) by title.
RED_RECIPIENTS = {
    "Ransomware Indicator Exchange (restricted)": ["analyst@niro.example.gov", "ops@riverbend.example.com",
                                                   "security@northgrid.example.com",
                                                   "coordinator@riverbend.example.com",
                                                   "coordinator@northgrid.example.com"],
    "Nordic Threat Intelligence Liaison Agreement": ["coordinator@niro.example.gov", "analyst@ncis.example.se"],
}


def _with_second_coordinator(owner: str, status, parties):
    """Four eyes needs a coordinator of another (non-observer) party to approve what the owner submitted:
    where no other party has one, the programme office (or, for its own agreements, Northgrid) joins as a
    partner (an observer's coordinators do not review or approve the parties' text)."""
    if S.APPROVED not in PATHS[status] or any(_may_approve(k, role, owner) for k, role in parties):
        return parties
    return [*parties, ("gov" if owner != "gov" else "energy", R.PARTNER)]


def _may_approve(key: str, role, owner: str) -> bool:
    return key != owner and key in COORDINATORS and role is not R.OBSERVER


def _approver(people, owner: str, parties):
    """The coordinator of the first other lead or partner party that has one (the owner submitted it)."""
    return people.user(COORDINATORS[next(key for key, role in parties if _may_approve(key, role, owner))])


def seed(people) -> int:
    created = 0
    start = today()
    for (title, kind, tlp, status, owner, parties, sectors, effective, expiry, notice, renew, summary,
         purpose) in AGREEMENTS:
        if db.session.scalar(sa.select(Agreement.id).where(Agreement.title == title)) is not None:
            continue
        actor = people.user(COORDINATORS[owner])
        parties = _with_second_coordinator(owner, status, parties)
        rows = []
        for key, role in parties:
            name, job, email = SIGNATORIES[key] if status is not S.DRAFT else ("", "", "")
            rows.append({"organization_id": people.orgs[key].id, "party_role": role, "signatory_name": name,
                         "signatory_title": job if name else "", "signatory_email": email if name else ""})
        agreement = services.create_agreement(
            actor, parties=rows, recipients=[people.user(e) for e in RED_RECIPIENTS.get(title, [])],
            title=title, kind=kind, tlp=tlp, summary=summary, sectors=sectors,
            terms=terms(kind, purpose, [key for key, _ in parties], people),
            effective_date=start + timedelta(days=effective) if effective is not None else None,
            expiry_date=start + timedelta(days=expiry) if expiry is not None else None,
            notice_days=notice, auto_renew=renew)
        for step in PATHS[status]:
            # Four eyes: a coordinator of another party approves what the owner submitted.
            services.transition_agreement(_approver(people, owner, parties) if step is S.APPROVED else actor,
                                          agreement, step)
        if effective is not None and effective < 0:
            # Backdate the record so lists sorted by "updated" look lived-in.
            agreement.created_at = agreement.updated_at = utcnow() + timedelta(days=effective)
        db.session.flush()
        created += 1
    return created
