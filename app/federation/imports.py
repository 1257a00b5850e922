"""Imports: STIX objects a peer shared become advisories owned by the organisation that represents the peer.

STIX from a peer is untrusted input. Each object is checked (a dict of at most MAX_OBJECT_CHARS, a STIX 2.1
id of its type, parsed by the `stix2` library), texts are cut to their column's length and passed through
the app's one sanitiser (app.sanitize), and a bad object is skipped and counted, never an error page or a
failed pull. `report` objects become advisories (their `identity`, `course-of-action` and `incident`
objects fill them in); an `incident` that no report of the page refers to (an incident summary shared on its
own: Incident Core extension) becomes an incident-summary advisory owned by the peer's
organisation, never a local incident report (those are an operator's reports to its own authority, on
regulatory clocks); a `vulnerability` (a shared risk) becomes a vulnerability advisory of the peer's
organisation, never a risk in the register (a register holds an organisation's own assessment). Other types
are skipped and counted.

* Deduplicated by STIX id (peer_imports): the same object again changes nothing.
* A newer `modified` supersedes: a new released advisory that supersedes the one held (the record of an
  update, as a local update does), at the stricter of the two TLP labels: an imported TLP is never lowered.
* `revoked` withdraws the advisory held.
* TLP:RED is for named people: never imported. An object with no TLP marking is held as TLP:AMBER+STRICT.
"""
import json
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
import stix2

from app import audit
from app import records
from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryAuthor
from app.models import AdvisoryKind
from app.models import AdvisoryRecipient
from app.models import AdvisoryStatus
from app.models import Peer
from app.models import PeerImport
from app.models import Sector
from app.models import Severity
from app.models import utcnow
from app.sanitize import MAX_MARKDOWN_CHARS
from app.sanitize import clean_html
from app.stix import INCIDENT_CORE_EXTENSION_ID
from app.stix import REPORT_PART_LABEL
from app.stix import TLP_BY_MARKING_ID
from app.stix import parse_timestamp

MAX_OBJECT_CHARS = 400_000
STIX_ID = re.compile(r"^([a-z0-9][a-z0-9-]{0,60})--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CONTEXT_TYPES = {"identity", "course-of-action", "incident", "marking-definition", "vulnerability", "note"}
# The stix2 library's TLP 1.0 marking ids, understood on the way in (WHITE is CLEAR).
TLP_1_MARKINGS = {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
                  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
                  "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
                  "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED}
KIND_LABELS = {f"kind:{kind.value}": kind for kind in AdvisoryKind}
SEVERITY_LABELS = {f"severity:{severity.value}": severity for severity in Severity}
SECTOR_LABELS = {f"sector:{sector.value}": sector for sector in Sector}
INCIDENT_LABELS = {"significance": "Significance", "suspected-cause": "Suspected cause",
                   "geographic-spread": "Geographic spread", "status": "Status", "country": "Country affected"}


@dataclass
class ImportResult:
    created: int = 0
    superseded: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    invalid: int = 0
    refused: int = 0  # TLP:RED, or an id another peer's object holds
    skipped_types: Counter = field(default_factory=Counter)

    def add(self, other: "ImportResult") -> None:
        for name in ("created", "superseded", "withdrawn", "unchanged", "invalid", "refused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped_types.update(other.skipped_types)

    def summary(self) -> str:
        skipped = ", ".join(f"{n} {t}" for t, n in sorted(self.skipped_types.items()))
        return (f"{self.created} new, {self.superseded} updated, {self.withdrawn} withdrawn, {self.unchanged} "
                f"unchanged, {self.invalid} invalid, {self.refused} refused"
                + (f"; skipped types: {skipped}" if skipped else ""))


def _checked(obj) -> dict | None:
    """The object when it is a well-formed STIX 2.1 object we can read, else None."""
    if not isinstance(obj, dict) or len(json.dumps(obj, default=str)) > MAX_OBJECT_CHARS:
        return None
    match = STIX_ID.match(str(obj.get("id", "")))
    if not match or match.group(1) != obj.get("type"):
        return None
    if obj["type"] in ("report", "identity", "course-of-action", "incident", "vulnerability"):
        try:
            stix2.parse(obj, allow_custom=True, version="2.1")
            parse_timestamp(obj.get("modified", obj.get("created")))
        except Exception:  # noqa: BLE001  -- whatever the library finds wrong, the object is invalid
            return None
    return obj


def _text(value, limit: int, markdown: bool = True) -> str:
    """Untrusted text: a string cut to `limit`, without control characters; Markdown also without the HTML the
    sanitiser refuses (plain text is escaped wherever it is shown)."""
    if not isinstance(value, str):
        return ""
    value = "".join(ch for ch in value[:limit] if ch in "\n\t" or ch >= " ")
    return clean_html(value)[:limit] if markdown else value.strip()


def _tlp(obj: dict) -> TLP:
    found = [TLP_BY_MARKING_ID.get(ref) or TLP_1_MARKINGS.get(ref) for ref in obj.get("object_marking_refs") or []]
    found = [tlp for tlp in found if tlp is not None]
    return max(found, key=lambda tlp: tlp.rank) if found else TLP.AMBER_STRICT


def import_objects(peer: Peer, objects: list) -> ImportResult:
    """Import one page (envelope or bundle) of a peer's objects; flushes, never commits."""
    result = ImportResult()
    context: dict[str, dict] = {}
    reports = []
    for raw in objects if isinstance(objects, list) else []:
        obj = _checked(raw)
        if obj is None:
            result.invalid += 1
        elif obj["type"] == "report":
            reports.append(obj)
        elif obj["type"] in CONTEXT_TYPES:
            context[obj["id"]] = obj
        else:
            result.skipped_types[str(obj["type"])[:60]] += 1
    for report in reports:
        _import(peer, report, _fields(report, context), _authors(report, context), result)
    referred = {ref for report in reports for ref in report.get("object_refs") or [] if isinstance(ref, str)}
    for obj in context.values():
        if obj["type"] == "incident" and obj["id"] not in referred and REPORT_PART_LABEL not in (obj.get("labels") or []):
            _import(peer, obj, _incident_fields(obj), _authors(obj, context), result)
        elif obj["type"] == "vulnerability":
            _import(peer, obj, _vulnerability_fields(obj), _authors(obj, context), result)
    return result


def _fields(report: dict, context: dict[str, dict]) -> dict:
    refs = [context[ref] for ref in report.get("object_refs") or [] if ref in context]
    labels = [label for label in report.get("labels") or [] if isinstance(label, str)]
    kind = next((KIND_LABELS[label] for label in labels if label in KIND_LABELS), None)
    if kind is None:
        kind = (AdvisoryKind.INCIDENT_SUMMARY if any(o["type"] == "incident" for o in refs) else
                AdvisoryKind.VULNERABILITY if "vulnerability" in (report.get("report_types") or []) else
                AdvisoryKind.THREAT_ALERT)
    description = _text(report.get("description"), MAX_MARKDOWN_CHARS)
    summary, _, body = description.partition("\n\n")
    actions = "\n\n".join(_text(o.get("description"), MAX_MARKDOWN_CHARS // 4)
                          for o in refs if o["type"] == "course-of-action")
    return {
        "title": _text(report.get("name"), 200, markdown=False) or "Untitled",
        "summary": summary[:4000], "body": body if len(summary) <= 4000 else description,
        "recommended_actions": actions[:MAX_MARKDOWN_CHARS],
        "kind": kind,
        "severity": next((SEVERITY_LABELS[label] for label in labels if label in SEVERITY_LABELS), Severity.MEDIUM),
        "sectors": sorted({SECTOR_LABELS[label] for label in labels if label in SECTOR_LABELS}, key=str),
    }


def _authors(report: dict, context: dict[str, dict]) -> list[dict]:
    ids = [report.get("created_by_ref"), *(report.get("object_refs") or [])]
    found, seen = [], set()
    for ref in ids:
        obj = context.get(ref) if isinstance(ref, str) else None
        if obj is not None and obj["type"] == "identity" and ref not in seen:
            seen.add(ref)
            found.append({"id": ref, "name": _text(obj.get("name"), 200, markdown=False)})
    return found


def _incident_fields(incident: dict) -> dict:
    """An incident summary (a STIX `incident` of its own) as the fields of an incident-summary advisory: its
    name, description and the assessment its labels carry (significance, suspected cause, spread, status,
    countries); sectors from `sector:` labels."""
    labels = [label for label in incident.get("labels") or [] if isinstance(label, str)]
    assessment = []
    for label in labels:
        name, _, value = label.partition(":")
        if name in INCIDENT_LABELS and value:
            assessment.append(f"- {INCIDENT_LABELS[name]}: {_text(value, 100, markdown=False).replace('_', ' ')}")
    extension = (incident.get("extensions") or {}).get(INCIDENT_CORE_EXTENSION_ID)
    if isinstance(extension, dict):
        for name in ("determination", "investigation_status"):
            if isinstance(extension.get(name), str):
                assessment.append(f"- {name.replace('_', ' ').capitalize()}: {_text(extension[name], 60, False)}")
    significant = "significance:significant" in labels
    return {
        "title": _text(incident.get("name"), 200, markdown=False) or "Untitled incident",
        "summary": _text(incident.get("description"), 4000), "body": "\n".join(assessment),
        "recommended_actions": "", "kind": AdvisoryKind.INCIDENT_SUMMARY,
        "severity": Severity.HIGH if significant else Severity.MEDIUM,
        "sectors": sorted({SECTOR_LABELS[label] for label in labels if label in SECTOR_LABELS}, key=str),
    }


def _vulnerability_fields(vulnerability: dict) -> dict:
    """A `vulnerability` (a shared risk, alone or with an advisory) as the fields of a vulnerability advisory."""
    labels = [label for label in vulnerability.get("labels") or [] if isinstance(label, str)]
    return {
        "title": _text(vulnerability.get("name"), 200, markdown=False) or "Untitled vulnerability",
        "summary": _text(vulnerability.get("description"), 4000), "body": "", "recommended_actions": "",
        "kind": AdvisoryKind.VULNERABILITY, "severity": Severity.MEDIUM,
        "sectors": sorted({SECTOR_LABELS[label] for label in labels if label in SECTOR_LABELS}, key=str),
    }


def _import(peer: Peer, report: dict, fields: dict, authors: list[dict], result: ImportResult) -> None:
    """Import one report (or incident summary) as an advisory: new, superseding the one held, or withdrawing
    it."""
    tlp = _tlp(report)
    if tlp is TLP.RED:
        result.refused += 1
        return
    modified = parse_timestamp(report.get("modified") or report.get("created"))
    held = db.session.scalar(sa.select(PeerImport).where(PeerImport.stix_id == report["id"]))
    revoked = report.get("revoked") is True
    if held is not None and held.peer_id != peer.id:
        result.refused += 1
        return
    if held is not None and (_naive(held.modified) >= _naive(modified) or held.revoked):
        result.unchanged += 1
        return
    if held is None and revoked:
        result.unchanged += 1  # withdrawn before it ever arrived: nothing to hold
        return
    if revoked:
        _withdraw(peer, held, modified)
        result.withdrawn += 1
        return
    previous = held.advisory if held is not None else None
    advisory = _create(peer, report, fields, tlp, previous)
    if held is None:
        db.session.add(PeerImport(peer=peer, stix_id=report["id"], modified=modified, advisory=advisory,
                                  authors=authors,
                                  created_by_ref=str(report.get("created_by_ref") or "")[:100],
                                  created=parse_timestamp(report.get("created") or report["modified"])))
        result.created += 1
    else:
        held.advisory, held.modified = advisory, modified
        held.authors = authors or held.authors
        result.superseded += 1
    db.session.flush()


def _naive(moment):
    return moment.replace(tzinfo=None) if moment is not None and moment.tzinfo is not None else moment


def _create(peer: Peer, report: dict, fields: dict, tlp: TLP, previous: Advisory | None) -> Advisory:
    now = utcnow()
    if previous is not None and previous.tlp.rank > tlp.rank:
        tlp = previous.tlp  # never lowered
    advisory = Advisory(reference=records.next_reference(Advisory, "ADV"), owner_organization_id=peer.organization_id,
                        tlp=tlp, status=AdvisoryStatus.RELEASED, status_changed_at=now, released_at=now, **fields)
    advisory.authors = [AdvisoryAuthor(organization_id=peer.organization_id, approved_at=now)]
    if peer.recipient_organization_id and peer.recipient_organization_id != peer.organization_id:
        advisory.distribution = [AdvisoryRecipient(organization_id=peer.recipient_organization_id)]
    db.session.add(advisory)
    if previous is not None:
        advisory.supersedes = previous
    db.session.flush()
    audit.record(None, "advisory.imported", advisory,
                 summary=f"from peer {peer.name}: {report['id']}" + (f", supersedes {previous.reference}"
                                                                       if previous is not None else ""))
    if previous is not None and previous.status is AdvisoryStatus.RELEASED:
        previous.transition_to(AdvisoryStatus.SUPERSEDED)
        audit.record(None, "advisory.superseded", previous, summary=f"superseded by {advisory.reference} (peer)")
    _issue_and_announce(advisory)
    return advisory


def _issue_and_announce(advisory: Advisory) -> None:
    """As a local release: the sealed edition (the documents service), then the recipients are told (the
    notification service and its outbox)."""
    from app.advisories.services import announce_release
    from app.documents.services import issue_advisory

    issue_advisory(None, advisory, public=False)
    announce_release(advisory)


def _withdraw(peer: Peer, held: PeerImport, modified) -> None:
    advisory = held.advisory
    held.revoked, held.modified = True, modified
    if advisory.status is AdvisoryStatus.RELEASED:
        advisory.transition_to(AdvisoryStatus.WITHDRAWN)
        advisory.withdrawal_reason = f"Revoked by its source ({peer.name})."
        advisory.withdrawn_at = utcnow()
        db.session.flush()
        audit.record(None, "advisory.withdrawn", advisory, summary=f"revoked by peer {peer.name}")
        from app.advisories.services import announce_withdrawal

        announce_withdrawal(advisory, None)
