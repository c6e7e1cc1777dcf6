"""Who sits on a cycle's committee, and who of them is recused from which nomination:
conflicts found from mentorships, divisions and nominations (rules.conflicts), recorded
when nominations close and kept in step as the committee changes, and recusals members
declare themselves. Scoring and the nomination pages ask ``is_member`` and ``recused``
here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ...auth.service import Actor
from ...errors import Conflict, DomainError, Forbidden
from ...extensions import db
from ...mentorships.models import Mentorship
from ...people.models import Person
from ..models import (
    CommitteeMember,
    Cycle,
    Nomination,
    NominationStatement,
    Recusal,
    ScoreSet,
)
from ..rules import conflicts


def members(cycle_id: int) -> list[CommitteeMember]:
    return list(
        db.session.scalars(
            select(CommitteeMember)
            .where(CommitteeMember.cycle_id == cycle_id)
            .order_by(CommitteeMember.chair.desc(), CommitteeMember.person_id)
        )
    )


def is_member(cycle_id: int, person_id: int | None) -> bool:
    return person_id is not None and db.session.get(CommitteeMember, (cycle_id, person_id)) is not None


@dataclass(frozen=True)
class Graph:
    ties: list[tuple[int, int]]
    divisions: dict[int, int | None]
    nominators: dict[int, list[int]]


def _graph(cycle: Cycle, member_ids: list[int], nominations: list[Nomination]) -> Graph:
    people = set(member_ids) | {n.nominee_id for n in nominations}
    ties: list[tuple[int, int]] = []
    if people:
        # Mentorships touching a member or a nominee are enough: a shared mentor or mentee
        # is a tie from each of them to the same third person.
        ids = sorted(people)
        ties = [
            (row.mentor_id, row.mentee_id)
            for row in db.session.execute(
                select(Mentorship.mentor_id, Mentorship.mentee_id).where(
                    or_(Mentorship.mentor_id.in_(ids), Mentorship.mentee_id.in_(ids))
                )
            )
        ]
    divisions = dict(
        db.session.execute(select(Person.id, Person.division_id).where(Person.id.in_(sorted(people)))).all()
    )
    nominators: dict[int, list[int]] = {n.id: [] for n in nominations}
    if nominators:
        for nomination_id, nominator_id in db.session.execute(
            select(NominationStatement.nomination_id, NominationStatement.nominator_id).where(
                NominationStatement.nomination_id.in_(list(nominators))
            )
        ):
            nominators[nomination_id].append(nominator_id)
    return Graph(ties, divisions, nominators)


def nominations_of(cycle: Cycle) -> list[Nomination]:
    return list(db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id)))


def _declared(cycle_id: int) -> dict[tuple[int, int], list[str]]:
    found: dict[tuple[int, int], list[str]] = {}
    for recusal in db.session.scalars(
        select(Recusal).where(Recusal.cycle_id == cycle_id, Recusal.source == "declared")
    ):
        found.setdefault((recusal.nomination_id, recusal.member_id), []).append(recusal.reason)
    return found


def recusal_map(
    cycle: Cycle, member_ids: list[int] | None = None, nominations: list[Nomination] | None = None
) -> dict[tuple[int, int], list[str]]:
    """{(nomination_id, member_id): reasons} for every conflict now: detected and declared."""
    member_ids = member_ids if member_ids is not None else [m.person_id for m in members(cycle.id)]
    nominations = nominations if nominations is not None else nominations_of(cycle)
    graph = _graph(cycle, member_ids, nominations)
    found: dict[tuple[int, int], list[str]] = {}
    for nomination in nominations:
        for member_id in member_ids:
            divisions = graph.divisions
            same = divisions.get(member_id) is not None and divisions.get(member_id) == divisions.get(
                nomination.nominee_id
            )
            reasons = conflicts(
                member_id,
                nomination.nominee_id,
                graph.nominators[nomination.id],
                graph.ties,
                same,
                cycle.award.division_conflicts,
            )
            if reasons:
                found[(nomination.id, member_id)] = reasons
    for key, reasons in _declared(cycle.id).items():
        found.setdefault(key, []).extend(f"declared: {reason}" for reason in reasons)
    return found


def recused(nomination: Nomination, member_id: int | None) -> list[str]:
    """Why ``member_id`` is recused from ``nomination`` (empty when they are not)."""
    if member_id is None:
        return []
    return recusal_map(nomination.cycle, [member_id], [nomination]).get((nomination.id, member_id), [])


def record_recusals(cycle: Cycle, now: datetime) -> int:
    """Record every detected conflict not recorded yet, with where it came from (the phase
    it was found in, the mentorships that make it, who recorded them and when, and whether
    the member had already scored); returns how many were recorded."""
    recorded = {
        (r.nomination_id, r.member_id)
        for r in db.session.scalars(select(Recusal).where(Recusal.cycle_id == cycle.id, Recusal.source == "detected"))
    }
    new = 0
    nominees = {n.id: n.nominee_id for n in nominations_of(cycle)}
    for (nomination_id, member_id), reasons in recusal_map(cycle).items():
        detected = [r for r in reasons if not r.startswith("declared: ")]
        if not detected or (nomination_id, member_id) in recorded:
            continue
        causes = _causes(member_id, nominees[nomination_id])
        try:
            with db.session.begin_nested():
                db.session.add(
                    Recusal(
                        cycle_id=cycle.id,
                        nomination_id=nomination_id,
                        member_id=member_id,
                        source="detected",
                        at=now,
                        found_in=cycle.phase,
                        mentorship_id=causes[-1].id if causes else None,
                        reason="; ".join(detected) + _source(cycle, nomination_id, member_id, causes),
                    )
                )
                db.session.flush()
            new += 1
        except IntegrityError:
            continue
    return new


def sync_recusals(cycle: Cycle, now: datetime) -> int:
    """Record the conflicts found since the last run before anything is ranked or shown:
    the ranking leaves out only recorded recusals, so no score stops counting unseen."""
    return record_recusals(cycle, now) if cycle.phase in ("closed", "review") else 0


def _causes(member_id: int, nominee_id: int) -> list[Mentorship]:
    """The mentorships that tie a member to a nominee (directly, or through a shared mentor
    or mentee), oldest recorded first."""
    pair = {member_id, nominee_id}
    rows = list(
        db.session.scalars(
            select(Mentorship).where(or_(Mentorship.mentor_id.in_(pair), Mentorship.mentee_id.in_(pair)))
        )
    )
    mentors = {pid: {m.mentor_id for m in rows if m.mentee_id == pid} for pid in pair}
    mentees = {pid: {m.mentee_id for m in rows if m.mentor_id == pid} for pid in pair}
    shared_mentors = (mentors[member_id] & mentors[nominee_id]) - pair
    shared_mentees = (mentees[member_id] & mentees[nominee_id]) - pair
    found = [
        m
        for m in rows
        if {m.mentor_id, m.mentee_id} == pair
        or (m.mentee_id in pair and m.mentor_id in shared_mentors)
        or (m.mentor_id in pair and m.mentee_id in shared_mentees)
    ]
    return sorted(found, key=lambda m: (m.created_at, m.id))


def _source(cycle: Cycle, nomination_id: int, member_id: int, causes: list[Mentorship]) -> str:
    when = {"review": "detected during the review", "closed": "detected when nominations closed"}.get(
        cycle.phase, f"detected while the cycle was {cycle.phase}"
    )
    parts = [when]
    for m in causes[-3:]:
        by = m.created_by.name if m.created_by_id and m.created_by else "the roster"
        text = (
            f"mentorship #{m.id} ({m.kind.replace('_', ' ')}, {m.mentor.name} mentoring {m.mentee.name}, "
            f"started {m.started_on.isoformat()}, recorded {m.created_at.date().isoformat()} by {by}"
        )
        if m.backdate_reason:
            text += f"; back-dated: {m.backdate_reason}"
        parts.append(text + ")")
    scored = own_scores(nomination_id, member_id)
    if scored is not None:
        parts.append(
            f"their scores (revision {scored.revision}, {scored.updated_at.date().isoformat()}) no longer count"
        )
    return " (" + "; ".join(parts) + ")"


def recorded_pairs(cycle_id: int) -> set[tuple[int, int]]:
    """(nomination_id, member_id) of every recorded recusal: the score sets left out."""
    return {
        (nid, mid)
        for nid, mid in db.session.execute(
            select(Recusal.nomination_id, Recusal.member_id).where(Recusal.cycle_id == cycle_id)
        )
    }


def declare(nomination: Nomination, actor: Actor, reason: str, now: datetime) -> Recusal:
    """A member declaring a conflict with a nominee: recorded, and they step aside at once."""
    if not is_member(nomination.cycle_id, actor.person_id):
        raise Forbidden("Only committee members declare conflicts.", {"reason": ["committee members only"]})
    if nomination.cycle.phase in ("scheduled", "open"):
        raise Conflict(
            "Conflicts are declared once nominations close, when the committee sees them.",
            {"reason": ["nominations are still open"]},
        )
    if nomination.cycle.phase in ("decided", "announced"):
        raise Conflict("The decision is made; conflicts are declared before it.", {"reason": ["too late"]})
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.field("reason", "is required: say what the conflict is (it is kept on the record)")
    if len(reason) > MAX_REASON:
        raise DomainError.field("reason", f"must be at most {MAX_REASON} characters")
    recusal = Recusal(
        cycle_id=nomination.cycle_id,
        nomination_id=nomination.id,
        member_id=actor.person_id,
        source="declared",
        reason=reason,
        at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(recusal)
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            "You have already declared a conflict with this nominee.", {"reason": ["already declared"]}
        ) from None
    return recusal


def recusals(cycle_id: int) -> list[Recusal]:
    return list(
        db.session.scalars(select(Recusal).where(Recusal.cycle_id == cycle_id).order_by(Recusal.at, Recusal.id))
    )


MAX_REASON = 2000


def own_scores(nomination_id: int, member_id: int | None) -> ScoreSet | None:
    if member_id is None:
        return None
    return db.session.scalar(
        select(ScoreSet).where(ScoreSet.nomination_id == nomination_id, ScoreSet.member_id == member_id)
    )
