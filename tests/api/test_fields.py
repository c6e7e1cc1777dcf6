"""``recognition.fields``: what each strict field takes from JSON and from text, as a table."""

from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError

from recognition import fields
from recognition.fields import text_input

NUL, SURROGATE = fields.NUL, fields.SURROGATE
NOT_INTEGER = "must be a whole number (a JSON integer, not a decimal, a string or true/false)"
NOT_NUMBER = "must be a number (a JSON number, not a string or true/false)"
NOT_BOOLEAN = "must be true or false"


class Sample(Schema):
    count = fields.Integer()
    weight = fields.Float()
    flag = fields.Boolean()
    text = fields.String()
    email = fields.Email()


@pytest.mark.parametrize(
    ("field", "value", "from_text", "expected"),
    [
        # JSON: the type as sent, nothing else
        ("count", 60, False, 60),
        ("count", -3, False, -3),
        ("count", 1.5, False, NOT_INTEGER),
        ("count", 2.0, False, NOT_INTEGER),
        ("count", "60", False, NOT_INTEGER),
        ("count", True, False, NOT_INTEGER),
        ("weight", 2, False, 2.0),
        ("weight", 2.5, False, 2.5),
        ("weight", "2.5", False, NOT_NUMBER),
        ("weight", False, False, NOT_NUMBER),
        ("flag", True, False, True),
        ("flag", False, False, False),
        ("flag", 0, False, NOT_BOOLEAN),
        ("flag", 1, False, NOT_BOOLEAN),
        ("flag", "true", False, NOT_BOOLEAN),
        ("flag", "yes", False, NOT_BOOLEAN),
        ("text", "Ada Lovelace", False, "Ada Lovelace"),
        ("text", "emoji \U0001f600 fine", False, "emoji \U0001f600 fine"),
        ("text", 12, False, "must be a string"),
        ("text", "a\x00b", False, NUL),
        ("text", "\ud800", False, SURROGATE),
        ("text", "x\udfffy", False, SURROGATE),
        ("email", "ada\ud800@example.org", False, SURROGATE),
        ("email", "ada@example.org", False, "ada@example.org"),
        # Text (query strings, forms): read as text, still strict about what it means
        ("count", "60", True, 60),
        ("count", "-3", True, -3),
        ("count", "1.5", True, "must be a whole number"),
        ("count", " 60", True, "must be a whole number"),
        ("count", "1e3", True, "must be a whole number"),
        ("count", "٦٠", True, "must be a whole number"),
        ("weight", "2.5", True, 2.5),
        ("weight", "nan", True, "Special numeric values (nan or infinity) are not permitted."),
        ("flag", "true", True, True),
        ("flag", "0", True, False),
        ("flag", "maybe", True, NOT_BOOLEAN),
        ("text", "a\x00b", True, NUL),
    ],
)
def test_a_field_takes_only_its_own_type(field, value, from_text, expected):
    with text_input(from_text):
        try:
            loaded = Sample().load({field: value})[field]
        except ValidationError as error:
            loaded = error.messages[field][0]
    assert loaded == expected
    assert type(loaded) is type(expected)


def test_fields_outside_a_text_block_read_json():
    with text_input():
        assert Sample().load({"count": "7"}) == {"count": 7}
    with pytest.raises(ValidationError):
        Sample().load({"count": "7"})
