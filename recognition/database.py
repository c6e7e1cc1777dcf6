"""Engine behaviour that must hold on every connection: SQLite pragmas and write locking.

On SQLite every transaction that may write starts with ``BEGIN IMMEDIATE``: the write
lock is taken before anything is read, so a ledger append reads the chain head and
writes the next entry without another writer slipping in between, and a read snapshot
never has to be upgraded (the source of "database is locked" under WAL). Requests with
safe methods start deferred transactions, so readers never queue behind writers, and so
does work outside a request that only reads (``read_only``: the year-end batch renders
statements without holding the lock, then stores each in its own short transaction).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_busy_timeout_ms = 30_000
_read_only: ContextVar[bool] = ContextVar("recognition_read_only", default=False)


def init_app(app) -> None:
    global _busy_timeout_ms
    _busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])


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
    cursor.execute("PRAGMA foreign_keys = ON")
    # Without it, INSERT OR REPLACE deletes a conflicting row without firing the ledger's
    # delete trigger, so an entry could be silently replaced.
    cursor.execute("PRAGMA recursive_triggers = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection):
    if connection.dialect.name == "postgresql":
        if _read_only.get() and not has_request_context():
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")


def lock_for_append(session, key: int) -> None:
    """Serialise appends to one chain. SQLite already holds the write lock (BEGIN
    IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def is_postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
