"""What goes in and out of /api/v1/cycles: a cycle, its dates, phases and history, its
committee and recusals, the ranking and the decision. Shape and range only; the services
say whether it hangs together."""

from marshmallow import Schema, validate

from ... import fields
from ...apidoc import ID, UtcDateTime
from ...keyset import KeysetArgsSchema, keyset_page_schema
from ..definitions.schemas import REASON, YEAR, AwardPersonSchema, RefSchema
from ..definitions.service import MAX_WINNERS
from ..models import PHASES, RECUSAL_SOURCES, TRANSITION_SOURCES
from .service import DATE_FIELDS


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


class CycleArgsSchema(KeysetArgsSchema):
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


AwardCyclePageSchema = keyset_page_schema(AwardCycleSchema, "AwardCyclePage")


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
