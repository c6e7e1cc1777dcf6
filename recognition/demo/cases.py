"""Cases for the demo, opened through the case services: a promotion case due in two
months and a CFAR case due in a month, each with the promotion-committee login, a full
professor tied to the candidate (flagged and recused) and one with no tie on its
committee, so that login lands on its cases with dossiers to open; and a CFAR case of last
year, closed with a note. Each open case's candidate has issued their dossier (the
dossier service signs it as it would for them), so the committee can download it and
check it at /verify.

Candidates are faculty with mentees of their own (their dossiers say something), chosen
by the ``rng`` handed in, in the featured director's division when it has one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..cases import service
from ..dossiers import service as dossiers
from ..extensions import db
from ..mentorships import ties as ties_rule
from ..mentorships.models import Mentorship
from ..people.models import RANKS, Person
from . import lookups

OFFICE_HOURS = time(14, 0)


@dataclass
class Result:
    opened: int
    closed: int
    dossiers: int = 0

    def line(self) -> str:
        return (
            f"Opened {self.opened} case{'' if self.opened == 1 else 's'} for the promotion committee "
            f"({self.closed} closed); the candidates issued {self.dossiers} dossier"
            f"{'' if self.dossiers == 1 else 's'}"
        )


def _at(day: date) -> datetime:
    return datetime.combine(day, OFFICE_HOURS)


def build(rng: random.Random, today: date, ids: dict[str, int | None]) -> Result:
    member_id, director_id, admin_id = ids.get("promotion_committee"), ids.get("division_director"), ids["admin"]
    if member_id is None:
        return Result(0, 0)
    assert admin_id is not None  # every demo has its administrator
    logins = {person for person in ids.values() if person is not None}
    mentors = set(db.session.scalars(select(Mentorship.mentor_id).distinct()))
    division = lookups.person(director_id).division_id if director_id else None
    pool = sorted(
        (
            p
            for p in db.session.scalars(select(Person).where(Person.rank.in_(("assistant", "associate"))))
            if p.id in mentors and p.id not in logins and p.appointed_on is not None
        ),
        key=lambda p: (p.division_id != division, p.id),
    )
    if len(pool) < 2:
        return Result(0, 0)
    near = [p for p in pool if p.division_id == division] or pool
    candidate = rng.choice(near)
    settled = [
        p
        for p in pool
        if p.id != candidate.id and p.appointed_on is not None and p.appointed_on < today - timedelta(days=365)
    ]
    fulls = sorted(db.session.scalars(select(Person.id).where(Person.rank == "full", Person.id.not_in(logins))))
    manager = (
        lookups.actor(director_id) if director_id and candidate.division_id == division else lookups.actor(admin_id)
    )
    now_rank = service.rank_now(candidate)
    if now_rank == RANKS[-1] or not settled:
        return Result(0, 0)
    rank_above = RANKS[RANKS.index(now_rank) + 1]
    opened = [
        service.open_case(
            {
                "candidate_id": candidate.id,
                "kind": "promotion",
                "target_rank": rank_above,
                "due_on": today + timedelta(days=60),
                "member_ids": _committee(rng, candidate.id, member_id, fulls, logins),
            },
            manager,
            _at(today - timedelta(days=14)),
        )
    ]
    admin = lookups.actor(admin_id)
    others = [p for p in settled if p.rank == "assistant"] or settled
    other = rng.choice(others)
    cfar_candidate = rng.choice([p for p in others if p.id != other.id] or others)
    if cfar_candidate.id != other.id:
        opened.append(
            service.open_case(
                {
                    "candidate_id": cfar_candidate.id,
                    "kind": "cfar",
                    "due_on": today + timedelta(days=30),
                    "member_ids": _committee(rng, cfar_candidate.id, member_id, fulls, logins),
                },
                admin,
                _at(today - timedelta(days=7)),
            )
        )
    past = service.open_case(
        {
            "candidate_id": other.id,
            "kind": "cfar",
            "due_on": today - timedelta(days=90),
            "period_start": other.appointed_on,
            "member_ids": [member_id],
        },
        admin,
        _at(today - timedelta(days=200)),
    )
    service.close(
        past, "CFAR passed; the committee's letter went to the chair.", admin, _at(today - timedelta(days=85))
    )
    issued = 0
    for case in opened:
        person = case.candidate
        dossiers.issue(person.id, None, None, lookups.actor(person.id), _at(today - timedelta(days=3)))
        issued += 1
    db.session.commit()
    return Result(len(opened), 1, issued)


def _committee(rng: random.Random, candidate_id: int, member_id: int, fulls: list[int], logins: set[int]) -> list[int]:
    """The promotion-committee login, one full professor tied to the candidate (recused
    when the case opens) and one with no tie."""
    ties = ties_rule.ties_touching([candidate_id, *fulls])
    tied = sorted({a if b == candidate_id else b for a, b in ties if candidate_id in (a, b)} - {candidate_id} - logins)
    clear = [p for p in fulls if p != member_id and not ties_rule.tie_kinds(p, candidate_id, ties)]
    return [member_id, *(tied[:1]), *rng.sample(clear, min(1, len(clear)))]
