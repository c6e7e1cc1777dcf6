"""An award's managers and their conflicts of interest.

Administrators run every award; a division's director runs that division's awards. The
committee's conflict rules (``rules.conflicts``) apply to a manager as to a member: the
nominee, a nominator, a mentorship with the nominee, a shared mentor or mentee. Two
exceptions, because they come with the office: the same-division rule (a division's
director runs its award, and every nominee is in that division), and a suggestion the
manager turned into a nomination (``nominations.nominate_suggestion``).

A manager with a conflict with a nomination sees it as a recused member does: not its
letters, statements, evidence, scores or place in the ranking. A manager with a conflict
with any nomination of a cycle cannot act on the cycle (its committee, dates, phases,
decision): those are for a manager with none, and the refusal names who they are.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from ..auth.models import RoleGrant
from ..auth.service import Actor
from ..errors import Forbidden
from ..extensions import db
from ..mentorships.models import Mentorship
from ..people.models import DivisionDirector, Person
from .models import Cycle, Nomination, NominationStatement
from .rules import conflicts


def is_manager(actor: Actor, cycle: Cycle) -> bool:
    """Admins run every award; a division director runs their division's awards."""
    return actor.is_admin or (cycle.award.level == "division" and actor.directs(cycle.award.division_id))


def _wording(reason: str) -> str:
    return reason.replace("the member", "the manager", 1)


def conflicts_of(
    cycle: Cycle, person_id: int | None, nominations: list[Nomination] | None = None
) -> dict[int, list[str]]:
    """{nomination_id: reasons} of a manager (a person) in ``cycle``; empty when none."""
    if person_id is None:
        return {}
    if nominations is None:
        nominations = list(db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id)))
    if not nominations:
        return {}
    people = sorted({person_id} | {n.nominee_id for n in nominations})
    ties = [
        (row.mentor_id, row.mentee_id)
        for row in db.session.execute(
            select(Mentorship.mentor_id, Mentorship.mentee_id).where(
                or_(Mentorship.mentor_id.in_(people), Mentorship.mentee_id.in_(people))
            )
        )
    ]
    nominators: dict[int, list[int]] = {n.id: [] for n in nominations}
    office: dict[int, int] = {}  # a suggested nomination's first statement is the office's, not a person's
    suggested = {n.id for n in nominations if n.suggested}
    for nomination_id, nominator_id in db.session.execute(
        select(NominationStatement.nomination_id, NominationStatement.nominator_id)
        .where(NominationStatement.nomination_id.in_(list(nominators)))
        .order_by(NominationStatement.id)
    ):
        if nomination_id in suggested and nomination_id not in office:
            office[nomination_id] = nominator_id
            continue
        nominators[nomination_id].append(nominator_id)
    found = {}
    for nomination in nominations:
        reasons = conflicts(person_id, nomination.nominee_id, nominators[nomination.id], ties, False, False)
        if reasons:
            found[nomination.id] = [_wording(r) for r in reasons]
    return found


def conflicted_with(actor: Actor, nomination: Nomination) -> list[str]:
    """Why the actor, as a manager of the nomination's award, may not read it (empty: they may)."""
    if not is_manager(actor, nomination.cycle):
        return []
    return conflicts_of(nomination.cycle, actor.person_id, [nomination]).get(nomination.id, [])


def free_managers(cycle: Cycle) -> list[Person]:
    """The people who run the award and have no conflict with any of its nominations."""
    ids = set(db.session.scalars(select(RoleGrant.person_id).where(RoleGrant.role == "admin")))
    if cycle.award.level == "division":
        ids |= set(
            db.session.scalars(
                select(DivisionDirector.person_id).where(DivisionDirector.division_id == cycle.award.division_id)
            )
        )
    nominations = list(db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id)))
    free = [pid for pid in sorted(ids) if not conflicts_of(cycle, pid, nominations)]
    return list(db.session.scalars(select(Person).where(Person.id.in_(free)).order_by(Person.name))) if free else []


def require_free_manager(cycle: Cycle, actor: Actor, field: str, action: str) -> None:
    """Refuse (403) an action on the cycle by someone who does not run the award, or who
    has a conflict with one of its nominations; the refusal names who can act instead."""
    if not is_manager(actor, cycle):
        raise Forbidden(f"Only the administrators of {cycle.award.name} {action}.", {field: ["admins only"]})
    found = conflicts_of(cycle, actor.person_id)
    if not found:
        return
    names = {n.id: n.nominee.name for n in db.session.scalars(select(Nomination).where(Nomination.id.in_(list(found))))}
    what = "; ".join(f"{names[nid]}: {', '.join(reasons)}" for nid, reasons in sorted(found.items()))
    others = [p.name for p in free_managers(cycle) if p.id != actor.person_id]
    who = (
        f"Ask {', '.join(others)}."
        if others
        else "No manager of the award is free of conflicts: a department administrator with none must be named."
    )
    raise Forbidden(
        f"You have a conflict of interest in {cycle.award.name} {cycle.year} ({what}), so you cannot {action}. {who}",
        {field: ["you have a conflict of interest in this cycle"]},
    )
