"""What goes in and out of /api/v1/awards, /api/v1/cycles and /api/v1/nominations.

These schemas check shape and range only. Whether an award's settings hang together, a
nominee is eligible or a score fits the rubric is for the services (``definitions``,
``nominations``, ``committee``) to say, with the same field names. Which fields a reader
receives depends on who they are: a field they may not read is left out, not sent empty.
"""

from flask_smorest.fields import Upload
from marshmallow import Schema, validate

from ... import fields
from ...apidoc import ID, PageArgsSchema, UtcDateTime, page_schema
from ...people.models import RANKS
from ..committee.service import MAX_COMMENT, MAX_REASON
from ..cycles.service import DATE_FIELDS
from ..models import LEVELS, PHASES, RECUSAL_SOURCES, TRANSITION_SOURCES
from ..nominations.service import MAX_PHILOSOPHY, MAX_STATEMENT
from .service import MAX_CRITERIA, MAX_MIN_REVIEWS, MAX_WINNERS, MONTH_DAY

YEAR = validate.Range(min=2000, max=2999)
MONTH_DAY_FIELD = {
    "validate": validate.Regexp(MONTH_DAY, error="must be a month and day as MM-DD, like 02-15"),
    "metadata": {"example": "02-15"},
}
REASON = validate.Length(max=MAX_REASON)
# Numbers in JSON bodies are whole numbers as sent (``recognition.fields`` is strict for
# every schema; ``strict=True`` here says so where a score of 4.7 read as 4 would matter).


class RefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class AwardPersonSchema(RefSchema):
    division = fields.String(allow_none=True, metadata={"description": "The division's name"})


# Awards ------------------------------------------------------------------------------------


class EligibilitySchema(Schema):
    """Each rule is switched off by null (or by leaving it out)."""

    min_years_mentoring = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=60))
    min_mentees = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=500))
    max_years_on_faculty = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "Early-career awards: at most this many whole years on faculty"},
    )
    ranks = fields.List(
        fields.String(validate=validate.OneOf(RANKS)),
        allow_none=True,
        metadata={"description": "The ranks allowed (null: any)"},
    )
    past_winner_exclusion_years = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "null: a past winner is never eligible again; N: not for N years; 0: always"},
    )


class CriterionSchema(Schema):
    id = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z][a-z0-9_]{0,39}$",
            error=("must be 1 to 40 lower-case letters, digits or underscores, starting with a letter"),
        ),
        metadata={"example": "impact"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    weight = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=100, min_inclusive=False),
        metadata={"description": "Relative weight; weights need not add up to 1"},
    )


class RubricSchema(Schema):
    low = fields.Integer(
        strict=True,
        load_default=1,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "The lowest score"},
    )
    high = fields.Integer(
        strict=True,
        load_default=5,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "The highest score"},
    )
    criteria = fields.List(
        fields.Nested(CriterionSchema), required=True, validate=validate.Length(min=1, max=MAX_CRITERIA)
    )


class ScheduleSchema(Schema):
    opens = fields.String(metadata={"description": "Nominations open (MM-DD)"})
    closes = fields.String(metadata={"description": "Nominations close, the last day they are taken (MM-DD)"})
    review_ends = fields.String(metadata={"description": "The last day the committee scores (MM-DD)"})
    decision = fields.String(metadata={"description": "MM-DD"})
    announcement = fields.String(metadata={"description": "MM-DD"})


class AwardInSchema(Schema):
    """A new award. Without a rubric, the department's default rubric is used."""

    slug = fields.String(
        required=True, validate=validate.Length(min=3, max=60), metadata={"example": "mentor-of-the-year"}
    )
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(validate=validate.Length(max=4000))
    level = fields.String(validate=validate.OneOf(LEVELS), metadata={"description": "Default: department"})
    division_id = fields.Integer(
        strict=True,
        allow_none=True,
        validate=ID,
        metadata={"description": "Required for a division award; null otherwise"},
    )
    winners = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=MAX_WINNERS), metadata={"description": "Default: 1"}
    )
    min_reviews = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=MAX_MIN_REVIEWS),
        metadata={
            "description": "Reviews a nominee needs before the ranking gives them a "
            "place; fewer and they are listed as not yet ranked. "
            "Default: 1"
        },
    )
    division_conflicts = fields.Boolean(
        metadata={"description": "Same-division membership is a conflict of interest on the committee"}
    )
    active = fields.Boolean(metadata={"description": "Inactive awards get no new yearly cycles"})
    eligibility = fields.Nested(EligibilitySchema)
    rubric = fields.Nested(RubricSchema)
    opens = fields.String(required=True, **MONTH_DAY_FIELD)
    closes = fields.String(required=True, **MONTH_DAY_FIELD)
    review_ends = fields.String(required=True, **MONTH_DAY_FIELD)
    decision = fields.String(required=True, **MONTH_DAY_FIELD)
    announcement = fields.String(required=True, **MONTH_DAY_FIELD)


class AwardUpdateSchema(AwardInSchema):
    """Every field optional, and nothing filled in: only what is sent changes. An
    eligibility or rubric object sent replaces the whole one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class AwardArgsSchema(PageArgsSchema):
    active = fields.Boolean()
    level = fields.String(validate=validate.OneOf(LEVELS))
    division_id = fields.Integer(validate=ID)


class AwardLinksSchema(Schema):
    self = fields.String()
    cycles = fields.String()


class AwardSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    description = fields.String()
    level = fields.String(metadata={"enum": list(LEVELS)})
    division = fields.Nested(RefSchema, allow_none=True)
    winners = fields.Integer()
    min_reviews = fields.Integer(metadata={"description": "Reviews a nominee needs before being ranked"})
    division_conflicts = fields.Boolean()
    active = fields.Boolean()
    eligibility = fields.Nested(EligibilitySchema)
    rubric = fields.Nested(RubricSchema)
    schedule = fields.Nested(ScheduleSchema)
    created_at = UtcDateTime()
    links = fields.Nested(AwardLinksSchema)


AwardPageSchema = page_schema(AwardSchema, "AwardPage")


# Grants ------------------------------------------------------------------------------------


class GrantArgsSchema(PageArgsSchema):
    person_id = fields.Integer(validate=ID, metadata={"description": "Whose awards (default: yours; others': admins)"})


class GrantLinksSchema(Schema):
    self = fields.String()
    credential = fields.String()
    pdf = fields.String()
    verify = fields.String(metadata={"description": "The public verification page"})


class GrantSchema(Schema):
    id = fields.Integer()
    award = fields.Nested(RefSchema)
    year = fields.Integer()
    cycle_id = fields.Integer()
    nomination_id = fields.Integer()
    person = fields.Nested(RefSchema)
    awarded_on = fields.Date()
    issued_at = UtcDateTime()
    status = fields.String(metadata={"enum": ["current", "revoked"]})
    revoked_at = UtcDateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    code = fields.String(metadata={"description": "The verification code, in groups of four"})
    verify_url = fields.String()
    content_hash = fields.String(metadata={"description": "SHA-256 of the signed credential"})
    key_id = fields.String()
    pdf_sha256 = fields.String()
    links = fields.Nested(GrantLinksSchema)


GrantPageSchema = page_schema(GrantSchema, "GrantPage")


class GrantRevocationInSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Why it is revoked (kept on the record)"},
    )


# Cycles ------------------------------------------------------------------------------------


class CycleDatesSchema(Schema):
    opens_on = fields.Date(metadata={"description": "Nominations are taken from this day"})
    closes_on = fields.Date(metadata={"description": "... through this day"})
    review_ends_on = fields.Date(metadata={"description": "The last day scores can change"})
    decision_on = fields.Date()
    announce_on = fields.Date()


class CycleInSchema(Schema):
    award_id = fields.Integer(strict=True, required=True, validate=ID)
    year = fields.Integer(strict=True, required=True, validate=YEAR, metadata={"example": 2027})
    dates = fields.Nested(
        CycleDatesSchema,
        metadata={"description": "Dates to use instead of the award's schedule in that year (any of them)"},
    )


class CycleArgsSchema(PageArgsSchema):
    award_id = fields.Integer(validate=ID)
    year = fields.Integer(validate=YEAR)
    phase = fields.String(validate=validate.OneOf(PHASES))


class CycleAwardSchema(RefSchema):
    slug = fields.String()
    level = fields.String()
    division = fields.Nested(RefSchema, allow_none=True)


class CycleCountsSchema(Schema):
    nominations = fields.Integer()
    committee = fields.Integer()
    recusals = fields.Integer()
    score_sets = fields.Integer()
    decisions = fields.Integer()


class CycleConflictSchema(Schema):
    nomination_id = fields.Integer()
    reasons = fields.List(fields.String())


class CycleYouSchema(Schema):
    manager = fields.Boolean(metadata={"description": "You run this award (advance, committee, decision)"})
    committee_member = fields.Boolean()
    may_see_ranking = fields.Boolean()
    conflicts = fields.List(
        fields.Nested(CycleConflictSchema),
        metadata={
            "description": "Managers: the nominations you have a conflict of interest with (you read them as a recused "
            "member does)"
        },
    )
    may_act = fields.Boolean(
        metadata={
            "description": "Managers: you may change the committee, dates, phases and "
            "decision (no conflict of interest in this cycle)"
        }
    )
    free_managers = fields.List(
        fields.Nested(RefSchema),
        metadata={"description": "When you have a conflict: the award's managers who have none, who may act instead"},
    )


class CycleLinksSchema(Schema):
    self = fields.String()
    nominations = fields.String()
    ranking = fields.String()


class AwardCycleSchema(Schema):
    id = fields.Integer()
    award = fields.Nested(CycleAwardSchema)
    year = fields.Integer()
    phase = fields.String(metadata={"enum": list(PHASES)})
    opens_on = fields.Date()
    closes_on = fields.Date()
    review_starts_on = fields.Date(metadata={"description": "When the committee starts scoring"})
    review_ends_on = fields.Date()
    decision_on = fields.Date()
    announce_on = fields.Date()
    nominating_open = fields.Boolean(metadata={"description": "Nominations are taken today"})
    scoring_open = fields.Boolean(metadata={"description": "The committee scores today"})
    you = fields.Nested(CycleYouSchema)
    counts = fields.Nested(CycleCountsSchema, metadata={"description": "For the award's managers only"})
    links = fields.Nested(CycleLinksSchema)


AwardCyclePageSchema = page_schema(AwardCycleSchema, "AwardCyclePage")


class AdvanceInSchema(Schema):
    from_phase = fields.String(
        required=True,
        validate=validate.OneOf(PHASES),
        metadata={
            "description": "The phase you saw the cycle in and mean to move it from: if it has moved since "
            "(another manager, the schedule), the answer is 409 and nothing changes"
        },
    )
    reason = fields.String(required=True, validate=REASON, metadata={"description": "Why ahead of the schedule"})


class MoveDateInSchema(Schema):
    field = fields.String(required=True, validate=validate.OneOf(DATE_FIELDS))
    date = fields.Date(required=True)
    reason = fields.String(required=True, validate=REASON)


class HistorySchema(Schema):
    kind = fields.String(metadata={"enum": ["transition", "date_change"]})
    at = UtcDateTime()
    by = fields.Nested(RefSchema, allow_none=True, metadata={"description": "null: the schedule"})
    reason = fields.String(allow_none=True)
    from_phase = fields.String(metadata={"description": "Transitions"})
    phase = fields.String(metadata={"description": "Transitions: the phase entered"})
    effective_on = fields.Date(metadata={"description": "Transitions"})
    source = fields.String(metadata={"enum": list(TRANSITION_SOURCES), "description": "Transitions"})
    field = fields.String(metadata={"enum": list(DATE_FIELDS), "description": "Date changes"})
    old = fields.Date(metadata={"description": "Date changes"})
    new = fields.Date(metadata={"description": "Date changes"})


class MemberInSchema(Schema):
    person_id = fields.Integer(strict=True, required=True, validate=ID)
    chair = fields.Boolean(load_default=False)


class MemberSchema(Schema):
    person = fields.Nested(AwardPersonSchema)
    chair = fields.Boolean()
    added_at = UtcDateTime()


class RecusalMentorshipSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    mentor = fields.Nested(RefSchema)
    mentee = fields.Nested(RefSchema)
    started_on = fields.Date()
    created_at = UtcDateTime()
    created_by = fields.Nested(RefSchema, allow_none=True)
    backdated = fields.Boolean()
    backdate_reason = fields.String(allow_none=True)


class RecusalSchema(Schema):
    id = fields.Integer()
    nomination_id = fields.Integer()
    nominee = fields.Nested(RefSchema)
    member = fields.Nested(RefSchema)
    source = fields.String(metadata={"enum": list(RECUSAL_SOURCES)})
    reason = fields.String()
    at = UtcDateTime()
    found_during_review = fields.Boolean(
        metadata={
            "description": "Detected while the committee was reviewing: a tie that appeared after nominations closed"
        }
    )
    mentorship = fields.Nested(
        RecusalMentorshipSchema,
        allow_none=True,
        metadata={"description": "The mentorship that made a detected conflict"},
    )


class WithdrawalSchema(Schema):
    id = fields.Integer()
    nomination_id = fields.Integer(
        metadata={"description": "The nomination's id (it is gone when no statement is left)"}
    )
    nominee = fields.Nested(RefSchema)
    nominator = fields.Nested(RefSchema)
    reason = fields.String(allow_none=True)
    letters_removed = fields.Integer()
    nomination_removed = fields.Boolean()
    at = UtcDateTime()


class SuggestionArgsSchema(Schema):
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class SuggestionSchema(Schema):
    person = fields.Nested(AwardPersonSchema)
    mentees = fields.Integer()
    confirmed_meetings = fields.Integer()
    feedback_responses = fields.Integer()
    feedback_mean = fields.Float(allow_none=True)
    mentee_milestones = fields.Integer()
    points = fields.Integer(
        metadata={
            "description": "5 per mentee, 1 per confirmed meeting, 2 per released "
            "feedback response, 3 per mentee milestone (last five years)"
        }
    )


class RankingRowSchema(Schema):
    position = fields.Integer(
        allow_none=True, metadata={"description": "Null on a row you are recused from, and on a nominee not yet ranked"}
    )
    nomination_id = fields.Integer()
    nominee = fields.Nested(AwardPersonSchema)
    recused = fields.Boolean(metadata={"description": "You are recused from this nominee: no numbers shown"})
    recusal_reasons = fields.List(fields.String())
    raw_mean = fields.Float(allow_none=True, metadata={"description": "Mean of the weighted rubric scores"})
    normalised_mean = fields.Float(allow_none=True, metadata={"description": "Mean of the reviewers' z-scores"})
    reviews = fields.Integer(allow_none=True, metadata={"description": "Members who scored the nominee"})
    reviewers = fields.Integer(
        allow_none=True,
        metadata={"description": "Members who could: the committee less those recused from the nominee"},
    )
    spread = fields.Float(allow_none=True, metadata={"description": "Population sd of the weighted scores"})
    status = fields.String(metadata={"description": "ranked; not yet ranked (n of m reviews needed); or recused"})


class ToScoreSchema(Schema):
    nomination_id = fields.Integer()
    nominee = fields.Nested(AwardPersonSchema)


class RankingSchema(Schema):
    cycle_id = fields.Integer()
    tie_break = fields.String(metadata={"description": "How ties are ordered"})
    min_reviews = fields.Integer(metadata={"description": "Reviews a nominee needs before being ranked"})
    warnings = fields.List(
        fields.String(), metadata={"description": "For example: nominees have unequal numbers of reviews"}
    )
    withheld = fields.Boolean(
        metadata={
            "description": "True while you have nominees left to score: no rows until "
            "you have scored them (others' scores would anchor yours)"
        }
    )
    to_score = fields.List(fields.Nested(ToScoreSchema), metadata={"description": "The nominees left to score"})
    rows = fields.List(
        fields.Nested(RankingRowSchema),
        metadata={
            "description": "Ranked nominees in order, then those not yet ranked, then those you are recused from "
            "(both by nomination id); positions count only the nominees you may see"
        },
    )


class DecisionInSchema(Schema):
    winners = fields.List(
        fields.Integer(strict=True, validate=ID),
        required=True,
        validate=validate.Length(min=1, max=MAX_WINNERS),
        metadata={"description": "Nomination ids, in order"},
    )
    reasons = fields.Dict(
        keys=fields.String(validate=validate.Length(max=12)),
        values=fields.String(validate=REASON),
        load_default=dict,
        metadata={
            "description": "By nomination id: why a winner the ranking placed below "
            "the award's number of winners was chosen (required for them)"
        },
    )
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class WinnerSchema(Schema):
    nomination_id = fields.Integer()
    nominee = fields.Nested(RefSchema)
    position = fields.Integer(metadata={"description": "Order among the winners"})
    ranked_position = fields.Integer(
        allow_none=True, metadata={"description": "Where the committee's ranking placed them (null: not ranked)"}
    )
    reason = fields.String(allow_none=True)


class SnapshotRowSchema(Schema):
    nomination_id = fields.Integer()
    nominee = fields.String()
    position = fields.Integer(allow_none=True, metadata={"description": "Null: not ranked (too few reviews)"})
    raw_mean = fields.Float(allow_none=True)
    normalised_mean = fields.Float(allow_none=True)
    reviews = fields.Integer()
    reviewers = fields.Integer(
        allow_none=True,
        metadata={"description": "Members who could review the nominee (absent from decisions recorded before)"},
    )
    spread = fields.Float(allow_none=True)


class DecisionSchema(Schema):
    id = fields.Integer()
    cycle_id = fields.Integer()
    version = fields.Integer(metadata={"description": "A later version replaces an earlier one"})
    note = fields.String()
    decided_at = UtcDateTime()
    decided_by = fields.Nested(RefSchema, allow_none=True)
    winners = fields.List(fields.Nested(WinnerSchema))
    ranking = fields.List(fields.Nested(SnapshotRowSchema), metadata={"description": "The ranking as it was"})
    phase = fields.String(metadata={"description": "The cycle's phase after recording it"})


# Nominations -------------------------------------------------------------------------------


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
