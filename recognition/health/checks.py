"""What ``/healthz`` and ``/readyz`` check. Each check returns the problems it found as
``{what: [rule, ...]}``, the API's error shape; an empty dict means all is well.

Probes come often, so every check is cheap: a loaded template or signing key stays
loaded, the migration head is read from the scripts once, and the database costs two
small queries. The probes answer anyone, so a problem says what is wrong and what to do;
paths and driver messages go to the log, not to the caller.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
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
    return [f"schema is at {', '.join(sorted(found))}, this version of the app needs "
            f"{', '.join(sorted(expected))}: run `recognition init` to migrate it"]


def migration_heads(app: Flask) -> set[str]:
    """The newest revision of the migrations shipped with this code, read once."""
    heads = app.extensions.get(HEADS)
    if heads is None:
        from alembic.script import ScriptDirectory

        heads = set(ScriptDirectory(app.extensions["migrate"].directory).get_heads())
        app.extensions[HEADS] = heads
    return heads


def signing_key(app: Flask) -> dict[str, list[str]]:
    """The statement signing key exists and loads. Unlike signing.app_key this never makes
    one: a missing key on a running deployment means one was lost, not that none is needed."""
    if app.extensions.get("recognition.signing_key") is not None:
        return {}
    path = signing.key_path(app.instance_path, app.config.get("SIGNING_KEY_PATH"))
    if not path.exists():
        app.logger.error("The signing key %s does not exist", path)
        return {"signing_key": ["is missing: restore it from the backup, or run `recognition init` "
                                "to make one for a new deployment"]}
    try:
        key = signing.load_key(path)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
        app.logger.error("The signing key %s cannot be loaded: %s", path, error)
        return {"signing_key": ["cannot be loaded: it must be an unencrypted Ed25519 private key in PEM"]}
    app.extensions["recognition.signing_key"] = key
    return {}
