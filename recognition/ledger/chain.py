"""The hash chain, as pure functions: canonical encoding, entry hashes, verification
against the chain itself and against anchors recorded outside it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

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
    """What ``verify`` has seen so far: enough to name an entry and the chain before it."""

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

    def verdict(self, bad_seq, bad_id, problem, anchor=None, *, back: bool = False) -> Verdict:
        checked, head_hash = self.checked, self.prev_hash
        if back:  # the entry before this one is the changed one
            assert self.last is not None  # asked only after a good entry was walked
            bad_id, bad_seq, head_hash = self.last
            checked -= 1
        return Verdict(False, checked, checked, head_hash, bad_seq, bad_id, problem, anchor, len(self.anchors))


class Encoded(NamedTuple):
    """An entry's hashed fields as ``verify`` needs them, already encoded (``Encoder``):
    what it reads besides the hash, and the canonical bytes."""

    seq: int
    prev_hash: str
    bound: bool  # its id is hashed (chained since ids were)
    payload: bytes


def verify(rows: Iterable[tuple[int, Mapping | Encoded, str]], anchors: Iterable[Anchor] = ()) -> Verdict:
    """Walk ``(id, hashed_fields, stored_hash)`` in chain order; stop at the first entry
    whose position, link, hash, id or head is not what the chain or an anchor says.

    When an entry's link breaks because the entry before it was changed and re-hashed,
    the changed entry is named, not the one after it. A chain that ends before a
    recorded head was truncated: the first missing position is named."""
    walk = _Walk(list(anchors))
    for anchor in walk.heads.get(0, ()):
        if anchor.hash != GENESIS:
            return walk.verdict(
                None,
                None,
                f"{anchor.source} is at position 0, where the only head is the empty chain's (64 zeros)",
                anchor.source,
            )
    expected_seq = 1
    recorded_for, heads_for, sha256 = walk.recorded.get, walk.heads.get, hashlib.sha256  # looked up once, not per entry
    for entry_id, fields, stored in rows:
        if isinstance(fields, Encoded):
            seq, prev_hash, bound, payload = fields
        else:
            seq, prev_hash, bound, payload = fields["seq"], fields["prev_hash"], "id" in fields, canonical(fields)
        recorded = recorded_for(expected_seq)
        if seq != expected_seq:
            problem = f"expected position {expected_seq}, found {seq} (an entry is missing or moved)"
            if recorded is not None:
                problem += f"; {recorded[2]} recorded entry {recorded[0]} at position {expected_seq}"
            return walk.verdict(seq, entry_id, problem, recorded[2] if recorded is not None else None)
        digest = sha256(payload).hexdigest()
        if prev_hash != walk.prev_hash:
            if digest == stored and walk.last is not None and (expected_seq - 1) not in walk.recorded:
                return walk.verdict(
                    None,
                    None,
                    "its hash is not the one the next entry was linked to (the entry "
                    "was changed and its hash recomputed)",
                    back=True,
                )
            return walk.verdict(seq, entry_id, "its link to the previous entry does not match")
        if digest != stored:
            return walk.verdict(seq, entry_id, "its contents do not match its hash (the entry was changed)")
        if recorded is not None:
            recorded_id, recorded_hash, source = recorded
            if recorded_id != entry_id:
                return walk.verdict(
                    seq,
                    entry_id,
                    f"its id is {entry_id}, but {source} recorded entry {recorded_id} "
                    "at this position (ids were swapped or changed)",
                    source,
                )
            if recorded_hash != stored:
                return walk.verdict(
                    seq,
                    entry_id,
                    f"its hash differs from the one {source} recorded (the entry "
                    "was changed and the chain recomputed from it)",
                    source,
                )
        elif not bound:
            walk.unbound += 1
        for anchor in heads_for(seq, ()):
            if anchor.hash != stored:
                return walk.verdict(
                    seq,
                    entry_id,
                    f"the chain up to here differs from the head {anchor.source} "
                    "recorded (this entry or one before it was changed)",
                    anchor.source,
                )
        walk.last = (entry_id, seq, walk.prev_hash)
        walk.checked, walk.prev_hash, expected_seq = walk.checked + 1, stored, expected_seq + 1
    beyond = [anchor for anchor in walk.anchors if anchor.seq >= expected_seq]
    beyond += [Anchor(seq, digest, source) for seq, (_, digest, source) in walk.recorded.items() if seq >= expected_seq]
    if beyond:
        anchor = min(beyond, key=lambda a: a.seq)
        missing_id = walk.recorded.get(expected_seq, (None,))[0]
        problem = (
            f"the ledger ends at position {expected_seq - 1}, but {anchor.source} recorded position "
            f"{anchor.seq}: the entries from position {expected_seq} on are missing"
        )
        return walk.verdict(expected_seq, missing_id, problem, anchor.source)
    notes: tuple[str, ...] = ()
    if walk.unbound:
        notes = (
            f"{walk.unbound} entries chained before ids were hashed are not yet bound to their ids by a "
            "checkpoint: run `recognition ledger checkpoint`.",
        )
    return Verdict(True, walk.checked, expected_seq - 1, walk.prev_hash, anchors_checked=len(walk.anchors), notes=notes)
