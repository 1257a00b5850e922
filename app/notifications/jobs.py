"""Background jobs of notifications: outbox delivery (every minute, and nudged after each change),
reminders (daily, 06:00 UTC) and the daily digest (18:00 UTC)."""
from app.jobs import _PENDING
from app.jobs import crontab
from app.jobs import enqueue_after_commit
from app.jobs import job
from app.jobs import periodic_job


def _deliver() -> dict:
    from app.notifications.delivery import deliver_due

    return deliver_due()


@job()
def deliver_outbox() -> dict:
    return _deliver()


@periodic_job(crontab(minute="*"))
def deliver_outbox_every_minute() -> dict:
    return _deliver()


@periodic_job(crontab(minute="0", hour="6"))
def run_reminders_daily() -> int:
    from app.notifications.reminders import run

    return run()


@periodic_job(crontab(minute="0", hour="18"))
def send_digests_daily() -> int:
    from app.notifications.digest import send_digests

    return send_digests()


def nudge_delivery() -> None:
    """Queue one delivery for after the current transaction commits (once per transaction)."""
    from app.extensions import db

    if not any(task is deliver_outbox for task, _, _ in db.session.info.get(_PENDING, ())):
        enqueue_after_commit(deliver_outbox)
