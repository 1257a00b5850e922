"""Background jobs of webhooks: send what is due (every minute, and nudged after each commit that queued); a
retry due before the next minute's run gets a send of its own at its time (the first one, 30 s after a failure)."""
from app.jobs import _PENDING
from app.jobs import crontab
from app.jobs import huey
from app.jobs import job
from app.jobs import periodic_job

PERIOD_SECONDS = 60


def _send() -> dict:
    from app.models import utcnow
    from app.webhooks.delivery import deliver_due
    from app.webhooks.delivery import next_retry

    counts = deliver_due()
    wait = None if huey.immediate else next_retry(utcnow())
    if wait is not None and wait < PERIOD_SECONDS:
        send_webhooks.schedule(delay=wait)
    return counts


@job()
def send_webhooks() -> dict:
    return _send()


@periodic_job(crontab(minute="*"))
def send_webhooks_every_minute() -> dict:
    return _send()


def nudge_sending(session) -> None:
    """Queue one send for after `session`'s transaction commits (once per transaction)."""
    pending = session.info.setdefault(_PENDING, [])
    if not any(task is send_webhooks for task, _, _ in pending):
        pending.append((send_webhooks, (), {}))
