"""Background job of signing: complete the agreements whose every signature is in but that are still
out for signature (a round left so by an earlier version, or by a completion that failed to seal)."""
from app.jobs import crontab
from app.jobs import periodic_job


@periodic_job(crontab(minute="*/5"))
def complete_stranded_rounds() -> int:
    from app.signing.signatures import complete_stranded

    return complete_stranded()
