"""Demo working groups and their tasks: members across organisations, every TLP label, open and
closed groups, and ~160 tasks over every status and priority (some overdue, some due this week).

Idempotent: a group whose name exists is left alone. Dates are relative to today, and a seeded
random generator keeps the data the same from run to run.
"""
import random
from datetime import timedelta

import sqlalchemy as sa

from app.demo.people import COORDINATORS
from app.extensions import db
from app.models import TLP
from app.models import Initiative
from app.models import MemberRole
from app.models import Task
from app.models import TaskPriority
from app.models import TaskStatus
from app.models import TaskUpdate
from app.models import WorkingGroup
from app.models import WorkingGroupStatus
from app.models import today
from app.models import utcnow
from app.tasks import services as task_services
from app.working_groups import services

CH, ME, OB = MemberRole.CHAIR, MemberRole.MEMBER, MemberRole.OBSERVER

# name, owner, TLP, status, initiative title (linked when it exists), charter, members, tasks
GROUPS = [
    ("Water ICS Security Working Group", "water", TLP.AMBER, "active",
     "OT network segmentation pilot for water utilities",
     "Coordinate the hardening of industrial control systems at drinking-water and wastewater plants: "
     "asset inventories, remote-access controls, segmentation and incident drills.",
     [("ops@riverbend.example.com", ME), ("analyst@niro.example.gov", ME), ("researcher@ligr.example.ca", OB),
      ("coordinator@niro.example.gov", ME)],
     ["Inventory PLC firmware versions at both treatment plants", "Remove vendor default passwords on HMIs",
      "Document remote-access paths into the SCADA network", "Draft the zone-and-conduit diagram",
      "Test restore of the historian from offline backup", "Review chlorine dosing interlocks",
      "Schedule the plant 1 segmentation cut-over", "Collect firewall change logs for Q2",
      "Brief operators on phishing targeting SCADA staff", "Update the OT asset register",
      "Validate MFA on the engineering workstation jump host", "Share lessons learned with partner utilities"]),
    ("Grid Physical Security Working Group", "energy", TLP.AMBER_STRICT, "active",
     "Substation physical security hardening programme",
     "Protect high-consequence transmission substations against ballistic, intrusion and sabotage attacks "
     "(NERC CIP-014).",
     [("security@northgrid.example.com", CH), ("field@nds.example.com", ME), ("analyst@niro.example.gov", OB),
      ("coordinator@niro.example.gov", ME)],
     ["Walk-down of perimeter fencing at Cedar Hill substation", "Install ballistic barriers at transformer bank 2",
      "Review CCTV coverage gaps at the three 345 kV sites", "Test intrusion alarms with the regional SOC",
      "Replace padlocks with electronic access control", "Update the CIP-014 threat and vulnerability assessment",
      "Coordinate patrol schedules with county sheriff", "Procure spare transformer bushings",
      "Run a drone-overflight detection trial", "Train field crews on suspicious-activity reporting",
      "Map vegetation clearance around the fence line", "Brief the regional fusion centre on recent incidents"]),
    ("Telecom Resilience and Backup Power WG", "telecom", TLP.GREEN, "active",
     "Telecom tower battery backup resilience study",
     "Keep cell sites, central offices and fibre huts running through extended power outages.",
     [("noc@meridian.example.com", CH), ("ops@riverbend.example.com", OB), ("coordinator@northgrid.example.com", ME),
      ("analyst@ncis.example.se", ME)],
     ["Survey battery runtime at the 40 priority cell sites", "Agree fuel delivery priorities with the state EOC",
      "Test automatic transfer switches at two central offices", "Publish generator hookup standards",
      "Map cell sites serving water pumping stations", "Replace end-of-life VRLA batteries at rural sites",
      "Run a 72-hour outage tabletop with utilities", "Collect outage data from the last winter storm",
      "Check generator permits for the new fibre hub", "Draft the backup-power reporting template",
      "Pilot remote battery telemetry"]),
    ("Ransomware Preparedness WG", "gov", TLP.GREEN, "active",
     "Ransomware recovery playbook for municipal utilities",
     "Prepare partners to prevent, withstand and recover from ransomware affecting IT and OT.",
     [("analyst@niro.example.gov", CH), ("ops@riverbend.example.com", ME), ("security@northgrid.example.com", ME),
      ("noc@meridian.example.com", ME), ("field@nds.example.com", ME), ("director@niro.example.gov", OB)],
     ["Verify offline backups at each partner", "Draft the ransomware communications template",
      "Run the exercise 2 scenario with electricity distribution", "Collect decryption-decision criteria",
      "Map dependencies on managed service providers", "Update the ransomware response contact roster",
      "Test the out-of-band email channel", "Review cyber insurance notification clauses",
      "Publish the after-action report for exercise 1", "Inventory domain admin accounts",
      "Check EDR coverage on engineering laptops", "Prepare the board briefing on recovery times"]),
    ("Cross-Sector Information Sharing WG", "gov", TLP.CLEAR, "active", "Threat intelligence feed for small utilities",
     "Agree how partners share indicators, advisories and incident notifications, and measure how fast.",
     [("analyst@ncis.example.se", ME), ("analyst@niro.example.gov", CH), ("noc@meridian.example.com", ME),
      ("ops@riverbend.example.com", ME), ("researcher@ligr.example.ca", OB)],
     ["Agree the STIX 2.1 sharing profile", "Measure indicator sharing latency for Q1",
      "Onboard two small utilities to the feed", "Translate the advisory template for Nordic partners",
      "Set up the weekly threat call agenda", "Review TLP handling training material",
      "Publish the sharing metrics dashboard", "Close the feedback loop on last month's advisories",
      "Retire the legacy mailing list", "Document the incident notification timelines",
      "Invite the healthcare ISAC to the monthly call", "Review the indicator false-positive rate"]),
    ("Cross-Border Grid Incident Exchange WG", "intl", TLP.AMBER, "active",
     "Cross-border grid incident information exchange",
     "Run the 24/7 channel exchanging grid incident indicators with Nordic partners within one hour.",
     [("analyst@ncis.example.se", CH), ("security@northgrid.example.com", ME), ("coordinator@northgrid.example.com", ME),
      ("analyst@niro.example.gov", ME)],
     ["Test the secure channel end to end", "Exchange updated points of contact",
      "Agree severity levels for grid incidents", "Run the quarterly joint review",
      "Translate the incident form into Swedish", "Verify PGP keys of all duty officers",
      "Log response times of the last five exchanges", "Draft the escalation matrix",
      "Join the ENTSO-E awareness call", "Archive closed incident threads",
      "Rehearse a night-time exchange with the duty officers", "Agree the shared glossary of grid terms"]),
    ("Insider Threat Control Room WG", "energy", TLP.RED, "active", "Insider threat programme for control room staff",
     "Design an insider-threat programme for control room staff without harming trust or privacy.",
     [("security@northgrid.example.com", ME), ("ciso@northgrid.example.com", OB), ("coordinator@niro.example.gov", ME)],
     ["Review access logs for privileged control room accounts", "Draft the two-person rule for breaker operations",
      "Consult the works council on monitoring", "Define behavioural indicators with HR",
      "Pilot session recording on the EMS consoles", "Agree the case-handling procedure",
      "Train supervisors on reporting concerns", "Check background screening renewals",
      "Map who can change protection settings", "Report findings to the executive sponsor",
      "Review leaver procedures for contractors"]),
    ("Water Mutual Aid Resource Typing WG", "water", TLP.GREEN, "active", "Water sector mutual aid resource typing",
     "Type and catalogue equipment and crews that utilities can lend each other in an emergency.",
     [("ops@riverbend.example.com", CH), ("coordinator@niro.example.gov", ME), ("analyst@niro.example.gov", ME)],
     ["Catalogue portable generators by size", "Type the pump crews and their certifications",
      "Agree reimbursement rates for borrowed crews", "Collect bypass pumping inventories",
      "Draft the mutual aid request form", "Test the resource request process in a drill",
      "Map chlorine supply alternatives", "Update the contact list of participating utilities",
      "Publish the resource typing catalogue v1", "Review WARN activation lessons",
      "Pre-position a water treatment trailer", "Agree liability terms for loaned equipment"]),
    ("GPS Timing Dependency WG", "energy", TLP.AMBER, "active", "GPS timing dependency assessment for the grid",
     "Find and reduce dependencies of protection and control systems on GPS timing.",
     [("security@northgrid.example.com", ME), ("researcher@ligr.example.ca", ME), ("field@nds.example.com", ME),
      ("noc@meridian.example.com", OB)],
     ["Inventory devices using GPS time at substations", "Test holdover of the grandmaster clocks",
      "Evaluate PTP over fibre as a backup", "Simulate a GPS spoofing event in the lab",
      "Survey telecom timing sources", "Recommend antenna placement standards",
      "Review PMU data quality during the last outage", "Write the timing resilience guideline",
      "Brief operators on spoofing indicators", "Procure two rubidium clocks for the pilot",
      "Check timing dependencies in the EMS servers", "Share test results with the telecom partners"]),
    ("Drone Incursion Detection WG", "gov", TLP.AMBER_STRICT, "active", "Drone incursion detection at critical sites",
     "Trial drone detection at critical sites and agree reporting to law enforcement.",
     [("analyst@niro.example.gov", ME), ("security@northgrid.example.com", ME), ("ops@riverbend.example.com", ME)],
     ["Select three trial sites", "Evaluate RF detection sensors", "Agree the law enforcement reporting path",
      "Check legal limits on detection technologies", "Log drone sightings for six weeks",
      "Train guards on drone response", "Write the trial evaluation report",
      "Brief the aviation authority", "Estimate costs for a wider rollout", "Collect incident photos securely",
      "Draft signage for no-fly zones", "Compare findings with the Nordic partners"]),
    ("Emergency Fuel Resupply WG", "gov", TLP.GREEN, "closed", "Emergency generator fuel resupply coordination",
     "Agreed priority fuel deliveries for water and telecom sites during extended grid outages (completed).",
     [("ops@riverbend.example.com", ME), ("noc@meridian.example.com", ME), ("analyst@niro.example.gov", CH)],
     ["List sites needing fuel within 48 hours", "Agree the priority order with the state EOC",
      "Sign contracts with two fuel suppliers", "Test the fuel request hotline",
      "Publish the final fuel priority list", "Close out the working group report"]),
    ("Smart Meter Supply Chain WG", "energy", TLP.AMBER, "closed", "Smart meter firmware supply chain assurance",
     "Reviewed the firmware signing and update chain of the smart meter fleet (concluded).",
     [("security@northgrid.example.com", ME), ("researcher@ligr.example.ca", ME), ("field@nds.example.com", ME)],
     ["Review the vendor's code signing process", "Test firmware rollback protection",
      "Audit the head-end update permissions", "Write the supplier security requirements",
      "Present findings to procurement", "Archive the test evidence"]),
    ("Undersea Cable Landing Protection WG", "telecom", TLP.AMBER_STRICT, "active",
     "Undersea cable landing station protection review",
     "Review physical and cyber protection of cable landing stations and their power feeds.",
     [("noc@meridian.example.com", ME), ("analyst@ncis.example.se", ME), ("analyst@niro.example.gov", OB)],
     ["Survey the two landing stations", "Review the maritime surveillance agreement",
      "Check diverse power feeds to the stations", "Agree repair-ship access procedures",
      "Map cable routes against fishing zones", "Test alarms at the beach manhole",
      "Draft the protection improvement plan", "Brief the coast guard liaison"]),
    ("Legacy Radio Interoperability WG", "gov", TLP.CLEAR, "active", None,
     "Keep field crews of different utilities able to talk to each other when cellular networks fail.",
     [("field@nds.example.com", ME), ("ops@riverbend.example.com", ME), ("noc@meridian.example.com", CH)],
     ["Inventory handheld radio models per utility", "Agree common talk groups for emergencies",
      "Test interoperability at the county exercise", "Replace batteries in the shared radio cache",
      "Publish the radio quick reference card", "Plan the annual radio check-in",
      "Reprogram radios with the new talk groups", "Test the repeater on the backup generator"]),
    ("Black Start Exercise Planning WG", "energy", TLP.AMBER, "active", "Regional black start exercise 2026",
     "Plan the regional black start exercise with generators, transmission and telecom partners.",
     [("security@northgrid.example.com", ME), ("noc@meridian.example.com", ME), ("field@nds.example.com", ME)],
     ["Confirm black start units and their cranking paths", "Agree the exercise date with the ISO",
      "Test satellite phones at the control centres", "Write the exercise injects for telecom loss",
      "Book observers from the Nordic partner"]),
    ("Chlorine Release Consequence WG", "water", TLP.AMBER_STRICT, "active",
     "Chlorine gas release consequence modelling",
     "Model chlorine release scenarios at treatment plants and agree protective actions with responders.",
     [("ops@riverbend.example.com", CH), ("analyst@niro.example.gov", ME), ("researcher@ligr.example.ca", ME)],
     ["Collect storage quantities per plant", "Run dispersion models for three weather cases",
      "Review shelter-in-place messaging with the county", "Check scrubber maintenance records"]),
    ("Vulnerability Disclosure Coordination WG", "gov", TLP.GREEN, "active",
     "Shared vulnerability disclosure process for ICS vendors",
     "Agree one coordinated vulnerability disclosure process with ICS vendors serving the partners.",
     [("analyst@niro.example.gov", CH), ("researcher@ligr.example.ca", ME), ("analyst@ncis.example.se", ME),
      ("security@northgrid.example.com", ME)],
     ["Draft the disclosure timeline policy", "Invite the top five ICS vendors", "Set up the encrypted intake mailbox",
      "Agree the embargo rules with Nordic CERTs", "Publish the first coordinated advisory"]),
    ("Severe Weather Crew Staging WG", "gov", TLP.CLEAR, "active", "Severe weather pre-positioning of repair crews",
     "Pre-position repair crews and materials ahead of forecast storms across utilities.",
     [("field@nds.example.com", ME), ("ops@riverbend.example.com", ME), ("noc@meridian.example.com", ME)],
     ["Agree staging areas with the state DOT", "List crews available for mutual assistance",
      "Pre-stage poles and transformers before hurricane season", "Test the crew check-in app"]),
    ("Control Room Cyber Training WG", "energy", TLP.GREEN, "active",
     "Cyber-informed engineering training for water engineers",
     "Build short cyber-awareness modules for control room operators and engineers.",
     [("security@northgrid.example.com", CH), ("ops@riverbend.example.com", ME), ("researcher@ligr.example.ca", ME)],
     ["Outline the five training modules", "Record the phishing-for-operators video",
      "Pilot module 1 with two control rooms", "Collect feedback from the pilot"]),    ("Satellite Backhaul Contingency WG", "telecom", TLP.AMBER, "active", None,
     "Plan satellite backhaul for cell sites and utility telemetry when terrestrial fibre is cut.",
     [("noc@meridian.example.com", CH), ("ops@riverbend.example.com", ME), ("analyst@ncis.example.se", OB)],
     ["Inventory sites with no second fibre route", "Price portable satellite terminals",
      "Test telemetry failover over satellite at one pumping station", "Write the activation checklist"]),
    ("Water Quality Sensor Integrity WG", "water", TLP.AMBER, "active", None,
     "Assure the integrity of online water-quality sensors against tampering and spoofed readings.",
     [("ops@riverbend.example.com", CH), ("researcher@ligr.example.ca", ME), ("analyst@niro.example.gov", OB)],
     ["List sensors that can change dosing automatically", "Add plausibility checks to the historian",
      "Seal sensor cabinets at remote reservoirs", "Run a spoofed-reading drill with operators"]),
    ("Critical Spares Pooling WG", "energy", TLP.GREEN, "active", None,
     "Pool long-lead spares (large transformers, breakers, pumps) between partners for faster recovery.",
     [("security@northgrid.example.com", ME), ("field@nds.example.com", ME), ("ops@riverbend.example.com", ME)],
     ["Publish the shared spares catalogue", "Agree the loan and replacement terms",
      "Map transport routes for oversized loads", "Test a spare transfer with the state DOT"]),
    ("OT Threat Hunting Community WG", "gov", TLP.AMBER_STRICT, "active", None,
     "Run joint threat hunts across operational technology networks using shared indicators.",
     [("analyst@niro.example.gov", CH), ("analyst@ncis.example.se", ME), ("security@northgrid.example.com", ME)],
     ["Agree the hunt hypotheses for the quarter", "Share anonymised network captures",
      "Hunt for living-off-the-land activity on engineering workstations", "Write the hunt report"]),
]

NOTES = {
    TaskStatus.IN_PROGRESS: ["Started; first findings shared on the weekly call.", "Work under way with the vendor.",
                             "About half done; no blockers so far.", "Field visit booked for next week."],
    TaskStatus.BLOCKED: ["Waiting for the vendor's answer on firmware support.", "Blocked: site access not approved.",
                         "Need budget approval before ordering.", "Depends on the outage window in the next quarter."],
    TaskStatus.DONE: ["Done; evidence uploaded to the shared folder.", "Completed and reviewed by the chair.",
                      "Finished; results presented to the group.", "Closed after verification on site."],
    TaskStatus.TO_DO: ["Reopened: the review found gaps.", "Moved back to the backlog until the next quarter."],
}
PRIORITIES = [TaskPriority.LOW] * 2 + [TaskPriority.MEDIUM] * 4 + [TaskPriority.HIGH] * 3 + [TaskPriority.CRITICAL]


def _initiative(title: str | None) -> Initiative | None:
    if not title:
        return None
    return db.session.scalar(sa.select(Initiative).where(Initiative.title == title))


def _pick_status(rng: random.Random, closed: bool) -> TaskStatus:
    if closed:
        return TaskStatus.DONE
    return rng.choices(list(TaskStatus), weights=[3, 3, 1, 3])[0]


def _timeline(rng: random.Random, task: Task, final: TaskStatus, authors: list) -> None:
    """0–3 backdated updates leading to the task's final status."""
    path = {TaskStatus.TO_DO: [], TaskStatus.IN_PROGRESS: [TaskStatus.IN_PROGRESS],
            TaskStatus.BLOCKED: [TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED],
            TaskStatus.DONE: [TaskStatus.IN_PROGRESS, TaskStatus.DONE]}[final]
    if final is TaskStatus.TO_DO and rng.random() < 0.3:
        path = [TaskStatus.IN_PROGRESS, TaskStatus.TO_DO]
    if path:
        path = path[-rng.randint(1, len(path)):]
    status, when = TaskStatus.TO_DO, utcnow() - timedelta(days=len(path) * 6 + rng.randint(1, 5))
    for step in path:
        author = task.assignee or rng.choice(authors)
        db.session.add(TaskUpdate(task=task, author=author, note=rng.choice(NOTES[step]), from_status=status,
                                  to_status=step, created_at=when, updated_at=when))
        status, when = step, when + timedelta(days=rng.randint(2, 6))
    if final is not TaskStatus.DONE and not path and rng.random() < 0.4:
        author = task.assignee or rng.choice(authors)
        db.session.add(TaskUpdate(task=task, author=author, note="Noted; will pick this up after the current sprint.",
                                  created_at=when, updated_at=when))
    task.status = final
    task.mark_completion()


def seed(people) -> int:
    rng = random.Random(20260301)
    created = 0
    for index, (name, owner, tlp, status, initiative_title, charter, members, titles) in enumerate(GROUPS):
        if db.session.scalar(sa.select(WorkingGroup.id).where(WorkingGroup.name == name)):
            continue
        actor = people.user(COORDINATORS[owner])
        member_users = [(people.user(email), role) for email, role in members]
        recipients = [u for u, _ in member_users] if tlp is TLP.RED else []
        group = services.create_working_group(actor, name=name, charter=_charter(charter, name), tlp=tlp,
                                              initiative=_initiative(initiative_title), recipients=recipients)
        for user, role in member_users:
            if group.membership_of(user.id) is None:
                services.add_member(actor, group, user, role)
        doers = [u for u, role in member_users if role is not OB and u.role.value != "executive"] or [actor]
        closed = status == "closed"
        for number, title in enumerate(titles):
            assignee = doers[(number + index) % len(doers)] if rng.random() > 0.08 else None
            final = _pick_status(rng, closed)
            due = today() + timedelta(days=_due_offset(rng, number, final, closed))
            task = task_services.create_task(actor, group, title=title, assignee=assignee, due_date=due,
                                             priority=rng.choice(PRIORITIES),
                                             description=f"{title}.\n\nPart of the **{name}** work plan.")
            _timeline(rng, task, final, doers)
        if closed:
            services.transition_working_group(actor, group, WorkingGroupStatus.CLOSED)
        created += 1
    _archive_one(people)
    db.session.flush()
    return created


def _due_offset(rng: random.Random, number: int, final: TaskStatus, closed: bool) -> int:
    if closed:
        return -rng.randint(30, 120)
    if number % 5 == 0:
        return -rng.randint(1, 25)  # overdue unless already done
    if number % 5 == 1:
        return rng.randint(0, 7)  # due this week
    return rng.randint(8, 120)


def _archive_one(people) -> None:
    """One superseded group sits in the archive, so the archive filter has something to show."""
    name = "Pandemic Staffing Continuity WG (superseded)"
    if db.session.scalar(sa.select(WorkingGroup.id).where(WorkingGroup.name == name)):
        return
    actor = people.user(COORDINATORS["gov"])
    group = services.create_working_group(actor, name=name, tlp=TLP.GREEN,
                                          charter="Kept staffing plans for control rooms during the pandemic. "
                                                  "Superseded by the partnership's continuity plans.")
    services.add_member(actor, group, people.user("ops@riverbend.example.com"), ME)
    task = task_services.create_task(actor, group, title="Hand over staffing plans to the continuity team",
                                     assignee=people.user("ops@riverbend.example.com"),
                                     due_date=today() - timedelta(days=200))
    _timeline(random.Random(7), task, TaskStatus.DONE, [actor])
    services.transition_working_group(actor, group, WorkingGroupStatus.CLOSED)
    services.archive_working_group(actor, group)


def _charter(summary: str, name: str) -> str:
    return (f"## Purpose\n{summary}\n\n## Scope\n- Partners' sites and systems named in the work plan\n"
            f"- Exchange of findings under the group's TLP label\n\n## Ways of working\n"
            f"- Monthly call chaired by the {name} chair; minutes within five working days\n"
            f"- Tasks are tracked here; assignees post status updates with a short note")
