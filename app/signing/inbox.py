"""The inbox's "Signatures to give": the user's pending requests whose turn has come."""
from app.inbox.providers import Branch
from app.inbox.providers import EntryRow
from app.inbox.providers import InboxEntry
from app.inbox.providers import due_note
from app.inbox.providers import entry_row
from app.inbox.providers import provider
from app.models import Agreement
from app.models import Organization
from app.models import SignatureRequest
from app.models import User
from app.signing import services
from app.template_helpers import row_url

SECTION = "Signatures to give"


def _entry(row: EntryRow, user: User) -> InboxEntry:
    return InboxEntry(
        section=SECTION, action="Read the issued PDF, then sign or decline", reference=row.reference,
        title=row.title, url=row_url("signing.sign", "agreement_id")(row.parent_id), tlp=row.tlp, due=row.due,
        note=" · ".join(n for n in (f"For {row.label}", due_note(row.due)) if n))


@provider(15, SECTION)
def signatures_to_give(user: User) -> list[Branch]:
    rows = (services.turn_has_come(user).join(SignatureRequest.organization)
            .with_only_columns(*entry_row(id=SignatureRequest.id, parent_id=Agreement.id, reference=Agreement.reference,
                                          title=Agreement.title, tlp=Agreement.tlp, due=SignatureRequest.due_date,
                                          label=Organization.name)))
    return [Branch(rows.order_by(None), (SignatureRequest.id.desc(),), _entry)]
