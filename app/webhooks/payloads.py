"""What a webhook delivery says about a record: never more than its TLP lets leave Palisade.

Above TLP:GREEN a payload carries only the record's kind, id, reference, TLP and API URL; at GREEN and CLEAR
it adds a summary (title, state, version, times). A kind whose title may name a victim (an incident report)
is named by its reference even then (`RecordKind.title_travels`). The body follows the Standard Webhooks
shape: {"type", "timestamp", "data"}.
"""
import json
from datetime import datetime

from flask import current_app

from app import kinds
from app.models import TLP
from app.notifications.mail import base_url

SUMMARY_TLPS = (TLP.CLEAR, TLP.GREEN)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def api_path(kind: kinds.RecordKind, record) -> str:
    """/api/v1/ plus the record's page path (/api/v1/incidents/4); a kind without a page of its own under its
    parent's (/api/v1/risks/2/mitigations/7)."""
    build = current_app.url_map.bind("localhost").build
    if kind.locate is not None:
        parent = kind.parent_kind
        return f"/api/v1{build(parent.endpoint, parent.url_values(kind.parent_of(record)))}/{kind.slug}/{record.id}"
    return "/api/v1" + build(kind.endpoint, {kind.id_arg: record.id})


def record_data(kind: kinds.RecordKind, record) -> dict:
    tlp = TLP(kind.parent_of(record).tlp)
    data = {"kind": kind.key, "id": record.id, "reference": kind.reference(record), "tlp": tlp.value,
            "url": base_url() + api_path(kind, record)}
    if tlp in SUMMARY_TLPS:
        status = getattr(record, "status", None)
        data |= {"title": kind.title(record), "state": getattr(status, "value", status),
                 "version": getattr(record, "version", None), "created_at": _iso(getattr(record, "created_at", None)),
                 "updated_at": _iso(getattr(record, "updated_at", None))}
    return data


def body(event: str, at: datetime, data: dict) -> str:
    return json.dumps({"type": event, "timestamp": _iso(at), "data": data}, separators=(",", ":"), sort_keys=True)
