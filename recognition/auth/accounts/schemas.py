from marshmallow import Schema, validate

from ... import fields
from ...apidoc import UtcDateTime
from .models import MAX_REASON


class ReasonSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={
            "description": "Why the account is changed; kept in the account's history",
            "example": "Left the department",
        },
    )


class AccountEventSchema(Schema):
    action = fields.String(metadata={"description": "disabled or enabled"})
    reason = fields.String()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "Who did it; null for the command line"})
    actor_name = fields.String(metadata={"description": "Their name, or 'command line'"})
    at = UtcDateTime()


class AccountSchema(Schema):
    person_id = fields.Integer()
    has_account = fields.Boolean(metadata={"description": "False until the person has a password or signs in"})
    disabled = fields.Boolean()
    history = fields.List(fields.Nested(AccountEventSchema), metadata={"description": "Newest first"})


class AccountChangeSchema(AccountSchema):
    sessions_ended = fields.Integer(metadata={"description": "Browser sessions the change ended"})
    tokens_revoked = fields.Integer(metadata={"description": "API tokens the change revoked"})
