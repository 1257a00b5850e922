"""Alembic environment for Flask-Migrate: the app's engine and metadata, SQLite batch mode on."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


target_db = current_app.extensions["migrate"].db


def get_metadata():
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render the app's column types as plain SQLAlchemy types so migrations import nothing of ours."""
    from app.extensions import UTCDateTime
    from app.models._common import SectorSet

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, SectorSet):
        return "sa.String(length=400)"
    return False


def run_migrations_offline():
    context.configure(url=str(get_engine().url), target_metadata=get_metadata(), literal_binds=True,
                      render_as_batch=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args["render_item"] = render_item
    conf_args["render_as_batch"] = True
    conf_args["compare_type"] = True

    connectable = get_engine()
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it into a new one and dropping the old: with foreign keys
            # enforced, dropping a table that other rows reference fails. Off while migrating (outside any
            # transaction: the pragma is ignored inside one), then every reference is checked.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
