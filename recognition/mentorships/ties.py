"""Ties in the mentoring graph between two people: the conflict rule that award committees
and CFAR and promotion committees (and the referee check) share.

Two people are tied when one has ever mentored the other (any kind, ended or not, either
way), when they share a mentor, or when they share a mentee. ``tie_kinds`` is pure and
tested as a table; ``ties_touching`` reads the mentorships it needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from ..extensions import db
from .models import Mentorship

MENTORSHIP = "mentorship"
SHARED_MENTOR = "shared_mentor"
SHARED_MENTEE = "shared_mentee"
TIE_KINDS = (MENTORSHIP, SHARED_MENTOR, SHARED_MENTEE)


def tie_kinds(one: int, other: int, ties: Iterable[tuple[int, int]]) -> list[str]:
    """How ``one`` and ``other`` are tied, in the order of ``TIE_KINDS``; empty when they
    are not. ``ties`` are (mentor_id, mentee_id) pairs of mentorships (enough: every one
    touching either person). A person is not tied to themself by this rule."""
    if one == other:
        return []
    mentors: dict[int, set[int]] = {one: set(), other: set()}
    mentees: dict[int, set[int]] = {one: set(), other: set()}
    for mentor, mentee in ties:
        if mentee in mentors:
            mentors[mentee].add(mentor)
        if mentor in mentees:
            mentees[mentor].add(mentee)
    pair = {one, other}
    found = []
    if other in mentees[one] or one in mentees[other]:
        found.append(MENTORSHIP)
    if (mentors[one] & mentors[other]) - pair:
        found.append(SHARED_MENTOR)
    if (mentees[one] & mentees[other]) - pair:
        found.append(SHARED_MENTEE)
    return found


def ties_touching(person_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(mentor_id, mentee_id) of every mentorship ever touching one of ``person_ids``: a
    shared mentor or mentee is a tie from each of two people to the same third person, so
    these are all ``tie_kinds`` needs."""
    ids = sorted(set(person_ids))
    if not ids:
        return []
    return [
        (mentor, mentee)
        for mentor, mentee in db.session.execute(
            select(Mentorship.mentor_id, Mentorship.mentee_id).where(
                or_(Mentorship.mentor_id.in_(ids), Mentorship.mentee_id.in_(ids))
            )
        )
    ]
