"""What goes in and out of /api/v1/people and /api/v1/divisions."""

from marshmallow import Schema, validate

from .. import fields
from ..apidoc import ID, UtcDateTime
from ..keyset import KeysetArgsSchema, keyset_page_schema
from .models import POSITIONS, RANKS
from .profiles import MAX_PHILOSOPHY

NAME = validate.Length(min=1, max=200)


class DivisionSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    code = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=20),
            validate.Regexp(r"^[A-Za-z0-9_-]+$", error="letters, digits, - and _ only"),
        ],
    )
    director_ids = fields.Method("get_director_ids", dump_only=True)

    def get_director_ids(self, division):
        return [person.id for person in division.directors]


class DirectorSchema(Schema):
    person_id = fields.Integer(validate=ID, required=True)


class PersonSchema(Schema):
    """A person as others see them. Self-identified gender and race are accepted on input
    but never returned: they are reported only in aggregate."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=NAME)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    institutional_id = fields.String(
        allow_none=True,
        load_default=None,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(r"^\S(.*\S)?$", error="must not start or end with a space"),
        ],
        metadata={"description": "The university's id for them, which institutional sign-in may match on; unique"},
    )
    division_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    rank = fields.String(required=True, validate=validate.OneOf(RANKS))
    position = fields.String(required=True, validate=validate.OneOf(POSITIONS))
    appointed_on = fields.Date(allow_none=True, load_default=None)
    trained_here = fields.Boolean(load_default=False)
    supervisor_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    gender = fields.String(load_only=True, allow_none=True, load_default=None, validate=validate.Length(max=60))
    race = fields.String(load_only=True, allow_none=True, load_default=None, validate=validate.Length(max=200))


class PersonUpdateSchema(PersonSchema):
    """Every field optional, and no defaults filled in: only what is sent changes.
    (marshmallow has no ``Meta.partial``; partial loading is a constructor argument.)"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class PersonArgsSchema(KeysetArgsSchema):
    division_id = fields.Integer(validate=ID)
    rank = fields.String(validate=validate.OneOf(RANKS))
    position = fields.String(validate=validate.OneOf(POSITIONS))
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Part of a name or email"})


PersonPageSchema = keyset_page_schema(PersonSchema, "PersonPage")


class PersonProfileSchema(Schema):
    """A person's own profile: their naming preference for other people's dossiers and
    their mentoring philosophy."""

    person_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    named_in_dossiers = fields.Boolean(
        required=True,
        metadata={
            "description": "When you are a mentee in someone's promotion dossier, false shows you as "
            "'a mentee (rank, division)' instead of your name"
        },
    )
    philosophy = fields.String(
        required=True,
        validate=validate.Length(max=MAX_PHILOSOPHY),
        metadata={
            "description": "Your mentoring philosophy, in your own words (plain text; nomination committees "
            "read it with your nominations)"
        },
    )
    updated_at = UtcDateTime(dump_only=True, allow_none=True, metadata={"description": "Null until first saved"})
