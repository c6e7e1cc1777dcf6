"""``ledger verify`` reads each entry's canonical encoding as the database writes it and
takes runs of entries whole (``chain.verify_runs``). Held here to two promises:

- the database writes, for any entry the app can store, the very bytes ``chain.canonical``
  writes (every stored hash stays valid), and for a stored value the app would not write
  something that is no entry's encoding, so Python's encoding decides;
- the verdict is ``chain.verify``'s, entry by entry, whatever was done to the chain and
  wherever the runs begin and end."""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, create_engine, insert, text

from recognition.ledger import chain, payloads, runs, service
from recognition.ledger.models import LedgerEntry
from tests.conftest import fresh_database, selected_backends

from .test_chain import an_entry, chained, entry_fields

# The probe table has the ledger's column types (so values are stored as the app stores
# them) without its constraints, which would refuse most arbitrary entries.
PROBE = LedgerEntry.__table__.to_metadata(MetaData(), name="probe")
# The same, as a temporary table of the ledger's name stands in for the ledger.
LEDGER = LedgerEntry.__table__.to_metadata(MetaData())


@contextmanager
def connected(request, backend: str, folder):
    """A connection to a new migrated database with an empty temporary table ``probe``
    shaped like ``ledger_entries``."""
    with fresh_database(request, backend, folder) as url:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                if backend == "sqlite":  # the declared types keep each column's affinity
                    connection.execute(text("CREATE TEMP TABLE probe AS SELECT * FROM ledger_entries WHERE 0"))
                else:
                    connection.execute(text("CREATE TEMP TABLE probe (LIKE ledger_entries)"))
                yield connection
                connection.rollback()
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=selected_backends())
def probe(request, tmp_path_factory):
    """(backend, connection): see ``connected``."""
    with connected(request, request.param, tmp_path_factory.mktemp(f"runs-{request.param}")) as connection:
        yield request.param, connection


@pytest.fixture(scope="module", params=[backend for backend in selected_backends() if backend == "sqlite"])
def sqlite_probe(request, tmp_path_factory):
    """Only SQLite keeps dates and timestamps as text of any shape."""
    with connected(request, request.param, tmp_path_factory.mktemp("runs-stored")) as connection:
        yield connection


def texts(backend: str):
    # PostgreSQL cannot store NUL in text; surrogates no database stores.
    blacklist = ("Cs", "\x00") if backend == "postgresql" else ("Cs",)
    return st.text(
        st.one_of(
            st.characters(blacklist_categories=blacklist[:1], blacklist_characters=blacklist[1:]),
            st.sampled_from('"\\/\x01\x08\x09\x0a\x0c\x0d\x1f\x7f\x80\u2028\u2029\ufeff🎓é'),
        )
    )


def entries(backend: str):
    int4, int2 = st.integers(-(2**31), 2**31 - 1), st.integers(-(2**15), 2**15 - 1)
    if backend == "sqlite":  # a column of integers holds whatever it is given
        int4 = int2 = st.one_of(
            int4,
            int4,
            st.integers(-(2**63), 2**63 - 1),
            st.floats(allow_nan=False),
            texts(backend),
            st.none(),
        )
    return st.fixed_dictionaries(
        {
            "accreditation": st.none() | texts(backend).map(lambda value: value[:200]),
            "chain_version": st.none() | st.just(chain.CHAIN_VERSION) | int2,
            "entry_type": texts(backend).map(lambda value: value[:20]),
            "id": int4,
            "kind": st.none() | texts(backend).map(lambda value: value[:40]),
            "mentorship_id": st.none() | int4,
            "minutes": int4,
            "note": texts(backend),
            "occurred_on": st.dates(),
            "person_id": int4,
            "prev_hash": hashes | texts(backend).map(lambda value: value[:64]),
            "reason": st.none() | texts(backend),
            "recorded_at": st.datetimes(),
            "recorded_by_id": int4,
            "seq": int4,
            "target_id": st.none() | int4,
        }
    )


hashes = st.binary(min_size=32, max_size=32).map(bytes.hex)


def written_by_the_database(connection, backend: str, entry: dict) -> bytes:
    connection.execute(text("DELETE FROM probe"))
    connection.execute(insert(PROBE).values(**entry, entry_hash="h"))
    payload = connection.execute(text(f"SELECT {payloads.sql(backend)} FROM probe")).scalar_one()
    return payload.encode() if isinstance(payload, str) else payload


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_the_database_writes_the_canonical_bytes_of_any_entry(probe, data):
    backend, connection = probe
    entry = data.draw(entries(backend))

    written = written_by_the_database(connection, backend, entry)

    if backend == "sqlite":  # the same bytes as Python's encoding of what is stored, or none
        stored = connection.execute(text(f"SELECT {', '.join(chain.STORED)} FROM probe")).one()
        try:
            exact = service.encoder_for(connection.dialect)(tuple(stored))
        except (TypeError, ValueError):  # Python cannot read it: neither may the database write it
            exact = None
        assert written is None or written == exact
        # Where the ledger's index lists the entries SQLite would write otherwise, the
        # rest are written unchecked: as Python writes them, every one of them.
        left, unchecked = connection.execute(
            text(f"SELECT {payloads.SQLITE_LEFT_TO_PYTHON}, {payloads.sql('sqlite', checked=False)} FROM probe")
        ).one()
        assert bool(left) == (written is None)
        assert left or unchecked == exact
    if not as_the_app_stores_it(entry):
        return
    assert written == canonical_as_written(backend, entry)


def as_the_app_stores_it(entry: dict) -> bool:
    """Whether the database writes ``entry``'s encoding itself: integers where the app
    writes them (in range), and a timestamp from year 1000 on (``canonical`` writes an
    earlier year with fewer than four digits), before 23:59:59.999 (SQLite rounds what
    follows into the next day when it checks the day)."""
    integers = ("chain_version", "id", "mentorship_id", "minutes", "person_id", "recorded_by_id", "seq", "target_id")
    nullable = ("chain_version", "mentorship_id", "target_id")
    return (
        all(
            (type(entry[key]) is int and -(2**31) <= entry[key] < 2**31) or (entry[key] is None and key in nullable)
            for key in integers
        )
        and entry["recorded_at"].year >= 1000
        and entry["recorded_at"].time() < time(23, 59, 59, 999000)
    )


def canonical_as_written(backend: str, entry: dict) -> bytes:
    """``chain.canonical`` of ``entry``, but for a previous hash that is no hash, which
    PostgreSQL writes as it is (no run with such a link is taken whole: see below)."""
    if backend == "sqlite" or re.fullmatch("[0-9a-f]{64}", entry["prev_hash"]):
        return chain.canonical(chain.hashed(entry))
    placeholder = '"prev_hash":"' + "f" * 64 + '"'
    written = chain.canonical(chain.hashed({**entry, "prev_hash": "f" * 64}))
    return written.replace(placeholder.encode(), f'"prev_hash":"{entry["prev_hash"]}"'.encode())


@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None
)
@given(link=st.none() | hashes | st.text(min_size=1, max_size=64), note=st.text(max_size=20))
def test_an_entry_hashed_as_the_database_writes_it_gets_the_verdict_of_the_walk(probe, link, note):
    """Whatever the database writes for a link (and hashed, by someone who rewrote the
    entry, as it is written), the runs give the verdict of the walk entry by entry."""
    backend, connection = probe
    link, note = link and link.replace("\x00", ""), note.replace("\x00", "")  # PostgreSQL stores no NUL
    first = {**an_entry(), "id": 1, "chain_version": 2, "accreditation": None}
    first_hash = chain.entry_hash(chain.hashed(first))
    second = {**an_entry(note=note), "id": 2, "seq": 2, "chain_version": 2, "accreditation": None}
    second["prev_hash"] = first_hash if link is None else link
    # A temporary table of the same name stands in for the ledger, without its guards.
    like = "AS SELECT * FROM main.ledger_entries WHERE 0" if backend == "sqlite" else "(LIKE public.ledger_entries)"
    connection.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS ledger_entries {like}"))
    connection.execute(text("DELETE FROM ledger_entries"))
    for entry, digest in ((first, first_hash), (second, "unknown yet")):
        connection.execute(insert(LEDGER).values(**entry, entry_hash=digest))
    written = connection.execute(text(f"SELECT {payloads.sql(backend)} FROM ledger_entries WHERE seq = 2")).scalar()
    written = written.encode() if isinstance(written, str) else written
    connection.execute(
        text("UPDATE ledger_entries SET entry_hash = :h WHERE seq = 2"), {"h": hashlib.sha256(written).hexdigest()}
    )

    verdict = chain.verify_runs(service.stored_runs(connection=connection))

    assert verdict == chain.verify(service.stored_chain(connection=connection))
    assert verdict.valid == (link is None or link == first_hash)


def test_a_known_entry_is_written_as_it_always_has_been(probe):
    backend, connection = probe
    entry = {**an_entry(note='Plan "B" \\ é\n'), "id": 7, "chain_version": 2, "accreditation": "CME 1.5"}

    written = written_by_the_database(connection, backend, entry)

    assert (
        written
        == (
            '{"accreditation":"CME 1.5","chain_version":2,"entry_type":"contribution","id":7,"kind":"meeting",'
            '"mentorship_id":7,"minutes":45,"note":"Plan \\"B\\" \\\\ é\\n","occurred_on":"2025-03-01","person_id":3,'
            f'"prev_hash":"{chain.GENESIS}","reason":null,"recorded_at":"2025-03-02T09:30:05.000120Z",'
            '"recorded_by_id":3,"seq":1,"target_id":null}'
        ).encode()
    )


# Timestamps and dates as SQLite may hold them: as SQLAlchemy stored them, or as other
# text someone wrote there.
stored_timestamps = st.one_of(
    st.datetimes(datetime(1000, 1, 1)).map(lambda value: value.isoformat(" ", "microseconds")),
    st.tuples(st.datetimes(), st.characters(blacklist_categories=("Cs",))).map(
        lambda pair: pair[0].isoformat(pair[1], "microseconds")
    ),
    st.datetimes().map(lambda value: value.isoformat(" ", "seconds")),
    st.sampled_from(
        [
            "2025-06-15 25:00:00.000000",
            "2025-06-15 24:00:00.000000",
            "2025-06-15 23:59:60.000000",
            "2025-02-30 12:00:00.000000",
            "2023-02-29 12:00:00.000000",
            "2024-02-29 23:59:59.999999",
            "2025-06-15 12:00:00.00000Z",
            "2025-06-15 12:00:00.0 000",
            "2025-06-15 12:00:00.1e+01",
            "2025-06-15 1a:00:00.000000",
            "0999-01-01 00:00:00.000000",
            "2025-06-15 12:00:00.000+01",
            "2025-06-15 12:00:00,000000",
            "2025-06-15 12:00:00.0000000",
        ]
    ),
)
stored_dates = st.one_of(
    st.dates().map(date.isoformat),
    st.dates().map(lambda value: f"{value.year}-{value.month}-{value.day}"),
    st.sampled_from(
        ["2025-02-30", "2023-02-29", "2024-02-29", "2025-04-31", "0000-01-01", "0001-01-01", "2025-13-01"]
        + ["-0001-01-01", "0999-12-31", "2025-03-01\x00", "2025-03-01\x00x"]
        + ["2025-W01-1", "20250301", "2025-03-1x", "2025-03-01 "]
    ),
)


def ledger_in_temp(connection, indexed: bool, collation: str | None = None) -> None:
    """A temporary table of the ledger's name stands in for it, empty, without its guards;
    ``indexed``: with the index of the entries SQLite would write otherwise than Python,
    as migration 0028 builds it on the ledger (``runs.left_to_python``); ``collation``:
    the one someone rebuilding the table gave its date column (else none)."""
    existing = connection.execute(
        text("SELECT sql FROM temp.sqlite_master WHERE type = 'table' AND name = 'ledger_entries'")
    ).scalar()
    if existing is not None and (collation is not None or "COLLATE" in existing):
        connection.execute(text("DROP TABLE temp.ledger_entries"))
    if collation is not None:
        columns = ", ".join(
            f"{column.name} {column.type.compile(connection.dialect)}"
            + (f" COLLATE {collation}" if column.name == "occurred_on" else "")
            for column in LEDGER.columns
        )
        connection.execute(text(f"CREATE TEMP TABLE ledger_entries ({columns})"))
    connection.execute(
        text("CREATE TEMP TABLE IF NOT EXISTS ledger_entries AS SELECT * FROM main.ledger_entries WHERE 0")
    )
    connection.execute(text("DELETE FROM ledger_entries"))
    connection.execute(text(f"DROP INDEX IF EXISTS temp.{payloads.SQLITE_INDEX}"))
    if indexed:
        connection.execute(text(payloads.SQLITE_INDEX_SQL))
    raw = connection.connection.dbapi_connection
    assert (runs.left_to_python(raw) is not None) == indexed


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(recorded_at=stored_timestamps, occurred_on=stored_dates, indexed=st.booleans(), as_sqlite=st.booleans())
def test_values_stored_in_any_shape_verify_as_python_reads_them(
    sqlite_probe, recorded_at, occurred_on, indexed, as_sqlite
):
    """An entry whose hash was made from its values as SQLAlchemy reads them verifies,
    whatever shape SQLite holds them in; one SQLAlchemy cannot read is named as changed
    (not a traceback). The database writes the same bytes as Python, or nothing (Python
    encodes it; with the ledger's index, it lists the entry): so no changed entry can pass
    for one the app wrote, even hashed over the bytes SQLite writes unchecked
    (``as_sqlite``), and an entry the app cannot read is named whatever its stored hash."""
    connection = sqlite_probe
    values = {**an_entry(), "id": 1, "chain_version": 2, "accreditation": None, "entry_hash": "unknown yet"}
    values |= {"occurred_on": occurred_on, "recorded_at": recorded_at}
    ledger_in_temp(connection, indexed)
    connection.execute(text(f"INSERT INTO ledger_entries ({', '.join(values)}) VALUES (:{', :'.join(values)})"), values)
    stored = connection.execute(text(f"SELECT {', '.join(chain.STORED)} FROM ledger_entries")).one()
    try:
        exact = service.encoder_for(connection.dialect)(tuple(stored))
    except (TypeError, ValueError):  # SQLAlchemy cannot read it
        exact = None
    written, unchecked = connection.execute(
        text(f"SELECT {payloads.sql('sqlite')}, {payloads.sql('sqlite', checked=False)} FROM ledger_entries")
    ).one()
    # As whoever stored it would hash it: as the app reads it, or as SQLite writes it.
    hashed = exact if exact is not None and not as_sqlite else unchecked
    connection.execute(text("UPDATE ledger_entries SET entry_hash = :h"), {"h": hashlib.sha256(hashed).hexdigest()})

    verdict = chain.verify_runs(service.stored_runs(connection=connection))

    assert written is None or written == exact
    left = runs.left_to_python(connection.connection.dbapi_connection)
    assert left is None or left == [1] or unchecked == exact
    assert verdict == chain.verify(service.stored_chain(connection=connection))
    assert verdict.valid == (exact is not None and hashed == exact)
    if exact is None:
        assert verdict.first_bad_seq == 1
        assert "its stored values cannot be read" in (verdict.problem or "")


NOTHING = hashlib.sha256(b"").hexdigest()
# What SQLite may hold in place of an entry the app wrote, and how (a statement on the row
# at the position chosen).
STORED_TAMPERING: dict[str, str | tuple[str, ...] | None] = {
    "none": None,
    "deleted": "DELETE FROM ledger_entries WHERE seq = :seq",
    "twice at its position": "INSERT INTO ledger_entries SELECT * FROM ledger_entries WHERE seq = :seq",
    "no position": "UPDATE ledger_entries SET seq = NULL WHERE seq = :seq",
    "position 0": "UPDATE ledger_entries SET seq = 0 WHERE seq = :seq",
    "position as text": "UPDATE ledger_entries SET seq = 'x' || seq WHERE seq = :seq",
    "between positions": "UPDATE ledger_entries SET seq = seq + 0.5 WHERE seq = :seq",
    "far position": "UPDATE ledger_entries SET seq = seq + 1000 WHERE seq = :seq",
    "no id": "UPDATE ledger_entries SET id = NULL WHERE seq = :seq",
    "id as text": "UPDATE ledger_entries SET id = 'x' || id WHERE seq = :seq",
    "no link": "UPDATE ledger_entries SET prev_hash = NULL WHERE seq = :seq",
    "no hash": "UPDATE ledger_entries SET entry_hash = NULL WHERE seq = :seq",
    "comma in the hash": "UPDATE ledger_entries SET entry_hash = substr(entry_hash, 1, 31) || ',' WHERE seq = :seq",
    "line break in the note": "UPDATE ledger_entries SET note = note || char(10) WHERE seq = :seq",
    # Read by SQLAlchemy as it reads a space: hashed (and linked to) as the database writes it.
    "another separator, hashed as written": (
        "UPDATE ledger_entries SET recorded_at = replace(recorded_at, ' ', 'x') WHERE seq = :seq",
        "UPDATE ledger_entries SET entry_hash = :written WHERE seq = :seq",
        "UPDATE ledger_entries SET prev_hash = :written WHERE seq = :seq + 1",
    ),
    # Not a real day, or not an integer: left to Python by the database, which must not
    # take a run with it however the entry was hashed.
    "no real day, hashed as written": (
        "UPDATE ledger_entries SET recorded_at = '2025-02-30 10:00:00.000000' WHERE seq = :seq",
        "UPDATE ledger_entries SET entry_hash = :written WHERE seq = :seq",
        "UPDATE ledger_entries SET prev_hash = :written WHERE seq = :seq + 1",
    ),
    "occurred on no real day, hashed as written": (
        "UPDATE ledger_entries SET occurred_on = '2023-02-29' WHERE seq = :seq",
        "UPDATE ledger_entries SET entry_hash = :written WHERE seq = :seq",
        "UPDATE ledger_entries SET prev_hash = :written WHERE seq = :seq + 1",
    ),
    "minutes as a real, hashed as written": (
        "UPDATE ledger_entries SET minutes = 0.1 + 0.2 WHERE seq = :seq",
        "UPDATE ledger_entries SET entry_hash = :written WHERE seq = :seq",
        "UPDATE ledger_entries SET prev_hash = :written WHERE seq = :seq + 1",
    ),
    # SQLite's json_object refuses a blob: the run is walked, and Python names the entry.
    "bytes in the note": "UPDATE ledger_entries SET note = CAST(note AS BLOB) WHERE seq = :seq",
    # Text that is not UTF-8, which json_object copies as stored: walked, and named.
    **{
        f"not UTF-8 in the {column}, hashed as written": (
            f"UPDATE ledger_entries SET {column} = CAST(x'ff41' AS TEXT) WHERE seq = :seq",
            "UPDATE ledger_entries SET entry_hash = :written WHERE seq = :seq",
            "UPDATE ledger_entries SET prev_hash = :written WHERE seq = :seq + 1",
        )
        for column in ("note", "kind", "minutes", "occurred_on")
    },
    "not UTF-8 in the hash": "UPDATE ledger_entries SET entry_hash = CAST(x'c0af' AS TEXT) WHERE seq = :seq",
    # Where GLOB and date() stop reading: only the timestamp's 26 bytes are written.
    "a NUL and more after the timestamp, hashed as written": (
        "UPDATE ledger_entries SET recorded_at = recorded_at || char(0) || 'later' WHERE seq = :seq",
        "UPDATE ledger_entries SET entry_hash = :written WHERE seq = :seq",
        "UPDATE ledger_entries SET prev_hash = :written WHERE seq = :seq + 1",
    ),
    # Left to Python by the database, and hashed (and linked to) as if encoded as nothing.
    "hashed as nothing": (
        f"UPDATE ledger_entries SET recorded_at = '0999-12-31 23:59:59.000001', entry_hash = '{NOTHING}' "
        "WHERE seq = :seq",
        f"UPDATE ledger_entries SET prev_hash = '{NOTHING}' WHERE seq = :seq + 1",
    ),
}


@pytest.mark.parametrize("indexed", [False, True], ids=["checked", "indexed"])
@pytest.mark.parametrize("where", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("action", sorted(STORED_TAMPERING))
def test_runs_packed_by_sqlite_give_the_verdict_of_the_walk(sqlite_probe, action, where, indexed):
    """Each run of positions read as one row (``runs.packed``): every entry stored is in
    exactly one run or walked, in chain order, whatever is stored at a position (none,
    two entries, one that is not a position), first or last in a run, first or last in
    the chain; each entry checked as it is read, or listed by the ledger's index."""
    assert_packed_runs_give_the_walks_verdict(sqlite_probe, 5, action, where, 2, None, indexed)


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None
)
@given(
    count=st.integers(0, 7),
    action=st.sampled_from(sorted(STORED_TAMPERING)),
    where=st.integers(1, 7),
    size=st.integers(1, 4),
    odd_year_at=st.none() | st.integers(1, 7),
    indexed=st.booleans(),
)
def test_runs_packed_by_sqlite_of_any_size_give_the_verdict_of_the_walk(
    sqlite_probe, count, action, where, size, odd_year_at, indexed
):
    """The same wherever the runs begin and end, with an entry the database leaves to
    Python (a year before 1000) anywhere."""
    assert_packed_runs_give_the_walks_verdict(sqlite_probe, count, action, where, size, odd_year_at, indexed)


def assert_packed_runs_give_the_walks_verdict(
    connection, count, action, where, size, odd_year_at, indexed=False
) -> None:
    ledger_in_temp(connection, indexed)
    prev_hash = chain.GENESIS
    for seq in range(1, count + 1):
        entry = {**an_entry(seq=seq, prev_hash=prev_hash), "id": 10 * seq, "chain_version": 2, "accreditation": None}
        if seq == odd_year_at:  # left to Python by the database
            entry["recorded_at"] = datetime(999, 12, 31, 23, 59, 59, 1)
        prev_hash = chain.entry_hash(chain.hashed(entry))
        connection.execute(insert(LEDGER).values(**entry, entry_hash=prev_hash))
    statements = STORED_TAMPERING[action] or ()
    for statement in (statements,) if isinstance(statements, str) else statements:
        written_hash = None
        if ":written" in statement:  # hashed over the bytes SQLite writes, unchecked
            written = connection.execute(
                text(f"SELECT {payloads.sql('sqlite', checked=False)} FROM ledger_entries WHERE seq = :seq"),
                {"seq": where},
            ).scalar()
            written_hash = hashlib.sha256(written).hexdigest() if written is not None else None
        connection.execute(text(statement), {"seq": where, "written": written_hash})

    verdict = chain.verify_runs(service.stored_runs(batch=size, connection=connection))

    assert verdict == chain.verify(service.stored_chain(connection=connection))


@pytest.mark.parametrize("indexed", [False, True], ids=["checked", "indexed"])
@pytest.mark.parametrize("collation", ["RTRIM"])
def test_a_date_column_rebuilt_with_another_collation_passes_no_date_python_writes_otherwise(
    sqlite_probe, collation, indexed
):
    """Someone rebuilding the ledger may give its date column a collation: RTRIM would
    make a date with trailing spaces equal to the date SQLite reads in it. Such a date
    (which Python does not read) hashed over the bytes SQLite writes gets the walk's
    verdict: changed."""
    connection = sqlite_probe
    ledger_in_temp(connection, indexed, collation)
    try:
        entry = {**an_entry(), "id": 1, "chain_version": 2, "accreditation": None, "occurred_on": "2025-03-01   "}
        connection.execute(
            text(f"INSERT INTO ledger_entries ({', '.join(entry)}, entry_hash) VALUES (:{', :'.join(entry)}, 'h')"),
            entry,
        )
        written = connection.execute(
            text(f"SELECT {payloads.sql('sqlite', checked=False)} FROM ledger_entries")
        ).scalar()
        connection.execute(
            text("UPDATE ledger_entries SET entry_hash = :h"), {"h": hashlib.sha256(written).hexdigest()}
        )

        verdict = chain.verify_runs(service.stored_runs(connection=connection))

        assert verdict == chain.verify(service.stored_chain(connection=connection))
        assert (verdict.valid, verdict.first_bad_seq) == (False, 1)
    finally:
        ledger_in_temp(connection, False)  # the other tests' tables are made without a collation


# The walk: runs against entry by entry --------------------------------------------------


def as_runs(rows: list[tuple[int, dict, str]], sizes: list[int]) -> list[chain.Run]:
    """``rows`` cut into runs of the given sizes (the last one takes the rest), each entry
    written as the database would write its stored values."""
    runs, start = [], 0
    for size in [*sizes, len(rows)]:
        part = rows[start : start + size]
        if not part:
            break
        ids, fields, hashes = zip(*part, strict=True)
        runs.append(
            chain.Run(
                ids,
                tuple(field["seq"] for field in fields),
                tuple(field["prev_hash"] for field in fields),
                hashes,
                tuple(field.get("chain_version") for field in fields),
                [chain.canonical(field) for field in fields],
                lambda part=part: iter(part),
            )
        )
        start += size
    return runs


def as_packed(rows: list[tuple[int, dict, str]], sizes: list[int]) -> list[chain.Packed]:
    """``rows`` cut as ``as_runs`` cuts them, each run packed as SQLite packs the entries
    of a range of positions (``runs.packed``): a missing value written empty."""
    packed, start, first = [], 0, 1
    for size in [*sizes, len(rows)]:
        part = rows[start : start + size]
        if not part:
            break
        ids, fields, hashes = zip(*part, strict=True)
        packed.append(
            chain.Packed(
                len(part),
                first,
                ",".join(str(field["seq"] - first) for field in fields),
                ",".join("" if entry_id is None else str(entry_id) for entry_id in ids),
                ",".join(field["prev_hash"] or "" for field in fields),
                ",".join(stored or "" for stored in hashes),
                sum(field.get("chain_version") is not None for field in fields),
                b"\n".join(chain.canonical(field) for field in fields),
                lambda part=part: iter(part),
            )
        )
        start, first = start + size, first + size
    return packed


tampering = st.sampled_from(
    [
        "none",
        "edit",
        "edit and rehash",
        "delete",
        "swap",
        "id",
        "stored hash",
        # What a run packed into joined text must not take for good:
        "no id",
        "id as text",
        "comma in the stored hash",
        "comma in the link, rehashed",
        "no stored hash",
    ]
)


@given(
    ledger=st.lists(entry_fields, min_size=1, max_size=12),
    bound_from=st.integers(0, 12),
    action=tampering,
    where=st.integers(0, 11),
    checkpoint_at=st.none() | st.integers(1, 12),
    head=st.none() | st.tuples(st.integers(0, 13), st.booleans()),
    then=tampering,
    where_then=st.integers(0, 11),
    sizes=st.lists(st.integers(1, 5), max_size=6),
    packed=st.booleans(),
)
def test_runs_give_the_verdict_of_the_walk_entry_by_entry(
    ledger, bound_from, action, where, then, where_then, checkpoint_at, head, sizes, packed
):
    """Runs as read on PostgreSQL or packed as on SQLite, whatever two things were done
    to the chain."""
    # Entries chained before ids were hashed come first, then those that hash their id.
    ledger = [
        {**fields, "chain_version": chain.CHAIN_VERSION, "id": 1000 + 7 * (index + 1)}
        if index >= bound_from
        else fields
        for index, fields in enumerate(ledger)
    ]
    rows = chained(ledger)
    anchors = []
    if checkpoint_at is not None and checkpoint_at <= len(rows):
        covered = rows[:checkpoint_at]
        anchors.append(
            chain.Anchor(checkpoint_at, covered[-1][2], "checkpoint 1", {f["seq"]: (i, h) for i, f, h in covered})
        )
    if head is not None:
        seq, right = head
        digest = (rows[seq - 1][2] if 0 < seq <= len(rows) else chain.GENESIS) if right else "e" * 64
        anchors.append(chain.Anchor(seq, digest, "the head given"))
    for done, place in ((action, where), (then, where_then)):
        if rows:
            tamper(rows, done, place % len(rows))

    cut = as_packed if packed else as_runs
    assert chain.verify_runs(cut(rows, sizes), anchors) == chain.verify(rows, anchors)


@pytest.mark.parametrize("last_id", [None, "017", 17.0, "x"])
def test_a_packed_run_names_its_last_entry_as_the_walk_does(last_id):
    """The entry before a broken link is named when it was changed and re-hashed; when it
    ends a run taken whole, its id is the one stored, whatever it is."""
    rows = chained([{**an_entry(), "note": f"entry {n}"} for n in range(4)])
    _, fields, _ = rows[1]
    changed = {**fields, "note": "changed"}
    rows[1] = (last_id, changed, chain.entry_hash(changed))

    verdict = chain.verify_runs(as_packed(rows, [2]))

    assert verdict == chain.verify(rows)
    assert (verdict.first_bad_seq, verdict.first_bad_id) == (2, last_id)


def tamper(rows: list, action: str, where: int) -> None:
    entry_id, fields, stored = rows[where]
    if action == "edit":
        rows[where] = (entry_id, {**fields, "minutes": fields["minutes"] + 1}, stored)
    elif action == "edit and rehash":
        changed = {**fields, "note": fields["note"] + "!"}
        rows[where] = (entry_id, changed, chain.entry_hash(changed))
    elif action == "delete":
        del rows[where]
    elif action == "swap" and where + 1 < len(rows):
        rows[where], rows[where + 1] = rows[where + 1], rows[where]
    elif action == "id" and isinstance(entry_id, int):
        rows[where] = (entry_id + 1, fields, stored)
    elif action == "stored hash":
        rows[where] = (entry_id, fields, "0" * 64)
    elif action == "no id":
        rows[where] = (None, fields, stored)
    elif action == "id as text":
        rows[where] = (f"0{entry_id}", fields, stored)
    elif action == "comma in the stored hash" and stored:
        rows[where] = (entry_id, fields, f"{stored[:31]},{stored[32:]}")
    elif action == "comma in the link, rehashed":
        changed = {**fields, "prev_hash": f"{fields['prev_hash'][:31]},{fields['prev_hash'][32:]}"}
        rows[where] = (entry_id, changed, chain.entry_hash(changed))
    elif action == "no stored hash":
        rows[where] = (entry_id, fields, None)


def test_reading_ahead_stops_with_its_reader_and_hands_on_what_went_wrong():
    closed = []

    def numbers():
        try:
            yield from range(100)
        finally:
            closed.append(True)

    read = runs.ahead(numbers())
    assert [next(read), next(read)] == [0, 1]
    read.close()
    assert closed == [True]

    def failing():
        yield 1
        raise ValueError("the server went away")

    with pytest.raises(ValueError, match="the server went away"):
        list(runs.ahead(failing()))


def test_a_run_walked_entry_by_entry_in_the_middle_of_the_ledger_leaves_the_next_runs_to_check(probe):
    """A run the database leaves to Python (a year before 1000) is walked entry by entry
    while the next run is read; the runs after it are still checked."""
    backend, connection = probe
    like = "AS SELECT * FROM main.ledger_entries WHERE 0" if backend == "sqlite" else "(LIKE public.ledger_entries)"
    connection.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS ledger_entries {like}"))
    connection.execute(text("DELETE FROM ledger_entries"))
    prev_hash = chain.GENESIS
    for seq in range(1, 6):
        entry = {**an_entry(seq=seq, prev_hash=prev_hash), "id": seq, "chain_version": 2, "accreditation": None}
        if seq == 2:
            entry["recorded_at"] = datetime(999, 12, 31, 23, 59, 59, 1)
        prev_hash = chain.entry_hash(chain.hashed(entry))
        connection.execute(insert(LEDGER).values(**entry, entry_hash=prev_hash if seq != 4 else "0" * 64))

    verdict = chain.verify_runs(service.stored_runs(batch=1, connection=connection))

    assert verdict == chain.verify(service.stored_chain(connection=connection))
    assert (verdict.valid, verdict.first_bad_seq) == (False, 4)


@pytest.mark.dialect_independent
@pytest.mark.parametrize(
    ("address", "threads"),
    [
        ("sqlite:////srv/ledger.sqlite3", True),
        ("sqlite:///:memory:", False),
        ("sqlite:///file:ledger?mode=memory&uri=true", False),
        ("sqlite:////srv/ledger.sqlite3?check_same_thread=true", False),
        ("sqlite:////srv/ledger.sqlite3?check_same_thread=1", False),
        ("sqlite:////srv/ledger.sqlite3?check_same_thread=false", True),
    ],
)
def test_runs_are_read_ahead_only_where_the_driver_lets_another_thread_read(address, threads):
    """An address that keeps the driver's connection to its thread (in memory, or
    ``check_same_thread``) gets runs read in turn, not a crash in the reading thread."""
    from types import SimpleNamespace

    from sqlalchemy.engine import make_url

    from recognition.ledger import runs

    connection = SimpleNamespace(engine=SimpleNamespace(url=make_url(address)))
    assert runs._threads_allowed(connection) is threads


def test_a_range_sqlite_cannot_write_at_all_is_walked_and_the_chain_still_ends(sqlite_probe, monkeypatch):
    """Should the packed statement fail for every range (a SQLite without its JSON
    functions), each range that holds entries is walked, and the first empty one ends the
    chain, as a range read whole ends it."""
    assert_packed_runs_give_the_walks_verdict(sqlite_probe, 5, "none", 1, 2, None)  # the chain, stored
    monkeypatch.setattr(runs, "PACKED", runs.PACKED.replace("json_object(", "no_such_function("))
    seen = []
    verdict = chain.verify_runs(service.stored_runs(batch=2, connection=sqlite_probe), progress=seen.append)
    assert verdict.valid and verdict.checked == 5
    assert seen == [2, 2, 1]  # each range's entries, as walked
