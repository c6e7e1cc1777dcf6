"""The emails an award cycle sends, queued in the outbox with a key each, so each goes once.

call        nominations open: everyone who may nominate (the department, or the division)
reminder    AWARD_CLOSE_REMINDER_DAYS before nominations close: the same people
nominated   a colleague nominated you: the nominee, once per cycle
committee   the review starts (or you joined during it): each member, with their recusals
overdue     the decision date passed with no decision: the award's administrators
result      the announcement: winners, nominees, nominators and the committee
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import links
from ..auth.models import Account, RoleGrant
from ..extensions import db
from ..outbox import Message
from ..people.models import DivisionDirector, Person
from .models import Cycle


def link(path: str) -> str:
    return links.url(path)


def title(cycle: Cycle) -> str:
    return f"{cycle.award.name} {cycle.year}"


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def audience(cycle: Cycle) -> list[Person]:
    """Who may nominate: everyone with an account (the division's people for a division award)."""
    query = select(Person).join(Account, Account.person_id == Person.id).where(Account.disabled.is_(False))
    if cycle.award.level == "division":
        query = query.where(Person.division_id == cycle.award.division_id)
    return list(db.session.scalars(query.order_by(Person.id)))


def managers(cycle: Cycle) -> list[Person]:
    ids = set(db.session.scalars(select(RoleGrant.person_id).where(RoleGrant.role == "admin")))
    if cycle.award.level == "division":
        ids |= set(
            db.session.scalars(
                select(DivisionDirector.person_id).where(DivisionDirector.division_id == cycle.award.division_id)
            )
        )
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id))) if ids else []


def addressed(kind: str, cycle: Cycle, people: list[Person], subject: str, text: str) -> list[Message]:
    return [
        Message(f"award:{cycle.id}:{kind}:{person.id}", person.email, subject, f"Dear {person.name},\n\n{text}")
        for person in people
    ]
