"""The executive report's advisories section: what was released in the period and how it was acknowledged.

Each advisory is listed in the edition the reader may have and the report's edition allows: the restricted one
(its title, at its TLP) where the reader reads it and its label is at or below the edition's, else the public
edition (its public title, TLP:CLEAR) when it has one; an advisory with neither is left out. Acknowledgements:
the authors' organisation sees how many recipients acknowledged what it co-authored (as on the advisory's page),
a recipient its own organisation's answer; nobody sees another organisation's answer here.
"""
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa

from app import permissions
from app.documents.executive import ExecutiveSection
from app.extensions import db
from app.models import PUBLISHED
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryAcknowledgement
from app.models import AdvisoryAuthor
from app.models import AdvisoryRecipient
from app.models import User

CAP = 40
PERIOD_DAYS = 30  # "advisories released in the last 30 days", the incidents' period


@dataclass(frozen=True)
class AdvisoryRow:
    reference: str
    title: str
    tlp: TLP
    kind: str
    severity: str
    released_at: datetime
    status: str
    acknowledged: str  # "3 of 5" (the authors), "Acted" (a recipient), "" (anyone else)


def statements(reader: User, labels: list[TLP], since: datetime) -> dict:
    """The section's statements, from the reader's scopes, the edition's labels and the period alone."""
    full = sa.and_(permissions.advisory_restricted_condition(reader), Advisory.tlp.in_(labels))
    released = permissions.visible_advisories(reader).where(
        Advisory.status.in_(PUBLISHED), Advisory.released_at >= since, sa.or_(full, Advisory.public_title != ""))
    own_org = reader.organization_id
    return {
        "rows": released.add_columns(full.label("full")).order_by(Advisory.released_at.desc(), Advisory.id.desc())
        .limit(CAP),
        "total": released.order_by(None).with_only_columns(sa.func.count(Advisory.id)),
        # The labels the listed editions carry: the restricted ones' TLP, CLEAR for a public edition.
        "labels": released.order_by(None).with_only_columns(Advisory.tlp, full).distinct(),
        # Acknowledgements recorded in the period: by the reader's organisation, and on what it co-authored.
        "acknowledged_by_us": sa.select(sa.func.count(AdvisoryAcknowledgement.id)).where(
            AdvisoryAcknowledgement.organization_id == own_org, AdvisoryAcknowledgement.at >= since),
        "acknowledged_to_us": sa.select(sa.func.count(AdvisoryAcknowledgement.id)).where(
            AdvisoryAcknowledgement.at >= since, AdvisoryAcknowledgement.advisory_id.in_(
                sa.select(AdvisoryAuthor.advisory_id).where(AdvisoryAuthor.organization_id == own_org))),
    }


def labels(stmts: dict) -> list[TLP]:
    return [tlp if full else TLP.CLEAR for tlp, full in db.session.execute(stmts["labels"])]


def section(reader: User, stmts: dict) -> dict:
    """{"rows": [AdvisoryRow], "total", "more", "acknowledged_by_us", "acknowledged_to_us"} for the template."""
    found = db.session.execute(stmts["rows"]).all()
    ids = [advisory.id for advisory, _ in found]
    authored, answered, recipients, own = set(), {}, {}, {}
    if ids:
        org = reader.organization_id
        authored = set(db.session.scalars(sa.select(AdvisoryAuthor.advisory_id).where(
            AdvisoryAuthor.advisory_id.in_(ids), AdvisoryAuthor.organization_id == org)))
        recipients = dict(db.session.execute(sa.select(AdvisoryRecipient.advisory_id, sa.func.count())
                                             .where(AdvisoryRecipient.advisory_id.in_(ids))
                                             .group_by(AdvisoryRecipient.advisory_id)).all())
        for advisory_id, organization_id, status in db.session.execute(sa.select(
                AdvisoryAcknowledgement.advisory_id, AdvisoryAcknowledgement.organization_id,
                AdvisoryAcknowledgement.status).where(AdvisoryAcknowledgement.advisory_id.in_(ids))):
            answered[advisory_id] = answered.get(advisory_id, 0) + 1
            if organization_id == org:
                own[advisory_id] = status.label
    rows = []
    for advisory, full in found:
        if advisory.id in authored:
            acknowledged = f"{answered.get(advisory.id, 0)} of {recipients.get(advisory.id, 0)}"
        else:
            acknowledged = own.get(advisory.id, "")
        rows.append(AdvisoryRow(
            reference=advisory.reference, title=advisory.title if full else advisory.public_title,
            tlp=advisory.tlp if full else TLP.CLEAR, kind=advisory.kind.label, severity=advisory.severity.label,
            released_at=advisory.released_at, status=advisory.status.label, acknowledged=acknowledged))
    total = db.session.scalar(stmts["total"]) or 0
    return {"rows": rows, "total": total, "more": max(0, total - len(rows)),
            "acknowledged_by_us": db.session.scalar(stmts["acknowledged_by_us"]) or 0,
            "acknowledged_to_us": db.session.scalar(stmts["acknowledged_to_us"]) or 0}


def _since(on) -> datetime:
    return datetime.combine(on - timedelta(days=PERIOD_DAYS), time(0), tzinfo=UTC)


SECTION = ExecutiveSection(
    anchor="advisories", heading=f"Advisories released in the last {PERIOD_DAYS} days",
    template="pdf/executive/_advisories.html",
    statements=lambda reader, labels, on: statements(reader, labels, _since(on)),
    context=lambda reader, stmts: {"advisories": section(reader, stmts), "advisory_days": PERIOD_DAYS},
    labels=labels)
