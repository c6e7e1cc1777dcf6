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

``step`` is the one way a phase changes: it checks the phase the cycle is in now, records
the transition (unique per cycle and phase, so a second scheduler, a catch-up and an admin
racing each other cannot enter a phase twice: the loser's insert fails and it rolls back),
and does what entering the phase does, in the same transaction. ``advance_all(day)`` is
the scheduler's job: it creates missing cycles and steps each one as far as its dates
allow, so one run after any downtime catches up every missed phase, in order.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ...auth.service import Actor
from ...errors import Conflict, DomainError, NotFound
from ...extensions import db
from ..definitions import service as definitions
from ..models import PHASES, Award, Cycle, CycleDateChange, CycleTransition, Decision, Nomination

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


def next_phase(phase: str) -> str | None:
    index = PHASES.index(phase)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


def review_starts(cycle: Cycle) -> date:
    gap = int(current_app.config["AWARD_REVIEW_GAP_DAYS"])
    return min(cycle.closes_on + timedelta(days=1 + gap), cycle.review_ends_on)


def latest_decision(cycle_id: int) -> Decision | None:
    return db.session.scalar(
        select(Decision).where(Decision.cycle_id == cycle_id).order_by(Decision.version.desc()).limit(1)
    )


def due_on(cycle: Cycle, phase: str) -> date:
    """The day the schedule moves ``cycle`` into ``phase``."""
    return {
        "open": cycle.opens_on,
        "closed": cycle.closes_on + timedelta(days=1),
        "review": review_starts(cycle),
        "decided": cycle.decision_on,
        "announced": cycle.announce_on,
    }[phase]


def scheduled_step(cycle: Cycle, day: date) -> str | None:
    """The next phase the schedule moves ``cycle`` into on ``day``, or None."""
    target = next_phase(cycle.phase)
    if target is None or day < due_on(cycle, target):
        return None
    if target == "decided" and latest_decision(cycle.id) is None and has_nominations(cycle.id):
        return None
    return target


def has_nominations(cycle_id: int) -> bool:
    """A cycle without nominations has no winners to wait for: it is decided on its date."""
    return db.session.scalar(select(Nomination.id).where(Nomination.cycle_id == cycle_id).limit(1)) is not None


def is_scoring_open(cycle: Cycle, day: date) -> bool:
    return cycle.phase == "review" and day <= cycle.review_ends_on


def is_nominating_open(cycle: Cycle, day: date) -> bool:
    return cycle.phase == "open" and cycle.opens_on <= day <= cycle.closes_on


# Creating cycles ---------------------------------------------------------------------


def create_cycle(award: Award, year: int, now: datetime, dates: dict[str, date] | None = None) -> Cycle:
    """The award's cycle for ``year``, from its schedule (or ``dates``). Refused if one exists."""
    if db.session.scalar(select(Cycle.id).where(Cycle.award_id == award.id, Cycle.year == year)) is not None:
        raise Conflict(f"{award.name} already has a {year} cycle.", {"year": ["already has a cycle"]})
    planned = definitions.dates(award, year)
    values = dict(
        opens_on=planned["opens"],
        closes_on=planned["closes"],
        review_ends_on=planned["review_ends"],
        decision_on=planned["decision"],
        announce_on=planned["announcement"],
    )
    values.update(dates or {})
    _check_order(values)
    cycle = Cycle(award_id=award.id, year=year, phase="scheduled", rubric=award.rubric, created_at=now, **values)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def _check_order(values: dict[str, date]) -> None:
    order = [values[field] for field in DATE_FIELDS]
    problems = {}
    for (before, after), (a, b) in zip(zip(DATE_FIELDS, DATE_FIELDS[1:]), zip(order, order[1:])):
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


def step(
    cycle: Cycle,
    target: str,
    day: date,
    now: datetime,
    source: str = "schedule",
    actor: Actor | None = None,
    reason: str | None = None,
    run_on: date | None = None,
) -> CycleTransition:
    """Move ``cycle`` from its phase into ``target`` (the next one) on ``day`` (the date it
    takes effect) and do what entering it does. ``run_on`` is the day the work is done, when
    a catch-up does it later than ``day``. Raises Conflict if another process moved it
    first; the caller's transaction then must roll back."""
    if target != next_phase(cycle.phase):
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
            moved = db.session.execute(
                update(Cycle)
                .where(Cycle.id == cycle.id, Cycle.phase == cycle.phase)
                .values(phase=target)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:
                raise IntegrityError("phase changed meanwhile", None, Exception())
    except IntegrityError:
        raise Conflict(
            f"The {cycle.award.name} {cycle.year} cycle has already entered {target}.", {"phase": [f"already {target}"]}
        ) from None
    db.session.refresh(cycle)
    _enter(cycle, target, day, run_on or day, now)
    return transition


def _enter(cycle: Cycle, phase: str, day: date, run_on: date, now: datetime) -> None:
    """What entering ``phase`` does. A catch-up that enters a phase after its window has
    passed (``run_on``) sends no call or assignment whose deadline is already gone."""
    from .. import notices
    from ..announcement import service as announce
    from ..committee import service as committee
    from ..nominations import service as nominations  # noqa: PLC0415 - each imports cycles

    if phase == "open":
        if run_on <= cycle.closes_on:
            notices.call_for_nominations(cycle, now)
    elif phase == "closed":
        nominations.freeze_evidence(cycle, day, now)
        committee.record_recusals(cycle, now)
    elif phase == "review":
        committee.record_recusals(cycle, now)
        if run_on <= cycle.review_ends_on:
            notices.committee_assignments(cycle, now)
    elif phase == "announced":
        announce.announce(cycle, day, now)
        notices.results(cycle, now)


def catch_up(cycle: Cycle, day: date, now: datetime) -> list[CycleTransition]:
    """Every transition the schedule has made due by ``day``, in order, each committed alone.
    Each takes effect on its scheduled date, or on the previous transition's date if that
    was later (a decision recorded after the announcement date is announced no earlier
    than it was decided)."""
    done = []
    while (target := scheduled_step(cycle, day)) is not None:
        previous = db.session.scalar(
            select(func.max(CycleTransition.effective_on)).where(CycleTransition.cycle_id == cycle.id)
        )
        effective = max(due_on(cycle, target), previous or due_on(cycle, target))
        try:
            done.append(step(cycle, target, effective, now, run_on=day))
            db.session.commit()
        except Conflict:
            db.session.rollback()  # another scheduler got there first; read where it left the cycle
            db.session.refresh(cycle)
    return done


def advance_all(day: date, now: datetime) -> str:
    """The scheduler job's work: create missing cycles, then catch every cycle up to ``day``."""
    from .. import notices  # noqa: PLC0415

    made = ensure_cycles(day, now)
    db.session.commit()
    moved = []
    for cycle in db.session.scalars(select(Cycle).where(Cycle.phase != "announced").order_by(Cycle.id)).all():
        for transition in catch_up(cycle, day, now):
            moved.append(f"{cycle.award.slug} {cycle.year} → {transition.phase}")
        if cycle.phase in ("closed", "review"):
            from ..committee.service import record_recusals  # noqa: PLC0415

            record_recusals(cycle, now)
        reminded = notices.due_reminders(cycle, day, now)
        db.session.commit()
        if reminded:
            moved.append(f"{cycle.award.slug} {cycle.year}: {reminded} reminder{'s' * (reminded != 1)} queued")
    parts = []
    if made:
        parts.append("created " + ", ".join(f"{c.award.slug} {c.year}" for c in made))
    parts.extend(moved)
    return "; ".join(parts) or "no award cycle changed"


# Admin actions -----------------------------------------------------------------------


def _reason(reason: str | None) -> str:
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


def advance(
    cycle: Cycle, actor: Actor, reason: str | None, day: date, now: datetime, *, from_phase: str | None
) -> CycleTransition:
    """Move the cycle from ``from_phase`` (the phase the manager saw it in) into the next
    one now, ahead of the schedule, with a reason (a manager with no conflict of interest
    in the cycle: ``managers``). A cycle no longer in ``from_phase`` is a Conflict."""
    from ..managers import require_free_manager  # noqa: PLC0415

    require_free_manager(cycle, actor, "reason", "move its phases")
    reason = _reason(reason)
    expect_phase(lock(cycle), from_phase)
    target = next_phase(cycle.phase)
    if target is None:
        raise Conflict("The cycle has been announced: there is no later phase.", {"phase": ["is announced"]})
    if target == "decided" and latest_decision(cycle.id) is None and has_nominations(cycle.id):
        raise Conflict("Record the winners before moving the cycle to decided.", {"phase": ["no decision recorded"]})
    # Opening or closing ahead of the dates moves the date too, so the dates keep saying
    # when nominations were really taken (and nominating works the day it opens).
    if target == "open" and day < cycle.opens_on:
        _record_date(cycle, "opens_on", day, actor, reason, now)
    if target == "closed" and max(day - timedelta(days=1), cycle.opens_on) < cycle.closes_on:
        _record_date(cycle, "closes_on", max(day - timedelta(days=1), cycle.opens_on), actor, reason, now)
    try:
        return step(cycle, target, day, now, source="admin", actor=actor, reason=reason)
    except Conflict as error:  # the schedule or another manager moved it after the lock was read
        raise Conflict(error.message, {"from_phase": [f"is stale: the cycle has moved past {from_phase}"]}) from None


def _record_date(cycle: Cycle, field: str, new: date, actor: Actor, reason: str, now: datetime) -> CycleDateChange:
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
    from ..managers import require_free_manager  # noqa: PLC0415

    require_free_manager(cycle, actor, "field", "move its dates")
    reason = _reason(reason)
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
    return _record_date(cycle, field, new, actor, reason, now)


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
