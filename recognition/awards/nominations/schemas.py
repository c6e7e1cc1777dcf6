"""What goes in and out of /api/v1/nominations: a nomination, its statements, letters,
evidence and scores. Shape and range only; the services say whether a nominee is eligible
or a score fits the rubric."""

from flask_smorest.fields import Upload
from marshmallow import Schema, validate

from ... import fields
from ...apidoc import ID, PageArgsSchema, UtcDateTime, page_schema
from ..committee.service import MAX_COMMENT
from ..definitions.schemas import REASON, AwardPersonSchema, RefSchema, RubricSchema
from ..models import PHASES
from .service import MAX_PHILOSOPHY, MAX_STATEMENT


class NominationArgsSchema(PageArgsSchema):
    cycle_id = fields.Integer(validate=ID)


class NominationInSchema(Schema):
    cycle_id = fields.Integer(strict=True, required=True, validate=ID)
    nominee_id = fields.Integer(strict=True, required=True, validate=ID)
    statement = fields.String(
        required=True,
        validate=validate.Length(max=MAX_STATEMENT),
        metadata={"description": "Why they deserve the award; the committee reads it, the nominee does not"},
    )


class NominationStatementInSchema(Schema):
    statement = fields.String(required=True, validate=validate.Length(max=MAX_STATEMENT))


class PhilosophyInSchema(Schema):
    philosophy = fields.String(required=True, validate=validate.Length(max=MAX_PHILOSOPHY))


class CycleRefSchema(Schema):
    id = fields.Integer()
    award = fields.Nested(RefSchema)
    year = fields.Integer()
    phase = fields.String(metadata={"enum": list(PHASES)})


class NominationStatementSchema(Schema):
    nominator = fields.Nested(RefSchema)
    text = fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    yours = fields.Boolean()


class LetterLinksSchema(Schema):
    pdf = fields.String()


class LetterSchema(Schema):
    id = fields.Integer()
    author = fields.String()
    filename = fields.String()
    pages = fields.Integer()
    size = fields.Integer(metadata={"description": "Bytes"})
    sha256 = fields.String()
    uploaded_by = fields.Nested(RefSchema)
    uploaded_at = UtcDateTime()
    links = fields.Nested(LetterLinksSchema)


class LetterUploadSchema(Schema):
    """multipart/form-data: the file in ``letter`` and the writer's name in ``author``."""

    letter = Upload(required=True, metadata={"description": "The letter, a PDF"})
    author = fields.String(metadata={"description": "Who wrote the letter (a form field)"})


class ScoreSetSchema(Schema):
    member = fields.Nested(RefSchema)
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "By criterion id"})
    comment = fields.String()
    revision = fields.Integer()
    updated_at = UtcDateTime()
    yours = fields.Boolean()


class NominationLinksSchema(Schema):
    self = fields.String()
    evidence = fields.String()
    letters = fields.String()
    scores = fields.String()


class NominationItemSchema(Schema):
    id = fields.Integer()
    cycle = fields.Nested(CycleRefSchema)
    nominee = fields.Nested(AwardPersonSchema)
    suggested = fields.Boolean(metadata={"description": "Made by an administrator from the ledger suggestions"})
    created_at = UtcDateTime()
    links = fields.Nested(NominationLinksSchema)


class NominationSchema(NominationItemSchema):
    roles = fields.List(
        fields.String(metadata={"enum": ["manager", "member", "nominator", "nominee"]}),
        metadata={"description": "Your relations to the nomination"},
    )
    philosophy = fields.String(allow_none=True, metadata={"description": "The nominee's mentoring philosophy"})
    philosophy_at = UtcDateTime(allow_none=True)
    profile_philosophy = fields.String(
        metadata={
            "description": "The mentoring philosophy in the nominee's profile (empty if none): live until nominations "
            "close, then as frozen with the evidence. For those who read the evidence (the award's "
            "managers, unrecused members, the nominee); left out for a nominator"
        }
    )
    evidence_hash = fields.String(allow_none=True, metadata={"description": "Set when nominations close"})
    evidence_frozen_at = UtcDateTime(allow_none=True)
    statements = fields.List(
        fields.Nested(NominationStatementSchema),
        metadata={"description": "The committee and managers: all; a nominator: their own; the nominee: left out"},
    )
    letters = fields.List(
        fields.Nested(LetterSchema), metadata={"description": "Left out for the nominee: letters are confidential"}
    )
    score_sets = fields.List(
        fields.Nested(ScoreSetSchema),
        metadata={
            "description": "Managers and unrecused committee members only; a member while the review is on only "
            "once they have scored it"
        },
    )
    score_sets_withheld = fields.Boolean(
        metadata={
            "description": "True while you are to score this nomination: the others' scores are shown once you have"
        }
    )


NominationPageSchema = page_schema(NominationItemSchema, "NominationPage")


class EvidenceSchema(Schema):
    nomination_id = fields.Integer()
    table = fields.Dict(
        metadata={
            "description": "The nominee's mentoring as the ledger shows it: mentorships, "
            "totals, released feedback (pooled above k), training, awards, "
            "and the mentoring philosophy of their profile"
        }
    )
    hash = fields.String(
        allow_none=True, metadata={"description": "SHA-256 of the frozen table; null until nominations close"}
    )
    frozen_at = UtcDateTime(allow_none=True)
    intact = fields.Boolean(metadata={"description": "The frozen table still hashes to what was recorded"})


class ScoresInSchema(Schema):
    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Integer(strict=True),
        required=True,
        metadata={
            "description": "A whole-number score for every criterion of the award's rubric",
            "example": {"impact": 4, "commitment": 5, "quality": 4, "citizenship": 3},
        },
    )
    comment = fields.String(load_default="", validate=validate.Length(max=MAX_COMMENT))


class RevisionSchema(Schema):
    revision = fields.Integer()
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    comment = fields.String()
    at = UtcDateTime()


class OwnScoresSchema(ScoreSetSchema):
    revisions = fields.List(fields.Nested(RevisionSchema), metadata={"description": "Every save, oldest first"})


class ScoresSchema(Schema):
    nomination_id = fields.Integer()
    scoring_open = fields.Boolean()
    rubric = fields.Nested(RubricSchema)
    score_sets = fields.List(
        fields.Nested(ScoreSetSchema),
        metadata={
            "description": "The sets counted in the ranking; for a member while the review is on, only once they have "
            "saved their own"
        },
    )
    score_sets_withheld = fields.Boolean(
        metadata={
            "description": "True while you are to score this nomination: the others' scores are shown once you have"
        }
    )
    own = fields.Nested(OwnScoresSchema, allow_none=True, metadata={"description": "Your set and its history"})


class ConflictInSchema(Schema):
    reason = fields.String(required=True, validate=REASON, metadata={"description": "What the conflict is"})
