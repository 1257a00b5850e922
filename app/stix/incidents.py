"""Incident reports as STIX 2.1 `incident` objects with the Incident Core extension (OASIS STIX Extensions,
extension-definition--ef765651-680c-498d-9894-99799f2fa126): the summary an incident report shares.

Only the sanitised fields leave: the title, the summary, the sectors, the status and the operator's
assessment (significance, suspected cause, geographic spread, countries affected). Never the stage reports
(their bodies, root causes, early-warning answers), the services affected, the number of users affected,
the people involved or the authority's requests: those stay between the reporter and its authority.

The reporting organisation is the creator (`created_by_ref`, an `identity` object); the authority is a
second identity the incident refers to through the extension's `other_object_refs`. An archived report is
exported `revoked` (the peer withdraws what it holds).
"""
from app.models import IncidentReport
from app.models import IncidentStatus
from app.models import Significance
from app.stix import INCIDENT_CORE_EXTENSION_ID
from app.stix import TLP_MARKING_IDS
from app.stix import stix_id
from app.stix import timestamp
from app.stix.export import organization_identity
from app.stix.export import with_markings

# The Incident Core extension's investigation_status: new | open | closed.
INVESTIGATION_STATUS = {IncidentStatus.OPEN: "open", IncidentStatus.CONTAINED: "open",
                        IncidentStatus.RESOLVED: "open", IncidentStatus.CLOSED: "closed"}


def incident_id(report: IncidentReport) -> str:
    return stix_id("incident", "incident-report", report.id)


def modified_at(report: IncidentReport):
    """The time of the version exported: the last change (archiving is one)."""
    return report.updated_at or report.created_at


def incident_objects(report: IncidentReport) -> list[dict]:
    """The identities of the reporter and the authority, the `incident` and its TLP marking-definition."""
    reporter = organization_identity(report.owner_organization)
    authority = organization_identity(report.authority_organization)
    identities = [reporter] if authority["id"] == reporter["id"] else [reporter, authority]
    revoked = report.archived_at is not None
    labels = [f"significance:{report.significance.value}", f"suspected-cause:{report.suspected_cause.value}",
              f"geographic-spread:{report.geographic_spread.value}", f"status:{report.status.value}"]
    labels += [f"sector:{getattr(s, 'value', s)}" for s in report.sectors or []]
    labels += [f"country:{c}" for c in report.countries]
    determination = "suspected" if report.significance is Significance.UNKNOWN else "confirmed"
    incident = {
        "type": "incident", "spec_version": "2.1", "id": incident_id(report),
        "created": timestamp(report.created_at), "modified": timestamp(modified_at(report)),
        "created_by_ref": reporter["id"], "object_marking_refs": [TLP_MARKING_IDS[report.tlp]],
        "name": report.title[:250], "description": report.summary or report.title, "labels": labels,
        "external_references": [{"source_name": "palisade", "external_id": report.reference}],
        "extensions": {INCIDENT_CORE_EXTENSION_ID: {
            "extension_type": "property-extension", "determination": determination,
            "investigation_status": INVESTIGATION_STATUS[report.status],
            "other_object_refs": [i["id"] for i in identities]}},
    }
    if revoked:
        incident["revoked"] = True
    return with_markings([*identities, incident])
