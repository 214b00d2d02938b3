"""Bring a database to the current schema with Alembic, in place."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
FIRST_REVISION = "0001"
# Any fixed number: PostgreSQL sessions that migrate take this advisory lock, so two runs that
# open a new database at the same moment do not both create the tables.
MIGRATION_LOCK_KEY = 4_719_301


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Create the schema in an empty database or upgrade an older one to the newest revision.

    A database written by matchkit 0.1.0 has the tables but no Alembic version
    table; it is marked as the first revision and then upgraded.
    """
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        elif connection.dialect.name == "sqlite":
            # Take the write lock before reading the revision, so a second process waits here
            # and then finds the schema already current.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision == head_revision():
            return
        if revision is None and inspect(connection).has_table("match_plots"):
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, "head")
