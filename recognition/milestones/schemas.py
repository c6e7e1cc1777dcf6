"""What goes in and out of /api/v1/milestones. Which fields a kind takes, and the limits
on them, are the rules' to say (``milestones.rules.problems``): one place, named per field."""

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import Schema, validate

from .. import fields
from ..apidoc import ID, UtcDateTime
from ..keyset import KeysetArgsSchema, keyset_page_schema
from ..mentorships.schemas import PersonRefSchema
from ..people.models import RANKS
from .models import CFAR_OUTCOMES, KINDS, SOURCES
from .rules import MAX_AGENCY, MAX_NOTE, MAX_REASON, MAX_ROLE, MAX_TITLE, STATUSES

TEXT: dict[str, Any] = {"allow_none": True}


class _FieldsSchema(Schema):
    occurred_on = fields.Date(
        allow_none=True,
        metadata={
            "description": "The day it happened (not in the future, not before 1950). A grant may give its year instead: "
            "it is then dated 1 July of that year (or today, for this year's grant before 1 July)"
        },
    )
    outcome = fields.String(
        **TEXT, metadata={"enum": list(CFAR_OUTCOMES), "description": "CFAR only: passed or extended"}
    )
    rank = fields.String(
        **TEXT,
        metadata={
            "enum": list(RANKS),
            "description": "Promotion: the rank reached (required). Appointment: the rank appointed at",
        },
    )
    title = fields.String(
        **TEXT,
        metadata={
            "description": f"Grant: its title; external award: its name; leadership: "
            f"the position (at most {MAX_TITLE} characters)"
        },
    )
    agency = fields.String(
        **TEXT,
        metadata={
            "description": f"Grant: the agency; external award: the awarding body; "
            f"leadership: the organisation (at most {MAX_AGENCY})"
        },
    )
    role = fields.String(**TEXT, metadata={"description": f"Grant: the person's role on it (at most {MAX_ROLE})"})
    year = fields.Integer(**TEXT, metadata={"description": "Grant: the year it was awarded"})
    note = fields.String(**TEXT, metadata={"description": f"Optional (at most {MAX_NOTE} characters)"})


class MilestoneInSchema(_FieldsSchema):
    person_id = fields.Integer(
        validate=ID,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Whose milestone; defaults to you. Yours is a self-report (pending until an administrator or "
            "your division director confirms it); an administrator records anyone's, a director their "
            "division's, and those stand at once"
        },
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


class CorrectionInSchema(_FieldsSchema):
    """Fields not sent keep the milestone's values; send null to clear one."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    person_id = fields.Integer(validate=ID, allow_none=True, metadata={"description": "Must stay the same if sent"})
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": "Why it is corrected; kept with the record"},
    )


class WithdrawalInSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_REASON),
        metadata={"description": "Why it is withdrawn; kept with the record"},
    )


class StatusSchema(Schema):
    state = fields.String(
        metadata={
            "enum": list(STATUSES),
            "description": (
                "standing: evidence; pending: a self-report awaiting confirmation; withdrawn; corrected: replaced by "
                "corrected_by_id"
            ),
        }
    )
    reason = fields.String(allow_none=True, metadata={"description": "Why it was withdrawn or corrected"})
    corrected_by_id = fields.Integer(allow_none=True, metadata={"description": "The milestone that replaced it"})
    confirmed_at = UtcDateTime(allow_none=True)
    confirmed_by = fields.Nested(PersonRefSchema, allow_none=True)
    changed_at = UtcDateTime(allow_none=True, metadata={"description": "When it was withdrawn or corrected"})
    changed_by = fields.Nested(PersonRefSchema, allow_none=True)


class MilestoneSchema(Schema):
    id = fields.Integer()
    person = fields.Nested(PersonRefSchema)
    kind = fields.String(metadata={"enum": list(KINDS)})
    occurred_on = fields.Date()
    outcome = fields.String(allow_none=True)
    rank = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    agency = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)
    note = fields.String()
    source = fields.String(metadata={"enum": list(SOURCES)})
    corrects_id = fields.Integer(allow_none=True, metadata={"description": "The milestone this one corrects"})
    ledger_entry_id = fields.Integer(
        metadata={"description": "Its ledger entry, whose note is the SHA-256 of these fields"}
    )
    recorded_by = fields.Nested(PersonRefSchema, allow_none=True)
    recorded_at = UtcDateTime()
    status = fields.Nested(StatusSchema)


MilestonePageSchema = keyset_page_schema(MilestoneSchema, "MilestonePage")


class MilestoneArgsSchema(KeysetArgsSchema):
    person_id = fields.Integer(validate=ID)
    kind = fields.String(validate=validate.OneOf(KINDS))
    status = fields.String(validate=validate.OneOf(STATUSES))


class MilestoneImportSchema(Schema):
    milestones = Upload(required=True, metadata={"description": "Milestones CSV (header row; UTF-8)"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Check every row, store nothing"})


class MilestoneImportResultSchema(Schema):
    created = fields.Integer(required=True, metadata={"description": "Milestones stored (on a dry run: that would be)"})
    dry_run = fields.Boolean(required=True)
