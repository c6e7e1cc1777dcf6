"""The hash chain as pure functions: a stable encoding, hashes that see every field, and
``verify`` naming the first entry that is wrong."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.ledger import chain

FIELDS = (
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


def an_entry(**changes) -> dict:
    """The fields ``LedgerEntry.hashed_fields`` gives, for a typical first meeting."""
    fields = {
        "seq": 1,
        "entry_type": "contribution",
        "kind": "meeting",
        "mentorship_id": 7,
        "person_id": 3,
        "occurred_on": date(2025, 3, 1),
        "minutes": 45,
        "note": "Zoë — 会议",
        "recorded_by_id": 3,
        "recorded_at": datetime(2025, 3, 2, 9, 30, 5, 120),
        "target_id": None,
        "reason": None,
        "prev_hash": chain.GENESIS,
    }
    fields.update(changes)
    return fields


def test_the_entry_fields_are_the_models_hashed_fields():
    """If a column joins the hash, these tests must learn about it."""
    from recognition.ledger.models import LedgerEntry

    assert set(LedgerEntry().hashed_fields()) == set(FIELDS) == set(an_entry())


# Canonical encoding -----------------------------------------------------------------


def test_canonical_encoding_is_pinned():
    """Stored hashes depend on these exact bytes: changing the encoding would make every
    existing ledger fail verification."""
    expected = (
        '{"entry_type":"contribution","kind":"meeting","mentorship_id":7,"minutes":45,'
        '"note":"Zoë — 会议","occurred_on":"2025-03-01","person_id":3,'
        f'"prev_hash":"{"0" * 64}","reason":null,"recorded_at":"2025-03-02T09:30:05.000120Z",'
        '"recorded_by_id":3,"seq":1,"target_id":null}'
    ).encode()
    assert chain.canonical(an_entry()) == expected
    assert chain.entry_hash(an_entry()) == hashlib.sha256(expected).hexdigest()


def test_key_order_does_not_matter():
    fields = an_entry()
    reordered = dict(reversed(list(fields.items())))
    assert list(reordered) != list(fields)
    assert chain.canonical(reordered) == chain.canonical(fields)
    assert chain.entry_hash(reordered) == chain.entry_hash(fields)


def test_unicode_note_is_kept_as_utf8_not_escaped():
    encoded = chain.canonical(an_entry(note="Zoë — 会议"))
    assert "Zoë — 会议".encode() in encoded
    assert b"\\u" not in encoded
    assert encoded.decode("utf-8")  # the whole encoding is valid UTF-8


@pytest.mark.parametrize(
    ("recorded_at", "text"),
    [
        (datetime(2025, 3, 2, 9, 30, 5), "2025-03-02T09:30:05.000000Z"),
        (datetime(2025, 3, 2, 9, 30, 5, 1), "2025-03-02T09:30:05.000001Z"),
        (datetime(2025, 3, 2, 23, 59, 59, 999999), "2025-03-02T23:59:59.999999Z"),
    ],
)
def test_timestamps_always_carry_microseconds_and_z(recorded_at, text):
    assert f'"recorded_at":"{text}"'.encode() in chain.canonical(an_entry(recorded_at=recorded_at))


def test_timestamps_a_microsecond_apart_hash_differently():
    at = datetime(2025, 3, 2, 9, 30, 5)
    assert chain.entry_hash(an_entry(recorded_at=at)) != chain.entry_hash(
        an_entry(recorded_at=at + timedelta(microseconds=1))
    )


def different(field: str, value):
    """A value of the same field that a tamperer might write instead."""
    if value is None:
        return {"kind": "meeting", "reason": "oops"}.get(field, 1)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, date):
        return value + timedelta(days=1)
    if isinstance(value, str):
        return value[:-1] + ("x" if value[-1:] != "x" else "y")
    raise TypeError(value)


@pytest.mark.parametrize("field", FIELDS)
def test_entry_hash_changes_when_any_single_field_changes(field):
    original = an_entry()
    changed = {**original, field: different(field, original[field])}
    assert changed[field] != original[field]
    assert chain.entry_hash(changed) != chain.entry_hash(original)


@pytest.mark.parametrize(
    ("field", "value"),
    [("minutes", "45"), ("note", None), ("reason", ""), ("mentorship_id", "7"), ("kind", None)],
)
def test_entry_hash_tells_types_and_null_apart(field, value):
    assert chain.entry_hash(an_entry(**{field: value})) != chain.entry_hash(an_entry())


# verify -----------------------------------------------------------------------------


def chained(entries: list[dict]) -> list[tuple[int, dict, str]]:
    """Give entries their positions and links, as ``service.append`` does; ids are
    deliberately not the positions."""
    rows, prev = [], chain.GENESIS
    for position, fields in enumerate(entries, start=1):
        fields = {**fields, "seq": position, "prev_hash": prev}
        prev = chain.entry_hash(fields)
        rows.append((1000 + 7 * position, fields, prev))
    return rows


texts = st.text(max_size=30)
entry_fields = st.fixed_dictionaries(
    {
        "entry_type": st.sampled_from(["contribution", "reversal", "confirmation"]),
        "kind": st.none() | st.sampled_from(["meeting", "other", "mentor_training"]),
        "mentorship_id": st.none() | st.integers(1, 10**6),
        "person_id": st.integers(1, 10**6),
        "occurred_on": st.dates(date(1950, 1, 1), date(2100, 1, 1)),
        "minutes": st.integers(0, 1440),
        "note": texts,
        "recorded_by_id": st.integers(1, 10**6),
        "recorded_at": st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)),
        "target_id": st.none() | st.integers(1, 10**6),
        "reason": st.none() | texts,
    }
)
ledgers = st.lists(entry_fields, min_size=1, max_size=12).map(chained)


def test_an_empty_chain_is_valid_at_genesis():
    assert chain.verify([]) == chain.Verdict(True, 0, 0, chain.GENESIS)


@given(ledgers)
def test_a_chained_ledger_verifies(rows):
    verdict = chain.verify(rows)
    assert verdict.valid
    assert verdict.checked == verdict.head_seq == len(rows)
    assert verdict.head_hash == rows[-1][2]
    assert verdict.first_bad_id is verdict.first_bad_seq is verdict.problem is None


@given(ledgers, st.data())
def test_changing_one_field_of_one_entry_names_that_entry(rows, data):
    index = data.draw(st.integers(0, len(rows) - 1), label="entry")
    field = data.draw(st.sampled_from([*FIELDS, "entry_hash"]), label="field")
    entry_id, fields, stored = rows[index]
    if field == "entry_hash":
        rows[index] = (entry_id, fields, different(field, stored))
    else:
        fields = {**fields, field: different(field, fields[field])}
        rows[index] = (entry_id, fields, stored)

    verdict = chain.verify(rows)

    assert not verdict.valid
    assert verdict.first_bad_id == entry_id
    assert verdict.first_bad_seq == fields["seq"]  # as stored, which is the changed one for "seq"
    assert verdict.checked == verdict.head_seq == index
    assert verdict.head_hash == (rows[index - 1][2] if index else chain.GENESIS)


@given(st.lists(entry_fields, min_size=2, max_size=12).map(chained), st.data())
def test_a_deleted_entry_is_found_at_its_position(rows, data):
    index = data.draw(st.integers(0, len(rows) - 2), label="deleted")  # the last: see below
    following_id = rows[index + 1][0]
    del rows[index]

    verdict = chain.verify(rows)

    assert not verdict.valid
    assert verdict.first_bad_id == following_id
    assert verdict.checked == index
    assert f"expected position {index + 1}," in verdict.problem


def test_deleting_the_newest_entries_is_caught_by_the_recorded_head():
    """A shortened chain is still a valid chain: that is why operators record the head
    (``ledger head``) outside the database and compare."""
    rows = chained([an_entry(note=f"n{i}") for i in range(5)])
    recorded_head = chain.verify(rows)
    shortened = chain.verify(rows[:3])
    assert shortened.valid
    assert (shortened.head_seq, shortened.head_hash) != (recorded_head.head_seq, recorded_head.head_hash)


@given(st.lists(entry_fields, min_size=2, max_size=12).map(chained), st.data())
def test_two_swapped_entries_are_found_at_the_first_position(rows, data):
    first = data.draw(st.integers(0, len(rows) - 2), label="first")
    second = data.draw(st.integers(first + 1, len(rows) - 1), label="second")
    rows[first], rows[second] = rows[second], rows[first]

    verdict = chain.verify(rows)

    assert not verdict.valid
    assert verdict.first_bad_id == rows[first][0]
    assert verdict.checked == first
    assert f"expected position {first + 1}," in verdict.problem


def test_an_entry_changed_and_rehashed_is_named_not_the_next_one():
    """Re-hashing one changed entry is not enough: the next entry's link breaks, and the
    changed entry is the one named."""
    rows = chained([an_entry(note=f"n{i}") for i in range(4)])
    entry_id, fields, _ = rows[1]
    forged = {**fields, "minutes": 600}
    rows[1] = (entry_id, forged, chain.entry_hash(forged))

    verdict = chain.verify(rows)

    assert not verdict.valid
    assert (verdict.first_bad_id, verdict.first_bad_seq) == (rows[1][0], 2)
    assert verdict.checked == verdict.head_seq == 1
    assert verdict.head_hash == rows[0][2]
    assert "its hash recomputed" in verdict.problem


# Ids and anchors ----------------------------------------------------------------------


def test_entries_chained_since_ids_were_hashed_cover_their_id():
    row = {**an_entry(), "id": 41, "chain_version": chain.CHAIN_VERSION, "accreditation": None}
    fields = chain.hashed(row)
    assert set(fields) == {*FIELDS, "id", "chain_version"}
    assert chain.entry_hash(fields) != chain.entry_hash(chain.hashed({**row, "id": 42}))
    legacy = chain.hashed({**row, "chain_version": None})
    assert set(legacy) == set(FIELDS) and chain.entry_hash(legacy) == chain.entry_hash(an_entry())


def recorded_by(rows, name: str = "checkpoint 1") -> chain.Anchor:
    return chain.Anchor(len(rows), rows[-1][2], name, {f["seq"]: (i, h) for i, f, h in rows})


@pytest.mark.parametrize(
    ("cut", "anchor", "named"),
    [
        (3, chain.Anchor(5, "f" * 64, "the head given"), (4, None)),
        (1, recorded_by(chained([an_entry(note=f"n{i}") for i in range(5)])), (2, 1014)),
    ],
    ids=["a head given", "a checkpoint names the missing entry"],
)
def test_a_truncated_chain_names_the_first_missing_position(cut, anchor, named):
    rows = chained([an_entry(note=f"n{i}") for i in range(5)])[:cut]
    verdict = chain.verify(rows, [anchor])
    assert not verdict.valid
    assert (verdict.first_bad_seq, verdict.first_bad_id) == named
    assert verdict.anchor == anchor.source
    assert f"the entries from position {cut + 1} on are missing" in verdict.problem


def test_an_entry_a_checkpoint_recorded_under_another_id_is_named():
    rows = chained([an_entry(note=f"n{i}") for i in range(4)])
    anchor = recorded_by(rows)
    rows[1] = (999, rows[1][1], rows[1][2])  # legacy entries: the id is not in the hash
    verdict = chain.verify(rows, [anchor])
    assert (verdict.valid, verdict.first_bad_seq, verdict.first_bad_id) == (False, 2, 999)
    assert "but checkpoint 1 recorded entry 1014 at this position" in verdict.problem


def test_unbound_earlier_entries_are_noted_until_a_checkpoint_covers_them():
    rows = chained([an_entry(note=f"n{i}") for i in range(3)])
    assert "3 entries chained before ids were hashed" in chain.verify(rows).notes[0]
    assert chain.verify(rows, [recorded_by(rows)]).notes == ()


def test_a_head_at_position_zero_must_be_the_empty_chains():
    rows = chained([an_entry()])
    assert chain.verify(rows, [chain.Anchor(0, chain.GENESIS, "the head given")]).valid
    verdict = chain.verify(rows, [chain.Anchor(0, "a" * 64, "the head given")])
    assert (verdict.valid, verdict.first_bad_seq, verdict.anchor) == (False, None, "the head given")
