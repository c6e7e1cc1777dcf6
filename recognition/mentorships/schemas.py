"""What goes in and out of /api/v1/mentorships; ``PersonRefSchema`` is the short reference
to a person that other domains' schemas reuse."""

from marshmallow import Schema, validate

from .. import fields
from ..apidoc import ID, UtcDateTime
from ..keyset import KeysetArgsSchema, keyset_page_schema
from .models import KINDS


class PersonRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class MentorshipSchema(Schema):
    id = fields.Integer(dump_only=True)
    mentor_id = fields.Integer(validate=ID, required=True)
    mentee_id = fields.Integer(validate=ID, required=True)
    mentor = fields.Nested(PersonRefSchema, dump_only=True)
    mentee = fields.Nested(PersonRefSchema, dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    group_name = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=120))
    started_on = fields.Date(load_default=None, metadata={"description": "Defaults to today"})
    backdate_reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "Required when started_on is more than MENTORSHIP_BACKDATE_DAYS (30) days before "
            "today: why the mentorship is recorded late. Kept, and never changed"
        },
    )
    backdated = fields.Boolean(dump_only=True, metadata={"description": "Recorded with a back-dated start"})
    created_by = fields.Nested(PersonRefSchema, dump_only=True, allow_none=True)
    ended_on = fields.Date(dump_only=True, allow_none=True)
    end_reason = fields.String(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)


class EndMentorshipSchema(Schema):
    ended_on = fields.Date(load_default=None, metadata={"description": "Defaults to today"})
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class MentorshipArgsSchema(KeysetArgsSchema):
    person_id = fields.Integer(validate=ID, metadata={"description": "Mentor or mentee"})
    mentor_id = fields.Integer(validate=ID)
    mentee_id = fields.Integer(validate=ID)
    division_id = fields.Integer(validate=ID, metadata={"description": "The mentee's division"})
    kind = fields.String(validate=validate.OneOf(KINDS))
    active = fields.Boolean()
    active_on = fields.Date()


MentorshipPageSchema = keyset_page_schema(MentorshipSchema, "MentorshipPage")
