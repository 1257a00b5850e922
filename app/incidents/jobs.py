"""Background job of incident reports: the stage reminders, every quarter of an hour (the clocks are hours)."""
from app.incidents import reminders
from app.jobs import crontab
from app.jobs import periodic_job


@periodic_job(crontab(minute="*/15"))
def run_stage_reminders() -> int:
    return reminders.run()
