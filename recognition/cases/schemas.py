"""What goes in and out of /api/v1/cases."""

from __future__ import annotations

from marshmallow import Schema, validate

from .. import fields
from ..apidoc import ID, UtcDateTime
from ..keyset import KeysetArgsSchema, keyset_page_schema
from ..people.models import RANKS
from .models import CASE_KINDS
from .rules import MAX_MEMBERS, MAX_NOTE, MAX_REFEREES

CAPACITIES = ("admin", "director", "member", "candidate")
TEXT = validate.Length(max=MAX_NOTE, error=f"must be at most {MAX_NOTE} characters")


class CasePersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CaseInSchema(Schema):
    candidate_id = fields.Integer(required=True, validate=ID, metadata={"example": 42})
    kind = fields.String(required=True, validate=validate.OneOf(CASE_KINDS), metadata={"example": "promotion"})
    target_rank = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(RANKS),
        metadata={
            "description": "Promotion cases only: the rank sought, above the candidate's current rank",
            "example": "full",
        },
    )
    period_start = fields.Date(
        load_default=None,
        metadata={
            "description": "Default: the day of the candidate's last standing recorded promotion, else their "
            "appointment date; required when they have neither",
            "example": "2021-07-01",
        },
    )
    period_end = fields.Date(
        load_default=None, metadata={"description": "Default: the due date; not after it", "example": "2027-03-31"}
    )
    due_on = fields.Date(
        required=True, metadata={"description": "When the committee decides; not in the past", "example": "2027-03-31"}
    )
    member_ids = fields.List(
        fields.Integer(validate=ID),
        load_default=list,
        validate=validate.Length(max=MAX_MEMBERS),
        metadata={
            "description": "The committee, from the roster (never the candidate). Members "
            "tied to the candidate are flagged and recused",
            "example": [7, 12, 19],
        },
    )


class CaseMemberInSchema(Schema):
    person_id = fields.Integer(validate=ID, load_default=None, metadata={"example": 12})
    email = fields.Email(
        load_default=None,
        validate=validate.Length(max=254),
        metadata={"description": "Instead of person_id", "example": "a.chen@example.org"},
    )


class CaseOverrideInSchema(Schema):
    member_id = fields.Integer(
        required=True, validate=ID, metadata={"description": "The member's person id", "example": 12}
    )
    reason = fields.String(
        required=True,
        validate=TEXT,
        metadata={
            "description": "Why the member may sit despite the flag (required, kept for good)",
            "example": "The co-mentorship ended in 2015; the division has no other full professor in the field.",
        },
    )


class CaseClosureInSchema(Schema):
    note = fields.String(required=True, validate=TEXT, metadata={"example": "Promotion recommended to the dean."})


class CaseRefereesInSchema(Schema):
    referee_ids = fields.List(
        fields.Integer(validate=ID),
        load_default=list,
        validate=validate.Length(max=MAX_REFEREES),
        metadata={"example": [31, 44]},
    )
    referee_emails = fields.List(
        fields.Email(validate=validate.Length(max=254)),
        load_default=list,
        validate=validate.Length(max=MAX_REFEREES),
        metadata={"example": ["b.osei@example.org"]},
    )


class CaseStandaloneRefereesInSchema(CaseRefereesInSchema):
    candidate_id = fields.Integer(required=True, validate=ID, metadata={"example": 42})


class CaseRefereeSchema(Schema):
    person = fields.Nested(CasePersonSchema)
    email = fields.String()
    tied = fields.Boolean(metadata={"description": "Tied to the candidate in the mentoring graph"})
    reasons = fields.List(
        fields.String(), metadata={"example": ["has been in a mentorship with the candidate (either way)"]}
    )


class CaseRefereeCheckSchema(Schema):
    candidate = fields.Nested(CasePersonSchema)
    case_id = fields.Integer(allow_none=True)
    referees = fields.List(fields.Nested(CaseRefereeSchema))


class CaseOverrideSchema(Schema):
    reason = fields.String()
    flags = fields.List(fields.String(), metadata={"description": "The flags lifted, as they read then"})
    by = fields.Nested(CasePersonSchema, allow_none=True)
    at = UtcDateTime()


class CaseMemberSchema(Schema):
    person = fields.Nested(CasePersonSchema)
    added_at = UtcDateTime(metadata={"description": "Managers only"})
    removed_at = UtcDateTime(allow_none=True, metadata={"description": "Managers only: removed members stay listed"})
    flags = fields.List(
        fields.String(),
        metadata={
            "description": "Managers only: why the member is conflicted",
            "example": ["the member and the candidate share a mentor"],
        },
    )
    recused = fields.Boolean(metadata={"description": "Managers only"})
    override = fields.Nested(CaseOverrideSchema, allow_none=True, metadata={"description": "Managers only"})


class CaseYouSchema(Schema):
    member = fields.Boolean()
    flags = fields.List(fields.String())
    recused = fields.Boolean()
    recused_because = fields.List(fields.String())
    overridden = fields.Boolean(metadata={"description": "Flagged, and an administrator lifted the flag"})
    may_open_dossier = fields.Boolean(metadata={"description": "Open case, and you are not recused"})


class CaseSchema(Schema):
    id = fields.Integer()
    capacity = fields.String(
        validate=validate.OneOf(CAPACITIES),
        metadata={"description": "How you see the case. The candidate sees the case, never its committee"},
    )
    candidate = fields.Nested(CasePersonSchema)
    kind = fields.String(metadata={"example": "promotion"})
    target_rank = fields.String(allow_none=True, metadata={"example": "full"})
    period_start = fields.Date()
    period_end = fields.Date()
    due_on = fields.Date()
    state = fields.String(validate=validate.OneOf(("open", "closed")))
    opened_at = UtcDateTime()
    opened_by = fields.Nested(CasePersonSchema, allow_none=True, metadata={"description": "Not shown to the candidate"})
    closed_at = UtcDateTime(allow_none=True)
    closed_by = fields.Nested(CasePersonSchema, allow_none=True, metadata={"description": "Not shown to the candidate"})
    closing_note = fields.String(allow_none=True, metadata={"description": "Not shown to the candidate"})
    committee = fields.List(
        fields.Nested(CaseMemberSchema),
        metadata={
            "description": "Managers: every member with flags; members: the current members' names; candidate: absent"
        },
    )
    you = fields.Nested(CaseYouSchema, metadata={"description": "Members only: your own standing"})
    dossier_url = fields.String(
        allow_none=True, metadata={"description": "The candidate's dossier for this case, when you may open it"}
    )


class CaseArgsSchema(KeysetArgsSchema):
    state = fields.String(validate=validate.OneOf(("open", "closed")))
    kind = fields.String(validate=validate.OneOf(CASE_KINDS))
    candidate_id = fields.Integer(validate=ID)


CasePageSchema = keyset_page_schema(CaseSchema, "CasePage")
