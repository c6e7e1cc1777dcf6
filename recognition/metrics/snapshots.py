"""Yearly snapshots of closed years: a measure's tallies, stored so that the dashboard
reads a closed year from one row instead of a year of the ledger.

A snapshot holds what a measure returns for one closed year (its series, and per division
id the counts, parts and wholes, histogram buckets), never cells: the smallest-cell rules
(``rules.table``) run on it for each viewer exactly as on a live computation. The current
year is always computed live.

A snapshot is never used stale. Its key names everything the result depends on besides
the data (the measure, its parameters and smallest cell, the department's settings,
``VERSION`` of this code), and it records the data it was computed from:

- ``ledger_seq``, the ledger's head. The ledger is append-only and every follower
  (confirmation, reversal, dispute) carries its target's day, so a closed year's result
  changes only through an entry appended since, dated in that year or before it: one read
  of the entries since ``ledger_seq`` (the seq index) finds it.
- ``basis``, where the other rows the measures read stand (``basis``): people (their
  division and appointment) and the mentorships, by a count of writes to them that
  triggers keep. What a snapshot reads of them decides which count it records: the whole
  roster (``ROSTER``), or only which division each entry's mentee is in (``DIVISIONS``:
  the confirmations pass, the unconfirmed counts and each relationship's last confirmed
  meeting, which read the ledger's entries and their mentees' divisions, the bulk of the
  work). A change the recorded count moves with recomputes the snapshot; a new or ended
  mentorship leaves the ``DIVISIONS`` ones be.

Only measures that read nothing else are snapshotted (``SNAPSHOTTED``, with what each
reads); the others read milestones, feedback and awards, short tables, and are computed
live. A stale or missing
snapshot is computed live and stored in its place (by the caller's commit, or for a page
after its reads by ``keep``: one row a measure and year, so a process killed part-way
leaves none half-written); the scheduler's
``metric_snapshots`` job keeps them built and moves fresh ones to the ledger's head.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..database import writes_expected
from ..extensions import db
from ..ledger.models import LedgerEntry
from .definitions import Metric
from .measures import Tallies, Year
from .memo import memo
from .models import MetricBasis, MetricSnapshot
from .rules import Series, Tally

log = logging.getLogger(__name__)
# Bump when a measure's counting changes: every snapshot then reads as missing.
VERSION = 1
# What a snapshot reads besides the ledger (``basis``): the roster, people's divisions
# and appointments and the mentorships (``MetricBasis.changes``); or only the division
# of each entry's mentee (``MetricBasis.divisions``).
ROSTER, DIVISIONS = "changes", "divisions"
# The measures that read the ledger, people's division and appointment, and the
# mentorships, and nothing else: what each reads of the roster.
SNAPSHOTTED = {
    "meetings_against_expectation": ROSTER,
    "confirmed_share": DIVISIONS,
    "confirmation_delay": DIVISIONS,
    "lapsed": ROSTER,
    "mentors_trained": ROSTER,
    "early_career_with_mentor": ROSTER,
    "mentor_pool": ROSTER,
    "mentees_became_mentors": ROSTER,
}
Measured = tuple[list[Series], Tallies]


def key_of(metric: Metric, year: Year) -> str:
    """What ``metric`` measures for ``year``, as a digest: the same key, the same result
    from the same data."""
    return digest(
        {
            "version": VERSION,
            "measure": metric.measure,
            "params": dict(metric.params),
            "min_cell": metric.min_cell,
            "meetings_min": year.meetings_min,
            "formal_years": year.formal_years,
            "check_in_months": year.check_in_months,
            "feedback_periods": list(year.feedback_periods),
        }
    )


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def encode(found: Measured) -> str:
    """The series and the tallies (in their order) as JSON; ``decode`` gives them back equal."""
    series, tallies = found
    cells = [
        [
            division,
            [[key, t.part, t.whole, list(t.values), t.people, [list(c) for c in t.counted]] for key, t in row.items()],
        ]
        for division, row in tallies.items()
    ]
    return json.dumps({"series": [[s.key, s.label, s.kind, s.public] for s in series], "tallies": cells})


def decode(text: str) -> Measured:
    found = json.loads(text)
    series = [Series(key, label, kind, public) for key, label, kind, public in found["series"]]
    tallies: Tallies = {
        division: {
            key: Tally(part, whole, tuple(values), people, tuple((value, times) for value, times in counted))
            for key, part, whole, values, people, counted in cells
        }
        for division, cells in found["tallies"]
    }
    return series, tallies


def basis(reads: str = ROSTER) -> str:
    """Where the rows a snapshot ``reads`` besides the ledger stand (``ROSTER`` or
    ``DIVISIONS``): the count of writes to people and mentorships (``MetricBasis``) that
    triggers move on with every write these measures read, or with the ones that can move
    a mentee's entries to another division. One row read, however large the faculty."""
    cache = memo()
    if "basis" not in cache:
        counts = db.session.execute(select(MetricBasis.changes, MetricBasis.divisions)).one()
        cache["basis"] = {ROSTER: f"{ROSTER}:{counts[0]}", DIVISIONS: f"{DIVISIONS}:{counts[1]}"}
    return cache["basis"][reads]


def head() -> int:
    """The ledger's last seq, read before anything is computed from it (0: empty)."""
    cache = memo()
    if "head" not in cache:
        cache["head"] = db.session.scalar(select(func.max(LedgerEntry.seq))) or 0
    return cache["head"]


def since(seq: int) -> tuple[int | None, date | None]:
    """The ledger's head and the earliest day of any entry appended after ``seq`` (both
    None when nothing was), in one read of those entries from the seq index."""
    cache = memo().setdefault("since", {})
    if seq not in cache:
        row = db.session.execute(
            select(func.max(LedgerEntry.seq), func.min(LedgerEntry.occurred_on)).where(LedgerEntry.seq > seq)
        ).one()
        cache[seq] = (row[0], row[1])
    return cache[seq]


def last_day(row: MetricSnapshot) -> date:
    """The last day a snapshot counts: its month's, for a month of a year still running
    (``months``); else its year's."""
    return row.last_day or date(row.year, 12, 31)


def _reads(row: MetricSnapshot) -> str:
    """What the snapshot read of the roster (``basis``), from the count it records."""
    return row.basis.partition(":")[0]


def _fresh(row: MetricSnapshot) -> bool:
    reads = _reads(row)
    if reads not in (ROSTER, DIVISIONS) or row.basis != basis(reads):
        return False
    _, earliest = since(row.ledger_seq)
    return earliest is None or earliest > last_day(row)


def _stored() -> dict[tuple[int, str], MetricSnapshot]:
    cache = memo()
    if "rows" not in cache:
        cache["rows"] = {(row.year, row.key): row for row in db.session.scalars(select(MetricSnapshot))}
    return cache["rows"]


def cached(
    year: int,
    key: str,
    compute: Callable[[], Any],
    now: datetime,
    last: date | None = None,
    codec: tuple[Callable[[Any], str], Callable[[str], Any]] = (encode, decode),
    reads: str = ROSTER,
) -> Any:
    """``compute()`` for the closed ``year`` (or, with ``last``, the days of one of its
    months to that day), from its snapshot when a fresh one is stored for the same
    days; else computed now and
    stored in its place (flushed: the caller commits). ``codec``: how the result is
    written and read back (a measure's series and tallies by default); ``reads``: what
    ``compute`` reads of the roster (``basis``)."""
    write, read = codec
    found = _stored().get((year, key))
    if found is not None and found.last_day == last and _reads(found) == reads and _fresh(found):
        return _read(found, read)
    seq, current = head(), basis(reads)  # read before the data they describe
    result = compute()
    store(year, key, write(result), seq, current, now, last)
    return result


# What each stored snapshot last read back to (by year and key: one entry a row), with
# the text it was read from: a worker reads a snapshot's text once, not on every page,
# and reads it again whenever its text differs. Nothing read back is changed by its readers.
_READ: dict[tuple[int, str, Callable], tuple[str, Any]] = {}


def _read(row: MetricSnapshot, read: Callable[[str], Any]) -> Any:
    slot = (row.year, row.key, read)
    known = _READ.get(slot)
    if known is None or known[0] != row.tallies:
        known = (row.tallies, read(row.tallies))
        _READ[slot] = known
    return known[1]


def store(year: int, key: str, tallies: str, seq: int, current: str, now: datetime, last: date | None = None) -> None:
    """Replace ``year``'s snapshot under ``key``. Where the transaction may write (the
    scheduler, a command, a form), now, in a savepoint: another run storing the same one
    meanwhile wins, and nothing is lost by it. In a page or an API read, later, in a
    transaction of its own (``keep``): on SQLite a read never turns into a write."""
    row = MetricSnapshot(
        year=year, key=key, last_day=last, ledger_seq=seq, basis=current, computed_at=now, tallies=tallies
    )
    if not writes_expected():
        db.session.info.setdefault(PENDING, []).append(row)
        return
    try:
        with db.session.begin_nested():
            _replace(row)
    except IntegrityError:
        return
    _stored()[(year, key)] = row
    cache = memo()
    cache["built"] = cache.get("built", 0) + 1


PENDING = "recognition.metrics.pending_snapshots"


def _replace(row: MetricSnapshot) -> None:
    db.session.execute(delete(MetricSnapshot).where(MetricSnapshot.year == row.year, MetricSnapshot.key == row.key))
    db.session.add(row)
    db.session.flush()


def keep() -> None:
    """Store the snapshots a page or an API read computed, once its reads are done, in a
    transaction of its own. If the database cannot take them now (busy, read-only), the
    reader loses nothing: the next view computes them again."""
    pending = db.session.info.pop(PENDING, [])
    if not pending:
        return
    db.session.rollback()  # the read's transaction ends here; it changed nothing
    try:
        for row in pending:
            _replace(row)
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        log.warning("Snapshots of closed years not stored (%s); the next view computes them again", error.orig)


def built() -> int:
    """How many snapshots this transaction stored."""
    return memo().get("built", 0)


def forget_months(before: date) -> int:
    """Delete the snapshots of months that ended before ``before`` (``months``: a
    running year's, which no read needs once its year is well closed); how many."""
    gone = [row for row in _stored().values() if row.last_day is not None and row.last_day < before]
    for row in gone:
        db.session.execute(delete(MetricSnapshot).where(MetricSnapshot.id == row.id))
        del _stored()[(row.year, row.key)]
    return len(gone)


def advance() -> int:
    """Move every fresh snapshot to the ledger's head, so the next read of what was
    appended since starts there; the number moved. (A stale one stays as it is: the next
    read recomputes it.)"""
    moved = 0
    rows = list(_stored().values())
    for row in rows:
        if not _fresh(row):
            continue
        top, _ = since(row.ledger_seq)
        if top is not None:
            db.session.execute(
                update(MetricSnapshot)
                .where(MetricSnapshot.id == row.id, MetricSnapshot.ledger_seq == row.ledger_seq)
                .values(ledger_seq=top)
            )
            moved += 1
    return moved
