"""marshmallow's fields, strict about what JSON sends. Every schema imports its fields
from here (``from .. import fields``), so a field added anywhere is strict with no more
thought.

marshmallow reads leniently: an integer field takes 1.5 (stored as 1), "60" and, with
Boolean, 0, "yes" or "off". A JSON client that sends those has a bug we should name,
not guess around. So in a JSON body an integer must be a JSON integer, a number a JSON
number, a boolean ``true`` or ``false`` and a string a string. Query strings and form
fields are text by nature: read from there (``parsing.Parser`` says so through
``reading_text``), an integer is whole-number text ("1.5" is still refused) and a
boolean one of marshmallow's words (true/false, 1/0, yes/no, on/off).

Text must also be storable: PostgreSQL text cannot hold U+0000, and an unpaired
surrogate ("\\ud800" in JSON) cannot be encoded as UTF-8 at all. Either used to reach
the database and fail there, as a server error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from marshmallow import ValidationError
from marshmallow import fields as _fields

# The rest of marshmallow's fields, unchanged.
from marshmallow.fields import (  # noqa: F401 - re-exported for the schemas
    IP,
    UUID,
    AwareDateTime,
    Constant,
    Date,
    DateTime,
    Decimal,
    Dict,
    Enum,
    Field,
    Function,
    IPInterface,
    IPv4,
    IPv4Interface,
    IPv6,
    IPv6Interface,
    List,
    Mapping,
    Method,
    NaiveDateTime,
    Nested,
    Number,
    Pluck,
    Raw,
    Time,
    TimeDelta,
    Tuple,
)

NUL = "must not contain NUL characters"
SURROGATE = "must be valid Unicode text (it holds an unpaired surrogate code point)"
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")

_reading_text: ContextVar[bool] = ContextVar("reading_text", default=False)


@contextmanager
def text_input(on: bool = True) -> Iterator[None]:
    """Values loaded inside this block came from text (a query string, a form)."""
    token = _reading_text.set(on)
    try:
        yield
    finally:
        _reading_text.reset(token)


def reading_text() -> bool:
    return _reading_text.get()


def text_problem(value: str) -> str | None:
    """The rule a string breaks by being unstorable, if any."""
    if "\x00" in value:
        return NUL
    if not value.isascii() and _SURROGATE.search(value):  # ASCII (most text) holds no surrogate
        return SURROGATE
    return None


class _StorableText(_fields.Field):
    """Mixed in before a text field: refuses strings holding NUL or an unpaired surrogate, before any other check."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and (problem := text_problem(value)):
            raise ValidationError(problem)
        return super()._deserialize(value, attr, data, **kwargs)


class String(_StorableText, _fields.String):
    default_error_messages = {"invalid": "must be a string"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bytes):  # only a caller in Python sends bytes; JSON never does
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Email(_StorableText, _fields.Email):
    pass


class URL(_StorableText, _fields.URL):
    pass


class Integer(_fields.Integer):
    """A JSON integer: not 1.5, not 2.0, not "60", not true. From text: whole-number text."""

    default_error_messages = {
        "invalid": "must be a whole number (a JSON integer, not a decimal, a string or true/false)",
        "invalid_text": "must be a whole number",
    }

    def __init__(self, *, strict: bool = True, **kwargs):
        super().__init__(strict=True, **kwargs)  # ``strict`` is accepted, and always on

    def _validated(self, value):
        if reading_text():
            if not (isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value)):
                raise self.make_error("invalid_text")
            try:
                return int(value)
            except ValueError as error:  # more digits than Python converts
                raise self.make_error("invalid_text") from error
        if value is True or value is False or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class Float(_fields.Float):
    """A JSON number (an integer will do): not "2.5", not true. From text: a number's text."""

    default_error_messages = {"invalid": "must be a number (a JSON number, not a string or true/false)"}

    def _validated(self, value):
        if not reading_text() and (value is True or value is False or not isinstance(value, (int, float))):
            raise self.make_error("invalid")
        return super()._validated(value)


class Boolean(_fields.Boolean):
    """JSON ``true`` or ``false``: not 0 or 1, not "yes". From text: marshmallow's words."""

    default_error_messages = {"invalid": "must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs):
        if reading_text():
            return super()._deserialize(value, attr, data, **kwargs)
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


Str = String
Int = Integer
Bool = Boolean
Url = URL
