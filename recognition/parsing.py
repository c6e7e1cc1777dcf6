"""How request bodies are read: JSON with bounded nesting, JSON only where JSON is
expected, query strings and forms as text, and no PATCH that says nothing.

Python's JSON parser recurses once per nested array or object, so ``[[[[…`` a few
thousand deep ends in a RecursionError: it was a server error on every route, because
the NUL guard (``security.py``) reads every JSON body. Every body is parsed here, with
the depth bounded, and a body too deep is a 400 naming it, like any body that is not JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache

import flask
import flask_smorest
import marshmallow as ma
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import BadRequest

from .fields import text_input

# Far deeper than any body the API takes (a credential to verify nests five levels).
MAX_JSON_DEPTH = 32
BODY = "body"  # the name errors give the request body as a whole


class TooDeep(json.JSONDecodeError):
    """A ``JSONDecodeError``, so every caller that handles bad JSON handles this too."""

    def __init__(self):
        # No document kept: it may be megabytes, and no line or column points at the fault.
        super().__init__(f"arrays and objects nest more than {MAX_JSON_DEPTH} levels deep", " ", 0)


def depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than ``limit``; without recursion."""
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads(data: str | bytes, **kwargs):
    """``json.loads``, refusing (``TooDeep``) what nests deeper than ``MAX_JSON_DEPTH``."""
    try:
        value = json.loads(data, **kwargs)
    except RecursionError:
        raise TooDeep() from None
    if depth_exceeds(value):
        raise TooDeep()
    return value


def why_not_json(error: ValueError) -> str:
    if isinstance(error, TooDeep):
        return error.msg
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} (line {error.lineno}, column {error.colno})"
    return "it is not UTF-8 text"


class InvalidJSON(BadRequest):
    """A 400 whose ``data`` holds the error's message and fields, as webargs' errors do
    (``errors.py`` reads both the same way)."""

    def __init__(self, message: str, data: dict):
        super().__init__(message)
        self.data = data


class Request(flask.Request):
    """Flask's request; a JSON body that cannot be read says why (pages read JSON too:
    Flask-WTF fills a form from a JSON body)."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not sent as JSON at all: Flask's 415
            return super().on_json_loading_failed(e)
        reason = why_not_json(e)
        message = f"The body is not valid JSON: {reason}."
        raise InvalidJSON(message, {"message": message, "errors": {BODY: [f"must be valid JSON: {reason}"]}}) from e


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with bounded nesting: ``request.get_json`` reads through it."""

    def loads(self, s: str | bytes, **kwargs):
        return loads(s, **kwargs)


class Parser(FlaskParser):
    """webargs' Flask parser, for every /api/v1 blueprint.

    - A JSON body is parsed by the app's provider (bounded nesting); a body sent with
      another content type where JSON is expected is a 415, not silently ignored.
    - A body must be a JSON object; a PATCH must name at least one field to change.
    - Anything but a JSON body (query, form, files, headers) is text: the fields read it
      as text (``fields.text_input``).
    """

    def parse(self, argmap, req=None, *, location=None, **options):
        """webargs' parse; a JSON object that ``plain_loader`` loads whole is answered
        without webargs' machinery (several times marshmallow's own load), and anything
        else, including every body with something to refuse, goes the whole way."""
        if (location or self.location) == "json" and not options.get("validate"):
            loader = plain_loader(argmap) if isinstance(argmap, type) and issubclass(argmap, ma.Schema) else None
            if loader is not None:
                request = req if req is not None else self.get_default_request()
                if request.method != "PATCH" and is_json_request(request):
                    loaded = loader(request.get_json(silent=True))
                    if loaded is not None:
                        return loaded
        return super().parse(argmap, req, location=location, **options)

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if req.content_length or req.form or req.files or req.get_data(cache=True):
                abort(
                    415,
                    message="The body must be JSON, sent with Content-Type: application/json.",
                    messages={"headers": {"Content-Type": ["must be application/json"]}},
                )
            return core.missing
        # Through the request, whose parse is kept: the NUL guard (``security.py``) has
        # usually parsed this body already. A body that cannot be read is refused here,
        # in webargs' own shape, from the parser's error.
        try:
            return req.get_json()
        except InvalidJSON as error:
            assert error.__cause__ is not None  # ``Request.on_json_loading_failed`` raises it from the parser's error
            raise error.__cause__ from None

    def _get_schema(self, argmap, req):
        # flask-smorest hands webargs the schema class, which would make a new schema
        # (and bind every field) on every request; a schema keeps nothing between loads.
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return _schema(argmap)
        return super()._get_schema(argmap, req)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        reason = why_not_json(error)
        abort(
            400,
            exc=error,
            message=f"The body is not valid JSON: {reason}.",
            messages={"json": {BODY: [f"must be valid JSON: {reason}"]}},
        )

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        if location != "json":
            with text_input():
                return super()._process_location_data(location_data, schema, req, location, unknown, validators)
        if location_data is not core.missing and not isinstance(location_data, list if schema.many else dict):
            raise ma.ValidationError({BODY: ["must be a JSON array" if schema.many else "must be a JSON object"]})
        data = super()._process_location_data(location_data, schema, req, location, unknown, validators)
        if req.method == "PATCH" and not data:
            raise ma.ValidationError({BODY: ["must change at least one field (send a JSON object naming them)"]})
        return data


@cache
def _schema(schema_class: type[ma.Schema]) -> ma.Schema:
    return schema_class()


@cache
def plain_loader(schema_class: type[ma.Schema]) -> Callable[[object], dict | None] | None:
    """For a schema whose load is its fields' loads and nothing more (no hooks, no
    schema validators, not ``many``, each field under its own name), a loader that does
    what ``Schema.load`` does with a JSON object that loads without an error: each field
    deserialized by the field itself (its type, its text rules, its validators, its
    default when absent), absent ones without a default left out. It answers None for
    anything it would not load whole (a key the schema does not know, a field that
    refuses its value, not an object), and the schema then gives its own verdict and
    messages; so for every body, the answer is the schema's. None for other schemas."""
    schema = _schema(schema_class)
    if schema.many or any(schema._hooks.values()):
        return None
    fields = tuple(schema.load_fields.items())
    if any(field.data_key not in (None, name) or field.attribute not in (None, name) for name, field in fields):
        return None
    known = frozenset(name for name, _ in fields)

    def load(data: object) -> dict | None:
        if type(data) is not dict or not known.issuperset(data):
            return None
        loaded = {}
        try:
            for name, field in fields:
                value = field.deserialize(data.get(name, ma.missing), name, data)
                if value is not ma.missing:
                    loaded[name] = value
        except ma.ValidationError:
            return None
        return loaded

    return load


class Blueprint(flask_smorest.Blueprint):
    """Every /api/v1 blueprint: flask-smorest's, reading its arguments with ``Parser``."""

    ARGUMENTS_PARSER = Parser()
