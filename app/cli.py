"""Command-line tools: thin wrappers over services that commit once at the end."""
import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.backup import backup_cli
from app.extensions import db
from app.jobs import worker
from app.models import Organization
from app.models import Role
from app.notifications.cli import notifications
from app.notifications.cli import reminders
from app.peers.cli import peers
from app.webhooks.cli import webhooks


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--org", "org_name", required=True, help="Organisation name or short name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option(help="Prompted for when omitted (at least 12 characters).")
@with_appcontext
def create_user(email: str, name: str, org_name: str, role: str, password: str) -> None:
    """Create a user account in an existing organisation."""
    from app.users import services

    org = db.session.scalar(sa.select(Organization).where(
        sa.or_(sa.func.lower(Organization.name) == org_name.strip().lower(),
               sa.func.lower(Organization.short_name) == org_name.strip().lower())))
    if org is None:
        raise click.ClickException(f"No organisation named {org_name!r}.")
    try:
        user = services.create_user(None, email=email, name=name, organization=org, role=Role(role),
                                    password=password)
    except services.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}) in {org.name}.")


@click.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", required=True, help="What uses the token, e.g. 'GRC sync'.")
@click.option("--write", is_flag=True, help="Read and write (default: read only).")
@click.option("--days", type=click.IntRange(1, 365), default=90, show_default=True, help="Days until it expires.")
@with_appcontext
def create_token(email: str, name: str, write: bool, days: int) -> None:
    """Create a personal API token for a user and print it (shown once: only its hash is kept)."""
    from datetime import timedelta

    from app.api_tokens import services
    from app.models import TokenScope
    from app.models import User
    from app.models import normalize_email
    from app.models import today

    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        raise click.ClickException(f"No active user with the address {email!r}.")
    try:
        _token, secret = services.create_token(user, name=name, scope=TokenScope.READ_WRITE if write else TokenScope.READ,
                                               expires_on=today() + timedelta(days=days))
    except services.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(secret)


@click.command("create-organization")
@click.option("--name", required=True)
@click.option("--short-name", default="")
@click.option("--kind", type=click.Choice(["government", "private_sector", "international", "ngo_academia"]),
              required=True)
@click.option("--country", required=True, help="ISO 3166 alpha-2 code.")
@with_appcontext
def create_organization(name: str, short_name: str, kind: str, country: str) -> None:
    """Create an organisation (to bootstrap the first administrator)."""
    import pycountry

    from app.models import OrganizationKind

    if pycountry.countries.get(alpha_2=country.upper()) is None:
        raise click.ClickException("Unknown country code; use ISO 3166 alpha-2, e.g. US.")
    if db.session.scalar(sa.select(Organization.id).where(sa.func.lower(Organization.name) == name.lower())):
        raise click.ClickException(f"An organisation named {name!r} already exists.")
    org = Organization(name=name, short_name=short_name, kind=OrganizationKind(kind), country=country.upper())
    db.session.add(org)
    db.session.commit()
    click.echo(f"Created organisation {org.name}.")


@click.command("seed-demo")
@click.option("--password", default=None, help="Password for every demo account "
                                                "(default: palisade-demo-passphrase).")
@with_appcontext
def seed_demo(password: str | None) -> None:
    """Load demo data (idempotent). Refused under the production configuration."""
    from app.demo import DEFAULT_PASSWORD
    from app.demo import seed_demo as run
    from app.users.services import UserError

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("seed-demo is refused under the production configuration.")
    try:
        summary = run(password or DEFAULT_PASSWORD)
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo("Demo data ready: " + ", ".join(f"{count} {name}" for name, count in summary.items()))


@click.command("seed-if-empty")
@with_appcontext
def seed_if_empty() -> None:
    """Load the demo data only when the database has no organisation yet (used by `make run`)."""
    from app.demo import seed_demo as run

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("Demo data is never loaded under the production configuration.")
    if db.session.scalar(sa.select(sa.func.count(Organization.id))):
        click.echo("Database already has data; demo data not loaded.")
        return
    summary = run()
    db.session.commit()
    click.echo("Demo data loaded: " + ", ".join(f"{count} {name}" for name, count in summary.items()))


@click.group("pki")
def pki() -> None:
    """The platform signing key (seals every issued document)."""


@pki.command("init")
@click.option("--force", is_flag=True, help="Replace an existing key (documents sealed before stay valid "
                                            "only for holders of the old CA certificate).")
@with_appcontext
def pki_init(force: bool) -> None:
    """Create a development CA and platform seal key (PKCS#12 in instance/) unless one exists."""
    from app.signing import keys

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("pki init makes a development key; production brings its own "
                                   "(SIGNING_PKCS12_PATH, SIGNING_PKCS12_PASSWORD).")
    try:
        created, files = keys.ensure_development_key(force=force)
    except keys.KeyMissing as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(("Created" if created else "Kept the existing") + f" platform signing key {files.pkcs12_path}")
    click.echo(f"Seal certificate SHA-256 fingerprint: {files.fingerprint}")
    if files.ca_path:
        click.echo(f"Development CA certificate: {files.ca_path}")


commands = [create_user, create_token, create_organization, seed_demo, seed_if_empty, worker, notifications, reminders, backup_cli,
            pki, webhooks, peers]
