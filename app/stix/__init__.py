"""STIX 2.1 vocabulary Palisade speaks (DESIGN.md, "Exchange and federation").

* TLP 2.0 markings are the OASIS objects of the TLP 2.0 extension (the `stix2` library's built-in TLP objects
  are TLP 1.0 and are never used): the ids and the objects below are the published ones, byte for byte.
* Ids are deterministic: uuid5 of this instance (`STIX_INSTANCE`, by default `PUBLIC_BASE_URL`), the kind of
  thing and its id, so exporting the same record again gives the same ids (and a peer deduplicates by them).
"""
import uuid
from datetime import UTC
from datetime import datetime

from flask import current_app

from app.models import TLP

TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
INCIDENT_CORE_EXTENSION_ID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
# The label of an `incident` that is part of an advisory's report (not an incident report of its own).
REPORT_PART_LABEL = "palisade:report-part"
TLP_MARKING_CREATED = "2022-10-01T00:00:00.000Z"

# TLP 2.0 marking-definition ids, from the OASIS TLP 2.0 extension definition.
TLP_MARKING_IDS = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_MARKING_ID = {marking_id: tlp for tlp, marking_id in TLP_MARKING_IDS.items()}
_EXTENSION_VALUE = {TLP.AMBER_STRICT: "amber+strict"}


def marking_definition(tlp: TLP) -> dict:
    """The published TLP 2.0 marking-definition object for `tlp`."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_MARKING_IDS[tlp],
        "created": TLP_MARKING_CREATED,
        "name": tlp.label,
        "extensions": {TLP_EXTENSION_ID: {"extension_type": "property-extension",
                                          "tlp_2_0": _EXTENSION_VALUE.get(tlp, tlp.value)}},
    }


def instance_namespace() -> uuid.UUID:
    name = current_app.config.get("STIX_INSTANCE") or current_app.config["PUBLIC_BASE_URL"]
    return uuid.uuid5(uuid.NAMESPACE_URL, name)


def stix_id(stix_type: str, kind: str, key) -> str:
    """`<stix_type>--<uuid5(instance, kind:key)>`: the same thing exported again keeps its id."""
    return f"{stix_type}--{uuid.uuid5(instance_namespace(), f'{kind}:{key}')}"


def timestamp(moment: datetime | None) -> str:
    """STIX timestamp (UTC, milliseconds, Z); stored times without a zone are UTC."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """A STIX timestamp as an aware UTC datetime (raises ValueError when it is not one)."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise ValueError("not a STIX timestamp")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def bundle(objects: list[dict]) -> dict:
    """A bundle is only a wrapper (not stored, never referred to): a fresh id each time."""
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
