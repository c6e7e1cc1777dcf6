"""A throwaway PostgreSQL 15 server for one test session, and fresh databases on it.

Every test needs its own database: the ledger's triggers refuse DELETE and TRUNCATE, so
tables cannot be cleaned between tests. Migrating once into a template database and then
running ``CREATE DATABASE … TEMPLATE …`` per test is a file copy, not a migration.

The server is either the one named by ``RECOGNITION_TEST_POSTGRES_URL`` or a cluster
started here from the Debian binaries. When neither is possible this module raises:
the PostgreSQL half of the suite must never be skipped silently.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

PG_BIN = Path("/usr/lib/postgresql/15/bin")
URL_ENV = "RECOGNITION_TEST_POSTGRES_URL"
# Speed over durability: the cluster dies with the session. Its databases live for one
# test each, so autovacuum would only spend CPU on them (tests that need planner
# statistics run ANALYZE themselves).
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "autovacuum=off")


class Server:
    """A PostgreSQL server we may create and drop databases on.

    ``url`` points at a maintenance database; ``database_url(name)`` at another one on
    the same server. One autocommit connection is kept for CREATE/DROP DATABASE, which
    cannot run inside a transaction.
    """

    def __init__(self, url: str, cluster: Cluster | None = None):
        self.url = make_url(url).set(drivername="postgresql")
        self.cluster = cluster
        self.admin = psycopg.connect(self.database_url(self.url.database), autocommit=True)
        # Names carry the pid so two sessions sharing an external server never collide.
        self.prefix = f"test_{os.getpid()}_"
        self.template = f"recognition_template_{os.getpid()}"
        self._numbers = itertools.count(1)
        self.templates: list[str] = []

    def database_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create_template(self) -> str:
        self.drop(self.template)
        self.execute("CREATE DATABASE {}", self.template)
        return self.database_url(self.template)

    def create_from_template(self, template: str | None = None) -> str:
        """A fresh copy of the migrated template (or of ``template``, another database made
        from it and kept as a template with ``keep_as_template``); it must have no open
        connections."""
        name = f"{self.prefix}{next(self._numbers)}"
        # FILE_COPY: a copy of the files after a checkpoint; for databases this small it is
        # about half the time of the default (WAL_LOG, which writes every block through the WAL).
        self.execute("CREATE DATABASE {} TEMPLATE {} STRATEGY = FILE_COPY", name, template or self.template)
        return name

    def keep_as_template(self, name: str) -> None:
        """Keep database ``name`` for the session, dropped when the server closes."""
        self.templates.append(name)

    def drop(self, name: str) -> None:
        self.execute("DROP DATABASE IF EXISTS {}", name)

    def execute(self, statement: str, *names: str) -> None:
        self.admin.execute(sql.SQL(statement).format(*map(sql.Identifier, names)))

    def close(self) -> None:
        try:
            for name in self.templates:
                self.drop(name)
            self.drop(self.template)
        finally:
            self.admin.close()
            if self.cluster is not None:
                self.cluster.stop()


class Cluster:
    """A cluster in a temporary folder, listening on 127.0.0.1 and its own socket dir.

    ``initdb`` refuses to run as root, so under root the folder is given to the
    ``postgres`` user and every server binary runs through ``runuser``.
    """

    def __init__(self):
        if not (PG_BIN / "initdb").is_file():
            raise RuntimeError(
                f"PostgreSQL 15 is not installed ({PG_BIN / 'initdb'} is missing) and "
                f"{URL_ENV} is not set. Run `bash .ci/install`, or point {URL_ENV} at a "
                "server where the test user may create databases."
            )
        self.root = Path(tempfile.mkdtemp(prefix="recognition-pg-", dir=memory_backed_dir()))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user="postgres", group="postgres")

    def start(self) -> str:
        """Initialise and start the cluster; return a URL to its ``postgres`` database."""
        self.run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.root}"]
        options += [f"-c {setting}" for setting in FAST_SETTINGS]
        try:
            self.run("pg_ctl", "start", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", " ".join(options))
        except RuntimeError as error:
            log = self.log.read_text() if self.log.exists() else "(no server log)"
            raise RuntimeError(f"{error}\nserver log:\n{log}") from None
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.run("pg_ctl", "stop", "-D", self.data, "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def run(self, binary: str, *args) -> None:
        command = [str(PG_BIN / binary), *map(str, args)]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def start_server(url: str | None) -> Server:
    """The server at ``url`` (from ``RECOGNITION_TEST_POSTGRES_URL``), else a fresh
    local cluster."""
    if url:
        return Server(url)
    cluster = Cluster()
    try:
        return Server(cluster.start(), cluster)
    except BaseException:
        cluster.stop()
        raise


def memory_backed_dir(needed_bytes: int = 512 * 1024**2) -> str | None:
    """Copying a template database is mostly file writes: on tmpfs it takes ~10 ms
    instead of ~250 ms on disk. None (let ``tempfile`` choose) when /dev/shm is missing
    or as small as Docker's 64 MB default."""
    shm = "/dev/shm"
    if not (os.path.isdir(shm) and os.access(shm, os.W_OK)):
        return None
    free = os.statvfs(shm)
    return shm if free.f_bavail * free.f_frsize >= needed_bytes else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
