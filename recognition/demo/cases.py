"""Cases for the demo, opened through the case services: a promotion case due in two
months whose committee is the promotion-committee login, a full professor tied to the
candidate (flagged and recused) and one with no tie, so that login lands on its cases
with a dossier to open; and a CFAR case of last year, closed with a note.

Candidates are faculty with mentees of their own (their dossiers say something), chosen
by the ``rng`` handed in, in the featured director's division when it has one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..auth.service import load_actor
from ..cases import service
from ..extensions import db
from ..mentorships import ties as ties_rule
from ..mentorships.models import Mentorship
from ..people.models import RANKS, Person

OFFICE_HOURS = time(14, 0)


@dataclass
class Result:
    opened: int
    closed: int

    def line(self) -> str:
        return (f"Opened {self.opened} case{'' if self.opened == 1 else 's'} for the promotion committee "
                f"({self.closed} closed)")


def _at(day: date) -> datetime:
    return datetime.combine(day, OFFICE_HOURS)


def build(rng: random.Random, today: date, ids: dict[str, int | None]) -> Result:
    member_id, director_id, admin_id = ids.get("promotion_committee"), ids.get("division_director"), ids["admin"]
    if member_id is None:
        return Result(0, 0)
    logins = {person for person in ids.values() if person is not None}
    mentors = set(db.session.scalars(select(Mentorship.mentor_id).distinct()))
    division = db.session.get(Person, director_id).division_id if director_id else None
    pool = sorted((p for p in db.session.scalars(select(Person).where(Person.rank.in_(("assistant", "associate"))))
                   if p.id in mentors and p.id not in logins and p.appointed_on is not None),
                  key=lambda p: (p.division_id != division, p.id))
    if len(pool) < 2:
        return Result(0, 0)
    near = [p for p in pool if p.division_id == division] or pool
    candidate = rng.choice(near)
    settled = [p for p in pool if p.id != candidate.id and p.appointed_on < today - timedelta(days=365)]
    fulls = sorted(db.session.scalars(select(Person.id).where(Person.rank == "full", Person.id.not_in(logins))))
    ties = ties_rule.ties_touching([candidate.id, *fulls])
    tied = sorted({a if b == candidate.id else b for a, b in ties if candidate.id in (a, b)} - {candidate.id} - logins)
    clear = [p for p in fulls if not ties_rule.tie_kinds(p, candidate.id, ties)]
    committee = [member_id, *(tied[:1]), *rng.sample(clear, min(1, len(clear)))]
    manager = load_actor(director_id) if director_id and candidate.division_id == division else load_actor(admin_id)
    now_rank = service.rank_now(candidate)
    if now_rank == RANKS[-1] or not settled:
        return Result(0, 0)
    rank_above = RANKS[RANKS.index(now_rank) + 1]
    other = rng.choice(settled)
    service.open_case({"candidate_id": candidate.id, "kind": "promotion", "target_rank": rank_above,
                       "due_on": today + timedelta(days=60), "member_ids": committee},
                      manager, _at(today - timedelta(days=14)))
    admin = load_actor(admin_id)
    past = service.open_case({"candidate_id": other.id, "kind": "cfar", "due_on": today - timedelta(days=90),
                              "period_start": other.appointed_on, "member_ids": [member_id]},
                             admin, _at(today - timedelta(days=200)))
    service.close(past, "CFAR passed; the committee's letter went to the chair.", admin,
                  _at(today - timedelta(days=85)))
    db.session.commit()
    return Result(2, 1)
