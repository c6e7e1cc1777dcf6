"""What goes in and out of /api/v1/reflections. Which steps are required, and whether a
report is yours, is the service's to say (``reflections.service.record``)."""

from typing import Any

from marshmallow import Schema, validate

from .. import fields
from ..apidoc import ID, UtcDateTime
from ..keyset import keyset_page_schema
from ..ledger.rules import MAX_MINUTES
from ..ledger.schemas import CONFIRM_DUPLICATE
from .models import SOURCES
from .service import MAX_STEP

STEP: dict[str, Any] = {"load_default": "", "validate": validate.Length(max=MAX_STEP)}


class ReflectionInSchema(Schema):
    source = fields.String(
        required=True,
        validate=validate.OneOf(SOURCES),
        metadata={
            "description": "report: a feedback report of yours (name release_id); "
            "external: other feedback you received (name source_name)"
        },
    )
    release_id = fields.Integer(
        validate=ID,
        allow_none=True,
        load_default=None,
        metadata={"description": "One of the release_ids of your report"},
    )
    period = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=10),
        metadata={
            "description": "For a report pooled over periods: the one reflected on (default: the latest it covers)"
        },
    )
    source_name = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "What the feedback was (a 360, a teaching evaluation …)"},
    )
    occurred_on = fields.Date(required=True, metadata={"description": "When you reviewed and reflected"})
    minutes = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_MINUTES),
        metadata={"description": "Time spent reviewing and reflecting"},
    )
    area = fields.String(**STEP, metadata={"description": "The area to improve (required)"})
    question = fields.String(**STEP, metadata={"description": "The performance question (required)"})
    standards = fields.String(**STEP, metadata={"description": "The standards it is measured against"})
    comparison = fields.String(**STEP, metadata={"description": "How the feedback compares with them"})
    discussion = fields.String(**STEP, metadata={"description": "The discussion with a peer"})
    next_steps = fields.String(**STEP, metadata={"description": "What you will do next (required)"})
    confirm_duplicate = fields.Boolean(load_default=False, metadata={"description": CONFIRM_DUPLICATE})


class ReflectionSchema(Schema):
    id = fields.Integer()
    ledger_entry_id = fields.Integer()
    source = fields.String(metadata={"enum": list(SOURCES)})
    release_id = fields.Integer(allow_none=True)
    period = fields.String(allow_none=True)
    source_name = fields.String()
    area = fields.String()
    question = fields.String()
    standards = fields.String()
    comparison = fields.String()
    discussion = fields.String()
    next_steps = fields.String()
    occurred_on = fields.Date(attribute="entry.occurred_on")
    minutes = fields.Integer(attribute="entry.minutes")
    salt = fields.String(
        allow_none=True,
        metadata={
            "description": (
                "The random key of the ledger note, HMAC-SHA256(salt, text): with the text, it lets someone you choose "
                "check the text against the ledger. Null for reflections recorded before salts (bare SHA-256)"
            )
        },
    )
    created_at = UtcDateTime()


ReflectionPageSchema = keyset_page_schema(ReflectionSchema, "ReflectionPage")
