"""Locks that hold for as long as a process keeps them, so two schedulers never both act.

On SQLite, an exclusive ``flock`` on a file next to the database (the kernel drops it
when the process dies, however it dies). On PostgreSQL, a session-level advisory lock
held on a connection of its own (the server drops it when that session ends). The same
locks, under other names, keep two runs of one job from overlapping (``runner.run``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from ..extensions import db


def database_url(app) -> URL:
    """The URL the app's engine really uses: Flask-SQLAlchemy puts a relative SQLite path
    in the instance folder."""
    with app.app_context():
        return db.engine.url


def for_app(app, name: str) -> FileLock | AdvisoryLock:
    """The lock called ``name`` on the app's database (not yet acquired)."""
    url = database_url(app)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(url, name)
    if url.database and url.database != ":memory:":
        folder = Path(url.database).resolve().with_name(Path(url.database).name + ".locks")
    else:
        folder = Path(app.instance_path) / "locks"
    return FileLock(folder / f"{name}.lock")


class FileLock:
    """An exclusive ``flock``. Locks of two open files conflict even inside one process."""

    def __init__(self, path: Path):
        self.path = path
        self.where = f"lock file {path}"
        self._fd: int | None = None

    def acquire(self, wait: bool = False) -> bool:
        import fcntl  # noqa: PLC0415 - Unix only; PostgreSQL deployments never take a file lock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{_holder_name(self.path.stem)}\n".encode())  # for the standby's message
        self._fd = fd
        return True

    def holder(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def alive(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None


class AdvisoryLock:
    """A session-level ``pg_advisory_lock`` on a dedicated connection, outside any pool."""

    def __init__(self, url, name: str):
        self.key = int.from_bytes(
            hashlib.blake2b(f"recognition:{name}".encode(), digest_size=8).digest(), "big", signed=True
        )
        self.where = f"PostgreSQL advisory lock {self.key} on database {url.database}"
        self._engine = create_engine(
            url, poolclass=NullPool, connect_args={"application_name": _holder_name(name)[:63]}
        )
        self._connection: Connection | None = None

    def acquire(self, wait: bool = False) -> bool:
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            if wait:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self.key})
                got = True
            else:
                got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except BaseException:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def holder(self) -> str | None:
        """The application name of the session holding the lock, if any."""
        classid, objid = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        try:
            with self._engine.connect() as connection:
                return connection.execute(
                    text(
                        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                        "AND l.classid::bigint = :classid AND l.objid::bigint = :objid LIMIT 1"
                    ),
                    {"classid": classid, "objid": objid},
                ).scalar()
        except SQLAlchemyError:
            return None

    def alive(self) -> bool:
        """Whether the session (and so the lock) is still there."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:  # the connection is gone (and SQLAlchemy has invalidated it)
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):  # the session is gone, and the lock with it
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._connection.close()
            self._connection = None
        self._engine.dispose()


def _holder_name(name: str) -> str:
    return f"recognition {name}, process {os.getpid()} on {socket.gethostname()}"
