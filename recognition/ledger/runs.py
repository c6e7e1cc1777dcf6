"""The chain read in runs for ``ledger verify``: a run of entries read while the one
before it is checked (``ahead``), and on SQLite each run read as one row (``packed``),
its columns joined by the database, so that Python makes no object per entry but the
bytes it hashes."""

from __future__ import annotations

import bisect
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


def _packed_sql(checked: bool = True) -> str:
    """One run: the entries from position ``:lo`` up to ``:hi``, each column joined.
    A missing value is written empty, so every entry has its part; the payload is the
    one ``payloads.sql`` writes (empty where it leaves the entry to Python, unless not
    ``checked``)."""
    return (
        "SELECT count(*), group_concat(seq - :lo), group_concat(coalesce(id, '')), "
        "group_concat(coalesce(prev_hash, '')), group_concat(coalesce(entry_hash, '')), count(chain_version), "
        f"CAST(group_concat(coalesce({payloads.sql('sqlite', checked)}, ''), char(10)) AS BLOB) "
        "FROM ledger_entries WHERE seq >= :lo AND seq < :hi"
    )


PACKED = _packed_sql()
# For a ledger whose index lists the entries SQLite would write otherwise (``left_to_python``).
PACKED_UNCHECKED = _packed_sql(checked=False)
# More entries left to Python than this, and each entry is checked as it is read instead.
MOST_LEFT = 100_000
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
    connection: Connection, size: int, walk: Walk, trust_index: bool = True
) -> Generator[chain.Packed, None, None]:
    """``chain.Packed`` for every ``size`` positions of the chain, from position 1 until
    a range holds no entry, each read in one statement while the one before it is
    checked; then whatever is stored past them (nothing, in a good chain), walked one
    by one. ``walk(start, stop)`` reads the entries from position ``start`` up to
    ``stop`` one by one, for a run that is not all good; the read-ahead stops first,
    as one connection is not read from two threads at once. Where the ledger's index
    lists the entries SQLite would write otherwise than Python (``left_to_python``), and
    ``trust_index``, no entry is checked as it is read, and a run that holds one of them
    is walked.

    The index is kept by whoever writes to the database, in their own connection: one
    that gets around SQLite's upkeep of it (a function of its own under a name the
    index's condition calls, such as ``typeof``; ``PRAGMA writable_schema``; editing the
    file) could store an entry the index leaves out. Such an entry is one SQLite
    writes otherwise than Python (a real number of minutes, a date with trailing text),
    hashed over SQLite's bytes by whoever stored it, and it passes where the walk would
    call it changed. Nothing else passes: its values are what its hash holds, so the same
    writer could as well have stored ordinary values with a hash of them (which anchors
    catch, either way). ``trust_index=False`` (``ledger verify --thorough``) checks each
    entry as it is read, as the walk would.

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
    left = left_to_python(raw) if trust_index else None
    statement = PACKED if left is None else PACKED_UNCHECKED
    start = 1
    while True:
        ranges = _ranges(raw, start, size, statement)
        reader = ahead(ranges) if threads else ranges
        paused = False  # a run is walked: read again after it
        try:
            for lo, row in reader:
                count, seqs, ids, prev_hashes, hashes, bound, joined = row or (0, "", "", "", "", 0, b"")
                if count and not (
                    _utf8(joined)
                    and (left is None or bisect.bisect_left(left, lo) == bisect.bisect_left(left, lo + size))
                ):
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


def left_to_python(raw: sqlite3.Connection) -> list[int | float] | None:
    """The positions of the entries SQLite would write otherwise than Python, in order,
    read from the index that keeps them (``payloads.SQLITE_INDEX``) on the table the
    ledger's name stands for (a temporary one, if there is one); a position that is not a
    number is in no range, and left out. None where that index cannot be trusted to list
    them all: it is missing or not defined as this code defines it, or it lists more
    than ``MOST_LEFT``. Each entry is then checked as it is read (``PACKED``)."""
    temporary = raw.execute("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = 'ledger_entries'")
    schema = "temp" if temporary.fetchone() else "main"
    stored = raw.execute(
        f"SELECT sql FROM {schema}.sqlite_master WHERE type = 'index' AND name = ? AND tbl_name = 'ledger_entries'",
        (payloads.SQLITE_INDEX,),
    ).fetchone()
    if stored is None or stored[0] != payloads.SQLITE_INDEX_SQL:
        return None
    try:
        rows = raw.execute(
            f"SELECT seq FROM ledger_entries INDEXED BY {payloads.SQLITE_INDEX} "
            f"WHERE {payloads.SQLITE_LEFT_TO_PYTHON} LIMIT {MOST_LEFT + 1}"
        ).fetchall()
    except sqlite3.OperationalError:  # the planner cannot use it
        return None
    if len(rows) > MOST_LEFT:
        return None
    return sorted(seq for (seq,) in rows if type(seq) in (int, float))


def _ranges(
    raw: sqlite3.Connection, start: int, size: int, statement: str = PACKED
) -> Generator[tuple[int, tuple | None], None, None]:
    """``(lo, row)`` for each range of ``size`` positions from ``start``, read with
    ``statement``, until one is empty; ``(lo, None)`` for a range SQLite cannot write
    (``json_object`` refuses a blob someone stored), to be walked in Python, which names
    what it cannot read."""
    cursor = raw.cursor()
    try:
        lo = start
        while True:
            try:
                row = cursor.execute(statement, {"lo": lo, "hi": lo + size}).fetchone()
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
