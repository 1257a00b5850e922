"""The reminder engine: one table of rules over every dated field (DESIGN.md, "Reminders").

| rule                | field                          | thresholds                      | recipients                                |
|---------------------|--------------------------------|---------------------------------|-------------------------------------------|
| agreement_expiry    | active agreement's expiry date | 90, 60, 30, 7 days before       | coordinators of the owner organisation    |
| agreement_notice    | expiry − notice days           | 30, 7 days before, on the day   | coordinators of the owner organisation    |
| task_due            | open task's due date           | 3 days before, on the day, late | the assignee                              |
| mitigation_due      | open mitigation's due date     | 3 days before, on the day, late | the assignee, else the assigned org's coordinators |
| risk_review         | open risk's next review        | 7 days before, late             | coordinators of the owner organisation    |
| plan_review         | approved plan's next review    | 30 days before, late            | coordinators of the owner organisation    |
| signature_due       | pending signature's due date   | 7, 3 days before, on the day, late | the signatories whose turn has come    |

Only the tightest threshold reached is sent (an engine that did not run for a week sends "7 days",
not 90, 60 and 30 at once). Each sent reminder is a row in `sent_reminders` keyed by (object type,
object id, kind, threshold, recipient) under a unique constraint, inserted with ON CONFLICT DO
NOTHING before the notification is written, in the same transaction: two runs, or two processes at
once, send each reminder exactly once. A signature reminder's threshold is keyed to the issue it asks about (an agreement issued again after
a decline starts afresh). Each reminder commits on its own (the engine is an edge,
like a CLI command), so a long run never holds the database lock.
"""
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from app import kinds
from app.extensions import db
from app.models import AAR_DUE_DAYS
from app.models import Agreement
from app.models import AgreementStatus
from app.models import EmailChannel
from app.models import Exercise
from app.models import NotificationKind
from app.models import Role
from app.models import SentReminder
from app.models import SignatureRequest
from app.models import SignatureStatus
from app.models import User
from app.models import due_by
from app.models import today
from app.notifications import messages
from app.notifications import objects
from app.notifications.mail import queue_email
from app.notifications.services import channel_for
from app.notifications.services import notify

OVERDUE, TODAY = "overdue", "today"


@dataclass(frozen=True)
class Rule:
    kind: str  # the reminder's name, as stored in sent_reminders
    model: type
    field: str  # the dated field it announces (a kind's Deadline), or what a computed `due` stands for
    candidates: Callable[[date], sa.Select]  # today -> rows that may be due
    thresholds: tuple  # days before the date (ints), plus TODAY / OVERDUE
    recipients: Callable[[object], list[User]]
    what: str  # "expires", "is due", …
    round_key: Callable[[object], str] | None = None  # suffix of the stored threshold: one series per round
    due: Callable[[object], date | None] | None = None  # the date, when it is not the record's `field`

    @property
    def noun(self) -> str:
        return kinds.by_model(self.model).noun

    def due_on(self, obj) -> date | None:
        return self.due(obj) if self.due is not None else getattr(obj, self.field)


def threshold_for(rule: Rule, days_left: int) -> str | None:
    """The tightest threshold reached `days_left` days before the date, as stored ("7d", "today"…)."""
    if days_left < 0:
        return OVERDUE if OVERDUE in rule.thresholds else None
    if days_left == 0 and TODAY in rule.thresholds:
        return TODAY
    reached = [n for n in rule.thresholds if isinstance(n, int) and days_left <= n]
    return f"{min(reached)}d" if reached else None


def coordinators_of(org_id: int | None) -> list[User]:
    if org_id is None:
        return []
    return list(db.session.scalars(sa.select(User).where(
        User.organization_id == org_id, User.role == Role.COORDINATOR, User.active.is_(True)).order_by(User.id)))


def _deadline_candidates(kind: kinds.RecordKind, deadline: kinds.Deadline) -> Callable[[date], sa.Select]:
    """Open records of the kind (neither they nor their parent archived) whose date falls within the
    rule's horizon, or has passed when the rule reminds of overdue dates."""
    column = getattr(kind.model, deadline.field)
    horizon = max((n for n in deadline.thresholds if isinstance(n, int)), default=0)

    def select(on: date) -> sa.Select:
        stmt = sa.select(kind.model)
        if kind.parent is not None:
            stmt = stmt.join(getattr(kind.model, kind.parent)).where(kind.parent_kind.model.archived_at.is_(None))
        stmt = stmt.where(kind.model.open_condition(), due_by(column, on + timedelta(days=horizon)))
        return stmt if OVERDUE in deadline.thresholds else stmt.where(column >= on)
    return select


def deadline_recipients(kind: kinds.RecordKind, obj) -> list[User]:
    """Who is reminded of a record's deadlines (and sees them in their calendar): its assignee, else the
    coordinators of the organisation it is assigned to; for a record without an assignee field, the
    coordinators of its owner organisation."""
    if kind.assignee is None:
        return coordinators_of(getattr(obj, "owner_organization_id", None))
    person_id = getattr(obj, kind.assignee)
    person = db.session.get(User, person_id) if person_id else None
    if person is not None and person.active:
        return [person]
    return coordinators_of(getattr(obj, "assigned_organization_id", None))


def _deadline_rules() -> tuple[Rule, ...]:
    return tuple(
        Rule(deadline.reminder, kind.model, deadline.field, _deadline_candidates(kind, deadline), deadline.thresholds,
             lambda obj, kind=kind: deadline_recipients(kind, obj), deadline.verb)
        for kind in kinds.KINDS for deadline in kind.deadlines)


def _awaiting_signature(on: date) -> sa.Select:
    return sa.select(Agreement).where(
        Agreement.status == AgreementStatus.OUT_FOR_SIGNATURE, Agreement.archived_at.is_(None),
        Agreement.id.in_(sa.select(SignatureRequest.agreement_id).where(
            SignatureRequest.status == SignatureStatus.PENDING, SignatureRequest.due_date.is_not(None),
            SignatureRequest.due_date <= on + timedelta(days=7))))


def _latest_issue(agreement: Agreement) -> int | None:
    return db.session.scalar(sa.select(sa.func.max(SignatureRequest.document_id))
                             .where(SignatureRequest.agreement_id == agreement.id))


def _signatures_due(agreement: Agreement) -> list[SignatureRequest]:
    """Pending requests of the agreement's latest issue whose turn has come (none before them pending)."""
    round_ = list(db.session.scalars(sa.select(SignatureRequest).where(
        SignatureRequest.agreement_id == agreement.id, SignatureRequest.document_id == _latest_issue(agreement))))
    pending = [r for r in round_ if r.status is SignatureStatus.PENDING]
    return [r for r in pending if r.due_date is not None and not any(o.order < r.order for o in pending)]


def _signature_due_date(agreement: Agreement) -> date | None:
    return min((r.due_date for r in _signatures_due(agreement)), default=None)


def _signatories_due(agreement: Agreement) -> list[User]:
    return [r.signatory for r in _signatures_due(agreement) if r.signatory is not None and r.signatory.active]


def _aar_owed(on: date) -> sa.Select:
    """Conducted exercises whose AAR/IP is not approved yet, within 30 days of its due date or past it."""
    return sa.select(Exercise).where(Exercise.aar_owed_condition(),
                                     Exercise.conducted_on <= on - timedelta(days=AAR_DUE_DAYS - 30))


RULES: tuple[Rule, ...] = (
    *_deadline_rules(),  # every kind's deadlines (app/kinds.py)
    Rule("signature_due", Agreement, "signature due date", _awaiting_signature, (7, 3, TODAY, OVERDUE),
         _signatories_due, "awaits your signature, due", round_key=lambda a: f"issue {_latest_issue(a)}",
         due=_signature_due_date),
    # HSEEP: the AAR/IP is owed 90 days after the exercise, until it is approved.
    Rule("aar_due", Exercise, "after-action report due date", _aar_owed, (30, 7, OVERDUE),
         lambda e: coordinators_of(e.owner_organization_id), "owes its after-action report, due",
         due=lambda e: e.aar_due_on),
)


def covered() -> set[tuple[type, str]]:
    """(model, dated field) of every reminder rule."""
    return {(rule.model, rule.field) for rule in RULES}


def reminder_text(rule: Rule, obj, threshold: str, when: date, on: date) -> str:
    """A safe one-liner: kind, reference and date, never a title."""
    thing = f"{rule.noun} {kinds.kind_of(obj).reference(obj)}"
    if threshold == OVERDUE:
        return f"{thing} is overdue (date passed: {when.isoformat()})"
    if threshold == TODAY:
        return f"{thing} {rule.what} today ({when.isoformat()})"
    days = (when - on).days
    return f"{thing} {rule.what} in {days} day{'' if days == 1 else 's'} ({when.isoformat()})"


def _claim(object_type: str, object_id: int, kind: str, threshold: str, recipient_id: int, due: date) -> bool:
    """Insert the reminder's row unless it exists; True when this call inserted it (race-safe)."""
    values = dict(object_type=object_type, object_id=object_id, kind=kind, threshold=threshold,
                  recipient_id=recipient_id, due_date=due)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(SentReminder).values(**values).on_conflict_do_nothing().returning(SentReminder.id)
    return db.session.execute(stmt).first() is not None


def _stored(rule: Rule, obj, threshold: str) -> str:
    """The threshold as stored in sent_reminders ("3d", or "3d #issue 12" for a rule keyed per round)."""
    return f"{threshold} #{rule.round_key(obj)}"[:40] if rule.round_key else threshold


def due_reminders(on: date) -> Iterable[tuple[Rule, object, str, date]]:
    for rule in RULES:
        for obj in db.session.scalars(rule.candidates(on)).unique():
            when = rule.due_on(obj)
            if when is None:
                continue
            threshold = threshold_for(rule, (when - on).days)
            if threshold is not None:
                yield rule, obj, threshold, when


def _already_sent(work) -> set[tuple]:
    """Keys (kind, object id, threshold, recipient id) already recorded for this run's candidates."""
    ids_by_kind: dict[str, set[int]] = {}
    for kind, _model, object_id, *_rest in work:
        ids_by_kind.setdefault(kind, set()).add(object_id)
    found = set()
    for kind, ids in ids_by_kind.items():
        rows = db.session.execute(
            sa.select(SentReminder.kind, SentReminder.object_id, SentReminder.threshold, SentReminder.recipient_id)
            .where(SentReminder.kind == kind, SentReminder.object_id.in_(ids)))
        found |= {tuple(row) for row in rows}
    return found


def run(on: date | None = None, *, commit: bool = True) -> int:
    """Send every reminder due on `on` (default today) that was not sent before; returns how many.

    A person's reminders of one run are sent together: one in-app notification each, and one mail for all
    of them (for those who want reminders by mail at once), committed with them, one person at a time.
    commit=False (the demo loader) only flushes, leaving the one commit to the caller."""
    on = on or today()
    work = [(rule.kind, type(obj), obj.id, _stored(rule, obj, threshold), when, [u.id for u in rule.recipients(obj)])
            for rule, obj, threshold, when in due_reminders(on)]
    rules = {rule.kind: rule for rule in RULES}
    already = _already_sent(work)
    by_recipient: dict[int, list[tuple]] = {}
    for kind, model, object_id, threshold, when, recipient_ids in work:
        for recipient_id in recipient_ids:
            if (kind, object_id, threshold, recipient_id) not in already:  # the common case: no write
                by_recipient.setdefault(recipient_id, []).append((kind, model, object_id, threshold, when))
    sent = 0
    for recipient_id, items in by_recipient.items():
        user = db.session.get(User, recipient_id)
        if user is None:
            continue
        mail = []
        for kind, model, object_id, threshold, when in items:
            obj = db.session.get(model, object_id)
            if obj is None or not objects.can_see(user, obj):
                continue
            if _claim(objects.object_type_of(obj), object_id, kind, threshold, recipient_id, when):  # settles races
                text = reminder_text(rules[kind], obj, threshold.split(" #", 1)[0], when, on)
                created = notify([user], NotificationKind.REMINDER, obj, mail_now=False, summary=text)
                mail += [(notification, obj) for notification in created]
                sent += 1
        _mail_reminders(user, mail, on)
        settle(commit)
    return sent


def remind_once(user: User, obj, kind: str, threshold: str, due: date, text: str, on: date) -> bool:
    """One reminder of a feature's own rule (incident stages, advisory acknowledgements) to one person who may
    see the record, once: its row in sent_reminders claimed first (race-safe), then the notification and, as the
    person chose, its mail. True when this call sent it."""
    if not objects.can_see(user, obj) or not _claim(objects.object_type_of(obj), obj.id, kind, threshold, user.id,
                                                     due):
        return False
    created = notify([user], NotificationKind.REMINDER, obj, mail_now=False, summary=text)
    _mail_reminders(user, [(notification, obj) for notification in created], on)
    return True


def settle(commit: bool) -> None:
    """A run's reminders so far: committed (a run is an edge, like a CLI command, so it never holds the database
    lock for long), or only flushed for a caller that commits them itself (the demo loader)."""
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def _mail_reminders(user: User, mail: list[tuple], on: date) -> None:
    """One mail for the person's new reminders, if they want reminders by mail at once (a daily digest
    preference gathers them in the digest instead; off sends none)."""
    if not mail or not user.email or channel_for(user, NotificationKind.REMINDER) is not EmailChannel.IMMEDIATELY:
        return
    if len(mail) == 1:
        subject, text, html = messages.notification_email(mail[0][0], mail[0][1], user)
    else:
        subject, text, html = messages.reminders_email(user, [messages.mail_item(n, obj) for n, obj in mail], on)
    queue_email(user.email, subject, text, html)
