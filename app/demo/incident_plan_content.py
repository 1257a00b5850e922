"""Content of the demo incident-response plans (used by app/demo/incident_plans.py).

Plain data: each plan has its scope, procedures per NIST SP 800-61 phase and its roster. A roster entry is
(role, name, organisation, phone, email, escalation tier, available 24/7), or, for a demo user (app/demo/people.py),
(role, email, tier, available 24/7): the user's name and organisation, and the phone in PHONES.
"""
P, D, C, R = "preparation", "detection_analysis", "containment_recovery", "post_incident"

RANSOMWARE_WATER_SECTIONS = [
    (P, "Roles, authority and activation", """\
- The **incident response lead** (Riverbend SCADA operations lead) may declare an incident at any hour.
- Severity 1 (loss of view or control of treatment or pumping) activates the full team and NIRO liaison.
- The general manager is the executive sponsor and approves any ransom-related decision together with
  legal counsel; **no payment without law-enforcement consultation**."""),
    (P, "Backups and restoration readiness", """\
1. Nightly offline backups of HMI, historian and engineering workstations (immutable, 35-day retention).
2. Quarterly restore test of one HMI and the historian to the isolated test bench; record restore times.
3. Printed **manual operations binder** at each plant: setpoints, valve line-ups, chlorine dosing tables."""),
    (P, "Exercises", """\
- Tabletop twice a year with NIRO and Northgrid (shared power dependency); last: ransomware on billing
  spreading to the OT DMZ.
- After-action items are tracked as working-group tasks until closed."""),
    (D, "Indicators and triage", """\
| Signal | First check |
|---|---|
| Ransom note, renamed files on IT shares | Is the OT DMZ jump host affected? |
| EDR alert on an engineering workstation | Pull the host's last 24 h of RDP logons |
| HMI values frozen or operators locked out | Switch to manual operations immediately |

Classify severity within **30 minutes** of the first report; log every decision with time and author."""),
    (D, "Evidence handling", """\
- Photograph screens before touching them; capture memory of affected Windows hosts with the IR kit.
- Keep chain-of-custody forms with every disk image; store images on the encrypted evidence NAS.
- Do **not** reimage a host before the technical lead releases it."""),
    (C, "Containment", """\
1. Sever the IT/OT firewall conduit (pre-approved rule set `OT-ISOLATE`) and the vendor VPN.
2. Move plants to manual or local PLC control; confirm chlorine residual and tank levels every 30 minutes.
3. Disable compromised accounts; reset the domain's Tier 0 credentials from the clean admin workstation."""),
    (C, "Eradication and recovery", """\
- Rebuild affected hosts from gold images; restore data from the last backup verified clean.
- Reconnect one plant at a time; watch for 72 hours before reconnecting the next.
- Boil-water notices follow the state drinking water programme's criteria, not IT recovery status."""),
    (R, "Reporting and information sharing", """\
- CISA within 72 hours (CIRCIA covered entity); WaterISAC the same day at TLP:AMBER.
- State primacy agency if treatment was affected; EPA regional office informed by the state.
- Share indicators with partners through NIRO within 24 hours of confirmation."""),
    (R, "Lessons learned", """\
Hold the after-action review within **two weeks**. Update this plan, the severity matrix and the
manual operations binder; record the change summary in a new plan version."""),
]

# The desk phones of the demo users that rosters name.
PHONES = {
    "coordinator@niro.example.gov": "+1 555 0100 1000",
    "analyst@niro.example.gov": "+1 555 0100 1020",
    "coordinator@riverbend.example.com": "+1 555 0140 2000",
    "ceo@riverbend.example.com": "+1 555 0140 2001",
    "ops@riverbend.example.com": "+1 555 0140 2211",
    "coordinator@northgrid.example.com": "+1 555 0170 3300",
    "ciso@northgrid.example.com": "+1 555 0170 3001",
    "security@northgrid.example.com": "+1 555 0170 3500",
    "coordinator@meridian.example.com": "+1 555 0150 4000",
    "noc@meridian.example.com": "+1 555 0150 4400",
    "liaison@ncis.example.se": "+46 8 555 010 00",
}

RANSOMWARE_WATER_CONTACTS = [
    ("Incident response lead", "ops@riverbend.example.com", 1, True),
    ("Technical lead (OT)", "Lena Ortiz", "Riverbend Regional Water Authority", "+1 555 0140 2250",
     "lena.ortiz@riverbend.example.com", 1, True),
    ("Communications lead", "Paul Ndiaye", "Riverbend Regional Water Authority", "+1 555 0140 2300",
     "press@riverbend.example.com", 2, False),
    ("Legal counsel", "Sarah Kim", "Kim & Partners LLP", "+1 555 0199 4000", "skim@kimpartners.example.com", 2, False),
    ("Executive sponsor", "ceo@riverbend.example.com", 3, True),
    ("CISA liaison", "Regional CSA duty officer", "CISA Region 5", "+1 555 0100 7000", "region5@cisa.example.gov", 2, True),
    ("ISAC liaison", "WaterISAC watch desk", "WaterISAC", "+1 555 0100 8100", "analyst@waterisac.example.org", 3, True),
    ("Partner liaison", "coordinator@niro.example.gov", 2, True),
]


def short_sections(prep: str, detect: str, contain: str, post: str, *, titles=None) -> list[tuple]:
    titles = titles or ("Readiness", "Detection and triage", "Containment and recovery", "After-action review")
    return [(P, titles[0], prep), (D, titles[1], detect), (C, titles[2], contain), (R, titles[3], post)]


def standard_contacts(org: str, lead: str, liaison: str | None = None) -> list:
    """A minimal roster: the owner's lead and duty desk, plus an optional partner liaison (demo users' emails)."""
    roster = [("Incident response lead", lead, 1, True),
              ("Duty desk (24/7)", "Operations duty officer", org, "+1 555 0100 9999", "", 1, True),
              ("Executive sponsor", "Executive on call", org, "+1 555 0100 9000", "", 3, False)]
    if liaison:
        roster.append(("Partner liaison", liaison, 2, False))
    return roster


GRID_SECTIONS_V1 = short_sections(
    """- EMS and SCADA assets inventoried per NERC CIP-002; BES Cyber System list reviewed yearly.
- Backup control centre tested twice a year (full transfer of operations within 2 hours).""",
    """- Alerts from the ESP intrusion detection sensors go to the 24/7 SOC; SOC pages the EMS on-call.
- Report to E-ISAC and the regional entity within 1 hour for a Reportable Cyber Security Incident.""",
    """- Transfer operations to the backup control centre; isolate the primary EMS network.
- Restore from the last known-good EMS database snapshot.""",
    """- After-action review within 30 days; CIP-008 plan updates within 90 days.""")

GRID_SECTIONS_V2 = [
    (P, "Scope and BES Cyber Systems", """\
- Primary and backup control centres, EMS/SCADA, ICCP links to the reliability coordinator, RTUs at
  transmission substations (high and medium impact BES Cyber Systems, NERC CIP-002).
- Northgrid Distribution Services (client) receives TLP:AMBER notices through this plan."""),
    (P, "Readiness and drills", """\
1. Backup control centre transfer drill **twice a year**; target: operations transferred within 2 hours.
2. Annual CIP-008 test with E-ISAC participation; GridEx every other year.
3. Offline copies of EMS database, network diagrams and RTU configurations in the backup centre safe."""),
    (D, "Detection sources and severity", """\
| Severity | Example | Notify |
|---|---|---|
| 1 | Loss of EMS visibility or unauthorised control action | RC, E-ISAC, NIRO within **1 hour** |
| 2 | Malware in the ESP, no operational impact | E-ISAC within 24 hours |
| 3 | Attempted access blocked at the EAP | Monthly report |"""),
    (D, "Reportable incident determination", """\
The IR lead and the CIP senior manager decide within one hour whether the event is a *Reportable Cyber
Security Incident* (CIP-008-6) and record the decision and its reasons in the incident log."""),
    (C, "Containment at the control centre", """\
- Transfer to the backup control centre; disable ICCP links from the affected site.
- Block vendor remote access at the intermediate system; revoke session certificates.
- Dispatch field crews to critical substations for manual operation if RTU integrity is in doubt."""),
    (C, "Recovery and return to primary", """\
- Rebuild EMS servers from gold images; verify RTU configurations against the offline baseline.
- Return to the primary centre only after 48 hours without recurrence and CIP senior manager sign-off."""),
    (R, "Reporting and lessons learned", """\
- Final report to E-ISAC and CISA; update this plan within 90 days of the incident (CIP-008 R3).
- Share sanitised lessons with the partnership at TLP:GREEN."""),
]

GRID_CONTACTS = [
    ("Incident response lead", "coordinator@northgrid.example.com", 1, True),
    ("Technical lead (EMS)", "EMS on-call engineer", "Northgrid Power & Light", "+1 555 0170 3399", "", 1, True),
    ("CIP senior manager", "ciso@northgrid.example.com", 2, True),
    ("Reliability coordinator", "RC shift supervisor", "Midcontinent RC", "+1 555 0188 0000", "", 2, True),
    ("ISAC liaison", "E-ISAC watch operations", "E-ISAC", "+1 555 0101 2222", "watch@eisac.example.org", 2, True),
    ("Partner liaison", "coordinator@niro.example.gov", 3, False),
]

TELECOM_SECTIONS = [
    (P, "Dependencies and priorities", """\
- Priority restoration list agreed with NIRO: water SCADA telemetry circuits, Northgrid ICCP and
  protection circuits, 911 trunks, hospital links (TSP priorities honoured first).
- Generator fuel contracts for central offices: 72 hours on site."""),
    (D, "Outage classification", """\
- **Major**: more than 10,000 subscribers or any TSP circuit down > 30 minutes; FCC NORS report due.
- NOC opens a bridge and invites partner liaisons for Major outages."""),
    (C, "Coordination bridge", """\
1. NOC shift lead chairs the bridge every 60 minutes until restoration.
2. Partners report the circuits they need first; Meridian gives restoration estimates per circuit.
3. If the cause is a cyber attack, the cyber IR plan takes over containment; this plan keeps coordination."""),
    (R, "Reporting", """\
- FCC NORS final report within 30 days; shared summary with partners at TLP:GREEN.
- Review the priority list with partners after every Major outage."""),
]

INSIDER_SECTIONS = short_sections(
    """- Two-person rule for control actions outside normal dispatch; privileged sessions recorded.
- HR notifies security of resignations and disciplinary actions the same day (need-to-know only).""",
    """- Triggers: unusual after-hours logons, bulk export of one-line diagrams, disabled logging.
- Security and HR assess together; no confrontation with the employee before legal review.""",
    """- Suspend access quietly at a shift change; preserve session recordings and badge logs.
- Escort from site with HR present; notify law enforcement if sabotage is suspected.""",
    """- Legal decides on referral; debrief limited to the named recipients of this plan.""",
    titles=("Safeguards", "Warning signs and assessment", "Access suspension", "Closure"))

CHLORINE_SECTIONS = short_sections(
    """- Chlorine gas scrubbers tested monthly; SCADA high-dose interlocks independent of the HMI.
- Mutual-aid agreement with neighbouring utilities for chlorine operators.""",
    """- Alarm on dosing setpoint change without a work order; operators verify at the analyser, not the HMI.""",
    """- Switch dosing to local manual control; isolate the HMI network; notify fire department hazmat if
  a release is possible. Public notice through the county emergency manager.""",
    """- Joint review with the state primacy agency and NIRO; share indicators at TLP:AMBER+STRICT.""")

NATIONAL_SECTIONS = short_sections(
    """- NIRO maintains the partner directory and a 24/7 duty officer; quarterly contact-verification drill.""",
    """- Partners report significant cyber incidents to the NIRO duty officer; NIRO assesses cross-sector
  impact within 2 hours using the national severity schema (levels 0–5).""",
    """- For level 3 and above NIRO convenes the Cyber Unified Coordination Group with sector agencies,
  CISA and affected operators; asset response stays with each operator's own plan.""",
    """- NIRO publishes a TLP:CLEAR summary and a TLP:AMBER technical report to partners within 30 days.""",
    titles=("Standing arrangements", "Reporting and assessment", "Coordination", "Public reporting"))

CROSS_BORDER_SECTIONS = short_sections(
    """- Points of contact exchanged between NCIS, NIRO and Northgrid; encrypted mail keys verified yearly.""",
    """- Incidents affecting interconnectors or shared market systems are shared within 4 hours.""",
    """- Joint call chaired by NCIS; each party contains on its own side of the border.""",
    """- Joint lessons-learned report; translation of key indicators into both languages.""")

DDOS_SECTIONS = short_sections(
    """- Upstream scrubbing contract with two providers; runbooks for BGP diversion tested quarterly.""",
    """- NOC alert at 3× baseline traffic on portal VIPs; confirm with flow data before diverting.""",
    """- Divert to scrubbing; enable geo rate limits; keep the outage status page on separate hosting.""",
    """- Customer communications review; update thresholds.""")

SUPPLY_CHAIN_SECTIONS = short_sections(
    """- Software bill of materials requested from OT vendors; vendor remote access through one broker.""",
    """- Vendor advisory or threat report naming a compromised update: inventory affected versions in
  24 hours across partners (NIRO collates).""",
    """- Block the vendor's update channel and remote access; restore the last signed good version.""",
    """- Share affected-version inventory at TLP:AMBER; feed procurement requirements.""")

GPS_SECTIONS = short_sections(
    """- Holdover oscillators at grid PMUs and cell sites (24 h); alternative time source (eLoran / PTP over fibre).""",
    """- Alarms on time offset > 1 µs across more than one site indicate wide-area spoofing or jamming.""",
    """- Switch to holdover and terrestrial time; inform FCC and the Coast Guard NAVCEN of interference.""",
    """- Review holdover performance and PMU data quality with Northgrid.""")

WILDFIRE_SECTIONS = short_sections(
    """- Public safety power shutoff (PSPS) playbooks linked to cyber IR; field radio backups.""",
    """- Watch for spoofed PSPS notifications and attacks on the customer alert platform.""",
    """- Fall back to radio and broadcast channels; verify every de-energisation order by voice.""",
    """- Joint review with county emergency management after each PSPS season.""")

PHISHING_SECTIONS = short_sections(
    """- Payment-change requests verified by call-back to a known number; DMARC reject on all domains.""",
    """- Users report with the phish button; security triages within 1 hour.""",
    """- Purge messages tenant-wide; reset credentials and revoke tokens; recall payments with the bank.""",
    """- Monthly metrics to the general manager.""")

BREACH_SECTIONS = short_sections(
    """- Data map of customer PII (billing, payment cards via processor only).""",
    """- Legal determines whether state breach-notification thresholds are met.""",
    """- Contain the source; engage forensic firm under privilege.""",
    """- Notifications to customers and regulators within statutory deadlines; credit monitoring offer.""")

SUBSTATION_SECTIONS = short_sections(
    """- Perimeter cameras and fibre intrusion detection at critical substations; spare transformer plan.""",
    """- Alarm from the substation perimeter or loss of protection relays: SOC calls local law enforcement
  and dispatches a crew with security escort.""",
    """- Switch load around the substation; secure the site; preserve evidence for the FBI.""",
    """- CIP-014 review; share details with partners at TLP:AMBER.""")

HISTORIAN_SECTIONS = short_sections(
    """- Historian replicas pushed one-way through a data diode to the research enclave.""",
    """- Integrity checks on historian data used for research models.""",
    """- Cut replication; rebuild the enclave from clean images.""",
    """- Review data-sharing terms with LIGR.""")
