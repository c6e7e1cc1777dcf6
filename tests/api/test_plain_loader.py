"""A JSON body is loaded without webargs' machinery only when the schema would load it
the same: ``parsing.plain_loader`` either gives exactly what ``Schema.load`` gives, or
nothing, and then the schema gives its own verdict and messages (a 422 naming the field
and the rule, as ever). Held to that for every schema of the app that it takes, with
bodies built from each field's own kind of value, mistakes and unknown keys included."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, datetime

import marshmallow as ma
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import validate

import recognition
from recognition import fields
from recognition.ledger.schemas import ContributionInSchema
from recognition.parsing import plain_loader


def _schemas() -> list[type[ma.Schema]]:
    for module in pkgutil.walk_packages(recognition.__path__, "recognition."):
        if module.name.rsplit(".", 1)[-1] in ("schemas", "apidoc", "api"):
            importlib.import_module(module.name)
    found, pending = [], [ma.Schema]
    while pending:
        for schema in pending.pop().__subclasses__():
            pending.append(schema)
            if schema.__module__.startswith("recognition."):
                found.append(schema)
    return sorted(found, key=lambda schema: (schema.__module__, schema.__qualname__))


def _taken(schema: type[ma.Schema]) -> bool:
    try:
        return plain_loader(schema) is not None
    except TypeError:  # a schema that needs arguments to be made: never a body's
        return False


SCHEMAS = [schema for schema in _schemas() if _taken(schema)]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
TEXT = st.text(max_size=12) | st.sampled_from(["", " a ", "a\x00b", "\ud800", "x" * 300])
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def value_for(field: ma.fields.Field) -> st.SearchStrategy:
    """Values of the field's own kind (inside and outside its validators), or any JSON."""
    kinds: list[st.SearchStrategy] = [JSON]
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            kinds.append(st.sampled_from(list(validator.choices)))
        if isinstance(validator, validate.Range):
            low, high = validator.min, validator.max
            kinds.append(st.integers(min_value=(low or 0) - 2, max_value=(high if high is not None else 10**6) + 2))
        if isinstance(validator, validate.Length) and validator.max is not None:
            kinds.append(st.text(min_size=max(0, validator.max - 2), max_size=validator.max + 2))
    if isinstance(field, ma.fields.Boolean):
        kinds.append(st.booleans() | st.sampled_from([0, 1, "true", "yes"]))
    elif isinstance(field, ma.fields.Integer):
        kinds.append(st.integers(min_value=-3, max_value=10**7) | st.sampled_from([1.5, 2.0, "60", True]))
    elif isinstance(field, ma.fields.Float):
        kinds.append(st.floats(allow_nan=False) | st.integers())
    elif isinstance(field, ma.fields.DateTime):
        kinds.append(st.datetimes(min_value=datetime(1900, 1, 1)).map(datetime.isoformat) | TEXT)
    elif isinstance(field, ma.fields.Date):
        kinds.append(DAYS.map(date.isoformat) | st.sampled_from(["2024-02-30", "2024-1-5", "20240105", "0000-01-01"]))
    elif isinstance(field, ma.fields.Email):
        kinds.append(st.emails() | TEXT)
    elif isinstance(field, ma.fields.String):
        kinds.append(TEXT)
    elif isinstance(field, ma.fields.List):
        kinds.append(st.lists(value_for(field.inner), max_size=3))
    if field.allow_none:
        kinds.append(st.none())
    return st.one_of(kinds)


@st.composite
def bodies(draw, schema: ma.Schema) -> dict:
    body = {}
    for name, field in schema.load_fields.items():
        if draw(st.integers(0, 4)):  # now and then absent
            body[name] = draw(value_for(field))
    if not draw(st.integers(0, 9)):
        body[draw(st.text(min_size=1, max_size=6))] = draw(JSON)  # a key the schema may not know
    return body


@st.composite
def cases(draw) -> tuple[ma.Schema, dict]:
    schema = draw(st.sampled_from(SCHEMAS))()
    return schema, draw(bodies(schema))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_plain_loader_loads_what_the_schema_loads_or_nothing(case):
    schema, body = case
    loaded = plain_loader(type(schema))(body)
    if loaded is None:
        return  # the schema answers, as it always did
    assert loaded == schema.load(body)  # and it would not have refused it


def test_the_plain_loader_takes_a_plain_contribution_and_leaves_anything_else_to_the_schema():
    load = plain_loader(ContributionInSchema)
    body = {"kind": "meeting", "mentorship_id": 4, "occurred_on": "2025-03-01", "minutes": 45, "note": "Aims."}
    assert load(body) == ContributionInSchema().load(body)
    assert load(body)["confirm_duplicate"] is False  # a default, as the schema gives it
    for refused in (
        {**body, "minutes": "45"},
        {**body, "note": "a\x00b"},
        {**body, "kind": "dinner"},
        {**body, "extra": 1},
        {key: value for key, value in body.items() if key != "kind"},
        [body],
    ):
        assert load(refused) is None
    assert len(SCHEMAS) > 20  # the app's body schemas are held to it, not only this one
    assert isinstance(ContributionInSchema().fields["minutes"], fields.Integer)
