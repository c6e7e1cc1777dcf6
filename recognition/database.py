"""Engine behaviour that must hold on every connection: SQLite pragmas and write locking.

On SQLite every transaction that may write starts with ``BEGIN IMMEDIATE``: the write
lock is taken before anything is read, so a ledger append reads the chain head and
writes the next entry without another writer slipping in between, and a read snapshot
never has to be upgraded (the source of "database is locked" under WAL). Requests with
safe methods start deferred transactions, so readers never queue behind writers, and so
does work outside a request that only reads (``read_only``: the year-end batch renders
statements without holding the lock, then stores each in its own short transaction).

A request never waits on the database longer than gunicorn lets a worker live (30 s):
on SQLite it waits ``SQLITE_BUSY_TIMEOUT_MS`` for the write lock, on PostgreSQL
``POSTGRES_LOCK_TIMEOUT_MS`` for any lock and ``POSTGRES_STATEMENT_TIMEOUT_MS`` for any
statement; then ``errors.py`` answers 503 with Retry-After (``unavailable``). Work outside
a request (the scheduler, the year-end batch, the command line) waits longer on SQLite
(``SQLITE_JOB_BUSY_TIMEOUT_MS``) and without limit on PostgreSQL, as it always did.
A connection that found the database read-only or unreachable is discarded with every
other one then open (``_on_error``), so writes recover once the database does, without a
restart: SQLite keeps a file opened read-only read-only for the life of the connection.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import BigInteger, Boolean, Subquery, bindparam, case, event, exc, false, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import scoped_session
from sqlalchemy.pool import Pool
from sqlalchemy.sql.functions import FunctionElement

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_busy_timeout_ms = 60_000  # outside an app (never, in practice): the job's wait
_read_only: ContextVar[bool] = ContextVar("recognition_read_only", default=False)


def init_app(app) -> None:
    """Before ``db.init_app``: the app's engines roll a connection back on its return to the
    pool only when it is still in a transaction (``_reset_on_return``)."""
    global _busy_timeout_ms
    _busy_timeout_ms = int(app.config["SQLITE_JOB_BUSY_TIMEOUT_MS"])
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("pool_reset_on_return", None)
    app.after_request(end_reads)  # the first registered, so the last to run


# Whether the transaction a PostgreSQL connection is in has sent anything but a SELECT.
_WROTE = "recognition_wrote"


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection, cursor, statement, parameters, context, executemany):
    if connection.dialect.name == "postgresql" and not statement.lstrip()[:9].upper().startswith(_READS):
        connection.info[_WROTE] = True


# What a transaction that only read sends: a SELECT, and a SET LOCAL, which the
# transaction's end undoes whichever it is. Anything else (WITH, a savepoint) counts as
# a write.
_READS = ("SELECT", "SET LOCAL")


def end_reads(response):
    """On PostgreSQL, end a safe request (GET, HEAD, OPTIONS) that answered without an
    error and only read with COMMIT, where the session would roll back at teardown:
    psycopg forgets every prepared statement on a rollback, so with a rollback at the end
    of every page no statement ever reached psycopg's prepare threshold (its fifth use on
    a connection), and each page was planned anew (1 to 2 ms of the server's for the own
    pages' mentorships alone). Only a transaction that sent nothing but reads
    (``_note_writes``) and holds no change of the session's is committed: what that
    commits is what the rollback would have undone, nothing. Anything else is left to the
    rollback, as before; so is a commit that fails (the server went away): the page was
    answered, and it is sent."""
    if request.method not in SAFE_METHODS or response.status_code >= 400 or response.is_streamed:
        return response
    session = current_app.extensions["sqlalchemy"].session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return response
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.info.get(_WROTE) is False:
        try:
            session.commit()
        except exc.SQLAlchemyError:
            session.rollback()
    return response


def _limit(key: str) -> int:
    return int(current_app.config[key])


def writes_expected() -> bool:
    if has_request_context():
        return request.method not in SAFE_METHODS
    return not _read_only.get()


@contextmanager
def read_only():
    """Transactions that begin inside (outside a request) only read: on SQLite they start
    deferred, so they neither take nor wait for the write lock; on PostgreSQL they are
    read-only REPEATABLE READ, so all they read is one snapshot. Begin and end the
    transaction inside the block: one already open is left as it began."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event decide how each transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {_busy_timeout_ms}")
    connection_record.info["busy_timeout"] = _busy_timeout_ms
    cursor.execute("PRAGMA foreign_keys = ON")
    # Without it, INSERT OR REPLACE deletes a conflicting row without firing the ledger's
    # delete trigger, so an entry could be silently replaced.
    cursor.execute("PRAGMA recursive_triggers = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection):
    in_request = has_request_context()
    if connection.dialect.name == "postgresql":
        connection.info[_WROTE] = False
        if not in_request and _read_only.get():  # before any other statement, as PostgreSQL requires
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _wait_on_postgresql(
            connection,
            (_limit("POSTGRES_LOCK_TIMEOUT_MS"), _limit("POSTGRES_STATEMENT_TIMEOUT_MS")) if in_request else None,
        )
        return
    if connection.dialect.name != "sqlite":
        return
    if has_app_context():
        wait = _limit("SQLITE_BUSY_TIMEOUT_MS" if in_request else "SQLITE_JOB_BUSY_TIMEOUT_MS")
        if connection.info.get("busy_timeout") != wait:  # kept by the connection: set it only when it changes
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {wait}")
            connection.info["busy_timeout"] = wait
    dialect = connection.dialect
    if "do_begin" not in dialect.__dict__:  # once per engine: SQLAlchemy calls it right after this event
        dialect.do_begin = _begin_on_sqlite


def _begin_on_sqlite(dbapi_connection) -> None:
    """The dialect's ``do_begin`` on SQLite: BEGIN, IMMEDIATE when the transaction may
    write, straight to the driver. Sent from the "begin" event through the connection it
    cost a statement's bookkeeping in every transaction (a tenth of an API append's);
    from here an error is still SQLAlchemy's to handle (``_on_error``), so a write lock
    held past the wait is still a 503."""
    dbapi_connection.execute("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")


# What a PostgreSQL connection waits for (``lock_timeout``, ``statement_timeout``), kept by
# the connection: None, the server's own (no limit unless configured); and, while the
# transaction that set them is open, what they were before it. A request's connection also
# plans without parallel workers (``max_parallel_workers_per_gather = 0``): a request reads
# a page through indexes, and a planner that overestimates an IN list (50 mentorships'
# meetings: 15,717 rows estimated, 43 read) starts workers that cost 29 ms to read what
# one process reads in 0.2 ms, more on a busy machine. Jobs keep the server's setting.
_WAITS, _WAITS_BEFORE = "recognition_waits", "recognition_waits_before"
_UNKNOWN = "unknown"


def _wait_on_postgresql(connection, wanted: tuple[int, int] | None) -> None:
    """Set the connection's waits to ``wanted`` (a request's ``(lock, statement)`` in ms,
    or None for the server's own) when they differ from what the connection has: set for
    the session, not the transaction, so that one request after another on a connection
    sends nothing at all, instead of a statement in each transaction. A setting made in
    a transaction that rolls back is undone with it (``_undo_waits``)."""
    info = connection.info
    had = info.get(_WAITS)
    if had == wanted:
        return
    if wanted is None:
        connection.exec_driver_sql(
            "SELECT set_config(name, reset_val, false) FROM pg_settings "
            "WHERE name IN ('lock_timeout', 'statement_timeout', 'max_parallel_workers_per_gather')"
        )
    else:
        connection.exec_driver_sql(
            f"SELECT set_config('lock_timeout', '{int(wanted[0])}ms', false), "
            f"set_config('statement_timeout', '{int(wanted[1])}ms', false), "
            "set_config('max_parallel_workers_per_gather', '0', false)"
        )
    info.setdefault(_WAITS_BEFORE, had)
    info[_WAITS] = wanted


@event.listens_for(Engine, "commit")
def _keep_waits(connection):
    if not connection.invalidated:
        connection.info.pop(_WAITS_BEFORE, None)


@event.listens_for(Engine, "rollback")
def _undo_waits(connection):
    """PostgreSQL undoes a session's SET when the transaction it was made in rolls back.
    (A connection found invalid is replaced, and the new one starts with nothing kept.)"""
    if not connection.invalidated:
        _undo(connection.info)


@event.listens_for(Pool, "reset")
def _reset_on_return(dbapi_connection, connection_record, reset_state):
    """A connection returned to the pool in a transaction is rolled back here, and what it
    set in that transaction is undone with it. The app's engines leave the pool's own
    rollback out (``pool_reset_on_return=None``, ``init_app``): a request's session has
    already rolled back when it returns its connection, so the pool's second rollback of
    every request found nothing to undo. The driver says whether a transaction is open;
    one that cannot say is rolled back. (Other engines keep the pool's rollback, which
    then finds nothing to undo.) A rollback that fails makes the pool discard the
    connection."""
    if not reset_state.transaction_was_reset and reset_state.asyncio_safe and _in_transaction(dbapi_connection):
        dbapi_connection.rollback()
    _undo(connection_record.info)


def _in_transaction(dbapi_connection) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        return dbapi_connection.in_transaction
    info = getattr(dbapi_connection, "info", None)  # psycopg: IDLE (0) is outside a transaction
    status = getattr(info, "transaction_status", None)
    return status is None or int(status) != 0


def _undo(info: dict) -> None:
    if _WAITS_BEFORE in info:
        info[_WAITS] = info.pop(_WAITS_BEFORE)


# The database cannot serve for now ---------------------------------------------------------

BUSY, TIMEOUT, READ_ONLY, FULL, UNREACHABLE = "busy", "timeout", "read_only", "full", "unreachable"
# SQLite's primary result codes (``sqlite3.Error.sqlite_errorcode & 0xff``).
SQLITE_CODES = {5: BUSY, 6: BUSY, 8: READ_ONLY, 10: UNREACHABLE, 13: FULL, 14: UNREACHABLE}
# PostgreSQL SQLSTATEs, exact or by class (their first two characters).
POSTGRES_STATES = {
    "55P03": BUSY,
    "40P01": BUSY,
    "40001": BUSY,
    "57014": TIMEOUT,
    "25006": READ_ONLY,
    "57P01": UNREACHABLE,
    "57P02": UNREACHABLE,
    "57P03": UNREACHABLE,
}
POSTGRES_CLASSES = {"53": FULL, "08": UNREACHABLE}
# Conditions tied to the connection, not to the moment: replace every open connection.
STALE = frozenset({READ_ONLY, UNREACHABLE})


@dataclass(frozen=True)
class Unavailable:
    reason: str
    message: str
    rule: str
    retry_after: int


ANSWERS = {
    BUSY: Unavailable(
        BUSY,
        "The database is busy with other changes and nothing was changed; try again in a few seconds.",
        "is busy: another change holds the lock",
        2,
    ),
    TIMEOUT: Unavailable(
        TIMEOUT,
        "The database took too long to answer and nothing was changed; try again in a few seconds.",
        "did not answer in time",
        5,
    ),
    READ_ONLY: Unavailable(
        READ_ONLY,
        "The database cannot be written to at the moment, so nothing was "
        "changed; the operator must make it writable (GET /readyz says so).",
        "is read-only",
        30,
    ),
    FULL: Unavailable(
        FULL,
        "The database's disk is full, so nothing was changed; the operator must free space.",
        "is out of space",
        30,
    ),
    UNREACHABLE: Unavailable(
        UNREACHABLE,
        "The database cannot be reached at the moment and nothing was changed; try again shortly.",
        "cannot be reached",
        30,
    ),
}


def reason_of(error: BaseException) -> str | None:
    """Why the database could not serve, for errors that are the database's state rather
    than the request's fault (a lock, a timeout, a read-only or full disk, a lost
    server), or None."""
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            return SQLITE_CODES.get(code & 0xFF)
        text_ = str(original).lower()
        for words, reason in (
            ("locked", BUSY),
            ("readonly", READ_ONLY),
            ("disk is full", FULL),
            ("unable to open", UNREACHABLE),
        ):
            if words in text_:
                return reason
        return None
    state = getattr(original, "sqlstate", None)
    if state:
        return POSTGRES_STATES.get(state) or POSTGRES_CLASSES.get(state[:2])
    if isinstance(error, exc.DBAPIError) and (error.connection_invalidated or isinstance(error, exc.OperationalError)):
        return UNREACHABLE if type(original).__module__.startswith("psycopg") else None
    return None


def unavailable(error: BaseException) -> Unavailable | None:
    reason = reason_of(error)
    return ANSWERS[reason] if reason else None


@event.listens_for(Engine, "handle_error")
def _on_error(context):
    """A read-only or lost database: treat it as a disconnect, so SQLAlchemy discards this
    connection and every one opened before it; the next checkout opens afresh."""
    if reason_of(context.original_exception) in STALE:
        context.is_disconnect = True
    connection = context.connection
    if connection is not None and not (connection.closed or connection.invalidated) and _WAITS in connection.info:
        # A failed statement (or COMMIT) may leave a wait set or undone behind our back:
        # the next transaction sets them again.
        connection.info.pop(_WAITS_BEFORE, None)
        connection.info[_WAITS] = _UNKNOWN


def lock_for_append(session, key: int) -> None:
    """Serialise appends to one chain. SQLite already holds the write lock (BEGIN
    IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock, once per (innermost)
    transaction: a service that locks before its checks and then appends asks twice."""
    if session.get_bind().dialect.name != "postgresql" or holds_append_lock(session, key):
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    took_append_lock(session, key)


def holds_append_lock(session, key: int) -> bool:
    """Whether this (innermost) transaction took the append lock ``key`` already."""
    current = _session(session).get_nested_transaction() or _session(session).get_transaction()
    return current is not None and key in _locks_held.get(current, ())


def took_append_lock(session, key: int) -> None:
    """Note that this transaction holds the append lock ``key`` (taken by ``append_lock``
    inside a statement of the caller's), so ``lock_for_append`` does not ask again."""
    session = _session(session)
    _locks_held.setdefault(session.get_nested_transaction() or session.get_transaction(), set()).add(key)


def append_lock(key: int) -> Subquery:
    """PostgreSQL's append lock as a one-row FROM clause, so that a statement the append
    needs anyway takes the lock on its way and saves a round trip. PostgreSQL takes a
    statement's snapshot before the statement waits for the lock, so what that statement
    itself reads may predate the lock: give it only reads the chain does not decide (a
    mentorship); every later statement sees each append committed before the lock. Call
    ``took_append_lock`` after it ran. (A volatile function in a FROM subquery is neither
    pulled up nor dropped by the planner, so it runs even if no column of it is used.)"""
    return select(func.pg_advisory_xact_lock(key).label("locked")).subquery("append_lock")


def appends(key: int, reads=None):
    """Mark an API view that appends under the lock ``key``: on PostgreSQL its request's
    first statement, the token's, takes the lock on its way when it is free
    (``append_lock_column``), so
    the reads an append decides on (the chain head, a duplicate) need no statement of
    their own to lock before them and may share one with the rest of what it reads.

    ``reads``, given the request's JSON body as sent (parsed, not yet checked) and whether
    the database is PostgreSQL, may name those reads and their parameters,
    ``(statement, parameters)``, or None: the token's statement then makes them too
    (``AheadOfLock``), so an append sends one statement fewer."""

    def mark(view):
        view.append_lock = key
        view.append_reads = reads
        return view

    return mark


@dataclass(frozen=True)
class AheadOfLock:
    """What the token's statement read for an append (``appends``' ``reads``), with the
    parameters it was read with, when that statement ran under the append lock. On SQLite
    it did (the transaction took the write lock as it began, before it read anything). On
    PostgreSQL it read with the snapshot the statement began with, before it took the
    lock, so an append that committed in between may be missing from it: the append that
    trusts it inserts the next position all the same, and the ledger's unique position
    refuses the insert if one was missed (``service.StaleRead``: read again under the
    lock). A refusal decided on it (a duplicate, a mentorship not found) writes nothing,
    and is what the request would have met just before that append. PostgreSQL's next id
    is drawn as the statement reads, so a request refused afterwards, or that found the
    lock taken, leaves a gap in the ids (a rollback does too; the chain's order is
    ``seq``)."""

    parameters: dict
    values: dict


def append_lock_column(key_parameter: str = "lock_key", when=None):
    """PostgreSQL's append lock, tried, as a column of a statement that reads something
    else (an API token): computed for each row the statement answers, so it is tried only
    when a row is found, and only where ``when`` holds (an unexpired token). It never waits:
    the column says whether the lock was taken (a reentrant lock, however many rows). When
    another append holds it, the append takes it later, after its input and its rights were
    checked (``lock_for_append``, or the mentorship's statement), so a request refused for
    its token, its body or as a replay never waits behind other appends. Bind the key as
    ``key_parameter`` and call ``took_append_lock`` when a row says true. As with
    ``append_lock``, what that statement itself reads may predate the lock: it must read
    nothing the chain decides."""
    attempt = func.pg_try_advisory_xact_lock(bindparam(key_parameter, type_=BigInteger))
    if when is None:
        return attempt.label("append_locked")
    return case((when, attempt), else_=false()).label("append_locked")


def _session(session):
    return session() if isinstance(session, scoped_session) else session


# The advisory locks each live transaction took; a transaction forgotten is dropped.
_locks_held: WeakKeyDictionary = WeakKeyDictionary()


def is_postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


class broad(FunctionElement):
    """A condition that keeps a large share of the rows (a ledger kind: a fifth of the
    ledger, or all of one kind of work) beside one that keeps few (a person's entries):
    the planner is told to read the few through their own index and check this condition
    on them, not to read every entry of the kind through the (kind, day) index too.
    SQLite, whose databases nothing analyses, rates a kind as selective as a person and
    may read only the kind's index: it gets ``likelihood(condition, 0.5)``. PostgreSQL
    combines both indexes (a bitmap AND over every entry of the kind): it gets
    ``(condition) IS TRUE``, the same rows, which no index serves."""

    type = Boolean()
    name = "broad"
    inherit_cache = True


@compiles(broad)
def _broad(element, compiler, **kw) -> str:
    (condition,) = element.clauses
    return f"({compiler.process(condition, **kw)}) IS TRUE"


@compiles(broad, "sqlite")
def _broad_on_sqlite(element, compiler, **kw) -> str:
    (condition,) = element.clauses
    return f"likelihood({compiler.process(condition, **kw)}, 0.5)"
