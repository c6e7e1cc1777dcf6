"""/api/v1/cycles: each award's yearly cycle, its phases and dates, committee, ranking, decision.

Anyone signed in sees a cycle's public facts: its award, phase and dates. What the
committee does is not public: the committee list, conflicts, ranking, suggestions,
history and decisions are for the award's managers (administrators, and a division's
director for that division's awards; ``nominations.is_manager``), the ranking and the
committee list also for its members, and anyone else gets a 404 for them, as for a
ranking. Changing a cycle someone may see but not manage is a 403.

A cycle created after its dates have come is moved at once into the phase they put it
in, as the scheduler would on its next run.
"""

from __future__ import annotations

from flask import Response
from sqlalchemy import select

from ...apidoc import errors_for
from ...auth.current import api_actor
from ...auth.service import Actor
from ...clock import today, utcnow
from ...errors import DomainError, Forbidden, NotFound
from ...extensions import db
from ...keyset import paginate
from ...parsing import Blueprint
from ...people.models import Person
from .. import lifecycle, managers
from ..committee import exports, recusal
from ..committee import service as committee
from ..models import Award, Cycle, CycleTransition, Nomination
from ..nominations import service as nominations
from ..nominations import suggestions
from ..nominations.schemas import NominationSchema
from ..nominations.shapes import nomination_view
from . import decision as decisions
from . import service as cycles
from .schemas import (
    AdvanceInSchema,
    AwardCyclePageSchema,
    AwardCycleSchema,
    CycleArgsSchema,
    CycleInSchema,
    DecisionInSchema,
    DecisionSchema,
    HistorySchema,
    MemberInSchema,
    MemberSchema,
    MoveDateInSchema,
    RankingSchema,
    RecusalSchema,
    SuggestionArgsSchema,
    SuggestionSchema,
    WithdrawalSchema,
)
from .shapes import cycle_view, decision_view, member_view, person_ref, ranking_view, recusal_view

URL = "/cycles"
blp = Blueprint("cycles_api", __name__, description="Award cycles: phases, dates, committee, ranking, decision")


def _manage(cycle: Cycle, actor: Actor, field: str) -> None:
    """A change to a cycle the actor may see but not run is a 403."""
    if not nominations.is_manager(actor, cycle):
        raise Forbidden(f"Only the administrators of {cycle.award.name} do that.", {field: ["award managers only"]})


def _synced(cycle: Cycle) -> Cycle:
    """Record any conflict found since the last run before reading (``recusal.sync_recusals``)."""
    if recusal.sync_recusals(cycle, utcnow()):
        db.session.commit()
    return cycle


def _managed(cycle_id: int, actor: Actor, what: str) -> Cycle:
    """A cycle whose committee matters the actor may read; to anyone else they do not exist."""
    cycle = cycles.get(cycle_id)
    if not nominations.is_manager(actor, cycle):
        raise NotFound(f"No {what} you may see for that cycle.", {"cycle_id": ["not an award you manage"]})
    return cycle


# Cycles --------------------------------------------------------------------------------


@blp.get("")
@blp.arguments(CycleArgsSchema, location="query")
@blp.response(200, AwardCyclePageSchema)
@errors_for(401, 422)
def list_cycles(args):
    """Award cycles, newest year first (filter by award, year or phase)"""
    actor = api_actor()
    statement = select(Cycle)
    for key in ("award_id", "year", "phase"):
        if key in args:
            statement = statement.where(getattr(Cycle, key) == args[key])
    page = paginate(db.session, statement, args, (Cycle.year.desc(), Cycle.award_id, Cycle.id))
    page["items"] = [cycle_view(cycle, actor, counted=False) for cycle in page["items"]]
    return page


@blp.post("")
@blp.arguments(CycleInSchema, example={"award_id": 1, "year": 2027, "dates": {"closes_on": "2027-03-31"}})
@blp.response(201, AwardCycleSchema)
@errors_for(401, 403, 409, 422)
def create_cycle(body):
    """Create an award's cycle for a year, from its schedule or with the dates given
    (admins). The scheduler makes each year's cycle by itself; this is for a first year,
    or a year with other dates. Dates already come move it on at once"""
    actor = api_actor()
    if not actor.is_admin:
        raise Forbidden("Only administrators create award cycles.", {"award_id": ["admins only"]})
    award = db.session.get(Award, body["award_id"])
    if award is None:
        raise DomainError.field("award_id", "must name an award")
    now = utcnow()
    cycle = cycles.create_cycle(award, body["year"], now, body.get("dates"))
    db.session.commit()
    lifecycle.catch_up(cycle, today(), now)
    return cycle_view(cycle, actor)


@blp.get("/<int:cycle_id>")
@blp.response(200, AwardCycleSchema)
@errors_for(401, 404)
def get_cycle(cycle_id):
    """One cycle: award, phase and dates; what you may do; for managers, counts and any
    conflict of interest of yours in it (then who may act instead)"""
    cycle, actor = cycles.get(cycle_id), api_actor()
    if nominations.is_manager(actor, cycle):
        _synced(cycle)
    return cycle_view(cycle, actor)


@blp.post("/<int:cycle_id>/advance")
@blp.arguments(AdvanceInSchema, example={"from_phase": "review", "reason": "The committee finished early"})
@blp.response(200, AwardCycleSchema)
@errors_for(401, 403, 404, 409, 422)
def advance_cycle(body, cycle_id):
    """Move the cycle into its next phase now, ahead of its dates, saying why (managers).
    Entering a phase does what the schedule would: closing freezes the evidence, the
    announcement grants the awards. Deciding needs the winners recorded first. Name the
    phase you mean to move it from: a cycle that has moved since is a 409, so two managers
    pressing at once move it one phase"""
    actor = api_actor()
    cycle = cycles.get(cycle_id)
    _manage(cycle, actor, "reason")
    lifecycle.advance(cycle, actor, body["reason"], today(), utcnow(), from_phase=body["from_phase"])
    db.session.commit()
    return cycle_view(cycle, actor)


@blp.post("/<int:cycle_id>/dates")
@blp.arguments(
    MoveDateInSchema,
    example={"field": "closes_on", "date": "2027-03-31", "reason": "Two divisions asked for more time"},
)
@blp.response(200, AwardCycleSchema)
@errors_for(401, 403, 404, 409, 422)
def move_date(body, cycle_id):
    """Move one of the cycle's dates (usually later, extending a phase), saying why
    (managers). Only dates not yet passed can move, and the dates stay in order"""
    actor = api_actor()
    cycle = cycles.get(cycle_id)
    _manage(cycle, actor, "field")
    cycles.move_date(cycle, body["field"], body["date"], actor, body["reason"], today(), utcnow())
    db.session.commit()
    return cycle_view(cycle, actor)


@blp.get("/<int:cycle_id>/history")
@blp.response(200, HistorySchema(many=True))
@errors_for(401, 404)
def cycle_history(cycle_id):
    """Every phase transition (by the schedule or by whom, and why) and date change,
    oldest first (managers)"""
    cycle = _managed(cycle_id, api_actor(), "history")
    items = []
    for item in cycles.history(cycle.id):
        by = {"id": item.by.id, "name": item.by.name} if item.by else None
        if isinstance(item, CycleTransition):
            items.append(
                {
                    "kind": "transition",
                    "at": item.at,
                    "by": by,
                    "reason": item.reason,
                    "from_phase": item.from_phase,
                    "phase": item.phase,
                    "effective_on": item.effective_on,
                    "source": item.source,
                }
            )
        else:
            items.append(
                {
                    "kind": "date_change",
                    "at": item.at,
                    "by": by,
                    "reason": item.reason,
                    "field": item.field,
                    "old": item.old,
                    "new": item.new,
                }
            )
    return items


# The committee ---------------------------------------------------------------------------


@blp.get("/<int:cycle_id>/committee")
@blp.response(200, MemberSchema(many=True))
@errors_for(401, 404)
def list_committee(cycle_id):
    """The committee, chair first (managers and the members)"""
    actor = api_actor()
    cycle = cycles.get(cycle_id)
    if not (nominations.is_manager(actor, cycle) or recusal.is_member(cycle.id, actor.person_id)):
        raise NotFound("No committee you may see for that cycle.", {"cycle_id": ["not your committee"]})
    return [member_view(member) for member in recusal.members(cycle.id)]


@blp.post("/<int:cycle_id>/committee")
@blp.arguments(MemberInSchema, example={"person_id": 42, "chair": False})
@blp.response(201, MemberSchema)
@errors_for(401, 403, 404, 409, 422)
def add_member(body, cycle_id):
    """Add a committee member (managers), until the decision. Their conflicts with the
    nominees are recorded at once once nominations have closed"""
    actor = api_actor()
    cycle = cycles.get(cycle_id)
    member = committee.add_member(cycle, body["person_id"], actor, utcnow(), chair=body["chair"])
    db.session.commit()
    return member_view(member)


@blp.delete("/<int:cycle_id>/committee/<int:person_id>")
@blp.response(204)
@errors_for(401, 403, 404, 409)
def remove_member(cycle_id, person_id):
    """Remove a committee member who has not scored anything (managers)"""
    actor = api_actor()
    committee.remove_member(cycles.get(cycle_id), person_id, actor)
    db.session.commit()


@blp.get("/<int:cycle_id>/recusals")
@blp.response(200, RecusalSchema(many=True))
@errors_for(401, 404)
def list_recusals(cycle_id):
    """Every recusal recorded: conflicts detected from the mentoring graph (with where each
    came from: the phase it was found in and the mentorship that made it) and conflicts
    members declared, oldest first (managers). Conflicts found since the last daily run
    are recorded first"""
    cycle = _synced(_managed(cycle_id, api_actor(), "recusals"))
    nominees = {n.id: n.nominee for n in db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id))}
    return [recusal_view(r, nominees[r.nomination_id]) for r in recusal.recusals(cycle.id)]


@blp.get("/<int:cycle_id>/withdrawals")
@blp.response(200, WithdrawalSchema(many=True))
@errors_for(401, 404)
def list_withdrawals(cycle_id):
    """Every nominator's withdrawal: who withdrew whose nomination, when, and whether the
    nomination and its letters went with it, oldest first (managers)"""
    cycle = _managed(cycle_id, api_actor(), "withdrawals")
    return [
        {
            "id": w.id,
            "nomination_id": w.nomination_id,
            "nominee": {"id": w.nominee.id, "name": w.nominee.name},
            "nominator": {"id": w.nominator.id, "name": w.nominator.name},
            "reason": w.reason,
            "letters_removed": w.letters_removed,
            "nomination_removed": w.nomination_removed,
            "at": w.at,
        }
        for w in nominations.withdrawals(cycle.id)
    ]


# Suggestions -------------------------------------------------------------------------------


@blp.get("/<int:cycle_id>/suggestions")
@blp.arguments(SuggestionArgsSchema, location="query")
@blp.response(200, SuggestionSchema(many=True))
@errors_for(401, 404, 422)
def list_suggestions(args, cycle_id):
    """Eligible mentors not yet nominated, ranked by their ledger evidence of the last
    five years (managers)"""
    cycle = _managed(cycle_id, api_actor(), "suggestions")
    return [
        {
            "person": person_ref(s.person),
            "mentees": s.mentees,
            "confirmed_meetings": s.confirmed_meetings,
            "feedback_responses": s.feedback_responses,
            "feedback_mean": s.feedback_mean,
            "mentee_milestones": s.mentee_milestones,
            "points": s.points,
        }
        for s in suggestions.suggestions(cycle, today(), args["limit"])
    ]


@blp.post("/<int:cycle_id>/suggestions/<int:person_id>")
@blp.response(201, NominationSchema)
@errors_for(401, 403, 404, 409, 422)
def nominate_suggestion(cycle_id, person_id):
    """Turn a suggestion into a nomination, while nominations are open (managers). The
    statement says it came from the ledger"""
    actor = api_actor()
    cycle = cycles.get(cycle_id)
    if db.session.get(Person, person_id) is None:
        raise NotFound("No such person.", {"person_id": ["no such person"]})
    nomination = suggestions.nominate_suggestion(cycle, person_id, actor, today(), utcnow())
    db.session.commit()
    return nomination_view(nomination, actor)


# Ranking and decision ------------------------------------------------------------------------


@blp.get("/<int:cycle_id>/ranking")
@blp.response(200, RankingSchema)
@errors_for(401, 404)
def get_ranking(cycle_id):
    """The committee's ranking, side by side: weighted raw mean, mean of per-reviewer
    z-scores, reviews (of the members who could review) and their spread (managers;
    members once nominations close, and while scoring only once they have scored every
    nominee they review; a reader recused from a nominee sees the others ranked without it)"""
    cycle, actor = cycles.get(cycle_id), api_actor()
    if committee.may_see_ranking(cycle, actor):
        _synced(cycle)  # a conflict found since the last run: recorded, then ranked
    return ranking_view(cycle, actor)


@blp.get("/<int:cycle_id>/ranking.csv")
@blp.response(
    200,
    {"type": "string"},
    content_type="text/csv",
    description="UTF-8 with a byte-order mark, for spreadsheets; one row per nomination, rows the caller "
    "is recused from last, without position or numbers",
)
@errors_for(401, 404, 409)
def download_ranking_csv(cycle_id):
    """The ranking as CSV (who may see the ranking; 409 while the caller has nominees left to score)"""
    cycle, actor = cycles.get(cycle_id), api_actor()
    if committee.may_see_ranking(cycle, actor):
        _synced(cycle)
    return Response(
        exports.ranking_csv(cycle, actor, today()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{exports.download_name(cycle, "csv")}"'},
    )


@blp.get("/<int:cycle_id>/ranking.pdf")
@blp.response(
    200, {"type": "string", "format": "binary"}, content_type="application/pdf", description="A landscape ranking sheet"
)
@errors_for(401, 404, 409)
def download_ranking_pdf(cycle_id):
    """The ranking as a PDF sheet, with the rubric and the tie-break (who may see the ranking;
    409 while the caller has nominees left to score)"""
    cycle, actor = cycles.get(cycle_id), api_actor()
    if committee.may_see_ranking(cycle, actor):
        _synced(cycle)
    pdf = exports.ranking_pdf(cycle, actor, cycle.phase, today())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{exports.download_name(cycle, "pdf")}"'},
    )


@blp.post("/<int:cycle_id>/decision")
@blp.arguments(DecisionInSchema, example={"winners": [12], "reasons": {}, "note": "Unanimous"})
@blp.response(201, DecisionSchema)
@errors_for(401, 403, 404, 409, 422)
def decide(body, cycle_id):
    """Record the winners, in order (managers), once the review has ended; again (a new
    version) until the announcement. A winner the ranking did not place within the
    award's number of winners needs a reason. On or after the decision date the cycle
    becomes decided at once"""
    actor = api_actor()
    cycle = cycles.get(cycle_id)
    decision = decisions.decide(cycle, body["winners"], body["reasons"], body["note"], actor, today(), utcnow())
    db.session.commit()
    return decision_view(decision, cycle)


@blp.get("/<int:cycle_id>/decisions")
@blp.response(200, DecisionSchema(many=True))
@errors_for(401, 404)
def list_decisions(cycle_id):
    """Every version of the decision, oldest first, with the ranking each was made from
    (managers; a manager with a conflict in the cycle sees them once announced, without
    the rows they have a conflict with)"""
    actor = api_actor()
    cycle = _managed(cycle_id, actor, "decisions")
    conflicts = managers.conflicts_of(cycle, actor.person_id)
    if conflicts and cycle.phase != "announced":
        return []  # a manager with a conflict learns the result with everyone, at the announcement
    views = [decision_view(decision, cycle) for decision in decisions.decisions(cycle.id)]
    for view in views:  # and never the numbers of a nomination they have a conflict with
        view["ranking"] = [row for row in view["ranking"] if row["nomination_id"] not in conflicts]
    return views
