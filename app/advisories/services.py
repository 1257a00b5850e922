"""Advisory use cases: write the draft with the co-authors, submit it, approve it (four eyes within each
authoring organisation), release it when every co-author approved (sectors expanded to recipients, one sealed
PDF per edition), withdraw it, start the update that supersedes it.

Every function authorises first, flushes (never commits) and audits in the same transaction. Notifications and
mail name the reference, kind, severity and TLP (the title only where the TLP allows it: app.notifications)."""
from datetime import date

import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryAuthor
from app.models import AdvisoryRecipient
from app.models import AdvisoryStatus
from app.models import NotificationKind
from app.models import Organization
from app.models import User
from app.models import sector_filter
from app.models import utcnow
from app.notifications.reminders import coordinators_of
from app.notifications.services import notify
from app.stix.export import imported_tlp

KIND = kinds.by_model(Advisory).key  # its audit actions' key (app/kinds.py)
CONTENT_FIELDS = ("kind", "title", "summary", "body", "recommended_actions", "sectors", "severity", "tlp",
                  "public_title", "public_body", "acknowledgement_deadline", "recipient_sectors")
# An advisory goes to organisations: TLP:RED (named people only) is shared by other means.
ADVISORY_TLPS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


class AdvisoryInputError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class AdvisoryRefused(ValueError):
    """A step the advisory's state refuses (flashed, nothing written)."""


def _tell(advisory: Advisory, organization_ids, actor: User | None, text: str) -> None:
    people = [user for org_id in sorted(organization_ids) for user in coordinators_of(org_id)]
    notify(people, NotificationKind.ADVISORY, advisory, actor=actor, summary=f"{advisory.reference}: {text}")


def describe(advisory: Advisory) -> str:
    """What mail may say about any advisory: '<kind>, <severity> severity, <TLP>' (no title, no text)."""
    return f"{advisory.kind.label.lower()}, {advisory.severity.value} severity, {advisory.tlp.label}"


def _check(data: dict, deadline_today: date | None = None) -> None:
    if "tlp" in data and data["tlp"] not in ADVISORY_TLPS:
        raise AdvisoryInputError("tlp", "An advisory goes to organisations: choose CLEAR, GREEN, AMBER or "
                                        "AMBER+STRICT (TLP:RED is for named people only).")
    if not (data.get("public_title") or "").strip() and (data.get("public_body") or "").strip():
        raise AdvisoryInputError("public_title", "A public edition needs its own title.")
    if (data.get("public_title") or "").strip() and data.get("tlp") in (TLP.CLEAR,):
        raise AdvisoryInputError("public_title", "A TLP:CLEAR advisory is already public: leave the public "
                                                 "edition empty.")


def _check_imported(advisory: Advisory, data: dict) -> None:
    """An advisory that arrived from a peer (or an update of one) keeps at least the TLP it arrived with and
    gets no public edition: its source decided who may read it."""
    floor = imported_tlp(advisory)
    if floor is None:
        return
    tlp, peer = floor
    if "tlp" in data and data["tlp"].rank < tlp.rank:
        raise AdvisoryInputError("tlp", f"This advisory arrived from {peer} at {tlp.label}: its TLP can be raised, "
                                        f"never lowered.")
    if tlp is not TLP.CLEAR and (data.get("public_title") or "").strip():
        raise AdvisoryInputError("public_title", f"This advisory arrived from {peer} at {tlp.label}: it gets no "
                                                 f"public edition here.")


def _set_authors(advisory: Advisory, organizations: list[Organization], owner_id: int) -> str:
    wanted = {o.id for o in organizations} | {owner_id}
    before = advisory.author_org_ids
    advisory.authors = [a for a in advisory.authors if a.organization_id in wanted]
    for org_id in sorted(wanted - before):
        advisory.authors.append(AdvisoryAuthor(organization_id=org_id))
    added, removed = wanted - before, before - wanted
    return (f"co-authors: +{len(added)} −{len(removed)}" if before and (added or removed) else "")


def _set_recipients(advisory: Advisory, organizations: list[Organization]) -> str:
    """The organisations chosen by name (those expanded from sectors are added at the release)."""
    wanted = {o.id for o in organizations} - advisory.author_org_ids
    before = advisory.recipient_org_ids
    advisory.distribution = [r for r in advisory.distribution if r.organization_id in wanted]
    for org_id in sorted(wanted - before):
        advisory.distribution.append(AdvisoryRecipient(organization_id=org_id))
    return "recipients changed" if wanted != before else ""


def _set_links(advisory: Advisory, risks=None, incident_reports=None, agreements=None) -> str:
    parts = []
    for name, rows in (("risks", risks), ("incident_reports", incident_reports), ("agreements", agreements)):
        if rows is None:
            continue
        if {r.id for r in getattr(advisory, name)} != {r.id for r in rows}:
            setattr(advisory, name, list(rows))
            parts.append(f"linked {name.replace('_', ' ')}: {len(rows)}")
    return "; ".join(parts)


def _clear_approvals(advisory: Advisory) -> None:
    for author in advisory.authors:
        author.approved_at, author.approved_by_id = None, None


def create_advisory(actor: User, *, co_authors=(), recipients=(), risks=(), incident_reports=(), agreements=(),
                    **fields) -> Advisory:
    permissions.authorize(permissions.can_create_advisory(actor))
    data = {name: fields[name] for name in CONTENT_FIELDS if name in fields}
    _check(data)
    advisory = Advisory(**data, reference=records.next_reference(Advisory, "ADV"),
                        owner_organization_id=actor.organization_id, created_by=actor, last_edited_by_id=actor.id)
    _set_authors(advisory, list(co_authors), actor.organization_id)
    _set_recipients(advisory, list(recipients))
    _set_links(advisory, list(risks), list(incident_reports), list(agreements))
    db.session.add(advisory)
    db.session.flush()
    audit.record(actor, f"{KIND}.created", advisory,
                 summary=f"{advisory.reference}: {describe(advisory)}; {len(advisory.authors)} author(s)")
    others = advisory.author_org_ids - {actor.organization_id}
    if others:
        _tell(advisory, others, actor, "you are a co-author of a new draft advisory")
    return advisory


def update_advisory(actor: User, advisory: Advisory, *, expected_version: int | None, co_authors=None,
                    recipients=None, risks=None, incident_reports=None, agreements=None, **fields) -> dict:
    """Edit the draft (or the text in review: back to draft). Every change clears the approvals."""
    permissions.authorize(permissions.can_edit_advisory(actor, advisory))
    records.check_version(advisory, expected_version)
    data = {name: fields[name] for name in CONTENT_FIELDS if name in fields}
    _check({"tlp": advisory.tlp, **data})
    _check_imported(advisory, data)
    changes = audit.diff(advisory, data)
    with db.session.no_autoflush:
        for name, value in data.items():
            setattr(advisory, name, value)
        parts = [audit.summarize(changes)] if changes else []
        if co_authors is not None:
            parts.append(_set_authors(advisory, list(co_authors), advisory.owner_organization_id))
        if recipients is not None:
            parts.append(_set_recipients(advisory, list(recipients)))
        parts.append(_set_links(advisory, risks, incident_reports, agreements))
    summary = "; ".join(p for p in parts if p)
    if summary:
        advisory.last_edited_by_id = actor.id
        advisory.updated_at = utcnow()
        _clear_approvals(advisory)
        back_to_draft = advisory.status is AdvisoryStatus.IN_REVIEW
        if back_to_draft:
            advisory.transition_to(AdvisoryStatus.DRAFT)
        db.session.flush()
        audit.record(actor, f"{KIND}.updated", advisory, summary=summary)
        if back_to_draft:
            _tell(advisory, advisory.author_org_ids, actor, "changed during review: back to draft, approvals cleared")
    return changes


def submit_for_review(actor: User, advisory: Advisory) -> None:
    permissions.authorize(permissions.can_submit_advisory(actor, advisory))
    if not advisory.title.strip() or not (advisory.body or advisory.summary).strip():
        raise AdvisoryRefused("Write a title and a summary or body before asking the co-authors to approve.")
    if not advisory.distribution and not advisory.recipient_sectors and advisory.tlp not in (TLP.CLEAR, TLP.GREEN):
        raise AdvisoryRefused("Choose recipient organisations or sectors: at this TLP nobody else could read it.")
    _clear_approvals(advisory)
    records.transition(actor, advisory, AdvisoryStatus.IN_REVIEW, KIND)
    _tell(advisory, advisory.author_org_ids, actor, "submitted for approval by every co-author")


def return_to_draft(actor: User, advisory: Advisory) -> None:
    permissions.authorize(permissions.authors_for(actor, advisory) and advisory.status is AdvisoryStatus.IN_REVIEW)
    _clear_approvals(advisory)
    records.transition(actor, advisory, AdvisoryStatus.DRAFT, KIND)


def approve(actor: User, advisory: Advisory) -> bool:
    """The actor's organisation approves the text; returns True when that released the advisory."""
    if advisory.status is AdvisoryStatus.IN_REVIEW and advisory.last_edited_by_id == actor.id \
            and permissions.authors_for(actor, advisory):
        raise AdvisoryRefused("Four eyes: you made the last change, so another coordinator of your "
                              "organisation approves it.")
    permissions.authorize(permissions.can_approve_advisory(actor, advisory))
    author = next(a for a in advisory.authors if a.organization_id == actor.organization_id)
    author.approved_at, author.approved_by_id = utcnow(), actor.id
    advisory.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, f"{KIND}.approved", advisory, summary=f"approved for {actor.organization.name}")
    if advisory.fully_approved:
        release(actor, advisory)
        return True
    return False


def expand_sectors(advisory: Advisory) -> int:
    """Add the organisations of the distribution sectors as recipients (authors excepted)."""
    added = 0
    known = advisory.participating_org_ids()
    for sector in advisory.recipient_sectors or []:
        orgs = db.session.scalars(sa.select(Organization).where(
            Organization.archived_at.is_(None), sector_filter(Organization.sectors, sector.value))
            .order_by(Organization.id))
        for org in orgs:
            if org.id not in known:
                advisory.distribution.append(AdvisoryRecipient(organization_id=org.id, sector=sector.value))
                known.add(org.id)
                added += 1
    return added


def release(actor: User, advisory: Advisory) -> None:
    """Every co-author approved: recipients fixed, editions issued and sealed, recipients told."""
    if not advisory.fully_approved:
        raise AdvisoryRefused("Every co-author approves before the release.")
    expanded = expand_sectors(advisory)
    now = utcnow()
    records.transition(actor, advisory, AdvisoryStatus.RELEASED, KIND)
    advisory.released_at = now
    db.session.flush()
    from app.documents.services import issue_advisory  # the documents layer renders and seals

    issue_advisory(actor, advisory, public=False)
    if advisory.has_public_edition:
        issue_advisory(actor, advisory, public=True)
    audit.record(actor, f"{KIND}.released", advisory,
                 summary=f"released to {len(advisory.distribution)} organisation(s)"
                         + (f" ({expanded} from sectors)" if expanded else ""))
    if advisory.supersedes is not None and advisory.supersedes.status is AdvisoryStatus.RELEASED:
        records.transition(actor, advisory.supersedes, AdvisoryStatus.SUPERSEDED, KIND)
        audit.record(actor, f"{KIND}.superseded", advisory.supersedes, summary=f"superseded by {advisory.reference}")
    announce_release(advisory)


def announce_release(advisory: Advisory) -> None:
    """Tell the recipients' coordinators that `advisory` was released (a local release, or one from a peer)."""
    _tell(advisory, advisory.recipient_org_ids, None, f"released: {describe(advisory)}")


def announce_withdrawal(advisory: Advisory, actor: User | None) -> None:
    """Tell the participating organisations' coordinators that `advisory` was withdrawn."""
    _tell(advisory, advisory.participating_org_ids(), actor, "withdrawn (the reason is on its page)")


def withdraw(actor: User, advisory: Advisory, reason: str) -> None:
    permissions.authorize(permissions.can_withdraw_advisory(actor, advisory))
    reason = (reason or "").strip()
    if not reason:
        raise AdvisoryInputError("reason", "Say why the advisory is withdrawn: every reader sees the reason.")
    records.transition(actor, advisory, AdvisoryStatus.WITHDRAWN, KIND)
    advisory.withdrawal_reason, advisory.withdrawn_at = reason[:2000], utcnow()
    db.session.flush()
    audit.record(actor, f"{KIND}.withdrawn", advisory, summary="withdrawn")
    announce_withdrawal(advisory, actor)


def start_update(actor: User, advisory: Advisory) -> Advisory:
    """A new draft that will supersede the released advisory once released: same authors, recipients and
    links, the text to correct."""
    permissions.authorize(permissions.can_update_advisory(actor, advisory))
    reference = records.next_reference(Advisory, "ADV")
    with db.session.no_autoflush:
        draft = Advisory(reference=reference, owner_organization_id=actor.organization_id, created_by=actor,
                         last_edited_by_id=actor.id, **{name: getattr(advisory, name) for name in CONTENT_FIELDS})
        draft.authors = [AdvisoryAuthor(organization_id=a.organization_id) for a in advisory.authors]
        draft.distribution = [AdvisoryRecipient(organization_id=r.organization_id) for r in advisory.distribution
                            if r.sector is None]
        draft.risks, draft.incident_reports = list(advisory.risks), list(advisory.incident_reports)
        draft.agreements = list(advisory.agreements)
        db.session.add(draft)
        draft.supersedes = advisory
    db.session.flush()
    audit.record(actor, f"{KIND}.created", draft, summary=f"update of {advisory.reference}")
    audit.record(actor, f"{KIND}.update_started", advisory, summary=f"update drafted as {draft.reference}")
    return draft
