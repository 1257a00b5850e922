"""Acknowledgement reminders: a released high or critical advisory that a recipient organisation has not
acknowledged by the authors' deadline goes to that organisation's coordinators (notification, mail as they
chose, and the inbox's "Advisories to acknowledge"), once each: a row in `sent_reminders` claimed with
ON CONFLICT DO NOTHING before the notification is written, in the same transaction. The text names the
reference, kind, severity and TLP only."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Advisory
from app.models import today
from app.notifications.reminders import coordinators_of
from app.notifications.reminders import remind_once
from app.notifications.reminders import settle

KIND = "advisory_ack"
THRESHOLD = "overdue"


def _due(on: date) -> sa.Select:
    return (sa.select(Advisory).where(Advisory.acknowledgement_overdue_condition(on))
            .options(selectinload(Advisory.distribution), selectinload(Advisory.acknowledgements))
            .order_by(Advisory.id))


def reminder_text(advisory: Advisory) -> str:
    from app.advisories.services import describe

    return (f"{advisory.reference}: not acknowledged by your organisation; it was due "
            f"{advisory.acknowledgement_deadline.isoformat()} ({describe(advisory)})")


def run(on: date | None = None, *, commit: bool = True) -> int:
    """Send each reminder that is due and was not sent before; returns how many were sent."""
    on = on or today()
    sent = 0
    for advisory in db.session.scalars(_due(on)).all():
        acknowledged = {a.organization_id for a in advisory.acknowledgements}
        text = reminder_text(advisory)
        for recipient in advisory.distribution:
            if recipient.organization_id in acknowledged:
                continue
            for user in coordinators_of(recipient.organization_id):
                sent += remind_once(user, advisory, KIND, THRESHOLD, advisory.acknowledgement_deadline, text, on)
        settle(commit)
    return sent
