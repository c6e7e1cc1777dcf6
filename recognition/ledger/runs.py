"""The chain read in runs for ``ledger verify``: a run of entries read while the one
before it is checked (``ahead``), and on SQLite each run read as one row (``packed``),
its columns joined by the database, so that Python makes no object per entry but the
bytes it hashes."""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, TypeVar, cast

from sqlalchemy import Connection

from . import chain, payloads

T = TypeVar("T")

# ``walk(start, stop)``: the entries from position ``start`` (from the first, if None) up
# to ``stop`` (to the last, if None), one by one, encoded in Python.
Walk = Callable[[int | None, int | None], Iterable[tuple[int, chain.Encoded | chain.Unreadable, str]]]


def ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """``items``, the next one made in a thread of its own while this one is used: for
    reading from a server, which the driver waits for without holding the interpreter,
    or from SQLite, which lets go of it while it steps. Closing it stops the thread
    (and closes ``items`` there) before it returns."""
    made: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def make() -> None:
        failed: Exception | None = None
        try:
            for item in items:
                made.put((True, item))
                if stop.is_set():
                    break
        except Exception as error:  # noqa: BLE001 (handed to the reader, which raises it)
            failed = error
        finally:
            cast(Generator, items).close()
            made.put((False, failed))

    thread = threading.Thread(target=make, name="ledger-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            more, item = made.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let it put what it was making, and see the stop
            with contextlib.suppress(queue.Empty):
                made.get(timeout=0.05)
        thread.join()


def _packed_sql() -> str:
    """One run: the entries from position ``:lo`` up to ``:hi``, each column joined.
    A missing value is written empty, so every entry has its part; the payload is the
    one ``payloads.sql`` writes (empty where it leaves the entry to Python), with each
    date as stored, which a run is taken with only if Python writes it so
    (``days_as_written``)."""
    return (
        "SELECT count(*), group_concat(seq - :lo), group_concat(coalesce(id, '')), "
        "group_concat(coalesce(prev_hash, '')), group_concat(coalesce(entry_hash, '')), count(chain_version), "
        "group_concat(coalesce(occurred_on, '')), "
        f"CAST(group_concat(coalesce({payloads.sql('sqlite')}, ''), char(10)) AS BLOB) "
        "FROM ledger_entries WHERE seq >= :lo AND seq < :hi"
    )


PACKED = _packed_sql()
RANGE_HOLDS = "SELECT 1 FROM ledger_entries WHERE seq >= :lo AND seq < :hi LIMIT 1"


def _utf8(joined: bytes) -> bool:
    """Whether the bytes SQLite wrote are UTF-8 (``json_object`` copies text's bytes as
    stored, which Python could not read as text): the run is walked otherwise."""
    if joined.isascii():
        return True
    try:
        joined.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def packed(
    connection: Connection, size: int, walk: Walk, day: Callable[[str], str]
) -> Generator[chain.Packed, None, None]:
    """``chain.Packed`` for every ``size`` positions of the chain, from position 1 until
    a range holds no entry, each read in one statement while the one before it is
    checked; then whatever is stored past them (nothing, in a good chain), walked one
    by one. ``walk(start, stop)`` reads the entries from position ``start`` up to
    ``stop`` one by one, for a run that is not all good; the read-ahead stops first,
    as one connection is not read from two threads at once. ``day(text)`` is a stored
    date as Python writes it (raising where it cannot read it): a run is taken only
    when every date in it is written so already.

    Every entry is in exactly one part, in the order ``ORDER BY seq`` gives: an entry
    before position 1 (or without one) sorts first and is found by looking at the first
    entry; a run holds the positions in its range, any number of times, and is taken
    only if it holds each once; the rest are at or past the last range."""
    raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)
    first = raw.execute("SELECT seq FROM ledger_entries ORDER BY seq LIMIT 1").fetchone()
    if first is None:
        return
    if type(first[0]) is not int or first[0] != 1:  # not as the app writes it: walked as it is
        yield chain.Packed(0, 1, "", "", "", "", 0, b"", lambda: walk(None, None))
        return
    threads = _threads_allowed(connection)
    known: dict[str, bool] = {}
    start = 1
    while True:
        reader = ahead(_ranges(raw, start, size)) if threads else _ranges(raw, start, size)
        paused = False  # a run is walked: read again after it
        try:
            for lo, row in reader:
                count, seqs, ids, prev_hashes, hashes, bound, days, joined = row or (0, "", "", "", "", 0, "", b"")
                if count and not (days_as_written(days, count, day, known) and _utf8(joined)):
                    joined = b""  # no entry's bytes: walked, and Python decides

                def entries(lo: int = lo, reader=reader) -> Iterable[tuple[int, chain.Encoded | chain.Unreadable, str]]:
                    nonlocal paused
                    reader.close()
                    paused = True
                    return walk(lo, lo + size)

                yield chain.Packed(count, lo, seqs, ids, prev_hashes, hashes, bound, joined, entries)
                start = lo + size
                if paused:
                    break
        finally:
            reader.close()
        if not paused:
            break
    if raw.execute("SELECT 1 FROM ledger_entries WHERE seq >= ? LIMIT 1", (start,)).fetchone():
        yield chain.Packed(0, start, "", "", "", "", 0, b"", lambda: walk(start, None))


def days_as_written(days: str, count: int, day: Callable[[str], str], known: dict[str, bool]) -> bool:
    """Whether each of the ``count`` dates joined in ``days`` is one Python writes as it is
    stored (``day``), so that the bytes SQLite wrote with it are Python's: each distinct
    date checked once (``known`` keeps the answers across runs)."""
    parts = days.split(",")
    if len(parts) != count:  # a comma in one
        return False
    for text in set(parts):
        good = known.get(text)
        if good is None:
            try:
                good = day(text) == text
            except (TypeError, ValueError):
                good = False
            if len(known) < 100_000:  # a ledger has a few thousand distinct days
                known[text] = good
        if not good:
            return False
    return True


def _ranges(raw: sqlite3.Connection, start: int, size: int) -> Generator[tuple[int, tuple | None], None, None]:
    """``(lo, row)`` for each range of ``size`` positions from ``start``, until one is
    empty; ``(lo, None)`` for a range SQLite cannot write (``json_object`` refuses a blob
    someone stored), to be walked in Python, which names what it cannot read."""
    cursor = raw.cursor()
    try:
        lo = start
        while True:
            try:
                row = cursor.execute(PACKED, {"lo": lo, "hi": lo + size}).fetchone()
            except (sqlite3.OperationalError, sqlite3.DataError):
                # Whatever SQLite could not read or write of the range (text that is not
                # UTF-8, a blob, more than it writes at once), the walk reads and names;
                # a range that holds nothing ends the chain, whatever failed.
                if cursor.execute(RANGE_HOLDS, {"lo": lo, "hi": lo + size}).fetchone() is None:
                    return
                yield lo, None
            else:
                if not row[0]:
                    return
                yield lo, row
            lo += size
    finally:
        cursor.close()


def _threads_allowed(connection: Connection) -> bool:
    """Whether the driver's connection may be used from a thread of the reader's: SQLite's
    may when SQLAlchemy opened it on a file (an in-memory database keeps it to its thread),
    unless the address asks the driver to keep it to its thread (``check_same_thread``)."""
    url = connection.engine.url
    if str(url.query.get("check_same_thread", "")).lower() in ("1", "true"):
        return False
    return url.database not in (None, "", ":memory:") and url.query.get("mode") != "memory"
