"""Wipe the database for ``recognition demo --reset``, then migrate it afresh.

The ledger refuses UPDATE, DELETE and TRUNCATE, but a throwaway demo database can still
be thrown away: SQLite by deleting its file, PostgreSQL by dropping every table.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from ..extensions import db


def reset_database() -> None:
    """Inside an app context: delete every table and row, then apply the migrations."""
    engine = db.engine
    db.session.remove()
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            raise click.ClickException("--reset needs a SQLite database file.")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)
    elif engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            tables = inspect(connection).get_table_names()
            if tables:
                names = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in tables)
                # CASCADE: the tables refer to each other; alembic_version goes too.
                connection.execute(text(f"DROP TABLE IF EXISTS {names} CASCADE"))
        engine.dispose()
    else:
        raise click.ClickException(f"--reset does not know how to wipe a {engine.dialect.name} database.")
    click.echo("Wiped the database; migrating it afresh.", err=True)
    upgrade()
