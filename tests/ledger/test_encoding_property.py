"""The quick encoder that ``ledger verify`` reads the chain with writes, for any stored
values, the very bytes ``chain.canonical`` writes: every stored hash stays valid.

Rows as PostgreSQL's driver returns them (dates and timestamps as objects) and as
SQLite's does (as the text SQLAlchemy stored, or other text someone wrote there), with
any text (quotes, backslashes, control characters, emoji), any integers, missing
optional fields, dates and timestamps from year 1 to 9999, and the odd value of another
type where a column's type was not kept."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from recognition.ledger import chain, models, service
from recognition.ledger.models import LedgerEntry

SQLITE = sqlite.dialect()
COLUMNS = LedgerEntry.__table__.c
STORE_DATE = COLUMNS.occurred_on.type.dialect_impl(SQLITE).bind_processor(SQLITE)
STORE_TIMESTAMP = COLUMNS.recorded_at.type.dialect_impl(SQLITE).bind_processor(SQLITE)
READ_DATE = COLUMNS.occurred_on.type.dialect_impl(SQLITE).result_processor(SQLITE, None)
READ_TIMESTAMP = COLUMNS.recorded_at.type.dialect_impl(SQLITE).result_processor(SQLITE, None)

texts = st.text(
    st.one_of(
        st.characters(),  # any code point but surrogates, which no database stores
        st.sampled_from('"\\/\x00\x01\x08\x09\x0a\x0c\x0d\x1f\x7f\x80\u2028\u2029\ufeff🎓é'),
    )
)
integers = st.integers(min_value=-(2**63), max_value=2**63 - 1)
odd = st.one_of(st.booleans(), st.floats(allow_nan=True, allow_infinity=True), integers, texts)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


rows = st.fixed_dictionaries(
    {
        "accreditation": maybe(texts),
        "chain_version": maybe(st.one_of(st.just(chain.CHAIN_VERSION), integers)),
        "entry_type": st.one_of(st.sampled_from(models.ENTRY_TYPES), texts),
        "id": st.one_of(integers, odd),
        "kind": maybe(texts),
        "mentorship_id": maybe(integers),
        "minutes": st.one_of(st.integers(0, 1440), odd),
        "note": texts,
        "occurred_on": st.dates(),
        "person_id": integers,
        "prev_hash": st.one_of(st.text("0123456789abcdef", min_size=64, max_size=64), texts),
        "reason": maybe(texts),
        "recorded_at": st.datetimes(),
        "recorded_by_id": integers,
        "seq": st.integers(min_value=1, max_value=2**63 - 1),
        "target_id": maybe(integers),
    }
)


def outcome(encode):
    """The bytes, or the kind of error (a value neither way can encode)."""
    try:
        return encode()
    except (TypeError, ValueError) as error:
        return type(error)


def test_the_stored_columns_are_the_hashed_ones_in_canonical_order():
    assert list(chain.STORED) == sorted(chain.STORED)
    assert set(chain.STORED) == set(models.HASHED_COLUMNS)


@given(rows)
def test_rows_as_postgresql_returns_them_encode_to_the_canonical_bytes(row):
    values = tuple(row[key] for key in chain.STORED) + ("stored hash, not encoded",)

    fast = outcome(lambda: chain.Encoder()(values))

    assert fast == outcome(lambda: chain.canonical(chain.hashed(row)))


@given(rows, st.sampled_from(["stored", "seconds", "minutes", "date", "t", "garbled"]))
def test_rows_as_sqlite_returns_them_encode_to_the_canonical_bytes(row, form):
    stored = {**row, "occurred_on": STORE_DATE(row["occurred_on"]), "recorded_at": _timestamp(row["recorded_at"], form)}
    values = tuple(stored[key] for key in chain.STORED)

    def slow():  # what SQLAlchemy reads back, encoded the reference way
        read = {**stored, "occurred_on": READ_DATE(stored["occurred_on"])}
        read["recorded_at"] = READ_TIMESTAMP(stored["recorded_at"])
        return chain.canonical(chain.hashed(read))

    assert outcome(lambda: service.encoder_for(SQLITE)(values)) == outcome(slow)


@given(st.dates(), st.sampled_from(["%Y-%m-%d", "%Y-%-m-%-d", "%Y/%m/%d"]))
def test_dates_stored_as_other_text_encode_as_sqlalchemy_reads_them(day, shape):
    text = day.strftime(shape)
    row = dict.fromkeys(chain.STORED) | {"occurred_on": text, "recorded_at": datetime(2025, 1, 1)}

    def slow():
        return chain.canonical(chain.hashed({**row, "occurred_on": READ_DATE(text)}))

    values = tuple(row[key] for key in chain.STORED)
    assert outcome(lambda: service.encoder_for(SQLITE)(values)) == outcome(slow)


def _timestamp(value: datetime, form: str) -> str:
    """``value`` as SQLAlchemy stores it, or as someone else might have written it."""
    stored = STORE_TIMESTAMP(value)
    return {
        "stored": stored,
        "seconds": stored[:19],
        "minutes": stored[:16],
        "date": stored[:10],
        "t": stored.replace(" ", "T"),
        "garbled": stored[:11] + "25" + stored[13:],  # hour 25
    }[form]


def test_a_known_entry_encodes_as_it_always_has():
    """One entry written out, so a change to the encoding shows as a diff, not only as a
    disagreement between two encoders that changed together."""
    row = {
        "accreditation": None,
        "chain_version": 2,
        "entry_type": "contribution",
        "id": 7,
        "kind": "meeting",
        "mentorship_id": 1,
        "minutes": 45,
        "note": 'Plan "B" \\ é',
        "occurred_on": date(2025, 3, 1),
        "person_id": 3,
        "prev_hash": "0" * 64,
        "reason": None,
        "recorded_at": datetime(2025, 6, 15, 12, 0, 0, 250_000),
        "recorded_by_id": 3,
        "seq": 2,
        "target_id": None,
    }
    expected = (
        '{"chain_version":2,"entry_type":"contribution","id":7,"kind":"meeting","mentorship_id":1,'
        '"minutes":45,"note":"Plan \\"B\\" \\\\ é","occurred_on":"2025-03-01","person_id":3,'
        f'"prev_hash":"{"0" * 64}","reason":null,"recorded_at":"2025-06-15T12:00:00.250000Z",'
        '"recorded_by_id":3,"seq":2,"target_id":null}'
    ).encode()

    assert chain.canonical(chain.hashed(row)) == expected
    assert chain.Encoder()(tuple(row[key] for key in chain.STORED)) == expected
