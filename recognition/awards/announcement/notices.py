"""What the department is told when a cycle is announced: the winners, and the thanks to
everyone nominated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...outbox import queue
from ...people.models import Person
from ..cycles.phases import latest_decision
from ..models import CommitteeMember, Cycle, Nomination, NominationStatement
from ..notices import addressed, link, title


def results(cycle: Cycle, now: datetime) -> int:
    decision = latest_decision(cycle.id)
    winners = [w.nomination.nominee for w in decision.winners] if decision else []
    winner_ids = {p.id for p in winners}
    names = ", ".join(p.name for p in winners) or "no award this year (no nominations were received)"
    messages = []
    for person in winners:
        text = (
            f"You have won the {title(cycle)}. Congratulations!\n\n"
            "Your award certificate and your Open Badges credential are ready to download, and the award is "
            f"in your mentorship record:\n\n    {link('/awards/mine')}\n"
        )
        messages += addressed("result", cycle, [person], f"You have won the {title(cycle)}", text)
    nominations = db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id)).all()
    others = {n.nominee_id: n.nominee for n in nominations if n.nominee_id not in winner_ids}
    nominators = db.session.scalars(
        select(Person)
        .join(NominationStatement, NominationStatement.nominator_id == Person.id)
        .join(Nomination, Nomination.id == NominationStatement.nomination_id)
        .where(Nomination.cycle_id == cycle.id)
    ).all()
    members = db.session.scalars(
        select(Person)
        .join(CommitteeMember, CommitteeMember.person_id == Person.id)
        .where(CommitteeMember.cycle_id == cycle.id)
    ).all()
    for person in {p.id: p for p in [*others.values(), *nominators, *members]}.values():
        if person.id in winner_ids:
            continue
        text = (
            f"The {title(cycle)} has been announced: {names}.\n\nThank you for taking part. "
            f"All the department's award winners: {link('/recognition')}\n"
        )
        messages += addressed("result", cycle, [person], f"Announced: {title(cycle)}", text)
    return queue(messages, now)
