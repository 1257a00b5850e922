"""Agreement use cases: create, update (fields, parties, recipients), lifecycle, archive/restore.

Each function authorises first, flushes but never commits, and audits in the same transaction.
Parties decide who may read an agreement (they are its participating organisations), so adding or
removing one is audited as a share/unshare event, with the organisation's name.
"""
import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.documents.services import issue_agreement
from app.extensions import db
from app.models import Agreement
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import Organization
from app.models import PartyRole
from app.models import User
from app.models import utcnow
from app.reviews import services as reviews

KIND = kinds.by_model(Agreement).key  # its audit actions' key (app/kinds.py)
# The only agreement columns a caller may set: never id, reference, status, owner, creator or version.
RECORD_FIELDS = frozenset({"title", "kind", "tlp", "summary", "terms", "sectors", "effective_date",
                           "expiry_date", "notice_days", "auto_renew"})
PARTY_FIELDS = ("party_role", "signatory_name", "signatory_title", "signatory_email")


class PartyError(ValueError):
    """The submitted parties break a rule (duplicate organisation, two leads, owner removed)."""


def _organizations(ids) -> dict[int, Organization]:
    ids = set(ids)
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_(ids)))}


def _check_parties(parties: list[dict]) -> None:
    orgs = [p["organization_id"] for p in parties]
    if len(orgs) != len(set(orgs)):
        raise PartyError("Each organisation can be a party only once.")
    if sum(1 for p in parties if p.get("party_role") is PartyRole.LEAD) > 1:
        raise PartyError("Only one party can be the lead.")


def _with_owner(owner_id: int, parties: list[dict]) -> list[dict]:
    """The owner organisation is always a party: the lead unless someone else leads."""
    if any(p["organization_id"] == owner_id for p in parties):
        return parties
    has_lead = any(p.get("party_role") is PartyRole.LEAD for p in parties)
    owner = {"organization_id": owner_id, "party_role": PartyRole.PARTNER if has_lead else PartyRole.LEAD,
             "signatory_name": "", "signatory_title": "", "signatory_email": ""}
    return [owner, *parties]


def _assign_reference(agreement: Agreement) -> None:
    """AGR-YYYY-NNNN from the locked counter (records.next_reference): no retry needed."""
    with db.session.no_autoflush:  # the new row has no reference yet: do not insert it early
        agreement.reference = records.next_reference(Agreement, "AGR")


def create_agreement(actor: User, *, parties: list[dict] = (), recipients: list[User] = (),
                     **fields) -> Agreement:
    """fields: title, kind, tlp, summary, terms, sectors, dates, notice_days, auto_renew (whitelisted)."""
    permissions.authorize(permissions.can_create_agreement(actor))
    parties = _with_owner(actor.organization_id, list(parties))
    _check_parties(parties)
    agreement = Agreement(**{k: v for k, v in fields.items() if k in RECORD_FIELDS},
                          owner_organization_id=actor.organization_id, created_by=actor,
                          status=AgreementStatus.DRAFT)
    orgs = _organizations(p["organization_id"] for p in parties)
    for position, row in enumerate(parties):
        agreement.parties.append(AgreementParty(position=position, **{k: row[k] for k in ("organization_id",
                                                                                           *PARTY_FIELDS)}))
    agreement.recipients = list(recipients)
    db.session.add(agreement)
    _assign_reference(agreement)
    audit.record(actor, "agreement.created", agreement,
                 summary=f"reference: {agreement.reference}; title: {audit.display(agreement.title)}; "
                         f"kind: {agreement.kind.label}; {agreement.tlp.label}")
    for row in parties:
        audit.record(actor, "agreement.party_added", agreement,
                     summary=f"organization: {orgs[row['organization_id']].name}; role: {row['party_role'].label}")
    if agreement.recipients:
        audit.record(actor, "agreement.recipients_changed", agreement,
                     summary=records.recipients_change([], agreement.recipients))
    reviews.content_saved(actor, agreement)
    return agreement


def update_agreement(actor: User, agreement: Agreement, *, expected_version: int | None,
                     parties: list[dict] | None = None, recipients: list[User] | None = None,
                     **fields) -> dict:
    """Versioned update of the fields, the parties and the TLP:RED recipients. Returns field changes."""
    permissions.authorize(permissions.can_edit_agreement(actor, agreement))
    records.check_version(agreement, expected_version)
    if parties is not None:
        _check_parties(parties)
        owner_id = agreement.owner_organization_id
        was_party = any(p.organization_id == owner_id for p in agreement.parties)
        if was_party and owner_id not in {p["organization_id"] for p in parties}:
            raise PartyError(f"The owner organisation ({agreement.owner_organization.name}) stays a party.")
    fields = {k: v for k, v in fields.items() if k in RECORD_FIELDS}
    # The document's revision counts content changes (fields, parties); status changes and TLP:RED
    # recipients (who may read it) leave it alone, while the lock version moves on every change.
    revised = bool(audit.diff(agreement, fields))
    if revised:
        fields["revision"] = agreement.revision + 1
    changes = records.apply_changes(actor, agreement, fields, expected_version=None, action="agreement.updated")
    bumped = bool(changes)

    def touch() -> None:
        # Parties and recipients live in other tables: touch the row once so its version moves
        # too (a concurrent editor holding the old version gets the conflict page) and the
        # audit rows below carry the new version.
        nonlocal bumped
        if not bumped:
            agreement.updated_at = utcnow()
            bumped = True

    def touch_content() -> None:
        nonlocal revised
        if not revised:
            agreement.revision += 1
            revised = True
        touch()

    if parties is not None:
        _sync_parties(actor, agreement, parties, touch_content)
    if recipients is not None:
        _sync_recipients(actor, agreement, recipients, touch)
    db.session.flush()
    if revised:
        # Kept as a version; in review, a change sends the agreement back to draft (app/reviews).
        reviews.content_saved(actor, agreement)
    return changes


def _sync_recipients(actor: User, agreement: Agreement, recipients: list[User], touch) -> None:
    summary = records.set_recipients(agreement, recipients)
    if summary:
        touch()
        audit.record(actor, "agreement.recipients_changed", agreement, summary=summary)


def _sync_parties(actor: User, agreement: Agreement, rows: list[dict], touch) -> None:
    """Make the parties match `rows`; audit each share, unshare and change."""
    current = {p.organization_id: p for p in agreement.parties}
    wanted = {row["organization_id"]: row for row in rows}
    orgs = _organizations([*current, *wanted])
    removed = False
    for org_id, party in list(current.items()):
        if org_id not in wanted:
            touch()
            agreement.parties.remove(party)
            removed = True
            audit.record(actor, "agreement.party_removed", agreement, summary=f"organization: {orgs[org_id].name}")
    if removed:
        db.session.flush()  # delete removed rows before a re-add could clash with the unique constraint
    for position, row in enumerate(rows):
        org_id = row["organization_id"]
        party = current.get(org_id)
        if party is None:
            touch()
            agreement.parties.append(AgreementParty(organization_id=org_id, position=position,
                                                    **{k: row[k] for k in PARTY_FIELDS}))
            audit.record(actor, "agreement.party_added", agreement,
                         summary=f"organization: {orgs[org_id].name}; role: {row['party_role'].label}")
            continue
        diffs = audit.diff(party, {k: row[k] for k in PARTY_FIELDS})
        if party.position != position:
            party.position = position
        if diffs:
            touch()
            for name, (_, new) in diffs.items():
                setattr(party, name, new)
            audit.record(actor, "agreement.party_updated", agreement,
                         summary=f"organization: {orgs[org_id].name}; {audit.summarize(diffs)}")


def transition_agreement(actor: User, agreement: Agreement, new_status: AgreementStatus, *,
                         comment: str = "", reviewers: list[User] = ()) -> None:
    """One lifecycle step (raises InvalidTransition when not allowed from the current status).

    Review steps (app/reviews): submitting names optional reviewers, requesting changes needs
    `comment`, and whoever submitted the version cannot approve it (four eyes)."""
    permissions.authorize(permissions.can_transition_agreement(actor, agreement, new_status))
    old_status = agreement.status
    if new_status is AgreementStatus.APPROVED:
        reviews.check_approvable(agreement)  # the approval binds to the content submitted
    records.transition(actor, agreement, new_status, KIND)
    db.session.flush()
    reviews.review_step(actor, agreement, old_status, new_status, comment=comment, reviewers=reviewers)
    if new_status is AgreementStatus.OUT_FOR_SIGNATURE:
        # Issuing for signature stores the exact PDF bytes and their SHA-256 (app/documents, issue 4);
        # a failed render raises and the status change rolls back with it.
        issue_agreement(actor, agreement)


archive_agreement = records.archive_step(KIND, permissions.can_archive)
