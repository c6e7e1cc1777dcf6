"""What a mentor's and a mentee's own pages (``/mentoring``, ``/mentee``) show, read in a
few statements whatever the length of the ledger or the number of mentorships.

One statement reads the actor's mentorships, with both people, as short rows (``Pair``); one reads the history of
those mentorships (and, on a mentor's page, the mentor's own training and preparation)
as short rows, each with what follows it (its confirmation, reversal or dispute), one
index range per mentorship; every list on the page is drawn from those rows: this year's
meetings against the expectation, the entries waiting for a confirmation, the most recent
entries. The rows carry what the lists show, and each shown entry is drawn from its row
(``Shown``), named by the people read with the mentorships: no entry is loaded whole. The
page so costs what the actor's own history costs, and nothing is kept between requests.

The statements are built once per process (building one costs more than running it on
a small history); their values are bound per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Integer,
    and_,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from ..clock import local_dates
from ..extensions import db
from ..ledger.models import LedgerEntry
from ..ledger.rules import CONFIRMABLE, MEETING_KINDS, confirmation_state
from ..people.models import Division, Person
from ..plain import Plain
from .models import Mentorship, counterpart

RECENT = 20
# The ranks, counted from the most recent, of a mentorship's entries whose dates the page
# reads with the mentorship (``Found.levels``), to bound the history it reads (``_window``).
LEVELS = (5, 10, RECENT)
# The "to confirm" and "waiting" lists show this many, oldest first (the ones reminders are
# about); the rest are counted by mentorship, each history page listing them all.
LISTED = 20


class Party(NamedTuple):
    """One side of a mentorship, as the own pages name and place them."""

    id: int
    name: str
    division_id: int | None
    division_name: str | None
    appointed_on: date | None


class Pair(NamedTuple):
    """A mentorship as the own pages show it (what they read of a ``Mentorship``)."""

    id: int
    mentor_id: int
    mentee_id: int
    kind: str
    started_on: date
    ended_on: date | None
    mentor: Party
    mentee: Party

    def counterpart_of(self, person_id: int | None) -> int | None:
        return counterpart(self.mentor_id, self.mentee_id, person_id)


@dataclass
class Desk:
    """The page's lists. ``mentorships`` are those where the actor is on the page's side
    (a mentor's as mentor), newest first; the entry lists cover every mentorship of the
    actor, as either side."""

    mentorships: list[Pair]
    meetings: dict[int, dict]
    to_confirm: list[Shown]
    awaiting_other: list[Shown]
    recent: list[Shown]
    more_to_confirm: list[tuple[Pair, int]] = field(default_factory=list)
    more_awaiting: list[tuple[Pair, int]] = field(default_factory=list)

    @property
    def active(self) -> list[Pair]:
        return [m for m in self.mentorships if m.ended_on is None]

    @property
    def past(self) -> list[Pair]:
        return [m for m in self.mentorships if m.ended_on is not None]


@dataclass
class Found:
    """The person's mentorships (``mentorships_of``), and for each what bounds the history
    the page reads: the dates of its 5th, 10th and ``RECENT``-th most recent entries
    (``LEVELS``; None where it has fewer), and its last meeting neither reversed nor
    disputed, up to today."""

    mentorships: list[Pair]
    levels: dict[int, tuple[date | None, ...]]
    last_meeting: dict[int, date | None]


def mentorships_of(person_id: int, today: date) -> Found:
    """Every mentorship of the person, as mentor or mentee, newest first, with both people."""
    found = Found([], {}, {})
    rows = _mentorships().rows(db.session.connection(), {"me": person_id, "today": today})
    for (
        mentorship_id,
        mentor_id,
        mentee_id,
        kind,
        started_on,
        ended_on,
        mentor_name,
        mentor_division_id,
        mentor_division,
        mentor_appointed_on,
        mentee_name,
        mentee_division_id,
        mentee_division,
        mentee_appointed_on,
        *levels,
        last_meeting,
    ) in rows:
        mentor = Party(mentor_id, mentor_name, mentor_division_id, mentor_division, mentor_appointed_on)
        mentee = Party(mentee_id, mentee_name, mentee_division_id, mentee_division, mentee_appointed_on)
        found.mentorships.append(Pair(mentorship_id, mentor_id, mentee_id, kind, started_on, ended_on, mentor, mentee))
        found.levels[mentorship_id] = tuple(levels)
        found.last_meeting[mentorship_id] = last_meeting
    return found


def read(person_id: int, as_mentor: bool, today: date, found: Found | None = None) -> Desk:
    """The page of ``person_id`` as mentor (``as_mentor``) or as mentee, as of ``today``;
    ``found`` when the caller has read the mentorships (``mentorships_of``)."""
    found = mentorships_of(person_id, today) if found is None else found
    everyone = found.mentorships
    side = [m for m in everyone if (m.mentor_id if as_mentor else m.mentee_id) == person_id]
    rows = _history(person_id, [m.id for m in everyone], as_mentor, _window(found, side, today))
    entries, follows, reasons = _by_entry(rows)

    on_side = {m.id for m in side}
    in_order = sorted(entries.values(), key=IN_ORDER)
    recent_ids = [row.id for row in reversed(in_order) if row.mentorship_id is None or row.mentorship_id in on_side][
        :RECENT
    ]
    counterpart = {m.id: m.counterpart_of(person_id) for m in everyone}
    to_confirm_ids, awaiting_ids = [], []
    for row in in_order:
        if row.mentorship_id is None or row.kind not in CONFIRMABLE or row.id in follows:
            continue
        if row.recorded_by_id == person_id:
            awaiting_ids.append(row.id)
        elif row.recorded_by_id == counterpart[row.mentorship_id]:
            to_confirm_ids.append(row.id)

    by_id = {m.id: m for m in everyone}
    more_to_confirm = _beyond(to_confirm_ids, entries, by_id)
    more_awaiting = _beyond(awaiting_ids, entries, by_id)
    to_confirm_ids, awaiting_ids = to_confirm_ids[:LISTED], awaiting_ids[:LISTED]

    people: dict[int, object] = {p.id: p for m in everyone for p in (m.mentor, m.mentee)}
    _read_recorders(people, [entries[i].recorded_by_id for i in recent_ids])
    names = {m.id: {"mentor": m.mentor.name, "mentee": m.mentee.name} for m in everyone}
    to_local = local_dates()
    shown = {
        entry_id: _shown(entries[entry_id], follows.get(entry_id, {}), reasons, names, people, today, to_local)
        for entry_id in {*recent_ids, *to_confirm_ids, *awaiting_ids}
    }
    return Desk(
        mentorships=side,
        meetings=meetings(entries, follows, [m.id for m in side if m.ended_on is None], today, found.last_meeting),
        to_confirm=[shown[i] for i in to_confirm_ids],
        awaiting_other=[shown[i] for i in awaiting_ids],
        recent=[shown[i] for i in recent_ids],
        more_to_confirm=more_to_confirm,
        more_awaiting=more_awaiting,
    )


def _beyond(ids: list[int], entries: dict[int, Short], by_id: dict[int, Pair]) -> list[tuple[Pair, int]]:
    """How many of ``ids`` past the first ``LISTED`` are in each mentorship, in the order
    the mentorships first appear."""
    counts: dict[int, int] = {}
    for entry_id in ids[LISTED:]:
        mentorship_id = entries[entry_id].mentorship_id
        assert mentorship_id is not None  # only pair work waits for a confirmation
        counts[mentorship_id] = counts.get(mentorship_id, 0) + 1
    return [(by_id[mentorship_id], count) for mentorship_id, count in counts.items()]


def meetings(
    entries: dict[int, Short],
    follows: dict[int, dict[str, int]],
    mentorship_ids: list[int],
    today: date,
    last_meeting: dict[int, date | None],
):
    """Per mentorship, as ``ledger.meetings_in`` from January 1 to ``today``: this year's
    meetings neither reversed nor disputed, how many confirmed, and the last one's date
    (read with the mentorships: it may be older than the history read)."""
    summary: dict[int, dict] = {
        mid: {"count": 0, "confirmed": 0, "last": last_meeting.get(mid)} for mid in mentorship_ids
    }
    start = date(today.year, 1, 1)
    for row in entries.values():
        item = summary.get(row.mentorship_id) if row.mentorship_id is not None else None
        if item is None or row.kind not in MEETING_KINDS or not start <= row.occurred_on <= today:
            continue
        mine = follows.get(row.id, {})
        if "reversal" in mine or "dispute" in mine:
            continue
        item["count"] += 1
        item["confirmed"] += int("confirmation" in mine)
    return summary


def _window(found: Found, side: list[Pair], today: date) -> date:
    """From which date the page reads the whole history (before it, only entries nothing
    follows yet, which the lists to confirm need): January 1, for this year's meetings, or
    earlier, so that the ``RECENT`` most recent entries of the page's side are all read.
    The mentorships' levels bound them: from a date on which the levels reached count
    ``RECENT`` entries or more (a mentorship whose 5th most recent entry is that late has at
    least 5 from it, and so on), the most recent entries are all there. The latest such
    date; with none, the whole history (it is short)."""
    # Each level, latest first; the running count is what the levels reached so far add up to.
    reached = dict.fromkeys((m.id for m in side), 0)
    count = 0
    ranked = (
        (at, rank, m.id) for m in side for rank, at in zip(LEVELS, found.levels[m.id], strict=True) if at is not None
    )
    for day, rank, mentorship_id in sorted(ranked, reverse=True):
        if rank > reached[mentorship_id]:
            count += rank - reached[mentorship_id]
            reached[mentorship_id] = rank
        if count >= RECENT:
            return min(date(today.year, 1, 1), day)
    return date.min


class Short(NamedTuple):
    """An entry of the history, as the lists need it to choose and to show it."""

    id: int
    mentorship_id: int | None
    kind: str | None
    occurred_on: date
    seq: int
    recorded_by_id: int
    minutes: int
    note: str
    recorded_at: datetime


class Dispute(NamedTuple):
    """What a shown entry's badge says of its dispute."""

    reason: str


class Shown(NamedTuple):
    """An entry as the page lists it: what ``_entries.html`` reads of an entry (its
    ``confirmation_state`` and followers as ``ledger.service.describe_followers`` sets
    them), named by the people read with the mentorships: ``names``, its mentorship's
    ``mentor`` and ``mentee`` (a dict: the pages pick one by side), and ``recorded_by``."""

    id: int
    mentorship_id: int | None
    names: dict[str, str]
    kind: str | None
    occurred_on: date
    minutes: int
    note: str
    recorded_by_id: int
    recorded_by: object
    confirmed_by_entry_id: int | None
    reversed_by_entry_id: int | None
    disputed_by: Dispute | None
    confirmation_state: str | None


def _shown(
    row: Short,
    mine: dict[str, int],
    reasons: dict[int, str],
    names: dict[int, dict[str, str]],
    people: dict[int, object],
    today: date,
    to_local: Callable[[datetime], date],
) -> Shown:
    dispute = mine.get("dispute")
    # The date it was recorded matters only to work nothing follows yet (how long it waits).
    waiting = row.kind in CONFIRMABLE and not mine
    return Shown(
        row.id,
        row.mentorship_id,
        names[row.mentorship_id] if row.mentorship_id is not None else {},
        row.kind,
        row.occurred_on,
        row.minutes,
        row.note,
        row.recorded_by_id,
        people.get(row.recorded_by_id),
        mine.get("confirmation"),
        mine.get("reversal"),
        Dispute(reasons[dispute]) if dispute is not None else None,
        confirmation_state(
            row.kind,
            to_local(row.recorded_at) if waiting else today,
            today,
            confirmed="confirmation" in mine,
            reversed_="reversal" in mine,
            disputed=dispute is not None,
        ),
    )


# By the date of the work, then by its place in the chain (as the pages list entries).
IN_ORDER = attrgetter("occurred_on", "seq")


def _by_entry(rows) -> tuple[dict[int, Short], dict[int, dict[str, int]], dict[int, str]]:
    """The history's contributions by id (but career milestones), each one's followers:
    {entry id: {entry type: follower id}}, and the disputes' reasons by id."""
    entries: dict[int, Short] = {}
    follows: dict[int, dict[str, int]] = {}
    reasons: dict[int, str] = {}
    for (
        entry_id,
        entry_type,
        mentorship_id,
        kind,
        occurred_on,
        seq,
        recorded_by_id,
        target_id,
        minutes,
        note,
        recorded_at,
        reason,
    ) in rows:
        if entry_type != "contribution":
            follows.setdefault(target_id, {})[entry_type] = entry_id
            if entry_type == "dispute":
                reasons[entry_id] = reason
        elif mentorship_id is not None or (kind is not None and kind != "milestone"):
            entries[entry_id] = Short(
                entry_id, mentorship_id, kind, occurred_on, seq, recorded_by_id, minutes, note, recorded_at
            )
    return entries, follows, reasons


def _history(person_id: int, mentorship_ids: list[int], own_work: bool, since: date) -> list[list]:
    if not mentorship_ids and not own_work:
        return []
    values = {"me": person_id, "since": since}
    values.update(zip(_ids(len(mentorship_ids)), mentorship_ids, strict=True))
    return _history_statement(own_work, len(mentorship_ids)).rows(db.session.connection(), values)


def _read_recorders(people: dict[int, object], ids: list[int]) -> None:
    """Add to ``people`` (read with the mentorships) who recorded the entries ``ids`` that
    they miss, in one statement: a third person, such as an administrator."""
    missing = {i for i in ids if i not in people}
    if missing:
        for row in db.session.execute(select(Person.id, Person.name).where(Person.id.in_(missing))):
            people[row.id] = row


def _each(values: tuple[str, ...]) -> list[BindParameter]:
    """A bound parameter for each of a fixed list's values: ``IN`` over them is written once
    with the statement, where a list would be expanded into the SQL on every run."""
    return [literal(value) for value in values]


@cache
def _mentorships() -> Plain:
    """The mentorships, each with both people (name, division, appointment: ``Pair``), the
    dates of its entries ranked ``LEVELS`` from the most recent and of its last meeting,
    each read backwards along the mentorship's date index from the newest. Plain columns,
    run on the session's connection: building ORM objects costs more than the statement."""
    me = bindparam("me", type_=Integer)
    entry, follower = aliased(LedgerEntry), aliased(LedgerEntry)
    newest_first = (entry.occurred_on.desc(), entry.seq.desc())
    levels = [
        select(entry.occurred_on)
        .where(entry.mentorship_id == Mentorship.id, entry.entry_type == "contribution")
        .order_by(*newest_first)
        .limit(1)
        .offset(rank - 1)
        .scalar_subquery()
        for rank in LEVELS
    ]
    cancelled = exists().where(follower.target_id == entry.id, follower.entry_type.in_(_each(("reversal", "dispute"))))
    last_meeting = (
        select(entry.occurred_on)
        .where(
            entry.mentorship_id == Mentorship.id,
            entry.entry_type == "contribution",
            entry.kind.in_(_each(MEETING_KINDS)),
            entry.occurred_on <= bindparam("today", type_=Date),
            ~cancelled,
        )
        .order_by(*newest_first)
        .limit(1)
        .scalar_subquery()
    )
    mentor, mentee = aliased(Person), aliased(Person)
    mentor_division, mentee_division = aliased(Division), aliased(Division)
    return Plain(
        select(
            Mentorship.id,
            Mentorship.mentor_id,
            Mentorship.mentee_id,
            Mentorship.kind,
            Mentorship.started_on,
            Mentorship.ended_on,
            *(
                column
                for person, division in ((mentor, mentor_division), (mentee, mentee_division))
                for column in (person.name, person.division_id, division.name, person.appointed_on)
            ),
            *levels,
            last_meeting,
        )
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .outerjoin(mentor_division, mentor_division.id == mentor.division_id)
        .outerjoin(mentee_division, mentee_division.id == mentee.division_id)
        .where(or_(Mentorship.mentor_id == me, Mentorship.mentee_id == me))
        .order_by(Mentorship.started_on.desc(), Mentorship.id.desc())
    )


@lru_cache(maxsize=64)
def _ids(count: int) -> tuple[str, ...]:
    """The names of the mentorship ids' parameters in ``_history_statement(own_work, count)``."""
    return tuple(f"mentorship_{i}" for i in range(count))


@lru_cache(maxsize=64)
def _history_statement(own_work: bool, count: int) -> Plain:
    """Every entry of the mentorships, and, ``own_work``, of the person's own work that names
    no mentorship, from ``since`` (``_window``), and before it the contributions nothing
    follows: contributions and what follows them, which names the same mentorship, person
    and date (``ledger.service`` makes followers so), so an entry from ``since`` comes with
    all that follows it. Read without a join, one index range per mentorship (and one for
    the person), so no planner turns it into a parallel scan; ``+ 0`` keeps the ``IS NULL``
    test off the mentorship index (a range as long as all the ledger's personal work).
    The two parts are two selects: asked as one (``since`` OR nothing follows),
    PostgreSQL reads the whole ledger's index of followers into a hash, and ands the
    mentorships' ranges with every contribution's.

    A statement for each number of mentorships (``count``), with a parameter for each id
    (``_ids``): a list parameter would be written into the SQL again on every run."""
    ids = [bindparam(name, type_=Integer) for name in _ids(count)]
    # No mentorship (the person's own work only): no list, which SQLAlchemy would write at each run.
    where: ColumnElement[bool] = LedgerEntry.mentorship_id.in_(ids) if ids else false()
    if own_work:
        where = or_(where, and_(LedgerEntry.person_id == bindparam("me"), (LedgerEntry.mentorship_id + 0).is_(None)))
    follower = aliased(LedgerEntry)
    since = bindparam("since", type_=Date)
    columns = (
        LedgerEntry.id,
        LedgerEntry.entry_type,
        LedgerEntry.mentorship_id,
        LedgerEntry.kind,
        LedgerEntry.occurred_on,
        LedgerEntry.seq,
        LedgerEntry.recorded_by_id,
        LedgerEntry.target_id,
        LedgerEntry.minutes,
        LedgerEntry.note,
        LedgerEntry.recorded_at,
        LedgerEntry.reason,
    )
    return Plain(
        union_all(
            select(*columns).where(where, LedgerEntry.occurred_on >= since),
            select(*columns).where(
                where,
                LedgerEntry.occurred_on < since,
                LedgerEntry.entry_type == "contribution",
                ~exists().where(follower.target_id == LedgerEntry.id),
            ),
        )
    )
