"""What the committee is told: the assignment to review a cycle's nominations, with the
nominations each member is recused from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...outbox import queue
from ..models import CommitteeMember, Cycle, Nomination
from ..notices import addressed, day_text, link, title
from .recusal import recusal_map


def committee_assignments(cycle: Cycle, now: datetime, only: list[int] | None = None) -> int:
    conflicts = recusal_map(cycle)
    count = db.session.scalar(select(Nomination.id).where(Nomination.cycle_id == cycle.id).limit(1)) is not None
    messages = []
    for member in db.session.scalars(select(CommitteeMember).where(CommitteeMember.cycle_id == cycle.id)):
        if only is not None and member.person_id not in only:
            continue
        recused = sorted(
            db.session.get_one(Nomination, nid).nominee.name for (nid, mid) in conflicts if mid == member.person_id
        )
        lines = (
            (
                f"You are recused from {len(recused)} nomination(s), which you will not see: "
                + ", ".join(recused)
                + ".\n\n"
            )
            if recused
            else ""
        )
        text = (
            f"You are on the committee for the {title(cycle)}. "
            + ("The nominations are ready for review. " if count else "")
            + f"Score each nominee on the rubric by {day_text(cycle.review_ends_on)}; you can change your scores "
            "until then.\n\n" + lines + f"    {link(f'/awards/cycles/{cycle.id}')}\n"
        )
        messages += addressed("committee", cycle, [member.person], f"Committee review: {title(cycle)}", text)
    return queue(messages, now)
