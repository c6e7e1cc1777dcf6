"""The hash chain, as pure functions: canonical encoding, entry hashes, verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

GENESIS = "0" * 64


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
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def entry_hash(fields: Mapping) -> str:
    """SHA-256 over the entry's canonical encoding, which includes the previous hash."""
    return hashlib.sha256(canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Verdict:
    valid: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str | None = None


def verify(rows: Iterable[tuple[int, Mapping, str]]) -> Verdict:
    """Walk ``(id, hashed_fields, stored_hash)`` in chain order; stop at the first entry
    whose position, link or hash is wrong."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for entry_id, fields, stored in rows:
        problem = None
        if fields["seq"] != expected_seq:
            problem = f"expected position {expected_seq}, found {fields['seq']} (an entry is missing or moved)"
        elif fields["prev_hash"] != expected_prev:
            problem = "its link to the previous entry does not match"
        elif entry_hash(fields) != stored:
            problem = "its contents do not match its hash (the entry was changed)"
        if problem:
            return Verdict(False, checked, expected_seq - 1, expected_prev, fields["seq"], entry_id, problem)
        checked += 1
        expected_prev, expected_seq = stored, expected_seq + 1
    return Verdict(True, checked, expected_seq - 1, expected_prev)
