"""An entry's canonical encoding as the database writes it: what ``ledger verify``
reads instead of the columns, since encoding in SQL costs less than reading the columns
into Python and encoding them there. Held to ``chain.canonical`` byte for byte (and the
verdicts to the walk entry by entry) by the property tests in
tests/ledger/test_verify_runs.py."""

from __future__ import annotations

import json
from collections.abc import Iterable

from . import chain, models, rules


def sql(dialect: str) -> str:
    """An entry's canonical encoding (``chain.canonical(entry.hashed_fields())``) as a
    SQL expression, or NULL where the database cannot be sure to write the same bytes as
    Python would: a date or timestamp not in the form the app stores (a year before 1000,
    text someone else wrote into SQLite). ``verify`` then reads that run again and
    encodes it in Python (``chain.Encoder``), which decides. (A timestamp with an offset
    someone wrote into SQLite is the one odd value written, as no entry's encoding; on
    PostgreSQL a previous hash that is no hash is written as it is, which no run taken
    whole can hold.)"""
    if dialect == "sqlite":
        return _sqlite_payload()
    return _postgresql_payload()


# A date as SQLAlchemy stores it in SQLite, and a timestamp from year 1000 on with any
# character between date and time. Python reads them back with ``fromisoformat``,
# which takes nothing but digits where these take any character: what it reads in these
# shapes it writes back the same, but for an offset in the last six places ("….000+01"),
# which is then written with its "+" (no entry's encoding has one). Every entry goes
# through it: ``GLOB`` with ``?`` costs SQLite no more than ``LIKE`` with ``_`` (digit
# classes would cost twice as much); the one class is the year from 1000 on, which a
# year written with any other first character is not (Python could not read it).
_SQLITE_SHAPES = "occurred_on GLOB '????-??-??' AND recorded_at GLOB '[1-9]???-??-?????:??:??.??????'"


def _sqlite_payload() -> str:
    """SQLite's ``json_object`` escapes text as ``json.dumps(ensure_ascii=False)`` does
    (the property tests hold it to that); it cannot leave a key out, so there is one per
    shape: with or without an accreditation, with or without the id hashed. A date or
    timestamp that is not a real day or time is left for Python to refuse, as it would."""
    values = {key: key for key in chain.STORED}
    values["recorded_at"] = "substr(recorded_at, 1, 10) || 'T' || substr(recorded_at, 12) || 'Z'"

    def shape(accredited: bool, bound: bool) -> str:
        keys = [key for key in chain.STORED if (accredited or key != "accreditation")]
        keys = [key for key in keys if bound or key not in ("chain_version", "id")]
        return "json_object(" + ", ".join(f"'{key}', {values[key]}" for key in keys) + ")"

    return (
        f"CASE WHEN {_SQLITE_SHAPES} THEN "
        # As a blob: the bytes to hash, not text to decode and encode again.
        "CAST(CASE WHEN chain_version IS NULL THEN "
        f"CASE WHEN accreditation IS NULL THEN {shape(False, False)} ELSE {shape(True, False)} END "
        f"ELSE CASE WHEN accreditation IS NULL THEN {shape(False, True)} ELSE {shape(True, True)} END END AS BLOB) END"
    )


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
