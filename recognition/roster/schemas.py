"""What goes in and out of /api/v1/roster/imports."""

from flask_smorest.fields import Upload
from marshmallow import Schema

from .. import fields


class ImportRequestSchema(Schema):
    """One multipart/form-data body: the files and the dry-run switch together."""

    people = Upload(metadata={"description": "People CSV (header row; UTF-8, comma or semicolon)"})
    mentorships = Upload(metadata={"description": "Mentorships CSV; may name people from the people file"})
    milestones = Upload(metadata={"description": "Milestones CSV; may name people from the people file"})
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Check everything and report what would be created, storing nothing"},
    )


class ImportCountsSchema(Schema):
    people = fields.Integer(required=True)
    mentorships = fields.Integer(required=True)
    milestones = fields.Integer(required=True)


class ImportResultSchema(Schema):
    created = fields.Nested(
        ImportCountsSchema,
        required=True,
        metadata={"description": "What was created (on a dry run: what would be)"},
    )
    dry_run = fields.Boolean(required=True)
