from marshmallow import Schema, validate

from .. import fields
from ..apidoc import UtcDateTime


class TokenRequestSchema(Schema):
    email = fields.Email(required=True, metadata={"example": "mentor@example.org"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))
    name = fields.String(load_default="API token", validate=validate.Length(min=1, max=100))
    days = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "Days until the token expires: at most API_TOKEN_DAYS (90 by default), the default"},
    )


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    expires_at = UtcDateTime(dump_only=True, metadata={"description": "Refused from this moment on"})
    revoked_at = UtcDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "Shown once; only its hash is kept."})


class MeSchema(Schema):
    person_id = fields.Integer()
    name = fields.String()
    roles = fields.List(fields.String())
    directed_division_ids = fields.List(fields.Integer())
