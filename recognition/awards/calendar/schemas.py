from marshmallow import Schema

from ... import fields
from ...apidoc import UtcDateTime


class FeedSchema(Schema):
    url = fields.String(metadata={"description": "The personal feed address; anyone holding it sees your deadlines"})
    webcal_url = fields.String(metadata={"description": "The same address for calendar apps (webcal://)"})
    rotated_at = UtcDateTime(allow_none=True, metadata={"description": "When the address was last replaced"})
