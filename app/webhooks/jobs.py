"""Background jobs of webhooks: send what is due (every minute, and nudged after each commit that queued)."""
from app.jobs import _PENDING, crontab, job, periodic_job


def _send() -> dict:
    from app.webhooks.delivery import deliver_due

    return deliver_due()


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
