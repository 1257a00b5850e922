"""Background job of advisories: the acknowledgement reminders, once a day."""
from app.jobs import crontab
from app.jobs import periodic_job


@periodic_job(crontab(minute="20", hour="6"))
def run_acknowledgement_reminders() -> int:
    from app.advisories.reminders import run

    return run()
