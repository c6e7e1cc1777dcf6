"""An entry's canonical encoding as the database writes it: what ``ledger verify``
reads instead of the columns, since encoding in SQL costs less than reading the columns
into Python and encoding them there. Held to ``chain.canonical`` byte for byte (and the
verdicts to the walk entry by entry) by the property tests in
tests/ledger/test_verify_runs.py."""

from __future__ import annotations

import json
from collections.abc import Iterable

from . import chain, models, rules


def sql(dialect: str, checked: bool = True) -> str:
    """An entry's canonical encoding (``chain.canonical(entry.hashed_fields())``) as a
    SQL expression, or NULL where the database cannot be sure to write the same bytes as
    Python would: a date or timestamp not in the form the app stores or on no real day
    (a year before 1000, text someone else wrote into SQLite), a real number in a column
    of integers. ``verify`` then reads that run again and encodes it in Python
    (``chain.Encoder``), which decides. (On PostgreSQL a previous hash that is no hash is
    written as it is, which no run taken whole can hold.)

    On SQLite, ``checked=False`` leaves out the check of each entry: for a ledger whose
    index (``SQLITE_INDEX``) lists the entries that fail it, which ``runs.packed`` reads
    once instead."""
    if dialect == "sqlite":
        return _sqlite_payload(checked)
    return _postgresql_payload()


# What SQLite writes only where Python writes the same (``service.encoder_for`` reads a
# timestamp as SQLAlchemy does): a timestamp from year 1000 on, as the app stores it (a
# space between date and time, six digits of microseconds), on a real day.
# ``date(…, '+0 days')`` writes the day it reads in this form, a day past the end of its
# month moved into the next one, so it gives the text back only for a real day; it reads
# the digits and the ranges of the time too (an hour of 24 moves the day). The last of six
# places is a digit, so they are all digits (what else SQLite reads there, a "Z" or
# spaces, ends the text); the text and microseconds of 23:59:59.9995 on are rounded into
# the next day, and such an entry is left to Python. ``GLOB`` with ``?`` costs SQLite less
# than digit classes.
_SQLITE_TIMESTAMP = (
    "recorded_at GLOB '[1-9]???-??-?? ??:??:??.?????[0-9]' "
    "AND date(recorded_at, '+0 days') = substr(recorded_at, 1, 10) "
    # ``GLOB`` and ``date`` stop reading at a NUL character, which ``replace`` keeps with what
    # follows it, and which Python's reading of the timestamp drops: only the 26 bytes
    # of the form are taken.
    "AND length(CAST(recorded_at AS BLOB)) = 26"
)
# The date an entry occurred on is written as it is stored, which is as Python writes it
# (``date.fromisoformat``, then ``isoformat``) only when ``date`` writes the same text:
# always a year, month and day of four, two and two digits, and a real day. The
# comparison takes every byte, a NUL and what follows it too, whatever collation the
# column was given (RTRIM would pass trailing spaces, which ``date`` reads past). Python
# reads no year 0 and none before it, which ``date`` writes with a minus; the year is
# compared as text (the column's affinity would make '0001' the number 1, less than any text).
_SQLITE_DATE = "date(occurred_on, '+0 days') = occurred_on COLLATE BINARY AND substr(occurred_on, 1, 4) > '0000'"
# A column of integers may hold a real (SQLite keeps what its affinity cannot turn into
# an integer), which SQLite writes in its own way (1.0e+20 where Python writes 1e+20):
# any real makes the sum real. Text (any but a number) counts as 0, and ``json_object``
# writes it as Python writes a string; a missing value makes the sum NULL.
_SQLITE_INTEGERS = (
    "typeof(coalesce(chain_version, 0) + coalesce(id, 0) + coalesce(mentorship_id, 0) + minutes "
    "+ person_id + recorded_by_id + seq + coalesce(target_id, 0)) = 'integer'"
)

# Whether SQLite writes an entry as Python does (a NULL, where a value it checks is
# missing, counts as not).
SQLITE_AS_PYTHON = f"{_SQLITE_DATE} AND {_SQLITE_TIMESTAMP} AND {_SQLITE_INTEGERS}"
# The entries SQLite would write otherwise than Python, kept by SQLite in a partial index
# as they are written (by the app or anyone else: SQLite keeps an index on every write),
# so that ``verify`` reads their positions once, from an index that is empty in a ledger
# the app wrote, instead of checking each entry it reads (a third of what SQLite spends
# writing an entry). Built by migration 0028; ``runs.packed`` uses it only when its
# stored definition is this one, word for word.
SQLITE_INDEX = "ix_ledger_entries_left_to_python"
SQLITE_LEFT_TO_PYTHON = f"({SQLITE_AS_PYTHON}) IS NOT 1"
SQLITE_INDEX_SQL = f"CREATE INDEX {SQLITE_INDEX} ON ledger_entries (seq) WHERE {SQLITE_LEFT_TO_PYTHON}"


def _sqlite_payload(checked: bool = True) -> str:
    """SQLite's ``json_object`` escapes text as ``json.dumps(ensure_ascii=False)`` does
    (the property tests hold it to that); it cannot leave a key out, so there is one per
    shape: with or without an accreditation, with or without the id hashed. It costs
    SQLite less than joining the parts with ``||`` or ``printf`` (each ``||`` copies what
    it joins), so it writes every entry. Anything SQLite might write otherwise than
    Python is left to Python (NULL): a date or timestamp not as the app stores it or on
    no real day, a real number where an integer belongs (unless ``checked`` is False)."""
    values = {key: key for key in chain.STORED}
    values["recorded_at"] = "replace(recorded_at, ' ', 'T') || 'Z'"  # one space (``_SQLITE_TIMESTAMP``)

    def shape(accredited: bool, bound: bool) -> str:
        keys = [key for key in chain.STORED if (accredited or key != "accreditation")]
        keys = [key for key in keys if bound or key not in ("chain_version", "id")]
        return "json_object(" + ", ".join(f"'{key}', {values[key]}" for key in keys) + ")"

    written = (
        # As a blob: the bytes to hash, not text to decode and encode again.
        "CAST(CASE WHEN chain_version IS NULL THEN "
        f"CASE WHEN accreditation IS NULL THEN {shape(False, False)} ELSE {shape(True, False)} END "
        f"ELSE CASE WHEN accreditation IS NULL THEN {shape(False, True)} ELSE {shape(True, True)} END END AS BLOB)"
    )
    return f"CASE WHEN {SQLITE_AS_PYTHON} THEN {written} END" if checked else written


def _postgresql_payload() -> str:
    """PostgreSQL's ``to_json`` escapes text as ``json.dumps(ensure_ascii=False)`` does;
    dates and timestamps are written only in the years ``chain.canonical`` writes the
    same way (a timestamp's year has four digits from 1000 on; no year before Christ).

    ``to_json`` costs the server as much as the rest of an entry together, so it is
    spared where the bytes are known without it: an entry type or kind the app writes is
    written as the constant it encodes to, and the previous hash as it is. A previous
    hash that would need escaping is written wrong, but never taken: a run is taken whole
    only when every entry's previous hash is the hash of the entry before, made by
    ``hashlib`` (64 hexadecimal digits), and otherwise walked entry by entry in Python."""
    text = "coalesce(to_json({0})::text, 'null')"
    number = "coalesce({0}::text, 'null')"
    values = {key: text.format(key) for key in ("accreditation", "note", "reason")} | {
        key: number.format(key)
        for key in (
            "chain_version",
            "id",
            "mentorship_id",
            "minutes",
            "person_id",
            "recorded_by_id",
            "seq",
            "target_id",
        )
    }
    values["entry_type"] = _known("entry_type", models.ENTRY_TYPES, text)
    values["kind"] = _known("kind", rules.KINDS, text)
    values["prev_hash"] = "'\"' || prev_hash || '\"'"  # NULL when it is: then so is the whole
    values["occurred_on"] = "'\"' || to_char(occurred_on, 'YYYY-MM-DD') || '\"'"
    values["recorded_at"] = "'\"' || to_char(recorded_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '\"'"
    parts = []
    for key in chain.STORED:
        item = f"'\"{key}\":' || {values[key]}"
        if key == "accreditation":
            parts.append(f"CASE WHEN accreditation IS NULL THEN '' ELSE {item} || ',' END")
        elif key in ("chain_version", "id"):
            parts.append(f"CASE WHEN chain_version IS NULL THEN '' ELSE {item} || ',' END")
        else:
            parts.append(f"{item} || ','" if key != chain.STORED[-1] else item)
    return (
        "CASE WHEN occurred_on BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' "
        "AND recorded_at >= TIMESTAMP '1000-01-01' AND recorded_at < TIMESTAMP '10000-01-01' "
        "THEN '{' || " + " || ".join(parts) + " || '}' END"
    )


def _known(column: str, known: Iterable[str], otherwise: str) -> str:
    """``column`` JSON-encoded: a value in ``known`` as the constant it encodes to, any other
    value as ``otherwise`` encodes it."""
    cases = " ".join(f"WHEN '{value}' THEN '{json.dumps(value)}'" for value in known if _plain(value))
    return f"CASE {column} {cases} ELSE {otherwise.format(column)} END"


def _plain(value: str) -> bool:
    """Whether ``value`` may stand in SQL and JSON between quotes as it is."""
    return value.isascii() and value.replace("_", "").isalnum()
