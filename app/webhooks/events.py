"""The events a webhook may subscribe to, and which one an audited change is.

Every change to a record is audited (app/audit.py) in its transaction; an audit action names the event:
`<kind>.created` is a creation, a status change (`…status_changed`, or a change whose summary reports
`status: A → B`) a transition, a comment a comment, the signature steps of an agreement its own events,
releasing an advisory and submitting an incident stage theirs, a recipient's acknowledgement of an advisory
its own (heard by the authors only: it is no change to the advisory), and any other change to a record an
update.
Reads (a file downloaded) and bookkeeping (a document issued for a step already reported) are no event.
"""
import sqlalchemy as sa

from app import kinds
from app import permissions

CREATED, UPDATED, TRANSITIONED, COMMENTED = "created", "updated", "transitioned", "commented"
TEST_EVENT = "webhook.test"

# Events of one kind only: (kind key, verb) -> label.
SPECIAL = {
    ("agreement", "signature_requested"): "issued for signature",
    ("agreement", "signed"): "signed by a party",
    ("agreement", "signature_declined"): "signature declined",
    ("agreement", "executed"): "signed by every party",
    ("advisory", "released"): "released",
    ("advisory", "acknowledged"): "acknowledged by a recipient",
    ("incident_report", "stage_submitted"): "stage submitted",
}
# Audit actions "signature.<step>" (recorded on the agreement) -> the agreement's event verb.
SIGNATURE_STEPS = {"requested": "signature_requested", "signed": "signed", "paper_recorded": "signed",
                   "declined": "signature_declined", "completed": "executed"}
TRANSITION_ACTIONS = {"status_changed", "withdrawn", "superseded"}
NOT_EVENTS = {"attachment.downloaded", "document.issued",
              # A recipient turning an advisory into action changes nothing of the advisory: the risk or the
              # tasks it opened announce themselves (risk.created, task.created) to their own readers.
              "advisory.risk_opened", "advisory.tasks_added"}
# Events only the authors' organisations hear of: what one recipient did with the record (the details stay
# within each organisation; the authors see counts). Never another recipient, never an edition's reader.
FOR_AUTHORS = {"advisory.acknowledged"}
LABELS = {CREATED: "created", UPDATED: "updated", TRANSITIONED: "changed status", COMMENTED: "commented on"}


def catalogue() -> list[tuple[str, str]]:
    """Every event a webhook may choose, as (name, label), kind by kind (the registry's order)."""
    events = []
    for kind in kinds.KINDS:
        verbs = [CREATED, UPDATED, TRANSITIONED] + ([COMMENTED] if kind.comments else [])
        events += [(f"{kind.key}.{verb}", f"{kind.noun} {LABELS[verb]}") for verb in verbs]
        events += [(f"{key}.{verb}", f"{kind.noun} {label}") for (key, verb), label in SPECIAL.items()
                   if key == kind.key]
    return events


NAMES = frozenset(name for name, _ in catalogue())


def in_full(name: str) -> bool:
    """An event that talks about a record's text (a comment, an update) goes to the readers of its whole text
    only (an advisory's restricted edition; what one recipient did with it to its authors: FOR_AUTHORS); its
    creation, release and status changes to every reader of an edition, as its page shows them."""
    return name.rsplit(".", 1)[-1] in (COMMENTED, UPDATED)


def audience(name: str) -> str:
    """Who among a record's readers hears of event `name`: "authors", "full" (in_full) or "edition"."""
    return "authors" if name in FOR_AUTHORS else "full" if in_full(name) else "edition"


def readable_by(kind: kinds.RecordKind, organization, name: str) -> sa.Select:
    """The records of `kind` whose event `name` an organisation's endpoints hear of: the pages' TLP rule for the
    organisation (app/permissions `visible_to_organization`), narrowed to the event's audience."""
    stmt = permissions.visible_to_organization(kind, organization, in_full=audience(name) != "edition")
    if audience(name) == "authors":
        stmt = stmt.where(kind.model.authors.any(organization_id=organization.id))
    return stmt


def _transition(verb: str, summary: str) -> bool:
    return verb in TRANSITION_ACTIONS or any(part.startswith("status: ") for part in summary.split("; "))


def event_for(action: str, object_type: str, summary: str = "") -> tuple[kinds.RecordKind, str] | None:
    """(kind, event name) of an audited change, or None when it reports none (not a record, a read)."""
    kind = kinds.BY_TABLE.get(object_type)
    if kind is None or action in NOT_EVENTS or "." not in action:
        return None
    prefix, verb = action.split(".", 1)
    if prefix == "signature":
        step = SIGNATURE_STEPS.get(verb)
        return (kind, f"{kind.key}.{step}") if step and kind.key == "agreement" else None
    if (kind.key, verb) in SPECIAL:
        name = f"{kind.key}.{verb}"
    elif verb == CREATED and prefix == kind.key:
        name = f"{kind.key}.{CREATED}"
    elif summary.startswith("comment: ") and kind.comments:
        name = f"{kind.key}.{COMMENTED}"
    elif _transition(verb, summary):
        name = f"{kind.key}.{TRANSITIONED}"
    else:
        name = f"{kind.key}.{UPDATED}"
    return kind, name
