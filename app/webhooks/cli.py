"""`flask --app wsgi webhooks deliver`: send the due webhook deliveries once, then exit."""
import click
from flask.cli import with_appcontext


@click.group("webhooks")
def webhooks() -> None:
    """Webhook deliveries (the worker sends them on its own every minute)."""


@webhooks.command("deliver")
@with_appcontext
def deliver() -> None:
    """Attempt every due delivery once."""
    from app.webhooks.delivery import deliver_due

    counts = deliver_due()
    click.echo(", ".join(f"{status} {count}" for status, count in counts.items()) + ".")
