"""Yearly cycles: created from the award's schedule, moved through their phases on its dates.

The phases, and the day the schedule moves a cycle into each:

    scheduled   created on 1 January (or when the award is made), before nominations open
    open        on ``opens_on``: nominations are taken through ``closes_on``
    closed      the day after ``closes_on``: evidence frozen, conflicts recorded
    review      AWARD_REVIEW_GAP_DAYS after closing (or ``review_ends_on`` if sooner): the
                committee scores through ``review_ends_on``
    decided     on ``decision_on``, once the winners are recorded (recording them later
                moves the cycle on the spot); a cycle with no nominations, on the date
    announced   on ``announce_on``, once decided: winners receive their awards

``record_transition`` is the one way a phase changes: it checks the phase the cycle is in
now and records the transition (unique per cycle and phase, so a second scheduler, a
catch-up and an admin racing each other cannot enter a phase twice: the loser's insert
fails and it rolls back). It is called only by ``awards.lifecycle.step``, which then does
what entering the phase does, in the same transaction; ``lifecycle.advance_all(day)`` is
the scheduler's job. The phase questions (which phase is next, is nominating open …) are
in ``cycles.phases``.
"""

from __future__ import annotations

import itertools
import logging
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from ...auth.service import Actor
from ...errors import Conflict, DomainError, NotFound
from ...extensions import db
from ..definitions import service as definitions
from ..managers import require_free_manager
from ..models import PHASES, Award, Cycle, CycleDateChange, CycleTransition
from . import phases

log = logging.getLogger(__name__)

# Which date field an admin may move in each phase (extending that phase, or the next).
MOVABLE = {
    "scheduled": ("opens_on", "closes_on", "review_ends_on", "decision_on", "announce_on"),
    "open": ("closes_on", "review_ends_on", "decision_on", "announce_on"),
    "closed": ("review_ends_on", "decision_on", "announce_on"),
    "review": ("review_ends_on", "decision_on", "announce_on"),
    "decided": ("announce_on",),
    "announced": (),
}
DATE_FIELDS = ("opens_on", "closes_on", "review_ends_on", "decision_on", "announce_on")
DATE_LABELS = {
    "opens_on": "nominations open",
    "closes_on": "nominations close",
    "review_ends_on": "the review ends",
    "decision_on": "the decision",
    "announce_on": "the announcement",
}


# Creating cycles ---------------------------------------------------------------------


def create_cycle(award: Award, year: int, now: datetime, dates: dict[str, date] | None = None) -> Cycle:
    """The award's cycle for ``year``, from its schedule (or ``dates``). Refused if one exists."""
    if db.session.scalar(select(Cycle.id).where(Cycle.award_id == award.id, Cycle.year == year)) is not None:
        raise Conflict(f"{award.name} already has a {year} cycle.", {"year": ["already has a cycle"]})
    planned = definitions.dates(award, year)
    values = {
        "opens_on": planned["opens"],
        "closes_on": planned["closes"],
        "review_ends_on": planned["review_ends"],
        "decision_on": planned["decision"],
        "announce_on": planned["announcement"],
    }
    values.update(dates or {})
    _check_order(values)
    cycle = Cycle(award_id=award.id, year=year, phase="scheduled", rubric=award.rubric, created_at=now, **values)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def _check_order(values: dict[str, date]) -> None:
    order = [values[field] for field in DATE_FIELDS]
    problems = {}
    for (before, after), (a, b) in zip(itertools.pairwise(DATE_FIELDS), itertools.pairwise(order)):
        strict = before == "closes_on"
        if (a >= b) if strict else (a > b):
            problems[after] = [
                f"must be {'after' if strict else 'on or after'} {DATE_LABELS[before]} ({a.isoformat()})"
            ]
    if problems:
        raise DomainError(
            "The cycle's dates are out of order: "
            + "; ".join(f"{field} {rules[0]}" for field, rules in problems.items()),
            problems,
        )


def ensure_cycles(day: date, now: datetime) -> list[Cycle]:
    """Create this year's cycle of every active award that has none, unless its nominations
    closed already (an award made in May does not get a cycle that opened in February)."""
    made = []
    awards = db.session.scalars(select(Award).where(Award.active.is_(True)).order_by(Award.id)).all()
    have = set(db.session.scalars(select(Cycle.award_id).where(Cycle.year == day.year)))
    for award in awards:
        if award.id in have or day > definitions.dates(award, day.year)["closes"]:
            continue
        try:
            with db.session.begin_nested():
                made.append(create_cycle(award, day.year, now))
        except (IntegrityError, Conflict):  # made meanwhile by another process
            continue
        except DomainError as error:  # settings that cannot give this year's dates: skip, say so
            log.error("No %s cycle for %s: %s", day.year, award.slug, error.message)
    return made


# Transitions -------------------------------------------------------------------------


# Admin actions -----------------------------------------------------------------------


def required_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.field("reason", "is required: say why the schedule is being changed")
    if len(reason) > 2000:
        raise DomainError.field("reason", "must be at most 2000 characters")
    return reason


def lock(cycle: Cycle) -> Cycle:
    """Read the cycle again, holding its row until the transaction ends, so a change that
    depends on its phase sees the phase as it is and no one moves it meanwhile. PostgreSQL
    locks the row (FOR UPDATE); SQLite's writers are already one at a time (BEGIN IMMEDIATE)."""
    db.session.execute(select(Cycle.id).where(Cycle.id == cycle.id).with_for_update())
    db.session.refresh(cycle)
    return cycle


def expect_phase(cycle: Cycle, expected: str | None) -> None:
    """Refuse a change asked for while the cycle was in another phase: two managers who
    both saw it open and pressed "advance" move it one phase, not two."""
    if expected is None or not str(expected).strip():
        raise DomainError.field("from_phase", "is required: the phase you saw the cycle in and mean to move it from")
    if expected not in PHASES:
        raise DomainError.field("from_phase", f"must be one of {', '.join(PHASES)}")
    if cycle.phase != expected:
        raise Conflict(
            f"The cycle is {cycle.phase} now, not {expected}: it was moved meanwhile, and nothing changed. "
            "Look at it again before moving it on.",
            {"from_phase": [f"is stale: the cycle is {cycle.phase} now"]},
        )


def record_date(cycle: Cycle, field: str, new: date, actor: Actor, reason: str, now: datetime) -> CycleDateChange:
    change = CycleDateChange(
        cycle_id=cycle.id, field=field, old=getattr(cycle, field), new=new, reason=reason, at=now, by_id=actor.person_id
    )
    setattr(cycle, field, new)
    db.session.add(change)
    db.session.flush()
    return change


def move_date(
    cycle: Cycle, field: str, new: date, actor: Actor, reason: str | None, day: date, now: datetime
) -> CycleDateChange:
    """Move one of the cycle's dates (usually later: extending a phase), with a reason (a
    manager with no conflict of interest in the cycle)."""
    require_free_manager(cycle, actor, "field", "move its dates")
    reason = required_reason(reason)
    lock(cycle)  # which dates may move depends on the phase: read it as it is now
    if field not in DATE_FIELDS:
        raise DomainError.field("field", f"must be one of {', '.join(DATE_FIELDS)}")
    if field not in MOVABLE[cycle.phase]:
        raise Conflict(
            f"The cycle is {cycle.phase}: the date {DATE_LABELS[field]} has passed and cannot move.",
            {"field": [f"cannot move while the cycle is {cycle.phase}"]},
        )
    if new < day:
        raise DomainError.field("date", f"must not be in the past (today is {day.isoformat()})")
    old = getattr(cycle, field)
    if new == old:
        raise DomainError.field("date", f"is already {old.isoformat()}")
    values = {name: getattr(cycle, name) for name in DATE_FIELDS}
    values[field] = new
    _check_order(values)
    return record_date(cycle, field, new, actor, reason, now)


def get(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound("No award cycle with that id.", {"cycle_id": ["no such cycle"]})
    return cycle


def history(cycle_id: int) -> list:
    """Transitions and date changes, oldest first; at the same moment a date change comes
    before the transition it made room for."""
    transitions = db.session.scalars(select(CycleTransition).where(CycleTransition.cycle_id == cycle_id)).all()
    changes = db.session.scalars(select(CycleDateChange).where(CycleDateChange.cycle_id == cycle_id)).all()
    return sorted([*transitions, *changes], key=lambda item: (item.at, isinstance(item, CycleTransition), item.id))


def record_transition(
    cycle: Cycle,
    target: str,
    day: date,
    now: datetime,
    source: str = "schedule",
    actor: Actor | None = None,
    reason: str | None = None,
) -> CycleTransition:
    """Record ``cycle``'s move from its phase into ``target`` (the next one) on ``day`` (the
    date it takes effect). Only the record: what entering the phase does is ``lifecycle``'s.
    Raises Conflict if another process moved it first; the caller's transaction then must
    roll back."""
    if target != phases.next_phase(cycle.phase):
        raise Conflict(f"The cycle is {cycle.phase}; it cannot move to {target}.", {"phase": [f"is {cycle.phase}"]})
    transition = CycleTransition(
        cycle_id=cycle.id,
        from_phase=cycle.phase,
        phase=target,
        effective_on=day,
        at=now,
        source=source,
        by_id=actor.person_id if actor else None,
        reason=reason,
    )
    try:
        with db.session.begin_nested():
            db.session.add(transition)
            db.session.flush()
            # An UPDATE answers with a CursorResult (its rowcount), which Session.execute's
            # annotation does not say.
            moved = cast(
                "CursorResult[Any]",
                db.session.execute(
                    update(Cycle)
                    .where(Cycle.id == cycle.id, Cycle.phase == cycle.phase)
                    .values(phase=target)
                    .execution_options(synchronize_session=False)
                ),
            )
            if moved.rowcount != 1:
                raise IntegrityError("phase changed meanwhile", None, Exception())
    except IntegrityError:
        raise Conflict(
            f"The {cycle.award.name} {cycle.year} cycle has already entered {target}.", {"phase": [f"already {target}"]}
        ) from None
    db.session.refresh(cycle)
    return transition
