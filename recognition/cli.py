"""The ``recognition`` command line: the group the console script runs, the commands that
work on a fresh checkout (``init``, ``demo`` and ``serve`` create the instance folder
first) and ``backup``, and every domain's command group, registered on the app (each
domain's commands live in its own ``cli.py``)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, NoAppException, ScriptInfo, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import exists, select
from sqlalchemy.exc import ArgumentError, OperationalError
from werkzeug.serving import run_simple

from . import instance, links
from .app import create_app as build_app
from .auth.accounts import cli as accounts_cli
from .auth.invitations.cli import invite_command
from .awards.models import Grant
from .cases.cli import cases_group
from .clock import utcnow
from .config import ConfigurationError
from .credits import signing
from .credits.cli import keys_group, statements_group
from .credits.models import Statement
from .demo import builder
from .demo.reset import reset_database
from .dossiers.cli import dossiers_group
from .errors import DomainError
from .extensions import db
from .feedback.cli import feedback_group
from .ledger import checkpoints
from .ledger.cli import ledger_group
from .ledger.models import LedgerEntry
from .metrics.cli import metrics_group
from .people.cli import people_group
from .roster.cli import roster_group
from .scheduler.cli import scheduler_group


def _create_app():
    """The instance's app; a configuration it cannot start with is a sentence, not a traceback."""
    try:
        return create_app()
    except ConfigurationError as error:
        raise NoAppException(str(error)) from None
    except SyntaxError as error:
        raise NoAppException(
            f"The configuration file {error.filename} is not valid Python ({error.msg}, line "
            f"{error.lineno}): correct it, or move it away and run `recognition init`."
        ) from None
    except ArgumentError:
        raise NoAppException(
            "DATABASE_URL is not a database URL: set RECOGNITION_DATABASE_URL (or DATABASE_URL in "
            "the instance config) to e.g. postgresql://USER@HOST/NAME, or unset it for SQLite."
        ) from None


def prepare() -> Flask:
    """Create the instance folder and config if missing, build the app, apply migrations,
    and make the signing key of a new deployment."""
    config, written = instance.ensure()
    if written:
        click.echo(f"Wrote {config} with a new secret key.")
    try:
        app = _create_app()
    except NoAppException as error:
        raise click.ClickException(error.format_message()) from None
    with app.app_context():
        upgrade()
        _refuse_to_replace_a_lost_key(app)
    try:
        key, made = signing.ensure_key(app.instance_path, app.config.get("SIGNING_KEY_PATH"))
    except signing.KeyUnavailable as error:
        raise click.ClickException(error.message) from None
    if made:
        click.echo(f"Made the statement signing key {key.path} (key id {key.key_id}); back it up with the database.")
    with app.app_context():
        _bind_earlier_entries()
    return app


def _bind_earlier_entries() -> None:
    """After an upgrade, entries chained before their ids were hashed are bound to their
    ids by the first checkpoint: make it now rather than at the next daily job."""
    if checkpoints.latest() is not None or not db.session.scalar(
        select(exists().where(LedgerEntry.chain_version.is_(None)))
    ):
        return
    try:
        made, _ = checkpoints.make(utcnow())
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Warning: {error.message}", err=True)
        return
    db.session.commit()
    click.echo(
        f"Signed checkpoint at position {made.seq}: the entries chained before this version are now bound "
        "to their ids (`recognition ledger verify` checks them)."
    )


def _refuse_to_replace_a_lost_key(app) -> None:
    """A deployment that has signed with a key it no longer has gets no silent new one:
    the operator restores it, or replaces it knowingly (``keys rotate --lost``)."""
    path = signing.key_path(app.instance_path, app.config.get("SIGNING_KEY_PATH"))
    if path.exists():
        return
    try:
        known = [entry.key_id for entry in signing.read_ring(signing.ring_path(app.instance_path))]
    except ValueError:
        raise click.ClickException(
            f"The key ring {signing.ring_path(app.instance_path)} cannot be read, and the "
            f"signing key {path} is missing: restore both from the backup."
        ) from None
    known = known or [
        found
        for found in (
            db.session.scalar(select(Statement.key_id).limit(1)),
            db.session.scalar(select(Grant.key_id).limit(1)),
        )
        if found
    ]
    if known:
        raise click.ClickException(
            f"The signing key {path} is missing, and this deployment has signed with key {', '.join(known)}. "
            "Restore the key from the backup, or run `recognition keys rotate --lost` to sign with a new key "
            "from now on (what the old key signed stays verifiable if the key ring lists it)."
        )


@click.command("init")
def init_command():
    """Create the instance folder, a config with a generated secret key, and the database."""
    app = prepare()
    click.echo(f"Database ready: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve_command(host, port):
    """Serve the app (for production, run gunicorn: see the README)."""
    app = _given_app() or prepare()
    links.serving_on(app, host, port)
    serve(app, host, port)


def serve(app, host: str, port: int) -> None:
    if host.strip() in links.WILDCARDS:
        click.echo(f"Serving on every address of this machine, port {port} (Ctrl+C to stop).")
    else:
        click.echo(f"Serving on {links.derive(host, port, '')}/ (Ctrl+C to stop).")
    click.echo(links.describe(app))
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command("demo")
@click.option("--seed", default=2024, show_default=True, type=int, help="The same seed builds the same department.")
@click.option("--no-serve", is_flag=True, help="Only load the demo data.")
@click.option("--reset", is_flag=True, help="First wipe this database (all its data!) and migrate it afresh.")
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.1, 5),
    help="Department size; 1 is about 900 faculty.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def demo_command(seed, no_serve, reset, scale, host, port):
    """Load a realistic demo department into an empty database (a second run only
    prints the logins), then serve it."""
    app = _given_app() or prepare()
    # Before loading: the demo's certificates and emails name the address it will be served on.
    links.serving_on(app, host, port)
    with app.app_context():
        if reset:
            reset_database()
        logins = builder.load(seed, scale=scale)
    click.echo("\nDemo logins (every demo account has the same password):")
    for role, email, password in logins:
        click.echo(f"  {role}: {email} / {password}")
    earlier = _demo_address(app)
    if earlier:
        click.echo(
            f"The demo was loaded earlier for {earlier}: its certificates and emails name that address "
            "(--reset loads it afresh for this one)."
        )
    if no_serve:
        click.echo(links.describe(app))
    else:
        serve(app, host, port)


def _demo_address(app) -> str | None:
    """The address a demo loaded earlier put in its statements, when links now name another."""
    with app.app_context():
        document = db.session.scalar(select(Statement.document).order_by(Statement.id).limit(1))
        named = json.loads(document)["issuer"]["base_url"] if document else None
        return named if named and named != links.base_url() else None


def _given_app():
    """The app a caller built and handed to the command line (a test runner, an
    embedding script), already migrated; None for the ``recognition`` script, which
    builds the instance's own app."""
    info = click.get_current_context().find_object(ScriptInfo)
    if info is None or info.create_app in (None, _create_app):
        return None
    return info.load_app()


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write a consistent copy of the database to PATH while the app runs."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        if url.database is None:
            raise click.ClickException("An in-memory SQLite database has no file to back up.")
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        if shutil.which("pg_dump") is None:
            raise click.ClickException("pg_dump is not installed; install the PostgreSQL client tools.")
        # The password goes through the environment: a command line is visible to every
        # local user in the process list.
        plain = url._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
        env = {**os.environ, "PGPASSWORD": url.password} if url.password else None
        subprocess.run(["pg_dump", "--format=custom", f"--file={path}", plain], check=True, env=env)
    click.echo(f"Backed up to {path}")


people_group.add_command(invite_command)  # `recognition people invite`: the invitations' command

APP_COMMANDS = (
    init_command,
    serve_command,
    demo_command,
    backup_command,
    cases_group,
    dossiers_group,
    feedback_group,
    keys_group,
    ledger_group,
    metrics_group,
    people_group,
    roster_group,
    scheduler_group,
    statements_group,
)


# Disabling and enabling accounts live with the accounts, under ``recognition people``.
for _command in (accounts_cli.disable_command, accounts_cli.enable_command):
    people_group.add_command(_command)


def register(app: Flask) -> None:
    """Every command on ``app.cli``, for ``flask --app recognition`` and test runners."""
    for command in APP_COMMANDS:
        app.cli.add_command(command)


def create_app(test_config: dict | None = None) -> Flask:
    """The app with its commands: what ``recognition:create_app`` names, and what servers,
    ``flask --app recognition`` and the tests build. The command line sits above the app
    (it builds it), so the app factory leaves the commands to this module."""
    app = build_app(test_config)
    register(app)
    return app


class Group(FlaskGroup):
    """Flask's group, with a sentence instead of a traceback when the app cannot start
    (before ``init``, a config without a secret key) or a command cannot do its work (a
    missing or broken signing key, a database that cannot be reached)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as error:
            click.echo(f"Note: {error.format_message()} Until then only these commands are available.", err=True)
            self._load_plugin_commands()
            return sorted(AppGroup.list_commands(self, ctx))
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if AppGroup.get_command(self, ctx, name) is None:
            try:
                ctx.ensure_object(ScriptInfo).load_app()
            except NoAppException as error:
                raise click.ClickException(error.format_message()) from None
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except signing.KeyUnavailable as error:
            raise click.ClickException(error.message) from None
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else "no answer"
            raise click.ClickException(
                f"The database cannot be reached or used ({reason}): check "
                "RECOGNITION_DATABASE_URL and that the server is up."
            ) from None


def main() -> None:
    group = Group(create_app=_create_app, help="recognition: the mentoring ledger and what it earns.")
    # These run before the app can start on a fresh checkout, so they live on the group.
    for command in (init_command, serve_command, demo_command):
        group.add_command(command)
    group.main()
