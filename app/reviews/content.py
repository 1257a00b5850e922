"""What reviewers read, kept as numbered versions: the reviewable content of an agreement or a plan.

The content is a list of parts (key, label, text): an agreement's fields, terms and parties; a plan's
fields, each live section and its contacts. Its SHA-256 (`digest`) is what a review round is
submitted with and what an approval is checked against: an approval binds to the exact content
submitted. `record_version` keeps a version after every change of that content and at every
submission (a save that changes nothing reviewable writes none); `compare` pairs the parts of two
versions and redlines each (app/redline.py). Services call this module; it flushes, never commits.
"""
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import ContentVersion
from app.models import IncidentPlan
from app.models import User
from app.redline import Redline
from app.redline import redline


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(_text(v) for v in value))
    if hasattr(value, "label") and not isinstance(value, str):
        return str(value.label)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _agreement_parts(agreement: Agreement) -> list[list[str]]:
    parts = [["title", "Title", _text(agreement.title)], ["kind", "Kind", _text(agreement.kind)],
             ["tlp", "TLP", _text(agreement.tlp)], ["summary", "Summary", _text(agreement.summary)],
             ["terms", "Terms", _text(agreement.terms)], ["sectors", "Sectors", _text(agreement.sectors)],
             ["effective_date", "Effective date", _text(agreement.effective_date)],
             ["expiry_date", "Expiry date", _text(agreement.expiry_date)],
             ["notice_days", "Notice (days)", _text(agreement.notice_days)],
             ["auto_renew", "Renews automatically", _text(agreement.auto_renew)]]
    for party in agreement.parties:
        signatory = ", ".join(p for p in (party.signatory_name, party.signatory_title, party.signatory_email) if p)
        parts.append([f"party:{party.organization_id}", f"Party: {party.organization.name}",
                      f"Role: {_text(party.party_role)}\nSignatory: {signatory or '—'}"])
    return parts


def _plan_parts(plan: IncidentPlan) -> list[list[str]]:
    parts = [["title", "Title", _text(plan.title)], ["version_label", "Version", _text(plan.version_label)],
             ["tlp", "TLP", _text(plan.tlp)], ["scope", "Scope", _text(plan.scope)],
             ["sectors", "Sectors", _text(plan.sectors)],
             ["covered", "Covered organisations", _text([o.name for o in plan.covered_organizations])],
             ["activation_criteria", "Activation criteria", _text(plan.activation_criteria)],
             ["severity_levels", "Severity levels", _text(plan.severity_levels)],
             ["distribution_list", "Distribution list", _text(plan.distribution_list)],
             ["change_summary", "Change summary", _text(plan.change_summary)]]
    for phase, sections in plan.sections_by_phase():
        for section in sections:
            parts.append([f"section:{section.id}", f"{phase.label} / {section.title}", _text(section.body)])
    contacts = "\n".join(
        f"Tier {c.escalation_tier}: {c.role} — {c.name}"
        + "".join(f", {v}" for v in (c.organization, c.phone, c.email) if v)
        + (" (24/7)" if c.available_24_7 else "") for c in plan.contacts)
    parts.append(["contacts", "Contacts", contacts])
    return parts


def reviewable_parts(record) -> list[list[str]]:
    return _agreement_parts(record) if isinstance(record, Agreement) else _plan_parts(record)


def digest_of(parts: list[list[str]]) -> str:
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_digest(record) -> str:
    db.session.flush()  # collections (parties, sections) as they stand in this transaction
    return digest_of(reviewable_parts(record))


def versions(record) -> list[ContentVersion]:
    """The record's versions, newest first."""
    return list(db.session.scalars(
        sa.select(ContentVersion)
        .where(ContentVersion.linked_to(record))
        .order_by(ContentVersion.number.desc())))


def versions_of_records(object_type: str, object_ids: list[int]) -> list[ContentVersion]:
    """The versions of several records of one kind (a plan's versions 1.0, 2.0…), newest first. The
    caller passes ids it loaded through the reader's scope."""
    return list(db.session.scalars(
        sa.select(ContentVersion)
        .where(ContentVersion.object_type == object_type, ContentVersion.object_id.in_(object_ids))
        .order_by(ContentVersion.created_at.desc(), ContentVersion.id.desc())))


def latest_version(record) -> ContentVersion | None:
    return db.session.scalar(
        sa.select(ContentVersion)
        .where(ContentVersion.linked_to(record))
        .order_by(ContentVersion.number.desc()).limit(1))


def record_version(actor: User | None, record) -> ContentVersion:
    """The version holding the record's current content: the latest one when nothing changed, else a
    new one numbered after it."""
    db.session.flush()
    parts = reviewable_parts(record)
    digest = digest_of(parts)
    latest = latest_version(record)
    if latest is not None and latest.digest == digest:
        return latest
    version = ContentVersion(object_type=record.__tablename__, object_id=record.id,
                             number=(latest.number + 1) if latest is not None else 1, digest=digest,
                             content=json.dumps(parts, ensure_ascii=False), created_by=actor)
    db.session.add(version)
    db.session.flush()
    return version


def parts_of(version: ContentVersion) -> list[list[str]]:
    return json.loads(version.content)


@dataclass(frozen=True)
class PartChange:
    label: str
    old_label: str
    status: str  # "changed", "added", "removed", "unchanged"
    redline: Redline
    old: str
    new: str


def compare(old: list[list[str]], new: list[list[str]]) -> list[PartChange]:
    """Every part of either version, in the newer one's order (removed parts last),
    paired by key, then by label (a plan section copied into a new plan version keeps its title)."""
    old_by_key = {key: (label, text) for key, label, text in old}
    new_keys = {key for key, _, _ in new}
    by_label = {label: key for key, label, _ in old if key not in new_keys}
    used: set[str] = set()
    changes: list[PartChange] = []
    for key, label, text in new:
        match = key if key in old_by_key else by_label.get(label)
        if match is None or match in used:
            changes.append(PartChange(label, "", "added", redline("", text), "", text))
            continue
        used.add(match)
        old_label, old_text = old_by_key[match]
        line = redline(old_text, text)
        status = "changed" if line.changed or old_label != label else "unchanged"
        changes.append(PartChange(label, old_label, status, line, old_text, text))
    for key, label, text in old:
        if key not in used:
            changes.append(PartChange(label, label, "removed", redline(text, ""), text, ""))
    return changes
