"""The phase questions every part of awards asks about a cycle: which phase comes next, when
the schedule moves it, whether nominating or scoring is open, the latest decision. They
read the cycle and its rows and import nothing above the models, so any sub-package may
ask them."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ..models import PHASES, Cycle, Decision, Nomination


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
