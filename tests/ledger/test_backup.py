"""``recognition backup PATH``: a consistent copy of the database, taken while the app runs,
that restores to a ledger verifying to the same head and still refusing edits."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from recognition import create_app
from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.ledger import service

from .conftest import NOW


def postgres_tool(name: str) -> str:
    """Debian keeps the versioned client tools off PATH unless postgresql-client-common
    is installed; look in both places."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    assert found, f"{name} is not installed"
    return found


def restored(backend: str, backup, request) -> str:
    """A database URL holding what the backup holds."""
    if backend == "sqlite":
        return f"sqlite:///{backup}"
    server = request.getfixturevalue("postgres_server")
    name = f"{server.prefix}restored_{uuid.uuid4().hex[:8]}"
    server.execute("CREATE DATABASE {}", name)
    request.addfinalizer(lambda: server.drop(name))
    subprocess.run(
        [postgres_tool("pg_restore"), "--no-owner", f"--dbname={server.database_url(name)}", str(backup)],
        check=True,
        capture_output=True,
    )
    return server.database_url(name)


def examine(database_url: str) -> tuple:
    """The verdict and head of the ledger in another database, read by a new app, and
    whether that database still refuses an edit."""
    other = create_app({"SECRET_KEY": "x", "DATABASE_URL": database_url})
    with other.app_context():
        try:
            verdict, head = service.verify(), service.head()
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text("UPDATE ledger_entries SET note = 'x'"))
            db.session.rollback()
        finally:
            db.session.remove()
            db.engine.dispose()
    return verdict, head


def test_backup_taken_during_a_write_restores_to_the_same_verified_head(
    app, runner, dept, record, backend, tmp_path, request
):
    for minutes in (30, 45, 60):
        record("mentor", minutes=minutes)
    with app.app_context():
        expected_head = service.head()
    backup = tmp_path / ("copy.sqlite3" if backend == "sqlite" else "copy.dump")

    # A writer is mid-append (holding the append lock, not committed) while the backup runs:
    # the copy has what was committed and nothing half-written, and the backup does not wait.
    with app.app_context():
        service.record({"kind": "other", "occurred_on": NOW.date(), "minutes": 5}, load_actor(dept.ids["mentor"]), NOW)
        result = runner.invoke(args=["backup", str(backup)])
        db.session.rollback()

    assert result.exit_code == 0, result.output
    assert f"Backed up to {backup}" in result.stdout
    assert backup.stat().st_size > 0
    if backend == "postgresql":
        assert backup.read_bytes().startswith(b"PGDMP")  # custom format, for pg_restore
    verdict, head = examine(restored(backend, backup, request))
    assert verdict.valid, verdict
    assert (verdict.checked, verdict.head_seq) == (3, 3)
    assert head == expected_head
    assert verdict.head_hash == expected_head["hash"]


# Only PostgreSQL has a password to leak; with RECOGNITION_TEST_BACKENDS=sqlite this has
# no parameters (CI always runs it).
POSTGRES_SELECTED = [
    name
    for name in (os.environ.get("RECOGNITION_TEST_BACKENDS") or "postgresql").split(",")
    if name.strip() == "postgresql"
]


@pytest.mark.parametrize("backend", POSTGRES_SELECTED, indirect=True)
def test_pg_dump_gets_the_password_from_the_environment_not_the_command_line(
    instance_path, database_url, backend, tmp_path, monkeypatch
):
    """Every local user can read another's command line (ps); not its environment."""
    secret = "s3cret-" + uuid.uuid4().hex[:6]
    with_password = make_url(database_url).set(password=secret).render_as_string(hide_password=False)
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": with_password})  # the test server trusts 127.0.0.1
    calls = []
    real_run = subprocess.run

    def spy(args, **kwargs):
        calls.append((args, kwargs.get("env") or {}))
        return real_run(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    dump = tmp_path / "copy.dump"
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(dump)])
    finally:
        with app.app_context():
            db.engine.dispose()

    assert result.exit_code == 0, result.output
    assert dump.stat().st_size > 0
    ((args, env),) = calls
    assert not any(secret in arg for arg in args)
    assert env["PGPASSWORD"] == secret
