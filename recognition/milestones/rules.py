"""Milestone rules: pure functions, tested as tables."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from ..clock import add_years

# The fields a milestone's ledger entry fingerprints (everything but its own id and the
# entry it points to, which are assigned when it is written).
FINGERPRINTED = ("person_id", "kind", "occurred_on", "outcome", "rank", "title", "agency", "role", "year", "note",
                 "source", "corrects_id", "recorded_by_id")
NOTE_PREFIX = "milestone sha256:"


def fingerprint(fields: dict) -> str:
    """The note of a milestone's ledger entry: the SHA-256 of its fields as canonical JSON.
    ``fields`` holds at least ``FINGERPRINTED`` (dates as dates or ISO strings)."""
    data = {name: (value.isoformat() if isinstance(value, date) else value)
            for name, value in ((name, fields.get(name)) for name in FINGERPRINTED)}
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return NOTE_PREFIX + hashlib.sha256(body).hexdigest()


def cfar_due(appointed_on: date | None, cfars: list[tuple[date, str]], years: int, extension_years: int) -> date | None:
    """When the person's CFAR is due, or None when it is not (passed, or no appointment date
    to count from). ``cfars`` are the recorded CFAR outcomes (day, "passed"/"extended") that
    stand. A computed date is only ever "due": a CFAR is reached when it is recorded.

    No CFAR recorded: ``years`` after the appointment. Latest recorded is "extended": the
    re-review falls ``extension_years`` after it. Latest recorded is "passed": none due.
    """
    if cfars:
        day, outcome = max(cfars)
        if outcome == "passed":
            return None
        return add_years(day, extension_years)
    if appointed_on is None:
        return None
    return add_years(appointed_on, years)
