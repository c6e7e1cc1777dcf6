"""What happens when an award cycle enters a phase, declared in one place, and the moves
that make it happen: the schedule's (``catch_up``, ``advance_all``, run by the scheduler
job) and a manager's (``advance``).

``ON_ENTER`` is the table a reader looks for ("what happens when nominations close?"):
each phase maps to the work entering it does, in order, in the transaction that records
the move. The handlers live with the sub-package that owns the work (the call for
nominations with nominations, the recusals and assignments with the committee, the grants
with the announcement); the questions they all ask (is nominating open, is scoring open,
the latest decision) live in ``cycles.phases``, below every sub-package, so none of them
imports this module. Only what moves a cycle imports it: the cycle pages and API, the
decision (recording winners late moves the cycle to decided) and the scheduler job.

The phases, and the day the schedule moves a cycle into each, are in ``cycles.service``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..auth.service import Actor
from ..errors import Conflict
from ..extensions import db
from .announcement import notices as announcement_notices
from .announcement import service as announcement
from .committee import notices as committee_notices
from .committee import recusal
from .cycles import phases
from .cycles import service as cycles
from .managers import require_free_manager
from .models import Cycle, CycleTransition
from .nominations import evidence
from .nominations import notices as nomination_notices

# A handler: (cycle, day it takes effect, day the work is done, now). A catch-up that
# enters a phase after its window has passed (``run_on`` later than the window) sends no
# call or assignment whose deadline is already gone.
Handler = Callable[[Cycle, date, date, datetime], object]


def _call_for_nominations(cycle: Cycle, day: date, run_on: date, now: datetime) -> None:
    if run_on <= cycle.closes_on:
        nomination_notices.call_for_nominations(cycle, now)


def _freeze_evidence(cycle: Cycle, day: date, run_on: date, now: datetime) -> None:
    evidence.freeze_evidence(cycle, day, now)


def _record_recusals(cycle: Cycle, day: date, run_on: date, now: datetime) -> None:
    recusal.record_recusals(cycle, now)


def _assign_committee(cycle: Cycle, day: date, run_on: date, now: datetime) -> None:
    if run_on <= cycle.review_ends_on:
        committee_notices.committee_assignments(cycle, now)


def _grant_awards(cycle: Cycle, day: date, run_on: date, now: datetime) -> None:
    announcement.announce(cycle, day, now)


def _tell_results(cycle: Cycle, day: date, run_on: date, now: datetime) -> None:
    announcement_notices.results(cycle, now)


ON_ENTER: dict[str, list[Handler]] = {
    "scheduled": [],
    "open": [_call_for_nominations],
    "closed": [_freeze_evidence, _record_recusals],
    "review": [_record_recusals, _assign_committee],
    "decided": [],
    "announced": [_grant_awards, _tell_results],
}


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
    takes effect) and do what entering it does (``ON_ENTER``). ``run_on`` is the day the
    work is done, when a catch-up does it later than ``day``. Raises Conflict if another
    process moved it first; the caller's transaction then must roll back."""
    transition = cycles.record_transition(cycle, target, day, now, source=source, actor=actor, reason=reason)
    _enter(cycle, target, day, run_on or day, now)
    return transition


def _enter(cycle: Cycle, phase: str, day: date, run_on: date, now: datetime) -> None:
    """Do what entering ``phase`` does, in the transaction that recorded the move."""
    for handler in ON_ENTER[phase]:
        handler(cycle, day, run_on, now)


def catch_up(cycle: Cycle, day: date, now: datetime) -> list[CycleTransition]:
    """Every transition the schedule has made due by ``day``, in order, each committed alone.
    Each takes effect on its scheduled date, or on the previous transition's date if that
    was later (a decision recorded after the announcement date is announced no earlier
    than it was decided)."""
    done = []
    while (target := phases.scheduled_step(cycle, day)) is not None:
        previous = db.session.scalar(
            select(func.max(CycleTransition.effective_on)).where(CycleTransition.cycle_id == cycle.id)
        )
        effective = max(phases.due_on(cycle, target), previous or phases.due_on(cycle, target))
        try:
            done.append(step(cycle, target, effective, now, run_on=day))
            db.session.commit()
        except Conflict:
            db.session.rollback()  # another scheduler got there first; read where it left the cycle
            db.session.refresh(cycle)
    return done


def advance_all(day: date, now: datetime) -> str:
    """The scheduler job's work: create missing cycles, then catch every cycle up to ``day``."""
    made = cycles.ensure_cycles(day, now)
    db.session.commit()
    moved = []
    for cycle in db.session.scalars(select(Cycle).where(Cycle.phase != "announced").order_by(Cycle.id)).all():
        for transition in catch_up(cycle, day, now):
            moved.append(f"{cycle.award.slug} {cycle.year} → {transition.phase}")
        if cycle.phase in ("closed", "review"):
            recusal.record_recusals(cycle, now)
        reminded = nomination_notices.due_reminders(cycle, day, now)
        db.session.commit()
        if reminded:
            moved.append(f"{cycle.award.slug} {cycle.year}: {reminded} reminder{'s' * (reminded != 1)} queued")
    parts = []
    if made:
        parts.append("created " + ", ".join(f"{c.award.slug} {c.year}" for c in made))
    parts.extend(moved)
    return "; ".join(parts) or "no award cycle changed"


def advance(
    cycle: Cycle, actor: Actor, reason: str | None, day: date, now: datetime, *, from_phase: str | None
) -> CycleTransition:
    """Move the cycle from ``from_phase`` (the phase the manager saw it in) into the next
    one now, ahead of the schedule, with a reason (a manager with no conflict of interest
    in the cycle: ``managers``). A cycle no longer in ``from_phase`` is a Conflict."""
    require_free_manager(cycle, actor, "reason", "move its phases")
    reason = cycles.required_reason(reason)
    cycles.expect_phase(cycles.lock(cycle), from_phase)
    target = phases.next_phase(cycle.phase)
    if target is None:
        raise Conflict("The cycle has been announced: there is no later phase.", {"phase": ["is announced"]})
    if target == "decided" and phases.latest_decision(cycle.id) is None and phases.has_nominations(cycle.id):
        raise Conflict("Record the winners before moving the cycle to decided.", {"phase": ["no decision recorded"]})
    # Opening or closing ahead of the dates moves the date too, so the dates keep saying
    # when nominations were really taken (and nominating works the day it opens).
    if target == "open" and day < cycle.opens_on:
        cycles.record_date(cycle, "opens_on", day, actor, reason, now)
    if target == "closed" and max(day - timedelta(days=1), cycle.opens_on) < cycle.closes_on:
        cycles.record_date(cycle, "closes_on", max(day - timedelta(days=1), cycle.opens_on), actor, reason, now)
    try:
        return step(cycle, target, day, now, source="admin", actor=actor, reason=reason)
    except Conflict as error:  # the schedule or another manager moved it after the lock was read
        raise Conflict(error.message, {"from_phase": [f"is stale: the cycle has moved past {from_phase}"]}) from None
