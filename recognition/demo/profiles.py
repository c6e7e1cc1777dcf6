"""The profiles a few people of the demo department keep: a mentoring philosophy (a few
mentors, the demo mentor among them), or the choice not to be named in other people's
dossiers (a few people, one of the demo mentor's mentees among them). Pure: rows for
``people.models.Profile``."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from .department import Department
from .relationships import Tie

PHILOSOPHIES = (
    "I start from the mentee's own goals and keep coming back to them. Most of what I do is ask good questions, "
    "make introductions, and tell people early and honestly how their work reads to others.",
    "A mentor's job is to make the unwritten rules visible: how promotion really works, which committees "
    "matter, when to say no. I try to explain the system, not only my own path through it.",
    "I meet mentees regularly even when nothing is urgent. The best conversations are often about the thing "
    "that did not make the agenda.",
    "I learned to mentor by being mentored badly and then well. I read my mentees' feedback each year and "
    "change at least one thing in response.",
    "Sponsorship matters as much as advice: I put my mentees' names forward for talks, committees and grants, "
    "and I tell them when I have done it.",
)
NOT_NAMED_SHARE = 0.03
PHILOSOPHY_SHARE = 0.12


def build(rng: random.Random, dept: Department, ties: list[Tie], featured: tuple[int, int] | None) -> list[dict]:
    """A few mentors keep a mentoring philosophy (the demo mentor among them); a few people
    chose not to be named in other people's dossiers, one of the demo mentor's mentees
    among them (not the demo mentee)."""
    mentors = sorted({t.mentor_id for t in ties})
    chosen: dict[int, dict] = {}
    cutoff = datetime.combine(dept.today, time.min) - timedelta(hours=1)
    by_id = dept.by_id

    def saved(person_id: int) -> datetime:
        start = max(dept.system_start, by_id[person_id].created) + timedelta(days=1)
        span = max(int((cutoff - start).total_seconds()), 1)
        return start + timedelta(seconds=rng.randrange(span))

    def keep(person_id: int, named: bool = True, philosophy: str = "") -> None:
        row = chosen.setdefault(
            person_id,
            {"person_id": person_id, "named_in_dossiers": True, "philosophy": "", "updated_at": saved(person_id)},
        )
        row["named_in_dossiers"] = row["named_in_dossiers"] and named
        row["philosophy"] = philosophy or row["philosophy"]

    if featured is not None:
        keep(featured[0], philosophy=PHILOSOPHIES[0])
        others = sorted(
            {t.mentee_id for t in ties if t.mentor_id == featured[0] and t.kind == "formal"} - {featured[1]}
        )
        if others:
            keep(others[0], named=False)
    for mentor in mentors:
        if rng.random() < PHILOSOPHY_SHARE:
            keep(mentor, philosophy=rng.choice(PHILOSOPHIES))
    for member in dept.faculty:
        if featured is not None and member.id in featured:
            continue
        if rng.random() < NOT_NAMED_SHARE:
            keep(member.id, named=False)
    return [chosen[person_id] for person_id in sorted(chosen)]
