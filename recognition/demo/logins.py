"""Which demo people to offer as logins, one per role.

The choice follows from the stored structure (mentorships, directors, grants), never
from anything random, so a second ``recognition demo`` on the same database names the
same people without storing the choice anywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from ..auth.models import RoleGrant
from ..extensions import db
from ..mentorships.models import Mentorship
from ..people.models import Division, DivisionDirector, Person
from .department import ADMIN_EMAIL, FEATURED_DIVISION

ROLES = ("admin", "division_director", "mentor", "mentee", "award_committee", "promotion_committee")
COMMITTEES = ("award_committee", "promotion_committee")


def featured_pair(open_formal: Iterable[tuple[int, int, date]], directors: set[int]) -> tuple[int, int] | None:
    """(mentor, mentee) to show off: the mentor with the most open formal mentorships
    (lowest id on a tie), and of their mentees the middle one by start date, who has
    some history but is still early in their five years."""
    pairs = [(mentor, mentee, started) for mentor, mentee, started in open_formal if mentor not in directors]
    counts = Counter(mentor for mentor, _, _ in pairs)
    if not counts:
        return None
    mentor = min(counts, key=lambda person: (-counts[person], person))
    mentees = sorted((started, mentee) for who, mentee, started in pairs if who == mentor)
    return mentor, mentees[(len(mentees) - 1) // 2][1]


def director_of_featured(directors_by_code: dict[str, int]) -> int:
    return directors_by_code.get(FEATURED_DIVISION) or directors_by_code[min(directors_by_code)]


def as_logins(ids: dict[str, int | None], emails: dict[int, str], password: str) -> list[tuple[str, str, str]]:
    return [(role, emails[person_id], password) for role in ROLES if (person_id := ids.get(role)) is not None]


def stored(password: str) -> list[tuple[str, str, str]] | None:
    """The logins of a demo department already in the database, or None if the people
    there are not the demo's."""
    admin = db.session.scalar(select(Person).where(Person.email == ADMIN_EMAIL))
    if admin is None:
        return None
    directors_by_code = dict(
        db.session.execute(
            select(Division.code, DivisionDirector.person_id)
            .join(DivisionDirector, DivisionDirector.division_id == Division.id)
            .order_by(DivisionDirector.person_id.desc())  # the lowest id wins in the dict
        ).all()
    )
    open_formal = db.session.execute(
        select(Mentorship.mentor_id, Mentorship.mentee_id, Mentorship.started_on).where(
            Mentorship.kind == "formal", Mentorship.ended_on.is_(None)
        )
    ).all()
    ids: dict[str, int | None] = {"admin": admin.id}
    if directors_by_code:
        ids["division_director"] = director_of_featured(directors_by_code)
    pair = featured_pair(open_formal, set(directors_by_code.values()))
    if pair:
        ids["mentor"], ids["mentee"] = pair
    for role in COMMITTEES:
        ids[role] = db.session.scalar(
            select(RoleGrant.person_id).where(RoleGrant.role == role).order_by(RoleGrant.person_id).limit(1)
        )
    wanted = [person for person in ids.values() if person is not None]
    emails = dict(db.session.execute(select(Person.id, Person.email).where(Person.id.in_(wanted))).all())
    return as_logins(ids, emails, password)
