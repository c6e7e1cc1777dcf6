"""The hash chain, as pure functions: canonical encoding, entry hashes, verification
against the chain itself and against anchors recorded outside it."""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple, cast

GENESIS = "0" * 64
# Entries appended since migration 0009 hash their own id (and this version), so nothing
# that refers to an entry by id can be pointed at another entry. Earlier entries keep
# their hashes; a checkpoint binds them to their ids (``Anchor.entries``).
CHAIN_VERSION = 2
LEGACY_FIELDS = (
    "seq",
    "entry_type",
    "kind",
    "mentorship_id",
    "person_id",
    "occurred_on",
    "minutes",
    "note",
    "recorded_by_id",
    "recorded_at",
    "target_id",
    "reason",
    "prev_hash",
)


def canonical(fields: Mapping) -> bytes:
    """A byte encoding that depends only on the values: sorted keys, no whitespace, UTF-8,
    dates as ISO 8601, timestamps in UTC with microseconds."""
    return json.dumps(
        {key: _plain(value) for key, value in fields.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def _plain(value):
    if isinstance(value, datetime):
        return value.strftime(TIMESTAMP)
    if isinstance(value, date):
        return value.isoformat()
    return value


# The columns ``Encoder`` reads, in the canonical (sorted) order of their keys.
STORED = (
    "accreditation",
    "chain_version",
    "entry_type",
    "id",
    "kind",
    "mentorship_id",
    "minutes",
    "note",
    "occurred_on",
    "person_id",
    "prev_hash",
    "reason",
    "recorded_at",
    "recorded_by_id",
    "seq",
    "target_id",
)
TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


class Encoder:
    """``canonical(hashed(row))`` for rows read as tuples of ``STORED`` columns, a few
    times faster: per shape of the row (the type of each value) one function is made
    that fills a fixed template, so the keys are never sorted again and only strings go
    through ``json``'s own escaping. The bytes are the same as ``canonical``'s (the
    property tests hold them to it). ``date_text`` and ``timestamp_text`` turn a date or
    timestamp the database returned as text (SQLite) into its canonical text; without
    them text is text."""

    def __init__(
        self, date_text: Callable[[str], str] | None = None, timestamp_text: Callable[[str], str] | None = None
    ):
        self.date_text, self.timestamp_text = date_text, timestamp_text
        self.shapes: dict[tuple[type, ...], Callable[[Sequence], bytes]] = {}

    def __call__(self, values: Sequence) -> bytes:
        """``values``: the ``STORED`` columns in that order (any after them are left out)."""
        shape = tuple(map(type, values))
        encode = self.shapes.get(shape)
        if encode is None:
            encode = self.shapes[shape] = self._compile(shape)
        return encode(values)

    def _compile(self, shape: tuple[type, ...]) -> Callable[[Sequence], bytes]:
        if len(shape) < len(STORED):
            raise ValueError(f"expected the {len(STORED)} columns of chain.STORED, got {len(shape)}")
        hashed = dict(zip(STORED, shape, strict=False))
        if hashed["accreditation"] is type(None):
            del hashed["accreditation"]
        if hashed["chain_version"] is type(None):
            del hashed["chain_version"], hashed["id"]
        parts, arguments = [], []
        for key, kind in hashed.items():
            value = f"v[{STORED.index(key)}]"
            if kind is type(None):
                parts.append(f'"{key}":null')
                continue
            # Dates and timestamps are digits, dashes, colons, a dot, T and Z: nothing to escape.
            quoted, argument = True, f"other({value})"  # anything else (a float, a flag …): as ``canonical`` would
            if kind is int:
                quoted, argument = False, value
            elif kind is str and key == "occurred_on" and self.date_text is not None:
                argument = f"date_text({value})"
            elif kind is str and key == "recorded_at" and self.timestamp_text is not None:
                argument = f"timestamp_text({value})"
            elif kind is str:
                quoted, argument = False, f"text({value})"
            elif kind is date:
                argument = f"{value}.isoformat()"
            elif kind is datetime:
                argument = f"timestamp({value})"
            else:
                quoted = False
            parts.append(f'"{key}":"%s"' if quoted else f'"{key}":%s')
            arguments.append(argument)
        template = "{" + ",".join(parts) + "}"
        source = f"def encode(v):\n    return ({template!r} % ({', '.join(arguments)},)).encode('utf-8')\n"
        scope: dict[str, Any] = {
            "text": json.encoder.encode_basestring,  # what json.dumps(ensure_ascii=False) escapes strings with
            "date_text": self.date_text,
            "timestamp_text": self.timestamp_text,
            "timestamp": timestamp,
            "other": _other,
        }
        exec(source, scope)  # the source is made above from the fixed keys, never from data
        return scope["encode"]


def timestamp(value: datetime) -> str:
    """``value`` as ``canonical`` writes a timestamp, taking the quick way when it is the same."""
    text = value.isoformat()
    if len(text) == 26 and value.year >= 1000:  # naive, with microseconds; strftime does not pad years
        return text + "Z"
    return value.strftime(TIMESTAMP)


def _other(value) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(fields: Mapping) -> str:
    """SHA-256 over the entry's canonical encoding, which includes the previous hash."""
    return hashlib.sha256(canonical(fields)).hexdigest()


def hashed(row: Mapping) -> dict:
    """The fields an entry's hash covers, from its stored columns. An accreditation is
    hashed only when there is one (it was added after the first entries were chained);
    the id and the chain version only for entries chained since ids were hashed."""
    fields = {key: row[key] for key in LEGACY_FIELDS}
    if row.get("accreditation") is not None:
        fields["accreditation"] = row["accreditation"]
    if row.get("chain_version") is not None:
        fields["chain_version"] = row["chain_version"]
        fields["id"] = row["id"]
    return fields


@dataclass(frozen=True)
class Anchor:
    """A head recorded outside the chain: by a signed checkpoint, an issued statement, or
    an operator (``--head SEQ:HASH``). A checkpoint also records ``entries``: the
    ``seq -> (id, hash)`` of every entry since the previous checkpoint, so a rewrite it
    covers is named at the first entry that differs."""

    seq: int
    hash: str
    source: str
    entries: Mapping[int, tuple[int, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    valid: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str | None = None
    # Which recorded head or checkpoint disagreed, when one did.
    anchor: str | None = None
    anchors_checked: int = 0
    notes: tuple[str, ...] = ()


class _Walk:
    """What ``verify`` has seen so far: enough to name an entry and the chain before it.
    ``entry`` takes one entry at a time; ``batch`` a run of them at once."""

    def __init__(self, anchors: list[Anchor]):
        self.recorded: dict[int, tuple[int, str, str]] = {}
        self.heads: dict[int, list[Anchor]] = {}
        for anchor in anchors:
            self.heads.setdefault(anchor.seq, []).append(anchor)
            for seq, (entry_id, digest) in anchor.entries.items():
                self.recorded.setdefault(seq, (entry_id, digest, anchor.source))
        self.anchors = anchors
        self.checked, self.prev_hash = 0, GENESIS
        # (id, seq, hash of the chain before it) of the last good entry.
        self.last: tuple[int, int, str] | None = None
        self.unbound = 0
        self.expected_seq = 1
        # For ``batch``: what the checkpoints recorded, and the positions of recorded heads.
        self.pinned = {seq: (entry_id, digest) for seq, (entry_id, digest, _) in self.recorded.items()}
        self.head_seqs = sorted(self.heads)
        self._pinned_columns: tuple[list[int], list[str], list[str], list[int]] | None = None
        self.pinned_oddly = False

    def verdict(self, bad_seq, bad_id, problem, anchor=None, *, back: bool = False) -> Verdict:
        checked, head_hash = self.checked, self.prev_hash
        if back:  # the entry before this one is the changed one
            assert self.last is not None  # asked only after a good entry was walked
            bad_id, bad_seq, head_hash = self.last
            checked -= 1
        return Verdict(False, checked, checked, head_hash, bad_seq, bad_id, problem, anchor, len(self.anchors))

    def begin(self) -> Verdict | None:
        for anchor in self.heads.get(0, ()):
            if anchor.hash != GENESIS:
                return self.verdict(
                    None,
                    None,
                    f"{anchor.source} is at position 0, where the only head is the empty chain's (64 zeros)",
                    anchor.source,
                )
        return None

    def entry(self, entry_id: int, fields: Mapping | Encoded | Unreadable, stored: str) -> Verdict | None:
        """Check the next entry; the verdict when it is the first bad one."""
        unreadable = None
        if isinstance(fields, Encoded):
            seq, prev_hash, bound, payload = fields
        elif isinstance(fields, Unreadable):
            seq, unreadable = fields
        else:
            seq, prev_hash, bound, payload = fields["seq"], fields["prev_hash"], "id" in fields, canonical(fields)
        expected_seq = self.expected_seq
        recorded = self.recorded.get(expected_seq)
        if seq != expected_seq:
            problem = f"expected position {expected_seq}, found {seq} (an entry is missing or moved)"
            if recorded is not None:
                problem += f"; {recorded[2]} recorded entry {recorded[0]} at position {expected_seq}"
            return self.verdict(seq, entry_id, problem, recorded[2] if recorded is not None else None)
        if unreadable is not None:
            return self.verdict(
                seq, entry_id, f"its stored values cannot be read ({unreadable}): it was changed outside the app"
            )
        digest = hashlib.sha256(payload).hexdigest()
        if prev_hash != self.prev_hash:
            if digest == stored and self.last is not None and (expected_seq - 1) not in self.recorded:
                return self.verdict(
                    None,
                    None,
                    "its hash is not the one the next entry was linked to (the entry "
                    "was changed and its hash recomputed)",
                    back=True,
                )
            return self.verdict(seq, entry_id, "its link to the previous entry does not match")
        if digest != stored:
            return self.verdict(seq, entry_id, "its contents do not match its hash (the entry was changed)")
        if recorded is not None:
            recorded_id, recorded_hash, source = recorded
            if recorded_id != entry_id:
                return self.verdict(
                    seq,
                    entry_id,
                    f"its id is {entry_id}, but {source} recorded entry {recorded_id} "
                    "at this position (ids were swapped or changed)",
                    source,
                )
            if recorded_hash != stored:
                return self.verdict(
                    seq,
                    entry_id,
                    f"its hash differs from the one {source} recorded (the entry "
                    "was changed and the chain recomputed from it)",
                    source,
                )
        elif not bound:
            self.unbound += 1
        for anchor in self.heads.get(seq, ()):
            if anchor.hash != stored:
                return self.verdict(
                    seq,
                    entry_id,
                    f"the chain up to here differs from the head {anchor.source} "
                    "recorded (this entry or one before it was changed)",
                    anchor.source,
                )
        self.last = (entry_id, seq, self.prev_hash)
        self.checked, self.prev_hash, self.expected_seq = self.checked + 1, stored, expected_seq + 1
        return None

    def batch(self, run: Run) -> bool:
        """Take a whole run of entries when every one of them is good, comparing column
        against column instead of entry by entry (what makes verifying fast); False, with
        nothing taken, when anything in it is not as it should be: ``entry`` then walks
        the run to name the first bad entry."""
        seqs, hashes, prev_hashes = tuple(run.seqs), tuple(run.hashes), tuple(run.prev_hashes)
        size = len(seqs)
        first = self.expected_seq
        if not size or seqs != tuple(range(first, first + size)):
            return False
        if prev_hashes[0] != self.prev_hash or prev_hashes[1:] != hashes[:-1]:
            return False
        payloads, sha256 = run.payloads, hashlib.sha256
        if None in payloads:  # the database left these to Python
            return False
        if type(payloads[0]) is str:
            digests = [sha256(payload.encode()).hexdigest() for payload in cast(Sequence[str], payloads)]
        else:
            digests = [sha256(payload).hexdigest() for payload in cast(Sequence[bytes], payloads)]
        if digests != list(hashes):
            return False
        if self.pinned:
            pinned = list(map(self.pinned.get, seqs))
            if pinned.count(None) == size:
                unbound = run.versions.count(None)
            elif pinned == list(zip(run.ids, hashes, strict=True)):
                unbound = 0
            else:  # partly recorded, or not as recorded
                return False
        else:
            unbound = run.versions.count(None)
        heads = self.head_seqs
        for index in range(bisect.bisect_left(heads, first), bisect.bisect_right(heads, seqs[-1])):
            stored = hashes[heads[index] - first]
            if any(anchor.hash != stored for anchor in self.heads[heads[index]]):
                return False
        self.unbound += unbound
        self.last = (run.ids[-1], seqs[-1], prev_hashes[-1])
        self.checked, self.prev_hash, self.expected_seq = self.checked + size, hashes[-1], first + size
        return True

    def packed(self, run: Packed) -> bool:
        """``batch`` for a run read as one row (``Packed``): the same checks, made on the
        joined columns at once, so that no entry but its payload becomes an object. The
        joined texts compare equal only entry for entry: every part is there (a missing
        value is written empty), and a comma inside a stored value would leave more
        parts than the hashes made here, which have none."""
        size, first = run.size, self.expected_seq
        if not size or run.first != first or run.seqs != _offsets(size):
            return False
        payloads = run.payloads.split(b"\n")
        # A line break is escaped in JSON: one part per entry, and an empty one is an
        # entry the database left to Python.
        if len(payloads) != size or b"" in payloads:
            return False
        sha256 = hashlib.sha256
        hashes = run.hashes
        if b"".join([sha256(payload).digest() for payload in payloads]).hex(",", 32) != hashes:
            return False
        if run.prev_hashes != f"{self.prev_hash},{hashes}"[:-65]:
            return False
        last_text = run.ids[run.ids.rfind(",") + 1 :]
        try:
            last_id = int(last_text)
        except ValueError:
            return False
        if str(last_id) != last_text:
            return False  # not an integer as SQLite writes one: the walk names it as it is
        seqs = range(first, first + size)
        unbound = size - run.bound
        if self.pinned:
            pinned_seqs, pinned_ids, pinned_hashes, odd = self.pinned_columns()
            if self.pinned_oddly:
                return False
            low, high = bisect.bisect_left(pinned_seqs, first), bisect.bisect_left(pinned_seqs, first + size)
            if high > low:  # recorded by a checkpoint: every entry, with the id and hash recorded
                if high - low != size or bisect.bisect_left(odd, first) != bisect.bisect_left(odd, first + size):
                    return False  # partly recorded, or recorded as no entry is stored
                if ",".join(pinned_ids[low:high]) != run.ids or ",".join(pinned_hashes[low:high]) != hashes:
                    return False
                unbound = 0
        heads = self.head_seqs
        for index in range(bisect.bisect_left(heads, first), bisect.bisect_right(heads, seqs[-1])):
            start = (heads[index] - first) * 65
            stored = hashes[start : start + 64]
            if any(anchor.hash != stored for anchor in self.heads[heads[index]]):
                return False
        self.unbound += unbound
        self.last = (last_id, seqs[-1], self.prev_hash if size == 1 else hashes[-129:-65])
        self.checked, self.prev_hash, self.expected_seq = self.checked + size, hashes[-64:], first + size
        return True

    def pinned_columns(self) -> tuple[list[int], list[str], list[str], list[int]]:
        """For ``packed``, made once: the recorded positions in order, with their ids as
        SQLite writes an integer and their hashes, and the positions recorded with an id
        or hash of another type, which no run is taken with."""
        if self._pinned_columns is None:
            if not set(map(type, self.pinned)) <= {int}:  # a position that is no integer: every run is walked
                self._pinned_columns = ([], [], [], [])
                self.pinned_oddly = True
                return self._pinned_columns
            seqs = sorted(self.pinned)
            recorded = list(map(self.pinned.__getitem__, seqs))
            ids, hashes = [entry_id for entry_id, _ in recorded], [digest for _, digest in recorded]
            odd = []
            if not set(map(type, ids)) <= {int} or not set(map(type, hashes)) <= {str}:
                odd = [
                    seq
                    for seq, entry_id, digest in zip(seqs, ids, hashes, strict=True)
                    if type(entry_id) is not int or type(digest) is not str
                ]
            self._pinned_columns = (seqs, list(map(str, ids)), list(map(str, hashes)), odd)
        return self._pinned_columns

    def resume(self, seq: int, head_hash: str) -> None:
        """Start after position ``seq``, the chain up to it known good and ending in
        ``head_hash``."""
        self.checked, self.prev_hash, self.expected_seq = seq, head_hash, seq + 1

    def finish(self) -> Verdict:
        """The verdict once every entry was taken: a chain that ends before a recorded
        head was truncated."""
        expected_seq = self.expected_seq
        beyond = [anchor for anchor in self.anchors if anchor.seq >= expected_seq]
        beyond += [
            Anchor(seq, digest, source) for seq, (_, digest, source) in self.recorded.items() if seq >= expected_seq
        ]
        if beyond:
            anchor = min(beyond, key=lambda a: a.seq)
            missing_id = self.recorded.get(expected_seq, (None,))[0]
            problem = (
                f"the ledger ends at position {expected_seq - 1}, but {anchor.source} recorded position "
                f"{anchor.seq}: the entries from position {expected_seq} on are missing"
            )
            return self.verdict(expected_seq, missing_id, problem, anchor.source)
        notes: tuple[str, ...] = ()
        if self.unbound:
            notes = (
                f"{self.unbound} entries chained before ids were hashed are not yet bound to their ids by a "
                "checkpoint: run `recognition ledger checkpoint`.",
            )
        return Verdict(
            True, self.checked, expected_seq - 1, self.prev_hash, anchors_checked=len(self.anchors), notes=notes
        )


class Encoded(NamedTuple):
    """An entry's hashed fields as ``verify`` needs them, already encoded (``Encoder``):
    what it reads besides the hash, and the canonical bytes."""

    seq: int
    prev_hash: str
    bound: bool  # its id is hashed (chained since ids were)
    payload: bytes


class Unreadable(NamedTuple):
    """An entry whose stored values cannot be read as the app reads them (a day past the
    end of its month, bytes where text belongs: written by someone else), so there are no
    canonical bytes to hash: ``verify`` names it as changed."""

    seq: Any  # as stored
    problem: str  # what could not be read, as the reader said it


class Run(NamedTuple):
    """A run of consecutive entries in chain order, column by column, with each entry's
    canonical encoding (made by the database: ``ledger.service``), and a way to
    read the same entries one by one, encoded here, for when the run is not all good."""

    ids: Sequence[int]
    seqs: Sequence[int]
    prev_hashes: Sequence[str]
    hashes: Sequence[str]  # as stored
    versions: Sequence[int | None]  # chain_version: None for entries chained before ids were hashed
    payloads: Sequence[bytes | str | None]  # UTF-8; None: to be encoded in Python
    entries: Callable[[], Iterable[tuple[int, Encoded | Unreadable, str]]]


class Packed(NamedTuple):
    """A run of consecutive entries read as one row (SQLite): each column's values
    joined by commas in chain order, and the entries' canonical encodings (made by the
    database) joined by line breaks, which JSON escapes. What ``_Walk.packed`` compares,
    and a way to read the same entries one by one, for when the run is not all good."""

    size: int  # how many entries
    first: int  # the position the run was read from
    seqs: str  # each entry's position minus ``first``
    ids: str
    prev_hashes: str
    hashes: str  # as stored
    bound: int  # how many have a chain_version (hash their id)
    payloads: bytes  # UTF-8; an empty one: to be encoded in Python
    entries: Callable[[], Iterable[tuple[int, Encoded | Unreadable, str]]]


@cache
def _offsets(size: int) -> str:
    """What ``Packed.seqs`` holds for a run of ``size`` entries in a row."""
    return ",".join(map(str, range(size)))


def verify(rows: Iterable[tuple[int, Mapping | Encoded | Unreadable, str]], anchors: Iterable[Anchor] = ()) -> Verdict:
    """Walk ``(id, hashed_fields, stored_hash)`` in chain order; stop at the first entry
    whose position, link, hash, id or head is not what the chain or an anchor says.

    When an entry's link breaks because the entry before it was changed and re-hashed,
    the changed entry is named, not the one after it. A chain that ends before a
    recorded head was truncated: the first missing position is named."""
    return verify_runs([], anchors, rows)


def verify_runs(
    runs: Iterable[Run | Packed],
    anchors: Iterable[Anchor] = (),
    rest: Iterable[tuple[int, Mapping | Encoded | Unreadable, str]] = (),
    progress: Callable[[int], object] | None = None,
) -> Verdict:
    """``verify`` over ``runs``, then over the entries of ``rest`` one by one. A run is
    taken whole when all of it is good, else walked entry by entry (so the verdict is
    ``verify``'s in every case). ``progress`` is told how many entries were checked."""
    walk = _Walk(list(anchors))
    verdict = walk.begin()
    if verdict is not None:
        return verdict
    for run in runs:
        taken = walk.packed(run) if isinstance(run, Packed) else walk.batch(run)
        checked = run.size if isinstance(run, Packed) else len(run.seqs)
        if not taken:
            checked = 0  # as walked: a range SQLite could not read says no size
            for entry_id, fields, stored in run.entries():
                if (verdict := walk.entry(entry_id, fields, stored)) is not None:
                    return verdict
                checked += 1
        if progress is not None:
            progress(checked)
    for entry_id, given, stored in rest:
        if (verdict := walk.entry(entry_id, given, stored)) is not None:
            return verdict
        if progress is not None:
            progress(1)
    return walk.finish()


def verify_since(
    seq: int,
    head_hash: str,
    entries: Iterable[tuple[int, Mapping | Encoded | Unreadable, str]],
    anchors: Iterable[Anchor] = (),
) -> Verdict:
    """``verify`` of the entries after position ``seq``, one by one, where the chain up to
    it is known to end in ``head_hash`` (verified): each must follow on from it, and
    hold the heads ``anchors`` record past it. The verdict counts the entries before
    ``seq`` as checked."""
    walk = _Walk(list(anchors))
    walk.resume(seq, head_hash)
    for entry_id, fields, stored in entries:
        if (verdict := walk.entry(entry_id, fields, stored)) is not None:
            return verdict
    return walk.finish()
