"""What needs attention now: the mentorships, entries and people a director should act
on. Unlike the metrics these name people, so they go only to whoever manages them: an
administrator, or the director of the division the item belongs to (the mentee's, for a
mentorship or its entries; the person's own otherwise). Each list is one query; the
count of unconfirmed entries adds each closed year's from its snapshot (``snapshots``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import exists, func, or_, select, true
from sqlalchemy.orm import aliased

from ..auth.service import Actor
from ..clock import add_months, add_years, utcnow
from ..extensions import db
from ..ledger.models import LedgerEntry
from ..ledger.rules import CONFIRMABLE, LABELS
from ..mentorships.models import Mentorship
from ..milestones.models import Milestone
from ..milestones.queries import standing_query
from ..people.models import Person
from . import months, snapshots
from .measures import MEETING_KINDS, Tallies, _followed_within
from .rules import COUNT, Series, Tally

# An entry the other person has not confirmed after this many days is stale.
UNCONFIRMED_DAYS = 60
# A mentorship younger than this is not yet expected to have met.
GRACE_DAYS = 30
# The last day of work that is stale today: UNCONFIRMED_DAYS and more ago.
STALE_AFTER = timedelta(days=UNCONFIRMED_DAYS + 1)
LIMIT = 200  # per list; the count says how many there are in all

Mentee = aliased(Person)
Mentor = aliased(Person)
Follower = aliased(LedgerEntry)


@dataclass(frozen=True)
class Item:
    kind: str  # no_meeting | unconfirmed | check_in_overdue | no_mentor
    text: str
    since: date  # the day it became due or was recorded
    mentorship_id: int | None = None
    person_id: int | None = None
    division_id: int | None = None


@dataclass(frozen=True)
class Attention:
    label: str
    kind: str
    items: list[Item]
    total: int


def _in_scope(column, actor: Actor, division_id: int | None):
    """Rows of the chosen division (or every one the actor may see)."""
    if division_id is not None:
        return column == division_id
    if actor.is_admin:
        return true()
    return column.in_(actor.directed_division_ids)


def _first(query) -> tuple[list, int]:
    """The first LIMIT rows of ``query`` and how many there are in all, in one statement:
    the count is a window over the rows the query finds (``count() OVER ()``), which the
    database has to find all of anyway to sort them, rather than a second statement that
    finds them all again."""
    rows = db.session.execute(query.add_columns(func.count().over()).limit(LIMIT)).all()
    return [tuple(row)[:-1] for row in rows], rows[0][-1] if rows else 0


def _followed(entry, entry_type: str):
    follower = aliased(LedgerEntry)
    return exists().where(follower.target_id == entry.id, follower.entry_type == entry_type)


def no_meeting(actor: Actor, today: date, division_id: int | None) -> Attention:
    start = date(today.year, 1, 1)
    # Looked up per open formal mentorship in its own index (mentorship, day), stopping
    # at the first meeting: OFFSET 0 keeps PostgreSQL from turning it into an anti-join
    # that hashes every meeting of the year.
    met = (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.mentorship_id == Mentorship.id,
            LedgerEntry.entry_type == "contribution",
            LedgerEntry.kind.in_(MEETING_KINDS),
            LedgerEntry.occurred_on >= start,
            ~_followed(LedgerEntry, "reversal"),
        )
        .offset(0)
        .exists()
    )
    query = (
        select(Mentorship.id, Mentorship.started_on, Mentor.name, Mentee.name, Mentee.division_id)
        .join(Mentor, Mentor.id == Mentorship.mentor_id)
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
        .where(
            Mentorship.kind == "formal",
            Mentorship.started_on <= today - timedelta(days=GRACE_DAYS),
            or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= today),
            ~met,
            _in_scope(Mentee.division_id, actor, division_id),
        )
        .order_by(Mentorship.started_on, Mentorship.id)
    )
    rows, total = _first(query)
    items = [
        Item(
            "no_meeting",
            f"{mentor} and {mentee}: no meeting recorded in {today.year}",
            max(started, start),
            mid,
            None,
            div,
        )
        for mid, started, mentor, mentee, div in rows
    ]
    return Attention(f"Formal mentorships with no meeting in {today.year}", "no_meeting", items, total)


def _unconfirmed(start: date, end: date, in_order: bool = False):
    """Work logged with someone between ``start`` and ``end`` that they have neither
    confirmed nor seen reversed. A follower carries its target's day (``ledger.service``):
    bounded by the same days, the followers are read from the day index. ``in_order``:
    for a list walked in the order index (day, seq) and stopped at its LIMIT, the kind is
    tested as an expression, which no index serves: else SQLite reads every entry of
    those days from the kind index and sorts them all."""
    followed = []
    for entry_type in ("confirmation", "reversal"):
        follower = aliased(LedgerEntry)
        followed.append(
            ~exists().where(
                follower.target_id == LedgerEntry.id,
                follower.entry_type == entry_type,
                _followed_within(follower, start, end),
            )
        )
    return (
        LedgerEntry.entry_type == "contribution",
        (func.coalesce(LedgerEntry.kind, "") if in_order else LedgerEntry.kind).in_(CONFIRMABLE),
        LedgerEntry.mentorship_id.is_not(None),
        LedgerEntry.occurred_on.between(start, end),
        *followed,
    )


UNCONFIRMED = [Series("unconfirmed", "Unconfirmed", COUNT)]
UNCONFIRMED_KEY = snapshots.digest({"version": snapshots.VERSION, "attention": "unconfirmed"})


def unconfirmed_in(year: int) -> tuple[list[Series], Tallies]:
    """The entries of ``year`` still unconfirmed, per division of the mentee."""
    return unconfirmed_between(date(year, 1, 1), date(year, 12, 31))


def unconfirmed_between(start: date, end: date) -> tuple[list[Series], Tallies]:
    """The entries of the days from ``start`` to ``end`` still unconfirmed, per division
    of the mentee."""
    rows = db.session.execute(
        select(Mentee.division_id, func.count())
        .select_from(LedgerEntry)
        .join(Mentorship, Mentorship.id == LedgerEntry.mentorship_id)
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
        .where(*_unconfirmed(start, end))
        .group_by(Mentee.division_id)
    )
    return UNCONFIRMED, {division_id: {"unconfirmed": Tally(int(count))} for division_id, count in rows}


def unconfirmed_by_year(actor: Actor, division_id: int | None, before: int) -> dict[int, int]:
    """{year: entries still unconfirmed in the actor's scope} for every year of the
    ledger before ``before`` (closed years: each from its snapshot, built if missing)."""
    first = db.session.scalar(select(func.min(LedgerEntry.occurred_on)))
    found: dict[int, int] = {}
    for year in range(first.year if first else before, before):
        compute = partial(unconfirmed_in, year)
        _, tallies = snapshots.cached(year, UNCONFIRMED_KEY, compute, utcnow(), reads=snapshots.DIVISIONS)
        found[year] = sum(
            cells["unconfirmed"].part for division, cells in tallies.items() if _scoped(division, actor, division_id)
        )
    return found


def unconfirmed_by_month(actor: Actor, division_id: int | None, last: date) -> int:
    """Entries still unconfirmed in the actor's scope in ``last``'s year up to ``last``,
    month by month, each from its snapshot (built if missing: ``months``)."""
    found = 0
    for first, end in months.stretches(last):
        key = months.key_of("unconfirmed", first.month)
        compute = partial(unconfirmed_between, first, end)
        _, tallies = snapshots.cached(last.year, key, compute, utcnow(), end, reads=snapshots.DIVISIONS)
        found += sum(
            cells["unconfirmed"].part for division, cells in tallies.items() if _scoped(division, actor, division_id)
        )
    return found


def _scoped(division: int | None, actor: Actor, division_id: int | None) -> bool:
    """``_in_scope`` for a division id at hand."""
    if division_id is not None:
        return division == division_id
    return actor.is_admin or division in actor.directed_division_ids


def unconfirmed(actor: Actor, today: date, division_id: int | None) -> Attention:
    """Entries unconfirmed after UNCONFIRMED_DAYS, oldest first. Each closed year's count
    comes from its snapshot (so the list starts at the first year that has any), and so
    does each month's of the last year, up to the day UNCONFIRMED_DAYS ago (``months``):
    no count reads the ledger, which only the list of the first LIMIT does."""
    last = today - STALE_AFTER
    counted = unconfirmed_by_year(actor, division_id, last.year)
    live = date(last.year, 1, 1)
    first = min((date(year, 1, 1) for year, count in counted.items() if count), default=live)
    query = (
        select(
            LedgerEntry.mentorship_id,
            LedgerEntry.occurred_on,
            LedgerEntry.kind,
            LedgerEntry.seq,
            Mentor.name,
            Mentee.name,
            Mentee.division_id,
        )
        .join(Mentorship, Mentorship.id == LedgerEntry.mentorship_id)
        .join(Mentor, Mentor.id == Mentorship.mentor_id)
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
        .where(*_unconfirmed(first, last, in_order=True), _in_scope(Mentee.division_id, actor, division_id))
        .order_by(LedgerEntry.occurred_on, LedgerEntry.seq)
    )
    rows: list = [tuple(row) for row in db.session.execute(query.limit(LIMIT))]
    total = len(rows)
    if total == LIMIT:
        total = sum(counted.values()) + unconfirmed_by_month(actor, division_id, last)
    items = [
        Item(
            "unconfirmed",
            f"{mentor} and {mentee}: {LABELS.get(kind or '', 'work').lower()} of {day.isoformat()} (entry #{seq}) still unconfirmed",
            day,
            mid,
            None,
            div,
        )
        for mid, day, kind, seq, mentor, mentee, div in rows
    ]
    label = f"Entries unconfirmed after {UNCONFIRMED_DAYS} days"
    return Attention(label, "unconfirmed", items, total)


def _early_career_without(
    actor: Actor, today: date, division_id: int | None, appointed_by: date, missing
) -> tuple[list[tuple[int, str, date, int | None]], int]:
    """People in their first FORMAL_MENTORING_YEARS, appointed by ``appointed_by``, for
    whom ``missing`` (an EXISTS correlated with Person) does not hold, in the actor's
    scope, oldest appointment first: the first LIMIT (id, name, appointed_on, division id)
    rows, and how many there are."""
    years = int(current_app.config["FORMAL_MENTORING_YEARS"])
    query = (
        select(Person.id, Person.name, Person.appointed_on, Person.division_id)
        .where(
            Person.appointed_on.is_not(None),
            Person.appointed_on <= appointed_by,
            Person.appointed_on > add_years(today, -years),
            ~missing,
            _in_scope(Person.division_id, actor, division_id),
        )
        .order_by(Person.appointed_on, Person.name)
    )
    return _first(query)


def check_ins_overdue(actor: Actor, today: date, division_id: int | None) -> Attention:
    months = int(current_app.config["CHECK_IN_MONTHS"])
    held = (
        standing_query()
        .with_only_columns(Milestone.id)
        .where(Milestone.person_id == Person.id, Milestone.kind == "check_in")
        .exists()
    )
    rows, total = _early_career_without(actor, today, division_id, add_months(today, -months), held)
    items = []
    for pid, name, appointed, div in rows:
        due = add_months(appointed, months)
        items.append(
            Item("check_in_overdue", f"{name}: check-in due {due.isoformat()}, none recorded", due, None, pid, div)
        )
    return Attention("Check-ins overdue", "check_in_overdue", items, total)


def no_mentor(actor: Actor, today: date, division_id: int | None) -> Attention:
    mentored = exists().where(
        Mentorship.mentee_id == Person.id,
        Mentorship.kind == "formal",
        Mentorship.started_on <= today,
        or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= today),
    )
    rows, total = _early_career_without(actor, today, division_id, today, mentored)
    items = [
        Item("no_mentor", f"{name}: appointed {appointed.isoformat()}, no formal mentor", appointed, None, pid, div)
        for pid, name, appointed, div in rows
    ]
    return Attention("New faculty without a formal mentor", "no_mentor", items, total)


def needs_attention(actor: Actor, today: date, division_id: int | None = None) -> list[Attention]:
    """The four lists, for the chosen division or every one ``actor`` manages. Call
    ``service.visible_codes`` first: it refuses anyone who manages none."""
    return [
        no_meeting(actor, today, division_id),
        unconfirmed(actor, today, division_id),
        check_ins_overdue(actor, today, division_id),
        no_mentor(actor, today, division_id),
    ]
