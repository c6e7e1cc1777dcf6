"""The decision: the winners a cycle's managers record from the committee's ranking, with a
reason where they depart from it, and the versions recorded. Recording it past the
decision date moves the cycle to decided, so this module sits above the lifecycle."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...auth.service import Actor
from ...errors import Conflict, DomainError
from ...extensions import db
from .. import lifecycle, managers
from ..committee.recusal import MAX_REASON, sync_recusals
from ..committee.service import ranking_rows, ranking_snapshot
from ..models import (
    Cycle,
    Decision,
    DecisionWinner,
)
from . import phases


def decide(
    cycle: Cycle, winners: list[int], reasons: dict, note: str, actor: Actor, day: date, now: datetime
) -> Decision:
    """Record the winners (nomination ids, in order). A winner the ranking did not place in
    the top ``award.winners``, or did not rank at all (fewer reviews than the award's
    minimum), needs a reason. Allowed once the review has ended, and again
    (a new version) until the announcement. Past the decision date, recording it moves the
    cycle to decided at once."""
    managers.require_free_manager(cycle, actor, "winners", "record the decision")
    if cycle.phase not in ("review", "decided") or (cycle.phase == "review" and day <= cycle.review_ends_on):
        raise Conflict(
            f"The decision is recorded after the review ends ({cycle.review_ends_on.isoformat()}) "
            "and before the announcement.",
            {"winners": [f"the cycle is {cycle.phase}"]},
        )
    places = cycle.award.winners
    if (
        not isinstance(winners, list)
        or not winners
        or any(isinstance(w, bool) or not isinstance(w, int) for w in winners)
    ):
        raise DomainError.field("winners", "must list one or more nomination ids")
    if len(set(winners)) != len(winners):
        raise DomainError.field("winners", "must not list a nomination twice")
    if len(winners) > places:
        raise DomainError.field(
            "winners", f"must list at most {places} (the award has {places} winner{'s' * (places != 1)})"
        )
    sync_recusals(cycle, now)
    rows = ranking_rows(cycle)
    position = {r.nomination.id: r.row.position for r in rows if r.row is not None}  # no reader: none hidden
    minimum = cycle.award.min_reviews
    problems: dict[str, list[str]] = {}
    reasons = reasons if isinstance(reasons, dict) else {}
    clean: dict[int, str | None] = {}
    for nomination_id in winners:
        if nomination_id not in position:
            problems.setdefault("winners", []).append(f"{nomination_id} is not a nomination of this cycle")
            continue
        reason = reasons.get(str(nomination_id), reasons.get(nomination_id))
        reason = reason.strip() if isinstance(reason, str) else ""
        if position[nomination_id] is None and not reason:
            problems.setdefault(f"reasons.{nomination_id}", []).append(
                f"is required: the ranking did not place this nominee (fewer than the {minimum} review"
                f"{'s' * (minimum != 1)} the award needs)"
            )
        elif (placed := position[nomination_id]) is not None and placed > places and not reason:
            problems.setdefault(f"reasons.{nomination_id}", []).append(
                f"is required: the ranking placed this nominee {position[nomination_id]}, outside the top {places}"
            )
        if len(reason) > MAX_REASON:
            problems.setdefault(f"reasons.{nomination_id}", []).append(f"must be at most {MAX_REASON} characters")
        clean[nomination_id] = reason or None
    note = (note or "").strip() if isinstance(note, str) or note is None else ""
    if len(note) > 4000:
        problems["note"] = ["must be at most 4000 characters"]
    if problems:
        raise DomainError(
            "The decision has problems: " + "; ".join(f"{f} {r[0]}" for f, r in problems.items()), problems
        )
    previous = phases.latest_decision(cycle.id)
    decision = Decision(
        cycle_id=cycle.id,
        version=(previous.version + 1) if previous else 1,
        note=note,
        ranking=json.dumps(ranking_snapshot(rows)),
        decided_at=now,
        decided_by_id=actor.person_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(decision)
            db.session.flush()
            for order, nomination_id in enumerate(winners, start=1):
                db.session.add(
                    DecisionWinner(
                        decision_id=decision.id,
                        nomination_id=nomination_id,
                        position=order,
                        ranked_position=position[nomination_id],
                        reason=clean[nomination_id],
                    )
                )
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "Another decision was recorded meanwhile; reload and try again.", {"winners": ["decided meanwhile"]}
        ) from None
    if cycle.phase == "review" and day >= cycle.decision_on:
        lifecycle.step(
            cycle,
            "decided",
            day,
            now,
            source="admin",
            actor=actor,
            reason="winners recorded on or after the decision date",
        )
    return decision


def decisions(cycle_id: int) -> list[Decision]:
    return list(db.session.scalars(select(Decision).where(Decision.cycle_id == cycle_id).order_by(Decision.version)))
