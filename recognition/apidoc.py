"""OpenAPI pieces shared by every /api/v1 blueprint: the error shape, security, paging."""

from __future__ import annotations

import http
import re
from datetime import UTC
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, validate
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, IntegerConverter

from . import fields

# Every id column is an INTEGER (32-bit on PostgreSQL). Bounding ids in URLs and bodies
# turns an absurd id into a 404 or a 422 instead of a driver overflow (a 500).
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID)


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs, bounded like an id column: out of range means no such page.
    A 404 is raised here because Werkzeug's own out-of-range refusal makes it answer
    some methods with a 405 and a wrong ``Allow`` header."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        if self.max is not None and value.isdigit() and int(value) > self.max:
            raise NotFound()
        return super().to_python(value)


class OtherThanConverter(BaseConverter):
    """``<other_than(signed, credential):code>``: one path segment, but not one of the
    words given. Without it a ``/<code>`` rule also matches its static siblings
    (``/signed``), so Werkzeug counts its methods among theirs: ``OPTIONS /signed`` would
    advertise GET, and ``GET /signed`` would look up a certificate named "signed"."""

    def __init__(self, map, *words: str):
        super().__init__(map)
        excluded = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        self.regex = f"(?!(?:{excluded})$)[^/]+" if words else "[^/]+"


class ErrorSchema(Schema):
    code = fields.Integer(required=True, metadata={"description": "The HTTP status"})
    message = fields.String(required=True, metadata={"description": "What went wrong, for a person"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "For each field at fault, the rules it broke"},
    )


class UtcDateTime(fields.DateTime):
    """A stored (naive UTC) datetime, sent with its offset: RFC 3339 ``date-time``, as the
    OpenAPI document promises, needs one."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def errors_for(*codes: int, public: bool = False):
    """Document the error responses an endpoint can give, and that it needs a token
    (unless ``public``)."""
    responses = {
        str(code): {
            "description": http.HTTPStatus(code).phrase,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }
    extra: dict[str, Any] = {} if public else {"security": [{"bearerAuth": []}]}
    document = Blueprint.doc(responses=responses, **extra)

    def decorator(func):
        # What the document promises is what is enforced: ``auth.current.require_token``
        # lets through only views marked public here (the mark survives functools.wraps).
        func = document(func)
        func.public = public
        return func

    return decorator


def register_components(api) -> None:
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/tokens gives one"}
    )


def document_unavailable(spec) -> None:
    """Any operation may meet a busy, read-only, full or unreachable database: a 503 to
    retry after ``Retry-After`` (``errors.py``)."""
    response: dict[str, Any] = {
        "description": "Service Unavailable: the database is busy, read-only, full or unreachable, and nothing "
        "was changed (errors.database says which); retry after Retry-After seconds",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in spec._paths.values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                known = operation["responses"].setdefault("503", response)
                if known is not response:  # a 503 of the operation's own (no signing key): it also says when
                    known["description"] += "; or " + response["description"].replace("Service Unavailable: ", "")
                    known["headers"] = response["headers"]


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=500))


class PageMetaSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def page_schema(item_schema: type[Schema], name: str, meta: type[Schema] = PageMetaSchema) -> type[Schema]:
    """A response schema ``{"items": [...], "meta": {...}}`` for a list endpoint."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema)), "meta": fields.Nested(meta)},
        name=name,
    )
