"""An entry is sent as marshmallow would send it by ``EntrySchema``'s fields, whatever
its values: the schema's own plan (``schemas._dump_plan``) only skips the walk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema

from recognition.ledger.models import ENTRY_TYPES
from recognition.ledger.rules import CONFIRMATION_STATES
from recognition.ledger.schemas import EntrySchema

INTEGERS = ("id", "seq", "mentorship_id", "person_id", "minutes", "recorded_by_id", "target_id", "chain_version")
TEXT = ("kind", "note", "reason", "accreditation", "prev_hash", "entry_hash")
FOLLOWERS = ("confirmed_by_entry_id", "reversed_by_entry_id")

ids = st.integers(min_value=-(2**63), max_value=2**63)
text = st.text(max_size=20)
moments = st.datetimes(min_value=datetime(1900, 1, 1)) | st.datetimes(
    min_value=datetime(1900, 1, 2), timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5), "EST")])
)


def maybe(values):
    """A value, None, or (``...``) no such attribute at all."""
    return st.one_of(values, st.none(), st.just(...))


entries = st.fixed_dictionaries(
    {
        **{name: maybe(ids) for name in (*INTEGERS, *FOLLOWERS)},
        **{name: maybe(text) for name in TEXT},
        "entry_type": maybe(st.sampled_from(ENTRY_TYPES)),
        "occurred_on": maybe(st.dates()),
        "recorded_at": maybe(moments),
        "confirmation_state": maybe(st.sampled_from(CONFIRMATION_STATES)),
        "disputed_by": maybe(st.builds(SimpleNamespace, id=ids, reason=text)),
    }
)


def marshmallow_dump(schema: EntrySchema, entry) -> dict:
    return Schema._serialize(schema, entry)


@given(entries)
def test_an_entry_is_sent_as_marshmallow_sends_it(values):
    entry = SimpleNamespace(**{name: value for name, value in values.items() if value is not ...})
    schema = EntrySchema()

    sent = schema.dump(entry)

    expected = marshmallow_dump(schema, entry)
    assert list(sent.items()) == list(expected.items())  # the same keys, in the same order
    assert [schema.dump(entry)] == EntrySchema(many=True).dump([entry])


def test_an_entry_with_every_value_is_sent_whole():
    entry = SimpleNamespace(
        id=7, seq=7, entry_type="contribution", kind="meeting", mentorship_id=3, person_id=2,
        occurred_on=date(2026, 3, 1), minutes=30, note="Plan", recorded_by_id=2,
        recorded_at=datetime(2026, 3, 2, 4, 30), target_id=None, reason=None, accreditation=None,
        prev_hash="a" * 64, entry_hash="b" * 64, chain_version=2, confirmed_by_entry_id=None,
        reversed_by_entry_id=9, disputed_by=SimpleNamespace(id=8, reason="not me"), confirmation_state="disputed",
    )  # fmt: skip

    sent = EntrySchema().dump(entry)

    assert sent == marshmallow_dump(EntrySchema(), entry)
    assert sent["recorded_at"] == "2026-03-02T04:30:00+00:00"
    assert sent["occurred_on"] == "2026-03-01"
    assert (sent["disputed_by_entry_id"], sent["dispute_reason"]) == (8, "not me")


@pytest.mark.parametrize("narrowed", [{"only": ("id", "seq")}, {"exclude": ("note",)}])
def test_a_narrowed_schema_sends_only_its_fields(narrowed):
    entry = SimpleNamespace(id=1, seq=1, note="x", disputed_by=None)

    sent = EntrySchema(**narrowed).dump(entry)

    assert sent == marshmallow_dump(EntrySchema(**narrowed), entry)
    assert "note" not in sent
