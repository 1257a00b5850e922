"""Demo advisories: one in every state (draft, in review, released, superseded, withdrawn) at every TLP an
advisory takes, co-authored by the national office and Northgrid (each approves with a coordinator who did not
write the last change: the office's deputy approves what its coordinator wrote), with public editions beside
restricted ones, distribution by organisation and by sector, acknowledgements, a risk a recipient opened from
one, and the overdue acknowledgements reminded.

Everything goes through the advisory services, so approvals, sealed editions, audit events and notifications
are the real ones. Idempotent: an advisory whose title exists is left alone. Dates are relative to today."""
from datetime import timedelta

import sqlalchemy as sa

from app.advisories import distribution
from app.advisories import reminders
from app.advisories import services
from app.comments import services as comments
from app.extensions import db
from app.models import TLP
from app.models import AcknowledgementStatus
from app.models import Advisory
from app.models import AdvisoryKind
from app.models import IncidentReport
from app.models import Sector
from app.models import Severity
from app.models import today
from app.models import utcnow

GOV = "coordinator@niro.example.gov"

K, S = AdvisoryKind, Severity
ADVISORIES = [
    dict(key="relay", title="Active exploitation of substation relay firmware (RTU-7 series)", kind=K.THREAT_ALERT,
         severity=S.HIGH, tlp=TLP.AMBER, author=GOV, co_authors=["energy"], recipients=["water", "telecom"],
         recipient_sectors=[Sector.ENERGY], sectors=[Sector.ENERGY, Sector.WATER], state="released",
         released_days_ago=9, deadline_days=-2, incident="Loss of telemetry from three transmission substations",
         summary="Northgrid's control centre and the office's analysts saw the **RTU-7 relay firmware** targeted "
                 "from two hosting ranges over the last week; three substations lost telemetry.",
         body="Indicators: firmware build 7.4.2 is vulnerable; the exploit uses the vendor maintenance port "
              "(TCP 20000) left open on remote substations. Source ranges are listed in the attached "
              "incident report's annex.",
         actions="1. Close TCP 20000 at the substation firewall.\n2. Apply firmware 7.4.5.\n"
                 "3. Report any telemetry loss to the Energy Sector CSIRT within 24 hours.",
         public_title="Patch RTU-7 relay firmware and close the maintenance port",
         public_body="Operators of RTU-7 series relays should apply the vendor's firmware 7.4.5 and close the "
                     "maintenance port on remote sites. Report unexplained telemetry loss to your CSIRT.",
         acks=[("water", AcknowledgementStatus.ACTED, "Firewall rule pushed to all pumping stations."),
               ("telecom", AcknowledgementStatus.RECEIVED, "")],
         risk=("water", "Relay firmware exploited at pumping stations' feeders"),
         comments=[("coordinator@meridian.example.com", "Do the source ranges include the **Nordic** hosting provider "
                                                         "we saw last month? Our NOC can cross-check."),
                   ("coordinator@northgrid.example.com", "Yes, two of them. The annex of the incident report lists "
                                                          "both; please share what your NOC finds here.")]),
    dict(key="vuln", title="Unauthenticated write in pumping-station PLC web interface", kind=K.VULNERABILITY,
         severity=S.CRITICAL, tlp=TLP.AMBER_STRICT, author=GOV, co_authors=["energy"], recipients=["water", "csirt"],
         sectors=[Sector.WATER], state="released", released_days_ago=3, deadline_days=5,
         summary="A PLC model common in pumping stations accepts set-point writes on its web interface without "
                 "authentication.", body="Affected: firmware before 2.11. No exploitation seen yet.",
         actions="Disable the web interface or restrict it to the engineering VLAN until the patch is applied.",
         public_title="Restrict PLC web interfaces to engineering networks",
         public_body="Operators should make sure the web interfaces of their PLCs are not reachable from "
                     "business or public networks.",
         acks=[("csirt", AcknowledgementStatus.ACTED, "Relayed to the sector's operators.")]),
    dict(key="phishing", title="Phishing of control-room contractors: what worked", kind=K.BEST_PRACTICE,
         severity=S.MEDIUM, tlp=TLP.GREEN, author=GOV, co_authors=["intl"], recipients=[], state="released",
         sectors=[Sector.ENERGY, Sector.COMMUNICATIONS], released_days_ago=15,
         summary="What partners across the region did after contractors' remote-access accounts were phished.",
         body="Hardware keys for every contractor account; access windows opened per job; one shared block-list.",
         actions="Review contractor remote access this quarter.", acks=[]),
    dict(key="heat-old", title="Heatwave outlook: grid and water demand (week 1)", kind=K.SITUATIONAL_REPORT,
         severity=S.LOW, tlp=TLP.CLEAR, author=GOV, co_authors=[], recipients=[], state="released",
         sectors=[Sector.ENERGY, Sector.WATER], released_days_ago=20,
         summary="Peak demand expected Thursday; reserves adequate.", body="", actions="", acks=[]),
    dict(key="heat-new", supersedes="heat-old", title="Heatwave outlook: grid and water demand (week 2)",
         kind=K.SITUATIONAL_REPORT, severity=S.MEDIUM, tlp=TLP.CLEAR, author=GOV, co_authors=[], recipients=[],
         state="released", sectors=[Sector.ENERGY, Sector.WATER], released_days_ago=6,
         summary="The heatwave lasts into next week: reserves are tight on Tuesday and Wednesday evenings.",
         body="", actions="Defer planned maintenance on pumping and transmission assets until Friday.", acks=[]),
    dict(key="ddos-old", title="DDoS on interconnect signalling: source ranges", kind=K.THREAT_ALERT,
         severity=S.HIGH, tlp=TLP.AMBER, author=GOV, co_authors=["telecom"], recipients=["energy"],
         sectors=[Sector.COMMUNICATIONS], state="withdrawn", released_days_ago=8,
         summary="Source ranges of the volumetric attack on the interconnect gateways.", body="", actions="",
         reason="Two of the ranges belong to a scrubbing provider: blocking them cuts legitimate traffic. "
                "Do not use this list.", acks=[]),
    dict(key="ddos-summary", title="Incident summary: DDoS on cross-border interconnect signalling",
         kind=K.INCIDENT_SUMMARY, severity=S.HIGH, tlp=TLP.AMBER, author=GOV, co_authors=["telecom"],
         recipients=["energy", "intl"], sectors=[Sector.COMMUNICATIONS], state="draft",
         incident="DDoS on cross-border interconnect signalling",
         summary="What happened, what the operator did and what other operators should check.",
         body="Draft: waiting for Meridian's timeline.", actions="", acks=[]),
    dict(key="water-chem", title="Chemical dosing set-points changed remotely at a small utility",
         kind=K.THREAT_ALERT, severity=S.HIGH, tlp=TLP.AMBER, author=GOV, co_authors=["energy"],
         recipients=["water"], recipient_sectors=[Sector.WATER], sectors=[Sector.WATER], state="in_review",
         summary="A small utility abroad reported dosing set-points changed through a remote-access tool.",
         body="Check who can reach HMI set-points remotely.", actions="Require two-person approval for set-point "
         "changes made remotely.", public_title="Check remote access to water treatment set-points",
         public_body="Utilities should review who can change treatment set-points remotely.", acks=[]),
]


def _exists(title: str) -> bool:
    return db.session.scalar(sa.select(Advisory.id).where(Advisory.title == title)) is not None


def seed(people) -> int:
    created = 0
    by_key: dict[str, Advisory] = {}
    for spec in ADVISORIES:
        if _exists(spec["title"]):
            by_key[spec["key"]] = db.session.scalar(sa.select(Advisory).where(Advisory.title == spec["title"]))
            continue
        by_key[spec["key"]] = _seed_one(people, spec, by_key)
        created += 1
    reminders.run(commit=False)  # the overdue acknowledgements of high and critical advisories
    db.session.commit()
    return created


def _seed_one(people, spec: dict, by_key: dict) -> Advisory:
    author = people.user(spec["author"])
    orgs = people.orgs
    fields = dict(kind=spec["kind"], title=spec["title"], summary=spec["summary"], body=spec["body"],
                  recommended_actions=spec["actions"], sectors=spec.get("sectors", []), severity=spec["severity"],
                  tlp=spec["tlp"], public_title=spec.get("public_title", ""), public_body=spec.get("public_body", ""),
                  recipient_sectors=spec.get("recipient_sectors", []))
    if "deadline_days" in spec:
        fields["acknowledgement_deadline"] = today() + timedelta(days=spec["deadline_days"])
    incidents = [db.session.scalar(sa.select(IncidentReport).where(IncidentReport.title == spec["incident"]))] \
        if spec.get("incident") else []
    if spec.get("supersedes"):  # an update: drafted from the released advisory, then corrected
        advisory = services.start_update(author, by_key[spec["supersedes"]])
        services.update_advisory(author, advisory, expected_version=advisory.version, **fields)
    else:
        advisory = services.create_advisory(
            author, co_authors=[orgs[k] for k in spec["co_authors"]], recipients=[orgs[k] for k in spec["recipients"]],
            incident_reports=[r for r in incidents if r is not None], **fields)
    if spec["state"] == "draft":
        return advisory
    services.submit_for_review(author, advisory)
    author_keys = [k for k, org in orgs.items() if org.id in advisory.author_org_ids]
    # Co-authors first, the author's own organisation last (its approval releases the advisory).
    for key in sorted(author_keys, key=lambda k: orgs[k].id == author.organization_id):
        if spec["state"] == "in_review" and orgs[key].id == author.organization_id:
            break  # the deputy has not approved yet: it waits in their inbox
        services.approve(_approver(people, key, advisory), advisory)
    if spec["state"] == "in_review":
        return advisory
    _backdate(advisory, spec["released_days_ago"])
    for days, (org_key, status, note) in enumerate(spec["acks"], start=1):
        distribution.acknowledge(_coordinator(people, org_key), advisory, status, note)
        advisory.acknowledgement_of(people.orgs[org_key].id).at = advisory.released_at + timedelta(days=days)
    for email, text in spec.get("comments", []):  # recipients and authors discuss the restricted text
        comments.add_comment(people.user(email), advisory, text)
    if spec.get("risk"):
        org_key, title = spec["risk"]
        distribution.open_risk(_coordinator(people, org_key), advisory, title=title, sector=Sector.WATER,
                               likelihood=3, impact=4, tlp=TLP.AMBER,
                               description="Opened from the relay advisory: our feeders use RTU-7 relays.")
    if spec["state"] == "withdrawn":
        services.withdraw(author, advisory, spec["reason"])
    db.session.flush()
    return advisory


def _coordinator(people, org_key: str):
    return next(u for u in people.users.values() if u.organization_id == people.orgs[org_key].id
                and u.role.value == "coordinator")


def _approver(people, org_key: str, advisory: Advisory):
    """A coordinator of the organisation who did not write the last change (the office's deputy approves what its
    coordinator wrote: four eyes)."""
    return next(u for u in people.users.values() if u.organization_id == people.orgs[org_key].id
                and u.role.value == "coordinator" and u.id != advisory.last_edited_by_id)


def _backdate(advisory: Advisory, days: int) -> None:
    """The release happened `days` ago (the sharing feed orders by it; the executive report counts its period)."""
    when = utcnow() - timedelta(days=days)
    advisory.released_at = advisory.status_changed_at = when
    for author in advisory.authors:
        author.approved_at = when - timedelta(hours=2)
