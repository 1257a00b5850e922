"""Advisories as STIX 2.1 objects: a `report` (the advisory) that refers to the `identity` of each authoring
organisation, a `course-of-action` for its recommended actions, an `incident` (Incident Core extension) when
it is an incident summary, and a `vulnerability` for each linked risk the same readers may see. Every object
carries the TLP 2.0 marking of the edition it belongs to.

What is exported is the head of an advisory's chain (the last release; supersede = the same STIX id with a
newer `modified`; withdrawn = `revoked`). Only released text leaves: never a draft, never a field the
edition does not show. An imported advisory keeps the id, authors, times and TLP it arrived with.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryKind
from app.models import AdvisoryStatus
from app.models import Organization
from app.models import Peer
from app.models import PeerImport
from app.models import Risk
from app.stix import INCIDENT_CORE_EXTENSION_ID
from app.stix import REPORT_PART_LABEL
from app.stix import TLP_MARKING_IDS
from app.stix import marking_definition
from app.stix import stix_id
from app.stix import timestamp

HEAD_STATUSES = (AdvisoryStatus.RELEASED, AdvisoryStatus.WITHDRAWN)
REPORT_TYPES = {AdvisoryKind.VULNERABILITY: ["vulnerability"]}


def root_of(advisory: Advisory) -> Advisory:
    """The first release of the chain of updates `advisory` ends (whose id the whole chain is exported under)."""
    seen = set()
    while advisory.supersedes is not None and advisory.id not in seen:
        seen.add(advisory.id)
        advisory = advisory.supersedes
    return advisory


def imported(advisory: Advisory) -> PeerImport | None:
    return db.session.scalar(sa.select(PeerImport).where(PeerImport.advisory_id == advisory.id))


def imported_tlp(advisory: Advisory) -> tuple[TLP, str] | None:
    """(the strictest TLP, the peer's name) of what arrived from a peer in the chain of updates `advisory`
    belongs to (itself and what it supersedes), else None: a local update never goes below it."""
    chain, seen = [], set()
    while advisory is not None and advisory.id not in seen:
        seen.add(advisory.id)
        chain.append(advisory)
        advisory = advisory.supersedes
    rows = db.session.execute(sa.select(Advisory.tlp, Peer.name).join(PeerImport, PeerImport.advisory_id == Advisory.id)
                              .join(Peer, Peer.id == PeerImport.peer_id)
                              .where(Advisory.id.in_([a.id for a in chain if a.id is not None]))).all()
    return max(rows, key=lambda row: row[0].rank, default=None)


def report_id(advisory: Advisory, public: bool = False) -> str:
    origin = imported(advisory)
    if origin is not None and not public:
        return origin.stix_id
    return stix_id("report", "advisory-public" if public else "advisory", root_of(advisory).id)


def organization_identity(organization: Organization) -> dict:
    return identity(stix_id("identity", "organization", organization.id), organization.name,
                    organization.created_at)


def identity(identity_id: str, name: str, created) -> dict:
    # Directory information (the partnership's organisations are known to all): marked TLP:CLEAR.
    return {"type": "identity", "spec_version": "2.1", "id": identity_id, "created": timestamp(created),
            "modified": timestamp(created), "name": name[:250] or "Unnamed organisation",
            "identity_class": "organization", "object_marking_refs": [TLP_MARKING_IDS[TLP.CLEAR]]}


def _times(advisory: Advisory, origin: PeerImport | None) -> tuple[str, str]:
    if origin is not None:
        return timestamp(origin.created), timestamp(origin.modified)
    created = root_of(advisory).released_at or advisory.created_at
    modified = advisory.withdrawn_at if advisory.status is AdvisoryStatus.WITHDRAWN else advisory.released_at
    return timestamp(created), timestamp(modified or created)


def _common(object_id: str, created: str, modified: str, creator: str, tlp: TLP, revoked: bool) -> dict:
    common = {"spec_version": "2.1", "id": object_id, "created": created, "modified": modified,
              "created_by_ref": creator, "object_marking_refs": [TLP_MARKING_IDS[tlp]]}
    if revoked:
        common["revoked"] = True
    return common


def advisory_objects(advisory: Advisory, public: bool = False, risks_visible=None) -> list[dict]:
    """The STIX objects of one edition: the restricted one at the advisory's TLP, or (public=True) the public
    one at TLP:CLEAR. `risks_visible(risk) -> bool` says which linked risks the receiver may see."""
    origin = imported(advisory)
    created, modified = _times(advisory, origin)
    floor = imported_tlp(advisory)
    tlp = TLP.CLEAR if public else max(advisory.tlp, floor[0] if floor else TLP.CLEAR, key=lambda t: t.rank)
    revoked = advisory.status is AdvisoryStatus.WITHDRAWN
    if origin is not None:
        identities = [identity(a["id"], a.get("name", ""), origin.created) for a in origin.authors]
        creator = origin.created_by_ref or (identities[0]["id"] if identities else "")
    else:
        authors = [a.organization for a in advisory.authors] or [advisory.owner_organization]
        identities = [organization_identity(org) for org in authors]
        creator = stix_id("identity", "organization", advisory.owner_organization_id)
        if creator not in {i["id"] for i in identities}:
            identities.insert(0, organization_identity(advisory.owner_organization))
    objects: list[dict] = [*identities]
    if origin is not None and origin.stix_id.startswith("incident--") and not public:
        return with_markings([*objects, _imported_incident(advisory, origin, creator, tlp, revoked)])
    refs = [i["id"] for i in identities]
    root_key = root_of(advisory).id
    if not public:
        if (advisory.recommended_actions or "").strip():
            coa = {"type": "course-of-action", **_common(stix_id("course-of-action", "advisory-actions", root_key),
                                                          created, modified, creator, tlp, revoked),
                   "name": f"Recommended actions: {advisory.title}"[:250],
                   "description": advisory.recommended_actions}
            objects.append(coa)
            refs.append(coa["id"])
        if advisory.kind is AdvisoryKind.INCIDENT_SUMMARY:
            incident = {"type": "incident", **_common(stix_id("incident", "advisory-incident", root_key),
                                                      created, modified, creator, tlp, revoked),
                        "name": advisory.title, "description": advisory.summary or advisory.title,
                        "labels": [REPORT_PART_LABEL], "extensions": {INCIDENT_CORE_EXTENSION_ID: {
                            "extension_type": "property-extension", "determination": "confirmed",
                            "investigation_status": "closed" if revoked else "open"}}}
            objects.append(incident)
            refs.append(incident["id"])
        for risk in advisory.risks:
            if risks_visible is not None and risks_visible(risk):
                owner = organization_identity(risk.owner_organization)
                if owner["id"] not in {o["id"] for o in objects}:
                    objects.insert(0, owner)
                objects.append(risk_vulnerability(risk))
                refs.append(objects[-1]["id"])
    report = {"type": "report", **_common(report_id(advisory, public), created, modified, creator, tlp, revoked),
              "name": (advisory.public_title if public else advisory.title)[:250],
              "description": (advisory.public_body if public else _description(advisory)),
              "report_types": REPORT_TYPES.get(advisory.kind, ["threat-report"]),
              "published": modified if public else timestamp(advisory.released_at or advisory.created_at),
              "object_refs": refs,
              "labels": _labels(advisory),
              "external_references": [{"source_name": "palisade", "external_id": advisory.reference}]}
    objects.append(report)
    return with_markings(objects)


def _imported_incident(advisory: Advisory, origin: PeerImport, creator: str, tlp: TLP, revoked: bool) -> dict:
    """An incident summary that arrived as an `incident` of its own leaves as one, under the id it came with."""
    created, modified = _times(advisory, origin)
    return {"type": "incident", **_common(origin.stix_id, created, modified, creator, tlp, revoked),
            "name": advisory.title, "description": advisory.summary or advisory.title,
            "labels": _labels(advisory),
            "extensions": {INCIDENT_CORE_EXTENSION_ID: {
                "extension_type": "property-extension", "determination": "confirmed",
                "investigation_status": "closed" if revoked else "open"}}}


def with_markings(objects: list[dict]) -> list[dict]:
    """`objects` followed by the TLP 2.0 marking-definition of every marking they refer to."""
    used = {ref for obj in objects for ref in obj.get("object_marking_refs", [])}
    return objects + [marking_definition(tlp) for tlp, marking_id in TLP_MARKING_IDS.items() if marking_id in used]


def _description(advisory: Advisory) -> str:
    parts = [advisory.summary or "", advisory.body or ""]
    return "\n\n".join(p.strip() for p in parts if p and p.strip()) or advisory.title


def _labels(advisory: Advisory) -> list[str]:
    labels = [f"kind:{advisory.kind.value}", f"severity:{advisory.severity.value}"]
    labels += [f"sector:{getattr(s, 'value', s)}" for s in advisory.sectors or []]
    return labels


def risk_vulnerability(risk: Risk) -> dict:
    """A risk as a `vulnerability` (created by its owner's `identity`): its title, and the vulnerability and threat
    it names. Never its asset, scores, treatment, mitigations or decisions. An archived risk is `revoked`."""
    text = "\n\n".join(p for p in (risk.description, f"Threat: {risk.threat}" if risk.threat else "",
                                   f"Vulnerability: {risk.vulnerability}" if risk.vulnerability else "") if p)
    modified = risk.updated_at or risk.created_at  # archiving is a change
    vulnerability = {"type": "vulnerability", **_common(
        stix_id("vulnerability", "risk", risk.id), timestamp(risk.created_at), timestamp(modified),
        stix_id("identity", "organization", risk.owner_organization_id), risk.tlp, risk.archived_at is not None),
        "name": f"{risk.reference}: {risk.title}"[:250], "description": text or risk.title}
    if risk.sector is not None:
        vulnerability["labels"] = [f"sector:{risk.sector.value}"]
    return vulnerability


def risk_objects(risk: Risk) -> list[dict]:
    """A risk shared on its own: its owner's identity, the `vulnerability` and its TLP marking-definition."""
    return with_markings([organization_identity(risk.owner_organization), risk_vulnerability(risk)])


def deduplicated(objects: list[dict]) -> list[dict]:
    """One object per (id, modified): identities and markings shared by several advisories appear once."""
    seen, unique = set(), []
    for obj in objects:
        key = (obj["id"], obj.get("modified"))
        if key not in seen:
            seen.add(key)
            unique.append(obj)
    return unique
