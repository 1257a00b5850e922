"""`flask --app wsgi notifications deliver|digest` and `flask --app wsgi reminders run`."""
from datetime import date

import click
from flask.cli import with_appcontext


@click.group("notifications")
def notifications() -> None:
    """E-mail notifications: the outbox and the daily digest."""


@notifications.command("deliver")
@with_appcontext
def deliver() -> None:
    """Send what the outbox holds that is due, then exit."""
    from app.notifications.delivery import deliver_due
    from app.notifications.delivery import mail_configured

    if not mail_configured():
        click.echo("MAIL_SERVER is not set: mail stays in the outbox (see /notifications/outbox).")
        return
    counts = deliver_due()
    click.echo(f"Sent {counts['sent']}, retry later {counts['retry']}, failed {counts['failed']}.")


@notifications.command("digest")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD (default today).")
@with_appcontext
def digest(day) -> None:
    """Queue the daily digest mails (once per user and day)."""
    from app.notifications.digest import send_digests

    click.echo(f"Queued {send_digests(day.date() if day else None)} digest mail(s).")


@click.group("reminders")
def reminders() -> None:
    """Reminders over every dated field."""


@reminders.command("run")
@click.option("--today", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were YYYY-MM-DD.")
@with_appcontext
def run(on) -> None:
    """Queue the reminders due today that were not sent before (idempotent)."""
    from app import kinds
    from app.notifications.reminders import run as run_reminders

    day: date | None = on.date() if on else None
    click.echo(f"Sent {run_reminders(day)} reminder(s).")
    for kind in kinds.KINDS:  # a kind's own dated rules (advisory acknowledgements: app/kinds.py), as of `day`
        if kind.dated_reminders:
            click.echo(f"Sent {kind.part('dated_reminders')(day)} {kind.dated_reminders[0]} reminder(s).")
    if on is None:  # a kind's clocks of hours (incident stages: app/kinds.py) run against the current time only
        for kind in kinds.KINDS:
            if kind.clock_reminders:
                click.echo(f"Sent {kind.part('clock_reminders')()} {kind.clock_reminders[0]} reminder(s).")


commands = [notifications, reminders]
