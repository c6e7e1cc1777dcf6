"""What the award pages (the "awards" blueprint) share: the blueprint itself, which the
award pages (``definitions.views``) and the cycle pages (``cycles.views``) both add their
routes to, so every endpoint keeps its name (``awards.cycle``, ``awards.detail`` …); the
phase names pages show; and a committee member's work in a cycle, shown on the awards
index and on the cycle page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint
from sqlalchemy import select

from ..auth.service import Actor
from ..extensions import db
from .committee import recusal
from .cycles import phases
from .models import Cycle, Nomination

blp = Blueprint("awards", __name__)


PHASE_LABELS = {
    "scheduled": "Scheduled",
    "open": "Open for nominations",
    "closed": "Nominations closed",
    "review": "Committee review",
    "decided": "Decided",
    "announced": "Announced",
}


@blp.app_template_global()
def phase_label(phase: str) -> str:
    return PHASE_LABELS.get(phase, phase)


def member_work(cycle: Cycle, actor: Actor, day: date) -> dict:
    """A member's view of their cycle: the nominations they review (unrecused), how many
    they scored, and the nominees they are recused from (names only, once nominations close)."""
    work: dict[str, Any] = {
        "cycle": cycle,
        "ready": cycle.phase not in ("scheduled", "open"),
        "to_review": [],
        "recused": [],
        "scored": set(),
        "scoring": phases.is_scoring_open(cycle, day),
    }
    if not work["ready"]:
        return work
    conflicts = recusal.recusal_map(cycle)
    for nomination in db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id)
    ):
        if (nomination.id, actor.person_id) in conflicts:
            work["recused"].append(nomination.nominee.name)
        else:
            work["to_review"].append(nomination)
            if recusal.own_scores(nomination.id, actor.person_id) is not None:
                work["scored"].add(nomination.id)
    return work
