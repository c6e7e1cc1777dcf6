"""What ``/healthz`` and ``/readyz`` check. Each check returns the problems it found as
``{what: [rule, ...]}``, the API's error shape; an empty dict means all is well.

Probes come often, so every check is cheap: a loaded template or signing key stays
loaded until its file changes, the migration head is read from the scripts once, the
database costs two small queries and the disk one statvfs per folder. The probes answer anyone, so a problem says what is wrong and what to do;
paths and driver messages go to the log, not to the caller.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from jinja2 import TemplateError, TemplateNotFound
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..credits import signing
from ..extensions import db

# Pages without which nobody can even sign in or read an error.
PAGES = ("base.html", "auth/login.html", "errors/error.html")
HEADS = "recognition.migration_heads"


def templates(app: Flask) -> dict[str, list[str]]:
    """The pages load (Jinja keeps a loaded one, so after the first probe this reads no file)."""
    problems = []
    for name in PAGES:
        try:
            app.jinja_env.get_template(name)
        except TemplateNotFound:
            app.logger.error("Template %s is not in %s", name, app.template_folder)
            problems.append(f"{name} is missing from this installation: reinstall the recognition package")
        except TemplateError as error:
            app.logger.error("Template %s cannot be loaded: %s", name, error)
            problems.append(f"{name} cannot be loaded")
    return {"templates": problems} if problems else {}


def database(app: Flask) -> dict[str, list[str]]:
    """The database answers, can be written, and has the schema this code expects."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            problems = [problem for problem in (_read_only(connection),) if problem]
            problems += _schema(app, connection)
    except SQLAlchemyError as error:
        app.logger.error("The database cannot be reached: %s", error)
        return {"database": ["cannot be reached"]}
    return {"database": problems} if problems else {}


def _read_only(connection) -> str | None:
    url = connection.engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        path = Path(url.database)
        # Writing needs the file and its folder (SQLite keeps its journal or WAL beside it).
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            return "is read-only: the app cannot write to the database file or its folder"
        return None
    if connection.execute(text("SELECT current_setting('transaction_read_only')")).scalar() == "on":
        return "is read-only (a standby server, or default_transaction_read_only is on)"
    return None


def _schema(app: Flask, connection) -> list[str]:
    try:
        with connection.begin_nested():  # on PostgreSQL a failed query would end the transaction
            found = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:
        found = set()
    expected = migration_heads(app)
    if found == expected:
        return []
    if not found:
        return ["has no schema: run `recognition init`"]
    return [
        f"schema is at {', '.join(sorted(found))}, this version of the app needs "
        f"{', '.join(sorted(expected))}: run `recognition init` to migrate it"
    ]


def migration_heads(app: Flask) -> set[str]:
    """The newest revision of the migrations shipped with this code, read once."""
    heads = app.extensions.get(HEADS)
    if heads is None:
        heads = set(ScriptDirectory(app.extensions["migrate"].directory).get_heads())
        app.extensions[HEADS] = heads
    return heads


def signing_key(app: Flask) -> dict[str, list[str]]:
    """The signing key loads and the key ring reads (both are read again only when their
    files change). Like every use of the key this never makes one: a missing key on a
    running deployment means one was lost, not that none is needed."""
    problems: dict[str, list[str]] = {}
    for check in (signing.app_key, signing.published):
        try:
            check(app)
        except signing.KeyUnavailable as error:
            problems.update(error.errors)
    return problems


def disk_space(app: Flask) -> dict[str, list[str]]:
    """The disks the app writes to have room: the instance folder (keys, outbox, uploads)
    and, on SQLite, the database's folder. A full disk makes every write fail."""
    floor = int(app.config["READY_MIN_FREE_MB"])
    folders = {Path(app.instance_path)}
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folders.add(Path(url.database).parent)
    problems = []
    for folder in sorted(folders):
        try:
            free = shutil.disk_usage(folder).free // (1024 * 1024)
        except FileNotFoundError:
            continue  # the database or signing key check names what is missing
        except OSError as error:
            app.logger.error("Cannot read the free space of %s: %s", folder, error)
            problems.append("cannot be measured: a folder the app writes to is missing or unreadable")
            continue
        if free < floor:
            app.logger.error("Only %d MB free on the disk of %s (READY_MIN_FREE_MB is %d)", free, folder, floor)
            problems.append(
                f"is almost full: {free} MB free where the app writes, it needs at least {floor} MB (READY_MIN_FREE_MB)"
            )
    return {"disk": problems} if problems else {}
