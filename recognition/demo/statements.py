"""Issued credit statements for the demo: the two most recent finished years, so a
newcomer sees every state a statement can be in.

The year-end batch issues each year's statements (in this process, at most
``PER_YEAR`` a year: every PDF is stored in the database). Then the featured mentor
records some preparation late and re-issues, so their first statement for the older
year is superseded by a second; and the admin revokes another mentor's statement with a
reason. Everything happens through the services (the late work is a ledger append) in the
minute between the end of the history and the demo's today, so every statement names a
ledger head older than itself. Codes and signatures are random; the rest follows from
the seed and today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..auth.service import Actor
from ..credits import batch, profiles, service
from ..credits.models import Statement
from ..extensions import db
from ..ledger import service as ledger
from . import lookups, notes
from .history import MARGIN

PER_YEAR = 12  # about 0.06 s and 90 KB of PDF each: the demo loads in seconds
REVOKED_BECAUSE = (
    "Withdrawn at the mentor's request: they report these credits to the CFPC (Mainpro+), not the Royal College."
)


@dataclass(frozen=True)
class Issued:
    statements: int
    years: tuple[int, int]
    superseded: str | None  # the number of the statement re-issued
    revoked: str | None

    def line(self) -> str:
        return (
            f"Issued {self.statements} credit statements for {self.years[0]} and {self.years[1]} "
            f"(at most {PER_YEAR} a year); {self.superseded or 'none'} superseded, {self.revoked or 'none'} revoked."
        )


def issue(today: date, featured_mentor_id: int | None, admin_id: int) -> Issued:
    """Issue, re-issue and revoke as described above; commits after each step."""
    start = datetime.combine(today, time.min) - MARGIN  # the history ends before this
    years = (today.year - 2, today.year - 1)
    for offset, year in enumerate(years):
        work = batch.plan(year, now=start + timedelta(seconds=10 * (offset + 1)))
        work.items = _spread(work.items, PER_YEAR, featured_mentor_id)
        batch.run(work)
    superseded = _late_work_reissued(years[0], featured_mentor_id, start)
    revoked = _revoke_one(years[1], {featured_mentor_id}, admin_id, start + timedelta(seconds=50))
    total = db.session.scalar(select(func.count()).select_from(Statement)) or 0
    db.session.commit()
    return Issued(total, years, superseded, revoked)


def _spread(items: list[batch.Item], limit: int, keep: int | None) -> list[batch.Item]:
    """At most ``limit`` items, evenly spread over the list, always with ``keep``'s."""
    if len(items) <= limit:
        return items
    chosen = [items[i * len(items) // limit] for i in range(limit)]
    wanted = [item for item in items if item.person_id == keep and item not in chosen]
    return chosen[: limit - len(wanted)] + wanted


def _late_work_reissued(year: int, person_id: int | None, start: datetime) -> str | None:
    """The mentor records preparation for ``year`` late and re-issues their statement;
    with no statement for that year yet, they first issue one."""
    if person_id is None:
        first = db.session.scalar(
            select(Statement).where(Statement.year == year).order_by(Statement.person_id).limit(1)
        )
        if first is None:
            return None
        person_id = first.person_id
    person = lookups.person(person_id)
    actor = lookups.actor(person_id)
    framework_id = profiles.profile_of(person_id).framework_id
    if service.latest(person_id, framework_id, year) is None:
        _prepared_late(actor, date(year, 10, 7), 60, notes.PREPARATION[2], start + timedelta(seconds=25))
        service.store(service.prepare(person, framework_id, year, actor, start + timedelta(seconds=30)))
        db.session.commit()
    _prepared_late(actor, date(year, 11, 18), 45, notes.PREPARATION[0], start + timedelta(seconds=35))
    first = service.latest(person_id, framework_id, year)
    assert first is not None  # issued above when there was none
    service.store(service.prepare(person, framework_id, year, actor, start + timedelta(seconds=40), reissue=True))
    db.session.commit()
    return first.number


def _prepared_late(actor: Actor, on: date, minutes: int, note: str, now: datetime) -> None:
    # Late preparation, a separate activity even should the history hold one like it.
    ledger.record(
        {
            "kind": "mentoring_preparation",
            "occurred_on": on,
            "minutes": minutes,
            "note": note,
            "confirm_duplicate": True,
        },
        actor,
        now,
    )
    db.session.commit()


def _revoke_one(year: int, spare: set[int | None], admin_id: int, now: datetime) -> str | None:
    """The admin revokes the first current statement of ``year`` not of a spared person."""
    for statement in db.session.scalars(select(Statement).where(Statement.year == year).order_by(Statement.person_id)):
        if statement.person_id not in spare:
            service.revoke(statement, REVOKED_BECAUSE, lookups.actor(admin_id), now)
            db.session.commit()
            return statement.number
    return None
