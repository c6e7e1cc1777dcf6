"""The committee: members per cycle, conflicts of interest, recusals, scores, ranking, decision.

Conflicts are computed from the mentoring graph every time they matter (``rules.conflicts``)
and joined with the conflicts members declare, so a mentorship begun during the review
counts at once. Every conflict found is also recorded as a recusal, once: when nominations
close, when the review starts, when a member joins, and on each daily run of the cycle job
while the cycle is closed or in review (a mentorship begun meanwhile).

A recused member cannot open the nomination, see its scores or the other members'
comments, or score it. The ranking leaves out a score set only once its recusal is
recorded (``recorded_pairs``), and the pages and API record new conflicts before they rank
(``sync_recusals``): a score never stops counting without a recusal on the managers' list,
saying where the conflict came from (``_source``). Managers have conflicts too
(``managers``).
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...auth.service import Actor
from ...errors import Conflict, DomainError, Forbidden, NotFound
from ...extensions import db
from ...people.models import Person
from .. import managers
from ..cycles import phases
from ..cycles import service as cycles
from ..definitions import service as definitions
from ..managers import is_manager
from ..models import (
    CommitteeMember,
    Cycle,
    Nomination,
    ScoreRevision,
    ScoreSet,
)
from . import notices, ranking
from .recusal import (
    is_member,
    members,
    nominations_of,
    own_scores,
    record_recusals,
    recorded_pairs,
    recusal_map,
    recused,
)

MAX_COMMENT = 4000


# Members -----------------------------------------------------------------------------


def add_member(cycle: Cycle, person_id: int, actor: Actor, now: datetime, chair: bool = False) -> CommitteeMember:
    managers.require_free_manager(cycle, actor, "person_id", "choose its committee")
    if cycle.phase in ("decided", "announced"):
        raise Conflict(
            "The committee cannot change after the decision.", {"person_id": [f"the cycle is {cycle.phase}"]}
        )
    person = (
        db.session.get(Person, person_id) if isinstance(person_id, int) and not isinstance(person_id, bool) else None
    )
    if person is None:
        raise DomainError.field("person_id", "must name a person in the department")
    if is_member(cycle.id, person_id):
        raise Conflict(f"{person.name} is already on the committee.", {"person_id": ["already a member"]})
    member = CommitteeMember(
        cycle_id=cycle.id, person_id=person_id, chair=bool(chair), added_at=now, added_by_id=actor.person_id
    )
    db.session.add(member)
    db.session.flush()
    if cycle.phase in ("closed", "review"):
        record_recusals(cycle, now)
    if cycle.phase == "review":
        notices.committee_assignments(cycle, now, only=[person_id])
    return member


def remove_member(cycle: Cycle, person_id: int, actor: Actor) -> None:
    """Remove a member who has not scored anything (their scores would silently vanish)."""
    managers.require_free_manager(cycle, actor, "person_id", "choose its committee")
    member = db.session.get(CommitteeMember, (cycle.id, person_id))
    if member is None:
        raise NotFound("That person is not on this committee.", {"person_id": ["not a member"]})
    scored = db.session.scalar(
        select(func.count())
        .select_from(ScoreSet)
        .join(Nomination)
        .where(Nomination.cycle_id == cycle.id, ScoreSet.member_id == person_id)
    )
    if scored:
        raise Conflict(
            f"{member.person.name} has scored {scored} nomination(s); a member who scored stays on record.",
            {"person_id": ["has scored"]},
        )
    db.session.delete(member)
    db.session.flush()


# Conflicts ---------------------------------------------------------------------------


# Scores ------------------------------------------------------------------------------


def score_problems(values, text: definitions.RubricText) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not isinstance(values, dict):
        return {"scores": ["must map each criterion to a score"]}
    known = {c.id for c in text.criteria}
    for key in values:
        if key not in known:
            problems.setdefault(f"scores.{key}", []).append("is not a criterion of this award's rubric")
    for criterion in text.criteria:
        value = values.get(criterion.id)
        if value is None:
            problems.setdefault(f"scores.{criterion.id}", []).append(f"is required ({criterion.name})")
        elif isinstance(value, bool) or not isinstance(value, int) or not text.low <= value <= text.high:
            problems.setdefault(f"scores.{criterion.id}", []).append(
                f"must be a whole number from {text.low} to {text.high}"
            )
    return problems


def score(nomination: Nomination, actor: Actor, values: dict, comment: str, day: date, now: datetime) -> ScoreSet:
    """Save the member's score set for a nomination; a change is a new revision, kept."""
    cycle = nomination.cycle
    if not is_member(cycle.id, actor.person_id):
        raise Forbidden("Only the cycle's committee members score.", {"scores": ["committee members only"]})
    reasons = recused(nomination, actor.person_id)
    if reasons:
        raise Forbidden("You are recused from this nomination: " + "; ".join(reasons), {"scores": ["you are recused"]})
    if not phases.is_scoring_open(cycle, day):
        when = (
            f"opens on {phases.review_starts(cycle).isoformat()}"
            if cycles.PHASES.index(cycle.phase) < 3
            else f"ended on {cycle.review_ends_on.isoformat()}"
        )
        raise Conflict(f"Scoring {when}.", {"scores": [f"scoring is closed (the cycle is {cycle.phase})"]})
    text = definitions.rubric_text(cycle)
    problems = score_problems(values, text)
    comment = (comment or "").strip() if isinstance(comment, str) or comment is None else None
    if comment is None:
        problems["comment"] = ["must be text"]
    elif len(comment) > MAX_COMMENT:
        problems["comment"] = [f"must be at most {MAX_COMMENT} characters"]
    if problems:
        raise DomainError(
            "The scores have problems: " + "; ".join(f"{f} {r[0]}" for f, r in problems.items()), problems
        )
    body = json.dumps({c.id: values[c.id] for c in text.criteria}, sort_keys=True)
    found = db.session.scalar(
        select(ScoreSet).where(ScoreSet.nomination_id == nomination.id, ScoreSet.member_id == actor.person_id)
    )
    if found is None:
        found = ScoreSet(
            nomination_id=nomination.id,
            member_id=actor.person_id,
            scores=body,
            comment=comment,
            created_at=now,
            updated_at=now,
            revision=1,
        )
        try:
            with db.session.begin_nested():
                db.session.add(found)
                db.session.flush()
        except IntegrityError:
            raise Conflict(
                "Your scores were saved meanwhile from another window; reload and try again.",
                {"scores": ["saved meanwhile"]},
            ) from None
    else:
        if found.scores == body and found.comment == comment:
            return found
        found.scores, found.comment, found.updated_at = body, comment, now
        found.revision += 1
    db.session.add(ScoreRevision(score_set_id=found.id, revision=found.revision, scores=body, comment=comment, at=now))
    db.session.flush()
    return found


def scores_withheld(nomination: Nomination, actor: Actor, day: date) -> bool:
    """Whether a member must score this nomination before seeing the others' scores and
    comments: while the review is on and they have not scored it (as conference review
    systems do: seeing them first would anchor their own). A manager who is not a member
    is not reviewing, so nothing is withheld from them."""
    return (
        is_member(nomination.cycle_id, actor.person_id)
        and review_is_on(nomination.cycle, day)
        and own_scores(nomination.id, actor.person_id) is None
    )


def score_sets(nomination: Nomination, actor: Actor, day: date) -> list[ScoreSet]:
    """The score sets of a nomination the actor may read: managers and unrecused members
    see all counted ones, a member only once they have scored it while the review is on
    (``scores_withheld``); nobody else sees any, and never the nominee, whatever other role
    they hold."""
    if actor.person_id is not None and actor.person_id == nomination.nominee_id:
        return []
    if scores_withheld(nomination, actor, day):
        return []
    not_managing = not is_manager(actor, nomination.cycle) or managers.conflicted_with(actor, nomination)
    if not_managing and (not is_member(nomination.cycle_id, actor.person_id) or recused(nomination, actor.person_id)):
        return []
    excluded = {member for (nid, member) in recorded_pairs(nomination.cycle_id) if nid == nomination.id}
    return [
        s
        for s in db.session.scalars(
            select(ScoreSet).where(ScoreSet.nomination_id == nomination.id).order_by(ScoreSet.member_id)
        )
        if s.member_id not in excluded
    ]


def revisions(score_set_id: int) -> list[ScoreRevision]:
    return list(
        db.session.scalars(
            select(ScoreRevision).where(ScoreRevision.score_set_id == score_set_id).order_by(ScoreRevision.revision)
        )
    )


# Ranking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedRow:
    nomination: Nomination
    row: ranking.Row | None  # None: hidden from this reader (recused, or the nominee)
    recused: list[str]
    reviewers: int | None = None  # members who may review it (the committee less those recused); None when hidden
    # Each counted review: (reviewer's letter, weighted score, z-score), by letter; () when hidden.
    points: tuple[tuple[str, float, float], ...] = ()


def may_see_ranking(cycle: Cycle, actor: Actor) -> bool:
    return is_manager(actor, cycle) or (
        is_member(cycle.id, actor.person_id) and cycle.phase not in ("scheduled", "open")
    )


def review_is_on(cycle: Cycle, day: date) -> bool:
    """Closed or in review up to the last day of scoring: members are still scoring."""
    return cycle.phase == "closed" or (cycle.phase == "review" and day <= cycle.review_ends_on)


def unscored(cycle: Cycle, actor: Actor, day: date) -> list[Nomination]:
    """The nominations a member must still score before seeing the others' scores in the
    ranking: while the review is on, every nomination they are not recused from and have
    not scored. Empty for anyone who is not a member, and once scoring has ended (nothing
    left to anchor). Seeing the others first would anchor their own scores."""
    member_id = actor.person_id
    if member_id is None or not is_member(cycle.id, member_id) or not review_is_on(cycle, day):
        return []
    nominations = nominations_of(cycle)
    conflicts_now = recusal_map(cycle, [member_id], nominations)
    scored = set(
        db.session.scalars(
            select(ScoreSet.nomination_id)
            .join(Nomination)
            .where(Nomination.cycle_id == cycle.id, ScoreSet.member_id == actor.person_id)
        )
    )
    return [n for n in nominations if (n.id, actor.person_id) not in conflicts_now and n.id not in scored]


def hidden_from(
    cycle: Cycle, actor: Actor | None, conflicts_now: dict, nominations: list[Nomination]
) -> dict[int, list[str]]:
    """The nominations whose place the reader may not learn, with why: those a member is
    recused from, and those a manager has a conflict with (``managers.conflicts_of``); a
    manager with none sees all (``actor`` None is the system)."""
    if actor is None or actor.person_id is None:
        return {}
    hidden: dict[int, list[str]] = {}
    manager = is_manager(actor, cycle)
    if manager:
        hidden = managers.conflicts_of(cycle, actor.person_id, nominations)
    if is_member(cycle.id, actor.person_id) and not (manager and not hidden):
        for (nid, member), reasons in conflicts_now.items():
            if member == actor.person_id:
                hidden.setdefault(nid, list(reasons))
    return hidden


def ranking_rows(cycle: Cycle, actor: Actor | None = None) -> list[RankedRow]:
    """The ranking (``ranking.rank``) of the cycle's nominations from the counted score sets
    (recused members' left out), in order: ranked rows, rows not yet ranked (too few
    reviews), then rows hidden from the reader, both by nomination id (the order they came in).

    For a reader recused from some nominations, the ranking is computed as if those
    nominations did not exist: from the other nominations and their score sets only, so
    the positions run 1, 2, 3 … among what they see and no number they see moves with the
    hidden nominee's scores (each reviewer's z-scores are taken over the visible ones).
    The hidden rows carry no position and no numbers."""
    if actor is not None and not may_see_ranking(cycle, actor):
        raise NotFound("No ranking you may see for that cycle.", {"cycle_id": ["not your committee"]})
    nominations = nominations_of(cycle)
    conflicts_now = recusal_map(cycle, nominations=nominations)
    excluded = recorded_pairs(cycle.id)  # only recorded recusals drop scores: each is on the managers' list
    hidden = hidden_from(cycle, actor, conflicts_now, nominations)
    shown: dict[Hashable, Nomination] = {n.id: n for n in nominations if n.id not in hidden}
    sets = []
    for s in db.session.scalars(select(ScoreSet).join(Nomination).where(Nomination.cycle_id == cycle.id)):
        if (s.nomination_id, s.member_id) in excluded or s.nomination_id not in shown:
            continue
        sets.append(ranking.ScoreSet(s.member_id, s.nomination_id, json.loads(s.scores)))
    rubric = definitions.rubric(cycle)
    rows = ranking.rank(rubric, sets, list(shown), cycle.award.min_reviews)
    points = _lettered(ranking.points(rubric, sets))
    size = len(members(cycle.id))
    recused_count: dict[Hashable, int] = {}
    for nid, _member in excluded:
        recused_count[nid] = recused_count.get(nid, 0) + 1

    ranked = [
        RankedRow(shown[r.nomination], r, [], size - recused_count.get(r.nomination, 0), points.get(r.nomination, ()))
        for r in rows
        if r.position is not None
    ]
    waiting = [
        RankedRow(shown[r.nomination], r, [], size - recused_count.get(r.nomination, 0))
        for r in rows
        if r.position is None
    ]  # by id already
    kept_out = [RankedRow(n, None, list(hidden[n.id])) for n in nominations if n.id in hidden]
    return ranked + waiting + kept_out


def _lettered(found: dict[Hashable, list[ranking.Point]]) -> dict[Hashable, tuple[tuple[str, float, float], ...]]:
    """The points with each reviewer named by a letter (A, B, …, in member order) rather than
    by name: the plot shows how each reviewer scores, the scores page who they are."""
    reviewers = sorted({p.reviewer for found_points in found.values() for p in found_points}, key=_member_order)
    letters = {reviewer: _letter(index) for index, reviewer in enumerate(reviewers)}
    return {
        nomination: tuple((letters[p.reviewer], p.weighted, p.z) for p in found_points)
        for nomination, found_points in found.items()
    }


def _member_order(reviewer: Hashable) -> tuple[int, str]:
    """Member ids in number order (any other reviewer key after them, as text)."""
    return (reviewer, "") if isinstance(reviewer, int) else (1 << 62, repr(reviewer))


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def coverage_warnings(rows: list[RankedRow], min_reviews: int) -> list[str]:
    """Plain warnings about how well the rows the reader sees are covered by reviews."""
    seen = [r for r in rows if r.row is not None]
    warnings = []
    counts = sorted({r.row.reviews for r in seen if r.row is not None})
    if len(counts) > 1:
        warnings.append(
            f"Nominees have unequal numbers of reviews (from {counts[0]} to {counts[-1]}): a place "
            "resting on fewer reviews is less certain. Compare the Reviews column before deciding."
        )
    short = [r for r in seen if r.reviewers is not None and r.reviewers < min_reviews]
    for r in short:
        warnings.append(
            f"{r.nomination.nominee.name} cannot be ranked: the award needs {min_reviews} review"
            f"{'s' * (min_reviews != 1)} and only {r.reviewers} committee member"
            f"{'s' * (r.reviewers != 1)} may review this nominee. Lower the award's minimum or add "
            "members."
        )
    return warnings


def ranking_snapshot(rows: list[RankedRow]) -> list[dict]:
    return [
        {
            "nomination_id": r.nomination.id,
            "nominee": r.nomination.nominee.name,
            "position": r.row.position,
            "raw_mean": r.row.raw_mean,
            "normalised_mean": r.row.normalised_mean,
            "reviews": r.row.reviews,
            "reviewers": r.reviewers,
            "spread": r.row.spread,
        }
        for r in rows
        if r.row is not None
    ]


# Decision ----------------------------------------------------------------------------
