"""A locked, read-only database is a 503 with Retry-After, quickly, and writes recover.

A request waits for the database only briefly (SQLite's busy timeout, PostgreSQL's lock
timeout), well under gunicorn's 30-second worker timeout, and then says so in the one
error shape (a readable page for pages) instead of a 500 or a killed worker. Once the
database is writable again, the next write succeeds in the same process.

Making the SQLite file unwritable: ``chmod`` does not stop root, and tests may run as
root, so there the test thread also gives up CAP_DAC_OVERRIDE (Linux capabilities are
per thread) while the file is read-only: the app then meets exactly what an unprivileged
server process meets. On PostgreSQL the database is made read-only for new sessions
(``default_transaction_read_only``).
"""

from __future__ import annotations

import ctypes
import os
import sqlite3
import stat
import time
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy import update as sa_update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from recognition import database
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.conftest import dispose_engines
from tests.support.department import PASSWORD

CONTRIBUTIONS = "/api/v1/contributions"
SHORT_MS = 300


def meeting(dept) -> dict:
    return {
        "kind": "meeting",
        "mentorship_id": dept.mentorship_id,
        "occurred_on": "2025-03-01",
        "minutes": 45,
        "note": "",
        "confirm_duplicate": True,
    }


def psycopg_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def write_lock_held(backend: str, database_url: str):
    """Another client holds the lock a ledger append needs, from a plain connection."""
    if backend == "sqlite":
        with closing(sqlite3.connect(make_url(database_url).database, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            yield
            other.execute("ROLLBACK")
        return
    with psycopg.connect(psycopg_url(database_url)) as other:
        # Should the app wait without limit, the server ends this session after 10 s.
        other.execute("SET idle_in_transaction_session_timeout = '10s'")
        other.execute("LOCK TABLE ledger_entries IN EXCLUSIVE MODE")
        yield
        other.rollback()


def assert_busy(response, started: float) -> None:
    assert time.monotonic() - started < 3, "the request waited far longer than its configured timeout"
    body = assert_error(response, 503, "database")
    assert body["errors"]["database"] == ["is busy: another change holds the lock"]
    assert response.headers["Retry-After"] == "2"


def test_a_write_behind_a_held_lock_is_a_quick_503_and_then_goes_through(
    backend, database_url, app_on, dept, headers, ledger_rows
):
    served = app_on(database_url, SQLITE_BUSY_TIMEOUT_MS=SHORT_MS, POSTGRES_LOCK_TIMEOUT_MS=SHORT_MS)
    client, mentor = served.test_client(), headers("mentor")
    with write_lock_held(backend, database_url):
        started = time.monotonic()
        assert_busy(client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor), started)
    assert ledger_rows() == 0
    retried = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor)
    assert retried.status_code == 201, retried.get_json()
    assert ledger_rows() == 1


def test_a_page_behind_a_held_lock_says_to_try_again(backend, database_url, app_on, client, dept, headers, ledger_rows):
    served = app_on(database_url, SQLITE_BUSY_TIMEOUT_MS=SHORT_MS, POSTGRES_LOCK_TIMEOUT_MS=SHORT_MS)
    entry = client.post(CONTRIBUTIONS, json=meeting(dept), headers=headers("mentor")).get_json()
    page = served.test_client()
    assert page.post("/login", data={"email": dept.email("mentee"), "password": PASSWORD}).status_code == 302
    with write_lock_held(backend, database_url):
        started = time.monotonic()
        response = page.post(f"/contributions/{entry['id']}/confirmation", data={"next": "/mentee"})
        assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "2"
    assert "try again in a few seconds" in response.get_data(as_text=True)
    assert ledger_rows() == 1
    assert page.post(f"/contributions/{entry['id']}/confirmation", data={"next": "/mentee"}).status_code == 302
    assert ledger_rows() == 2


# Unwritable, then writable again --------------------------------------------------------------

CAP_DAC_OVERRIDE = 1
CAPABILITY_VERSION_3 = 0x20080522


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _capabilities(call: str, data) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, call)(ctypes.byref(CapHeader(CAPABILITY_VERSION_3, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), f"{call} failed")


@contextmanager
def without_file_override():
    """As root, this thread stops overriding file permissions (CAP_DAC_OVERRIDE) until the
    block ends; other users need nothing."""
    if os.geteuid() != 0:
        yield
        return
    data = (CapData * 2)()
    _capabilities("capget", data)
    saved = data[0].effective
    data[0].effective = saved & ~(1 << CAP_DAC_OVERRIDE)
    _capabilities("capset", data)
    try:
        yield
    finally:
        data[0].effective = saved
        _capabilities("capset", data)


@contextmanager
def sqlite_unwritable(database_url: str):
    path = Path(make_url(database_url).database)
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in files}
    for p in files:
        p.chmod(0o444)
    try:
        with without_file_override():
            with pytest.raises(PermissionError):  # the test is not vacuous: the file really is read-only
                open(path, "r+b").close()
            yield
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


@contextmanager
def postgres_read_only(database_url: str):
    name = make_url(database_url).database
    with psycopg.connect(psycopg_url(database_url), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')


def test_an_unwritable_database_is_a_503_and_writes_recover_without_a_restart(
    backend, app, client, database_url, dept, headers, ledger_rows
):
    mentor = headers("mentor")
    unwritable = sqlite_unwritable if backend == "sqlite" else postgres_read_only
    dispose_engines(app)  # the connections opened from now on find the database read-only
    with unwritable(database_url):
        response = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor)
        body = assert_error(response, 503, "database")
        assert response.headers["Retry-After"] == "30"
        assert body["errors"]["database"] == ["is read-only"]
    assert ledger_rows() == 0
    # Writable again: the same app, no restart, and its connection from the read-only time.
    recovered = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor)
    assert recovered.status_code == 201, recovered.get_json()
    assert ledger_rows() == 1


def test_the_api_document_promises_the_503(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [
        operation
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert operations and all("Retry-After" in operation["responses"]["503"]["headers"] for operation in operations)


# What counts as "the database cannot serve now" ----------------------------------------------


def sqlite_error(message: str, code: int) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (sqlite_error("database is locked", 5), "busy"),
        (sqlite_error("database table is locked", 6), "busy"),
        (sqlite_error("attempt to write a readonly database", 8 | (1 << 8)), "read_only"),
        (sqlite_error("database or disk is full", 13), "full"),
        (sqlite_error("unable to open database file", 14), "unreachable"),
        (sqlite_error("disk I/O error", 10 | (3 << 8)), "unreachable"),
        (sqlite_error("no such table: people", 1), None),
        (sqlite3.IntegrityError("UNIQUE constraint failed: people.email"), None),
        (psycopg.errors.LockNotAvailable("lock timeout"), "busy"),
        (psycopg.errors.DeadlockDetected("deadlock"), "busy"),
        (psycopg.errors.QueryCanceled("statement timeout"), "timeout"),
        (psycopg.errors.ReadOnlySqlTransaction("read-only transaction"), "read_only"),
        (psycopg.errors.DiskFull("no space left"), "full"),
        (psycopg.errors.AdminShutdown("terminating connection"), "unreachable"),
        (psycopg.errors.ConnectionFailure("connection failure"), "unreachable"),
        (psycopg.errors.UniqueViolation("duplicate key"), None),
        (psycopg.errors.UndefinedTable("no such table"), None),
    ],
    ids=lambda value: value if isinstance(value, str) or value is None else type(value).__name__,
)
def test_which_database_errors_are_a_503(error, reason):
    assert database.reason_of(DBAPIError(None, None, error)) == reason


def waits(backend: str) -> dict[str, str]:
    """What the current transaction waits for, as the database reports it."""
    if backend == "sqlite":
        return {"busy_timeout": str(db.session.execute(text("PRAGMA busy_timeout")).scalar())}
    return {name: db.session.execute(text(f"SHOW {name}")).scalar() for name in POSTGRES_WAITS}


# A request also plans without parallel workers; background work keeps the server's setting.
POSTGRES_WAITS = ("lock_timeout", "statement_timeout", "max_parallel_workers_per_gather")


def server_parallel_workers() -> str:
    return db.session.execute(
        text("SELECT reset_val FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'")
    ).scalar()


def test_requests_wait_briefly_and_background_work_as_long_as_it_needs(backend, app):
    app.config.update(
        SQLITE_BUSY_TIMEOUT_MS=1234,
        POSTGRES_LOCK_TIMEOUT_MS=1234,
        POSTGRES_STATEMENT_TIMEOUT_MS=4321,
        SQLITE_JOB_BUSY_TIMEOUT_MS=65432,
    )
    with app.test_request_context("/api/v1/contributions", method="POST"):
        in_request = waits(backend)
        db.session.rollback()
    with app.app_context():
        in_job = waits(backend)
        db.session.rollback()
    if backend == "sqlite":
        assert (in_request, in_job) == ({"busy_timeout": "1234"}, {"busy_timeout": "65432"})
    else:
        with app.app_context():
            workers = server_parallel_workers()
        assert in_request == {
            "lock_timeout": "1234ms",
            "statement_timeout": "4321ms",
            "max_parallel_workers_per_gather": "0",
        }
        assert in_job == {"lock_timeout": "0", "statement_timeout": "0", "max_parallel_workers_per_gather": workers}
        assert workers != "0"


def test_a_connection_sets_its_waits_once_and_again_when_a_rollback_undid_them(backend, app):
    """The waits are kept by the connection, not set in every transaction: a request's
    stay for the next request once committed; background work on the same connection
    waits as long as it needs; and on PostgreSQL, which undoes a setting when its
    transaction rolls back, the next transaction sets them again."""
    app.config.update(
        SQLITE_BUSY_TIMEOUT_MS=1234,
        POSTGRES_LOCK_TIMEOUT_MS=1234,
        POSTGRES_STATEMENT_TIMEOUT_MS=4321,
        SQLITE_JOB_BUSY_TIMEOUT_MS=65432,
    )
    if backend == "sqlite":
        request_waits, job_waits = {"busy_timeout": "1234"}, {"busy_timeout": "65432"}
    else:
        with app.app_context():
            workers = server_parallel_workers()
        assert workers != "0"  # so that a request's "0" is its own
        request_waits = {
            "lock_timeout": "1234ms",
            "statement_timeout": "4321ms",
            "max_parallel_workers_per_gather": "0",
        }
        job_waits = {"lock_timeout": "0", "statement_timeout": "0", "max_parallel_workers_per_gather": workers}
    with app.app_context():
        db.engine.dispose()  # one connection, used by every transaction below
    connections = set()

    def transaction(in_request: bool, end) -> dict[str, str]:
        context = app.test_request_context(CONTRIBUTIONS, method="POST") if in_request else app.app_context()
        with context:
            seen = waits(backend)
            connections.add(id(db.session.connection().connection.dbapi_connection))
            end()
        return seen

    def fails_and_rolls_back() -> None:
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.rollback()

    steps = [
        (True, db.session.commit, request_waits),
        (True, db.session.rollback, request_waits),  # set by a committed transaction: kept
        (False, db.session.rollback, job_waits),  # undone with this rollback ...
        (False, db.session.commit, job_waits),  # ... so set again
        (True, db.session.rollback, request_waits),  # undone ...
        (True, db.session.commit, request_waits),  # ... set again
        (False, db.session.commit, job_waits),
        (False, db.session.rollback, job_waits),
        (True, fails_and_rolls_back, request_waits),  # set, then an error: ...
        (False, db.session.commit, job_waits),  # ... whatever it left, set again
        (True, db.session.commit, request_waits),
    ]
    assert [transaction(in_request, end) for in_request, end, _ in steps] == [wanted for _, _, wanted in steps]
    assert len(connections) == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_requests_refused_for_their_token_body_or_as_a_replay_never_wait_behind_an_append(
    backend, database_url, app_on, dept, headers, ledger_rows
):
    """On PostgreSQL an append's token statement takes the append lock only when it is
    free: while another append holds it, an expired token, a body its schema refuses and
    a replayed idempotent request get their own answers (401, 422, the stored 201), not a
    503 after waiting; a real append still waits its turn and is a 503 past its wait."""
    from recognition.auth.models import ApiToken
    from recognition.ledger.service import LEDGER_LOCK

    served = app_on(database_url, POSTGRES_LOCK_TIMEOUT_MS=SHORT_MS)
    client, mentor = served.test_client(), headers("mentor")
    keyed = {**mentor, "Idempotency-Key": "held-lock-replay"}
    stored = client.post(CONTRIBUTIONS, json=meeting(dept), headers=keyed)
    assert stored.status_code == 201, stored.get_json()
    expired = headers("mentee")
    with served.app_context():
        db.session.execute(
            sa_update(ApiToken).where(ApiToken.person_id == dept.ids["mentee"]).values(expires_at=ApiToken.created_at)
        )
        db.session.commit()
    with psycopg.connect(psycopg_url(database_url)) as other:
        other.execute("SET idle_in_transaction_session_timeout = '10s'")
        other.execute("SELECT pg_advisory_xact_lock(%s)", (LEDGER_LOCK,))
        assert client.post(CONTRIBUTIONS, json=meeting(dept), headers=expired).status_code == 401
        assert_error(client.post(CONTRIBUTIONS, json={}, headers=mentor), 422, "kind")
        assert_error(client.post(CONTRIBUTIONS, json={**meeting(dept), "colour": "red"}, headers=mentor), 422, "colour")
        replayed = client.post(CONTRIBUTIONS, json=meeting(dept), headers=keyed)
        assert (replayed.status_code, replayed.get_json()["id"]) == (201, stored.get_json()["id"])
        started = time.monotonic()
        assert_busy(client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor), started)
        other.rollback()
    assert ledger_rows() == 1


def test_a_connection_returned_in_a_transaction_is_rolled_back(backend, app):
    """A request's session rolls back before it returns its connection, so the pool does
    not roll back again; a connection returned with its transaction still open (a write
    begun, never ended) is rolled back all the same, and holds nothing for the next user."""
    with app.app_context():
        db.engine.dispose()
        raw = db.engine.raw_connection()
        driver = raw.dbapi_connection
        with closing(raw.cursor()) as cursor:
            if backend == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("UPDATE people SET email = email WHERE id = -1")
        open_ = (
            (lambda: driver.in_transaction) if backend == "sqlite" else (lambda: driver.info.transaction_status != 0)
        )
        assert open_()
        raw.close()
        assert not open_()
        with db.engine.begin() as connection:  # SQLite's write lock is free again
            connection.execute(text("UPDATE people SET email = email WHERE id = -1"))
