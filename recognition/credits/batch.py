"""The year-end batch: every eligible person's statement for a year, on several cores.

Safe to kill at any moment. A few statements at a time (a chunk) are prepared (computed,
signed, rendered) in a read-only transaction, which on SQLite takes no write lock, and
then stored in one short transaction, each in its own savepoint (one that fails or was
issued meanwhile leaves the others): a kill leaves whole statements or none, and a
rerun issues only what is missing (``activities.eligible`` skips every person, framework and
year that has a statement). Someone issuing the same statement meanwhile is a skip, not
an error: ``service.store`` refuses the second version.

Workers are processes. On Linux they are forked from this one after it has closed its
database connections (each worker opens its own); elsewhere, or from a process running
other threads, they are spawned and build their own app from this one's configuration
with the factory that built this app (``factory_of``: the app factory records itself in
``app.extensions``, or a caller hands one in; a domain never imports the app). On PostgreSQL they store in parallel; on
SQLite they take turns storing (a lock of the pool's, then BEGIN IMMEDIATE, each waited
for up to the busy timeout) while the rendering stays parallel. ``issue_year`` is
what the command line and the scheduler call; ``workers=1`` works in-process.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import multiprocessing.util
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from ..auth.service import COMMAND_LINE
from ..clock import local_date, utcnow
from ..database import read_only
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..people.models import Person
from . import activities, canonical, profiles, service, signing
from .models import CreditProfile, Statement, StatementRevocation

# Statements a worker prepares in one read transaction before storing them one by one:
# few, so a kill loses little rendering and the workers finish together (8 chunks each).
MAX_CHUNK = 10
# Why a statement was skipped.
MEANWHILE = "issued meanwhile by someone else"
UNCHANGED = "its basis is as it was: the current statement stands"
STALE = "no credits left in the ledger for a current statement: revoke it if it is wrong"
# How workers start; None chooses: fork on Linux when this process runs a single thread
# (workers start in milliseconds with its app and modules), else spawn (each worker
# imports and builds its own app, about a second): forking a process with other threads
# (a scheduler's) can copy a lock one of them holds, and deadlock the worker.
START_METHOD: str | None = None
# Where an app records the factory that built it (a picklable module-level function taking
# the configuration): spawned workers call it to build their own app.
FACTORY = "recognition.factory"
Factory = Callable[[dict], Flask]
# On SQLite, the workers' turn at the write lock (``_store_turn``): a lock of the pool's,
# set in each worker as it starts. A worker waiting for it wakes the moment the other lets
# go, where SQLite's own wait for its write lock polls, sleeping up to 100 ms at a time.
_store_lock: Any = None


@dataclass(frozen=True)
class Item:
    """One statement to issue; ``reissue``: supersede the current one, whose basis changed."""

    person_id: int
    framework_id: str
    reissue: bool = False


@dataclass(frozen=True)
class Outcome:
    person_id: int
    framework_id: str
    state: str  # issued, reissued, skipped or failed
    detail: str = ""  # the statement number issued, or why it was skipped or failed


@dataclass
class Plan:
    year: int
    now: datetime
    items: list[Item]
    skipped: list[Outcome] = field(default_factory=list)  # decided while planning


@dataclass
class BatchResult:
    year: int
    workers: int
    outcomes: list[Outcome]
    elapsed: float

    def count(self, state: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.state == state)

    @property
    def issued(self) -> int:
        return self.count("issued")

    @property
    def reissued(self) -> int:
        return self.count("reissued")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.state == "failed"]

    @property
    def per_second(self) -> float:
        return (self.issued + self.reissued) / self.elapsed if self.elapsed > 0 else 0.0

    def skip_reasons(self) -> Counter:
        return Counter(outcome.detail for outcome in self.outcomes if outcome.state == "skipped")

    def summary(self) -> str:
        return (
            f"{self.year}: issued {self.issued}, re-issued {self.reissued}, skipped {self.skipped}, "
            f"failed {len(self.failures)} in {self.elapsed:.1f} s ({self.per_second:.1f} statements/s, "
            f"{self.workers} {'process' if self.workers == 1 else 'processes'})."
        )


def issue_year(
    year: int,
    framework_id: str | None = None,
    reissue_changed: bool = False,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    factory: Factory | None = None,
) -> BatchResult:
    """Issue every eligible person's statement for ``year`` (each person's own framework,
    or ``framework_id`` for everyone); with ``reissue_changed``, also supersede current
    statements whose basis changed (never revoked ones). Runs its own transactions, so
    call it with none open. ``progress(n)`` is told as each n statements are done."""
    return run(plan(year, framework_id, reissue_changed, now), workers, progress, factory)


def plan(
    year: int, framework_id: str | None = None, reissue_changed: bool = False, now: datetime | None = None
) -> Plan:
    """What the batch will issue, read in one read-only transaction."""
    now = now or utcnow()
    if not 1950 <= year <= now.year:
        raise DomainError.field("year", f"must be between 1950 and {now.year}")
    if framework_id is not None:
        profiles.framework(framework_id)
    if db.session().in_transaction():
        raise RuntimeError("The statement batch runs its own transactions: commit or roll back first.")
    signing.app_key(current_app)  # a missing or broken key stops the batch here, before any work
    with read_only():
        try:
            items, skipped = [], []
            for person_id, chosen in activities.eligible(year, framework_id):
                _, ends, label = activities.period_of(profiles.framework(chosen), year)
                if ends >= local_date(now):  # Mainpro+'s 2025 runs to 30 June 2026
                    skipped.append(
                        Outcome(person_id, chosen, "skipped", f"its year {label} is not over until {ends.isoformat()}")
                    )
                else:
                    items.append(Item(person_id, chosen))
            if reissue_changed:
                changed, stale = _changed(year, framework_id)
                skipped += stale
                items = sorted(items + changed, key=lambda item: (item.person_id, item.framework_id))
        finally:
            db.session.rollback()
    return Plan(year, now, items, skipped)


def _changed(year: int, framework_id: str | None) -> tuple[list[Item], list[Outcome]]:
    """Current, unrevoked statements of ``year`` whose basis is no longer what the ledger
    says; the ones whose credits are all gone are reported, not re-issued."""
    query = select(
        Statement.id, Statement.person_id, Statement.framework_id, Statement.version, Statement.basis_hash
    ).where(Statement.year == year)
    if framework_id is not None:
        query = query.where(Statement.framework_id == framework_id)
    newest: dict[tuple[int, str], Any] = {}
    for row in db.session.execute(query):
        key = (row.person_id, row.framework_id)
        if key not in newest or row.version > newest[key].version:
            newest[key] = row
    revoked = set(
        db.session.scalars(
            select(StatementRevocation.statement_id).where(
                StatementRevocation.statement_id.in_([row.id for row in newest.values()])
            )
        )
    )
    current = [row for row in newest.values() if row.id not in revoked]
    if not current:
        return [], []
    # Only the people holding a current statement, and only their year (``credited_in_year``).
    people = {
        p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_({row.person_id for row in current})))
    }
    changed, stale = [], []
    for framework_id_, rows in sorted(_by_framework(current).items()):
        chosen = profiles.framework(framework_id_)
        holders = sorted(row.person_id for row in rows)
        cycle_starts = dict(
            db.session.execute(
                select(CreditProfile.person_id, CreditProfile.cycle_start).where(
                    CreditProfile.person_id.in_(holders), CreditProfile.framework_id == chosen.id
                )
            ).all()
        )
        credited = activities.credited_in_year(chosen, year, holders, cycle_starts)
        for row in rows:
            counted = canonical.basis(people[row.person_id], chosen, year, credited.get(row.person_id, []))
            if canonical.sha256(canonical.canonical(counted)) == row.basis_hash:
                continue
            if counted["activities"]:
                changed.append(Item(row.person_id, row.framework_id, reissue=True))
            else:
                stale.append(Outcome(row.person_id, row.framework_id, "skipped", STALE))
    changed.sort(key=lambda item: (item.person_id, item.framework_id))
    stale.sort(key=lambda outcome: (outcome.person_id, outcome.framework_id))
    return changed, stale


def _by_framework(rows: list) -> dict[str, list]:
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.framework_id, []).append(row)
    return found


def run(
    work: Plan, workers: int = 1, progress: Callable[[int], None] | None = None, factory: Factory | None = None
) -> BatchResult:
    """Issue what ``work`` lists, on ``workers`` processes (1: in this one); spawned workers
    build their app with ``factory`` (by default the one that built the current app)."""
    started = time.perf_counter()
    outcomes = list(work.skipped)
    if progress and work.skipped:
        progress(len(work.skipped))
    chunks = _chunks(work.items, workers)
    workers = max(1, min(workers, len(chunks)))
    if workers == 1:
        for chunk in chunks:
            done = issue_chunk(chunk, work.year, work.now)
            outcomes += done
            if progress:
                progress(len(done))
    else:
        executor = _executor(workers, factory)
        try:
            futures = [executor.submit(issue_chunk, chunk, work.year, work.now) for chunk in chunks]
            for future in as_completed(futures):
                done = future.result()
                outcomes += done
                if progress:
                    progress(len(done))
        except BaseException:
            # Interrupted: workers finish the chunk in hand (whole statements), start no other.
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown()
    return BatchResult(work.year, workers, outcomes, time.perf_counter() - started)


def _chunks(items: list[Item], workers: int) -> list[list[Item]]:
    """About 8 chunks a worker, of at most ``MAX_CHUNK``; on several workers the last ones
    shrink (to a quarter of each worker's share of what is left, down to one statement),
    so the worker that takes the last chunk does not finish a whole chunk after the others."""
    workers = max(1, workers)
    size = max(1, min(MAX_CHUNK, math.ceil(len(items) / (workers * 8))))
    chunks, start = [], 0
    while start < len(items):
        left = len(items) - start
        step = size if workers == 1 else max(1, min(size, math.ceil(left / (workers * 4))))
        chunks.append(items[start : start + step])
        start += step
    return chunks


def issue_chunk(items: list[Item], year: int, now: datetime) -> list[Outcome]:
    """Prepare every item in one read-only transaction, then store them in one more."""
    outcomes: list[Outcome] = []
    ready = []
    with read_only():
        for item in items:
            try:
                person = db.session.get(Person, item.person_id)
                if person is None:  # removed since the plan was made: this statement's failure
                    raise NotFound(f"No person {item.person_id}.")
                prepared = service.prepare(person, item.framework_id, year, COMMAND_LINE, now, reissue=item.reissue)
            except Conflict:  # since the plan was made: issued by someone else, or back as it was
                why = UNCHANGED if item.reissue else MEANWHILE
                outcomes.append(Outcome(item.person_id, item.framework_id, "skipped", why))
            except Exception as error:  # noqa: BLE001 - this statement's failure, reported; the others go on
                db.session.rollback()
                outcomes.append(_failure(item, error))
            else:
                ready.append((item, prepared))
        db.session.rollback()
    # One write transaction for the chunk, each statement in its own savepoint: the workers
    # take turns on SQLite's write lock once a chunk rather than once a statement.
    stored: list[Outcome] = []
    if not ready:
        return outcomes
    with _store_turn():
        for item, prepared in ready:
            try:  # in a savepoint of its own: a statement that fails leaves the others
                number = service.store(prepared).number
            except Conflict:
                outcomes.append(Outcome(item.person_id, item.framework_id, "skipped", MEANWHILE))
            except Exception as error:  # noqa: BLE001 - reported as this statement's failure; the others go on
                outcomes.append(_failure(item, error))
            else:
                stored.append(
                    Outcome(item.person_id, item.framework_id, "reissued" if item.reissue else "issued", number)
                )
        try:
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - none of the chunk's statements was stored: each is reported
            db.session.rollback()
            done = {(outcome.person_id, outcome.framework_id) for outcome in stored}
            stored = [_failure(item, error) for item, _ in ready if (item.person_id, item.framework_id) in done]
    return outcomes + stored


@contextlib.contextmanager
def _store_turn() -> Iterator[None]:
    """This worker's turn at storing, when the pool's workers share a SQLite database.

    Waited for at most the job's busy timeout: should a worker die holding it (the pool
    then stops the others anyway), the rest fall back on SQLite's own wait, which
    decides as it did before."""
    if _store_lock is None:
        yield
        return
    held = _store_lock.acquire(timeout=current_app.config["SQLITE_JOB_BUSY_TIMEOUT_MS"] / 1000)
    try:
        yield
    finally:
        if held:
            _store_lock.release()


def _failure(item: Item, error: Exception) -> Outcome:
    if isinstance(error, DomainError):
        reason = error.message
    else:
        current_app.logger.exception("Statement for person %s (%s) failed", item.person_id, item.framework_id)
        reason = f"{type(error).__name__}: {error}"
    return Outcome(item.person_id, item.framework_id, "failed", reason)


# Worker processes ----------------------------------------------------------------------


def start_method() -> str:
    if START_METHOD:
        return START_METHOD
    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"


def factory_of(app: Flask) -> Factory:
    """The factory that built ``app``, as it recorded itself under ``FACTORY``."""
    factory = app.extensions.get(FACTORY)
    if not callable(factory):
        raise RuntimeError("This app did not record its factory: hand the batch one to spawn workers with.")
    return factory


def _executor(workers: int, factory: Factory | None = None) -> ProcessPoolExecutor:
    """Worker processes; one that dies breaks the pool (an error here), never hangs it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's proxy API, untyped
    method = start_method()
    context = multiprocessing.get_context(method)
    # Workers on one SQLite file take turns storing; on PostgreSQL they store side by side.
    lock = context.Lock() if db.engine.dialect.name == "sqlite" else None
    if method == "fork":
        # Loaded once, and the fonts parsed once, before the workers copy this process,
        # instead of once in each.
        from .certificate import register_fonts  # noqa: PLC0415 - reportlab stays off the start-up path of the web app
        from .statement_pdf import render  # noqa: F401, PLC0415 - the same

        register_fonts()

        # No connection may cross the fork: close the parent's; it reopens them when needed.
        for engine in db.engines.values():
            engine.dispose()
        return ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_forked, initargs=(app, os.getpid(), lock)
        )
    config = {key: value for key, value in app.config.items() if key.isupper()}
    return ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_spawned,
        initargs=(factory or factory_of(app), config, app.instance_path, os.getpid(), lock),
    )


# How often a worker looks whether the process that started it is still there.
PARENT_CHECK_SECONDS = 0.5


def _outlive_no_parent(parent: int) -> None:
    """End this worker when its parent dies, however it dies (kill -9 included): a pool
    whose parent is gone waits for work forever, holding memory and database connections.
    A dead parent's children are re-parented, so ``getppid`` changes; the whole chunk in
    hand is lost, never half a statement (each is stored in one transaction)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="batch-parent-watch", daemon=True).start()


def _start_forked(app, parent: int, lock: Any) -> None:
    global _store_lock
    _store_lock = lock
    # What the worker shares with the parent stays out of its garbage collector's sweeps,
    # which would otherwise write to (and so copy) every page of the parent's heap.
    gc.freeze()
    _outlive_no_parent(parent)
    app.app_context().push()
    for engine in db.engines.values():
        engine.dispose(close=False)  # should the parent have kept one: leave it to the parent
    _close_at_exit()


def _start_spawned(factory: Factory, config: dict, instance_path: str, parent: int, lock: Any) -> None:
    """A spawned worker builds its own app with the parent's factory, configuration and
    instance folder."""
    global _store_lock
    _store_lock = lock
    _outlive_no_parent(parent)
    os.environ["RECOGNITION_INSTANCE_PATH"] = instance_path
    factory(config).app_context().push()
    _close_at_exit()


def _close_at_exit() -> None:
    """Close the worker's own connections when it exits normally (the pool shuts down)."""
    multiprocessing.util.Finalize(None, _stop_worker, exitpriority=10)


def _stop_worker() -> None:
    db.session.remove()
    for engine in db.engines.values():
        engine.dispose()
