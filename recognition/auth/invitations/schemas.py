"""What the invitation API answers."""

from marshmallow import Schema

from ... import fields
from ...apidoc import UtcDateTime


class InvitationSchema(Schema):
    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(dump_only=True)
    invited_by_id = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "null when sent from the command line"}
    )
    invited_by = fields.Function(
        lambda invitation: invitation.invited_by.name if invitation.invited_by else "command line",
        dump_only=True,
        metadata={"type": "string", "description": "Who sent it: a person's name, or 'command line'"},
    )
    sent_at = UtcDateTime(dump_only=True)
    expires_at = UtcDateTime(dump_only=True, metadata={"description": "When its link stops working"})
    accepted_at = UtcDateTime(
        dump_only=True, allow_none=True, metadata={"description": "When its link set the first password"}
    )
