"""What goes in and out of /api/v1/awards, /api/v1/cycles and /api/v1/nominations.

These schemas check shape and range only. Whether an award's settings hang together, a
nominee is eligible or a score fits the rubric is for the services (``definitions``,
``nominations``, ``committee``) to say, with the same field names. Which fields a reader
receives depends on who they are: a field they may not read is left out, not sent empty.
"""

from typing import Any

from marshmallow import Schema, validate

from ... import fields
from ...apidoc import ID, PageArgsSchema, UtcDateTime, page_schema
from ...keyset import KeysetArgsSchema, keyset_page_schema
from ...people.models import RANKS
from ..committee.recusal import MAX_REASON
from ..models import LEVELS
from .service import MAX_CRITERIA, MAX_MIN_REVIEWS, MAX_WINNERS, MONTH_DAY

YEAR = validate.Range(min=2000, max=2999)
MONTH_DAY_FIELD: dict[str, Any] = {
    "validate": validate.Regexp(MONTH_DAY, error="must be a month and day as MM-DD, like 02-15"),
    "metadata": {"example": "02-15"},
}
REASON = validate.Length(max=MAX_REASON)
# Numbers in JSON bodies are whole numbers as sent (``recognition.fields`` is strict for
# every schema; ``strict=True`` here says so where a score of 4.7 read as 4 would matter).


class RefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class AwardPersonSchema(RefSchema):
    division = fields.String(allow_none=True, metadata={"description": "The division's name"})


# Awards ------------------------------------------------------------------------------------


class EligibilitySchema(Schema):
    """Each rule is switched off by null (or by leaving it out)."""

    min_years_mentoring = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=60))
    min_mentees = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=500))
    max_years_on_faculty = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "Early-career awards: at most this many whole years on faculty"},
    )
    ranks = fields.List(
        fields.String(validate=validate.OneOf(RANKS)),
        allow_none=True,
        metadata={"description": "The ranks allowed (null: any)"},
    )
    past_winner_exclusion_years = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "null: a past winner is never eligible again; N: not for N years; 0: always"},
    )


class CriterionSchema(Schema):
    id = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z][a-z0-9_]{0,39}$",
            error=("must be 1 to 40 lower-case letters, digits or underscores, starting with a letter"),
        ),
        metadata={"example": "impact"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    weight = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=100, min_inclusive=False),
        metadata={"description": "Relative weight; weights need not add up to 1"},
    )


class RubricSchema(Schema):
    low = fields.Integer(
        strict=True,
        load_default=1,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "The lowest score"},
    )
    high = fields.Integer(
        strict=True,
        load_default=5,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "The highest score"},
    )
    criteria = fields.List(
        fields.Nested(CriterionSchema), required=True, validate=validate.Length(min=1, max=MAX_CRITERIA)
    )


class ScheduleSchema(Schema):
    opens = fields.String(metadata={"description": "Nominations open (MM-DD)"})
    closes = fields.String(metadata={"description": "Nominations close, the last day they are taken (MM-DD)"})
    review_ends = fields.String(metadata={"description": "The last day the committee scores (MM-DD)"})
    decision = fields.String(metadata={"description": "MM-DD"})
    announcement = fields.String(metadata={"description": "MM-DD"})


class AwardInSchema(Schema):
    """A new award. Without a rubric, the department's default rubric is used."""

    slug = fields.String(
        required=True, validate=validate.Length(min=3, max=60), metadata={"example": "mentor-of-the-year"}
    )
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(validate=validate.Length(max=4000))
    level = fields.String(validate=validate.OneOf(LEVELS), metadata={"description": "Default: department"})
    division_id = fields.Integer(
        strict=True,
        allow_none=True,
        validate=ID,
        metadata={"description": "Required for a division award; null otherwise"},
    )
    winners = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=MAX_WINNERS), metadata={"description": "Default: 1"}
    )
    min_reviews = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=MAX_MIN_REVIEWS),
        metadata={
            "description": "Reviews a nominee needs before the ranking gives them a "
            "place; fewer and they are listed as not yet ranked. "
            "Default: 1"
        },
    )
    division_conflicts = fields.Boolean(
        metadata={"description": "Same-division membership is a conflict of interest on the committee"}
    )
    active = fields.Boolean(metadata={"description": "Inactive awards get no new yearly cycles"})
    eligibility = fields.Nested(EligibilitySchema)
    rubric = fields.Nested(RubricSchema)
    opens = fields.String(required=True, **MONTH_DAY_FIELD)
    closes = fields.String(required=True, **MONTH_DAY_FIELD)
    review_ends = fields.String(required=True, **MONTH_DAY_FIELD)
    decision = fields.String(required=True, **MONTH_DAY_FIELD)
    announcement = fields.String(required=True, **MONTH_DAY_FIELD)


class AwardUpdateSchema(AwardInSchema):
    """Every field optional, and nothing filled in: only what is sent changes. An
    eligibility or rubric object sent replaces the whole one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class AwardArgsSchema(KeysetArgsSchema):
    active = fields.Boolean()
    level = fields.String(validate=validate.OneOf(LEVELS))
    division_id = fields.Integer(validate=ID)


class AwardLinksSchema(Schema):
    self = fields.String()
    cycles = fields.String()


class AwardSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    description = fields.String()
    level = fields.String(metadata={"enum": list(LEVELS)})
    division = fields.Nested(RefSchema, allow_none=True)
    winners = fields.Integer()
    min_reviews = fields.Integer(metadata={"description": "Reviews a nominee needs before being ranked"})
    division_conflicts = fields.Boolean()
    active = fields.Boolean()
    eligibility = fields.Nested(EligibilitySchema)
    rubric = fields.Nested(RubricSchema)
    schedule = fields.Nested(ScheduleSchema)
    created_at = UtcDateTime()
    links = fields.Nested(AwardLinksSchema)


AwardPageSchema = keyset_page_schema(AwardSchema, "AwardPage")


# Grants ------------------------------------------------------------------------------------


class GrantArgsSchema(PageArgsSchema):
    person_id = fields.Integer(validate=ID, metadata={"description": "Whose awards (default: yours; others': admins)"})


class GrantLinksSchema(Schema):
    self = fields.String()
    credential = fields.String()
    pdf = fields.String()
    verify = fields.String(metadata={"description": "The public verification page"})


class GrantSchema(Schema):
    id = fields.Integer()
    award = fields.Nested(RefSchema)
    year = fields.Integer()
    cycle_id = fields.Integer()
    nomination_id = fields.Integer()
    person = fields.Nested(RefSchema)
    awarded_on = fields.Date()
    issued_at = UtcDateTime()
    status = fields.String(metadata={"enum": ["current", "revoked"]})
    revoked_at = UtcDateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    code = fields.String(metadata={"description": "The verification code, in groups of four"})
    verify_url = fields.String()
    content_hash = fields.String(metadata={"description": "SHA-256 of the signed credential"})
    key_id = fields.String()
    pdf_sha256 = fields.String()
    links = fields.Nested(GrantLinksSchema)


GrantPageSchema = page_schema(GrantSchema, "GrantPage")


class GrantRevocationInSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Why it is revoked (kept on the record)"},
    )


# Cycles ------------------------------------------------------------------------------------


# Nominations -------------------------------------------------------------------------------
