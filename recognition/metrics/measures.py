"""What each measure counts, per division, for one year: a few grouped queries each,
never a query per person.

A measure returns its series and ``{division id: {series key: Tally}}`` (``None``: people
with no division). Who a row belongs to: work between two people and relationships go to
the mentee's division (the program serves its new faculty), the mentor pool to the
mentor's, everything else to the person's own. ``Year`` says which dates count: the
calendar year, and for the year still running, up to today.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Exists, Integer, and_, case, cast, exists, func, literal, literal_column, or_, select, text
from sqlalchemy.orm import aliased

from ..awards.models import Cycle, Grant, GrantRevocation, Nomination
from ..clock import add_months, add_years
from ..extensions import db
from ..feedback.models import Answer, Receipt, Release, Request, Response
from ..ledger.models import LedgerEntry
from ..ledger.rules import CONFIRMABLE
from ..mentorships.models import Mentorship
from ..milestones.models import Milestone
from ..milestones.queries import standing_query
from ..people.models import Person
from .definitions import Metric
from .memo import memo
from .rules import COUNT, MEDIAN, RATIO, SHARE, Series, Tally

# Meetings, for "met as expected": the kinds of work that bring the two together.
MEETING_KINDS = ("meeting", "academic_plan_review", "peer_group_session")
NOT_GIVEN = "Not given"
SCORE_BANDS = ((1, 3, "Below 3"), (3, 4, "3 to 4"), (4, 5, "4 to 5"), (5, 7, "5 and above"))

Tallies = dict[int | None, dict[str, Tally]]


@dataclass(frozen=True)
class Year:
    year: int
    today: date
    meetings_min: int
    formal_years: int
    check_in_months: int
    feedback_periods: tuple[str, ...]  # the feedback periods that end in this year

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 12, 31)

    @property
    def as_of(self) -> date:
        """The last day that counts: the year's end, or today while it runs."""
        return min(self.end, self.today)

    @property
    def expected_meetings(self) -> int:
        """The department's minimum, in proportion to the part of the year gone by."""
        if self.as_of >= self.end:
            return self.meetings_min
        return self.meetings_min * ((self.as_of - self.start).days + 1) // 366


Measure = Callable[[Metric, Year], tuple[list[Series], Tallies]]
MEASURES: dict[str, Measure] = {}

LEDGER = "ledger"
AWARDS = "awards"


def source_of(metric: Metric) -> str:
    """Where a metric's records come from, for when they begin (``first_years``): the
    milestones of one kind, the award cycles, or the ledger (which every other measure
    counts from, or together with the mentorships it records work in)."""
    if metric.measure == "check_ins":
        return "milestone:check_in"
    if metric.measure == "outcome_by_mentoring":
        return f"milestone:{metric.params['milestone']}"
    if metric.measure == "promotion_by_mentoring":
        return "milestone:promotion"
    if metric.measure == "nominations_and_awards":
        return AWARDS
    return LEDGER


def first_years() -> dict[str, int]:
    """The year of each source's first record (a source with none is missing): the
    ledger's first entry, each kind of milestone's first, the first award cycle. Three
    small queries, each answered from an index or a short table."""
    found: dict[str, int] = {}
    first_entry = db.session.scalar(select(func.min(LedgerEntry.occurred_on)))
    if first_entry is not None:
        found[LEDGER] = first_entry.year
    for kind, day in db.session.execute(
        select(Milestone.kind, func.min(Milestone.occurred_on)).group_by(Milestone.kind)
    ):
        if day is not None:
            found[f"milestone:{kind}"] = day.year
    first_cycle = db.session.scalar(select(func.min(Cycle.year)))
    if first_cycle is not None:
        found[AWARDS] = int(first_cycle)
    return found


def first_year(metric: Metric, firsts: dict[str, int]) -> int | None:
    """The first year ``metric`` has data for: not before the department's first ledger
    entry, nor before the first record of its own source; None when either has none."""
    ledger, own = firsts.get(LEDGER), firsts.get(source_of(metric))
    if ledger is None or own is None:
        return None
    return max(ledger, own)


def plain_plans() -> None:
    """For the rest of the transaction, no JIT compilation on PostgreSQL: it spends about
    0.15 s compiling each of these grouped reads, more than most of them take to run."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def measure(name: str):
    def register(function: Measure) -> Measure:
        MEASURES[name] = function
        return function

    return register


def _shares(rows, key: str, people: bool = False) -> Tallies:
    """Rows of (division id, part, whole[, people]) as one share series."""
    found: Tallies = {}
    for row in rows:
        found[row[0]] = {key: Tally(int(row[1] or 0), int(row[2] or 0), people=int(row[3] or 0) if people else None)}
    return found


Mentee = aliased(Person)
MentorPerson = aliased(Person)
Follower = aliased(LedgerEntry)


def _followed_within(follower, start: date, end: date):
    """A follower (reversal, confirmation, dispute) carries its target's day
    (``ledger.service``): bounded by the target's days, the followers of one stretch of
    days are read from the day index and joined at once, not looked up one by one."""
    return follower.occurred_on.between(start, end)


def _followed(entry, entry_type: str, start: date, end: date) -> Exists:
    # An alias of its own, so the test never correlates with a follower the outer query joins.
    follower = aliased(LedgerEntry)
    return exists().where(
        follower.target_id == entry.id, follower.entry_type == entry_type, _followed_within(follower, start, end)
    )


def _reversed(entry, start: date, end: date) -> Exists:
    return _followed(entry, "reversal", start, end)


def _open_on(day: date):
    return and_(Mentorship.started_on <= day, or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= day))


def _early_career(person, year: Year):
    """Appointed, and within the department's first years, on the last day that counts."""
    return and_(
        person.appointed_on.is_not(None),
        person.appointed_on <= year.as_of,
        person.appointed_on > add_years(year.as_of, -year.formal_years),
    )


def _meetings(start: date, end: date):
    """Meetings between ``start`` and ``end`` that were not reversed."""
    return and_(
        LedgerEntry.entry_type == "contribution",
        LedgerEntry.kind.in_(MEETING_KINDS),
        LedgerEntry.mentorship_id.is_not(None),
        LedgerEntry.occurred_on.between(start, end),
        ~_reversed(LedgerEntry, start, end),
    )


@measure("meetings_against_expectation")
def meetings_against_expectation(metric: Metric, year: Year):
    # Whether each mentorship held the expected number of meetings this year, looked up
    # in its own index (mentorship, day) and stopping at the last one expected (an
    # OFFSET: a mentorship's thousandth meeting is never read), not every meeting of the year.
    expected = year.expected_meetings
    held = (
        select(LedgerEntry.id)
        .where(LedgerEntry.mentorship_id == Mentorship.id, _meetings(year.start, year.as_of))
        .offset(expected - 1)
        .exists()
    )
    met = case((held, 1), else_=0) if expected > 0 else literal_column("1")
    rows = db.session.execute(
        select(Mentee.division_id, func.sum(met), func.count(Mentorship.id))
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
        .where(
            Mentorship.kind == "formal",
            Mentorship.started_on <= year.start,
            or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= year.as_of),
            _early_career(Mentee, year),
        )
        .group_by(Mentee.division_id)
    )
    return [Series("met", "Met as expected", SHARE)], _shares(rows, "met")


def _confirmable_between(start: date, end: date):
    return and_(
        LedgerEntry.entry_type == "contribution",
        LedgerEntry.kind.in_(CONFIRMABLE),
        LedgerEntry.mentorship_id.is_not(None),
        LedgerEntry.occurred_on.between(start, end),
        ~_reversed(LedgerEntry, start, end),
    )


def _confirmation_between(start: date, end: date):
    """The join condition of a contribution's confirmation (``Follower``), within the days."""
    return and_(
        Follower.target_id == LedgerEntry.id,
        Follower.entry_type == "confirmation",
        _followed_within(Follower, start, end),
    )


@dataclass(frozen=True)
class Confirmations:
    """The confirmable work of some days, per division of the mentee: the entries
    confirmed and all entries, the mentees with work and those with work confirmed (the
    people behind the share and the median), and {whole hours to confirm: entries}."""

    counts: dict[int | None, tuple[int, int]]
    mentees: dict[int | None, set[int]]
    confirmed: dict[int | None, set[int]]
    hours: dict[int | None, dict[int, int]]

    @staticmethod
    def merged(parts: list[Confirmations]) -> Confirmations:
        """Those of consecutive stretches of days as one: a follower carries its target's
        day, so each entry and its confirmation fall in one stretch; the counts and the
        histograms add up, and the mentees are those of any stretch."""
        counts: dict[int | None, tuple[int, int]] = {}
        mentees: dict[int | None, set[int]] = defaultdict(set)
        confirmed: dict[int | None, set[int]] = defaultdict(set)
        hours: dict[int | None, dict[int, int]] = defaultdict(dict)
        for part in parts:
            for division_id, (done, entries) in part.counts.items():
                before = counts.get(division_id, (0, 0))
                counts[division_id] = (before[0] + done, before[1] + entries)
            for division_id, people in part.mentees.items():
                mentees[division_id] |= people
            for division_id, people in part.confirmed.items():
                confirmed[division_id] |= people
            for division_id, counted in part.hours.items():
                found = hours[division_id]
                for whole_hours, times in counted.items():
                    found[whole_hours] = found.get(whole_hours, 0) + times
        return Confirmations(counts, dict(mentees), dict(confirmed), dict(hours))

    def encoded(self) -> str:
        """As JSON of a few flat lists a division (a list per mentee would cost more to
        read back than the month's entries)."""
        return json.dumps(
            {
                "counts": [[division_id, *pair] for division_id, pair in self.counts.items()],
                "mentees": [[division_id, sorted(people)] for division_id, people in self.mentees.items()],
                "confirmed": [[division_id, sorted(people)] for division_id, people in self.confirmed.items()],
                "hours": [
                    [division_id, [n for pair in sorted(counted.items()) for n in pair]]
                    for division_id, counted in self.hours.items()
                ],
            }
        )

    @staticmethod
    def decoded(text_: str) -> Confirmations:
        found = json.loads(text_)
        return Confirmations(
            {division_id: (done, entries) for division_id, done, entries in found["counts"]},
            {division_id: set(people) for division_id, people in found["mentees"]},
            {division_id: set(people) for division_id, people in found["confirmed"]},
            {division_id: dict(zip(flat[::2], flat[1::2], strict=True)) for division_id, flat in found["hours"]},
        )


def confirmations_between(start: date, end: date) -> Confirmations:
    """The confirmable work of the days from ``start`` to ``end``, and how long its
    confirmations took, in one read of those entries and their confirmations."""
    # At most one confirmation per entry (a unique index): an outer join counts them.
    # Grouped per mentee and whole hour (NULL: not confirmed), so the rows are a few
    # per mentee, however many entries, and the people behind a division need no sort.
    hours = _hours_between(LedgerEntry.recorded_at, Follower.recorded_at).label("hours")
    rows = db.session.execute(
        select(Mentee.division_id, Mentee.id, hours, func.count(Follower.id), func.count(LedgerEntry.id))
        .select_from(LedgerEntry)
        .join(Mentorship, Mentorship.id == LedgerEntry.mentorship_id)
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
        .outerjoin(Follower, _confirmation_between(start, end))
        .where(_confirmable_between(start, end))
        .group_by(Mentee.division_id, Mentee.id, hours)
    )
    counts: dict[int | None, tuple[int, int]] = {}
    mentees: dict[int | None, set[int]] = defaultdict(set)
    confirmed: dict[int | None, set[int]] = defaultdict(set)
    histogram: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for division_id, mentee, whole_hours, done, entries in rows:
        before = counts.get(division_id, (0, 0))
        counts[division_id] = (before[0] + int(done), before[1] + int(entries))
        mentees[division_id].add(mentee)
        if done:
            confirmed[division_id].add(mentee)
        if whole_hours is not None:
            histogram[division_id][int(whole_hours)] += int(done)
    return Confirmations(
        counts, dict(mentees), dict(confirmed), {division: dict(found) for division, found in histogram.items()}
    )


CONFIRMATIONS = "confirmations"


def _confirmations(year: Year) -> Confirmations:
    """The year's confirmable work per mentee, and how long its confirmations took, once a
    transaction (``memo``): the share confirmed and the days to confirm both count from
    it. For the year still running, ``months.confirmations`` puts it there first, from
    the closed months' snapshots and the month under way."""
    found = memo().setdefault(CONFIRMATIONS, {})
    if year not in found:
        found[year] = confirmations_between(year.start, year.as_of)
    return found[year]


@measure("confirmed_share")
def confirmed_share(metric: Metric, year: Year):
    found = _confirmations(year)
    tallies: Tallies = {
        division_id: {"confirmed": Tally(done, entries, people=len(found.mentees[division_id]))}
        for division_id, (done, entries) in found.counts.items()
    }
    return [Series("confirmed", "Confirmed", SHARE)], tallies


def _hours_between(earlier, later):
    """Whole hours from one time to a later one, rounded, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", later - earlier)
        return cast(func.round(seconds / 3600), Integer)
    return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 24), Integer)


@measure("confirmation_delay")
def confirmation_delay(metric: Metric, year: Year):
    """The median days to confirm, from a histogram of whole hours per division: a few
    hundred rows a division, whatever the number of entries, and the median of the
    department (all divisions' histograms together) is exact to the hour."""
    found = _confirmations(year)
    # The people behind it: the mentees with an entry confirmed (as the share counts them).
    mentees = {division_id: len(people) for division_id, people in found.confirmed.items()}
    tallies: Tallies = {
        division: {
            "days": Tally(
                0,
                mentees.get(division, 0),
                people=mentees.get(division, 0),
                counted=tuple((whole_hours / 24, count) for whole_hours, count in sorted(counts.items())),
            )
        }
        for division, counts in found.hours.items()
    }
    return [Series("days", "Median days to confirm", MEDIAN)], tallies


def lapse_window(metric: Metric, year: Year) -> tuple[date, date]:
    """The days a relationship must have a confirmed meeting in not to have lapsed: the
    metric's months to the year's last day that counts."""
    since = add_months(year.as_of, -int(metric.params["months"]))
    return since + timedelta(days=1), year.as_of


def _confirmed_meetings(first: date, last: date):
    """Meetings of the days from ``first`` to ``last``, not reversed, that were confirmed."""
    return (
        select(LedgerEntry.id)
        .join(
            Follower,
            and_(
                Follower.target_id == LedgerEntry.id,
                Follower.entry_type == "confirmation",
                _followed_within(Follower, first, last),
            ),
        )
        .where(_meetings(first, last))
    )


def _lapse_pool(first: date, last: date):
    """The relationships open through the window: begun before it, not ended by its end."""
    return and_(
        Mentorship.started_on < first,
        or_(Mentorship.ended_on.is_(None), Mentorship.ended_on > last),
    )


def last_confirmed_meetings(first: date, last: date) -> dict[int, date]:
    """{mentorship id: the day of its last confirmed meeting} in the days from ``first``
    to ``last``, in one read of those days' meetings (``months`` keeps them by month)."""
    day = func.max(LedgerEntry.occurred_on)
    rows = db.session.execute(
        _confirmed_meetings(first, last)
        .with_only_columns(LedgerEntry.mentorship_id, day)
        .group_by(LedgerEntry.mentorship_id)
    )
    return {row[0]: row[1] for row in rows}


def lapsed_among(metric: Metric, year: Year, met: set[int]) -> tuple[list[Series], Tallies]:
    """``lapsed`` with the relationships that met (``met``) known: their mentees' divisions
    are read, and the rest counted as lapsed."""
    first, last = lapse_window(metric, year)
    rows = db.session.execute(
        select(Mentee.division_id, Mentorship.id)
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
        .where(_lapse_pool(first, last))
    )
    counts: dict[int | None, list[int]] = {}
    for division_id, mentorship_id in rows:
        found = counts.setdefault(division_id, [0, 0])
        found[0] += mentorship_id not in met
        found[1] += 1
    return [Series("lapsed", "Lapsed", SHARE)], _shares(
        ((division_id, part, whole) for division_id, (part, whole) in counts.items()), "lapsed"
    )


@measure("lapsed")
def lapsed(metric: Metric, year: Year):
    first, last = lapse_window(metric, year)
    # Whether a mentorship had a confirmed meeting in the months to the year's last day,
    # looked up in its own index (mentorship, day) and stopping at the first: OFFSET 0
    # keeps PostgreSQL from hashing every meeting and confirmation of those months.
    met = _confirmed_meetings(first, last).where(LedgerEntry.mentorship_id == Mentorship.id).offset(0).exists()
    rows = db.session.execute(
        select(
            Mentee.division_id,
            func.sum(case((met, 0), else_=1)),
            func.count(Mentorship.id),
        )
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
        .where(_lapse_pool(first, last))
        .group_by(Mentee.division_id)
    )
    return [Series("lapsed", "Lapsed", SHARE)], _shares(rows, "lapsed")


@measure("early_career_with_mentor")
def early_career_with_mentor(metric: Metric, year: Year):
    mentored = exists().where(Mentorship.mentee_id == Person.id, Mentorship.kind == "formal", _open_on(year.as_of))
    rows = db.session.execute(
        select(Person.division_id, func.sum(case((mentored, 1), else_=0)), func.count(Person.id))
        .where(_early_career(Person, year))
        .group_by(Person.division_id)
    )
    return [Series("with_mentor", "With a formal mentor", SHARE)], _shares(rows, "with_mentor")


@measure("check_ins")
def check_ins(metric: Metric, year: Year):
    done = (
        standing_query()
        .with_only_columns(Milestone.id)
        .where(Milestone.person_id == Person.id, Milestone.kind == "check_in", Milestone.occurred_on <= year.as_of)
        .exists()
    )
    # Due in the year: appointed in the same stretch CHECK_IN_MONTHS before it.
    appointed_from, appointed_to = (
        add_months(year.start, -year.check_in_months),
        add_months(year.end, -year.check_in_months),
    )
    passed = Person.appointed_on <= add_months(year.as_of, -year.check_in_months)
    state = case((done, "done"), (passed, "overdue"), else_="upcoming")
    rows = db.session.execute(
        select(Person.division_id, state, func.count())
        .where(Person.appointed_on.between(appointed_from, appointed_to))
        .group_by(Person.division_id, state)
    )
    found: Tallies = defaultdict(dict)
    for division_id, key, count in rows:
        found[division_id][key] = Tally(count)
    series = [
        Series("done", "Done", COUNT),
        Series("overdue", "Overdue", COUNT),
        Series("upcoming", "Due later this year", COUNT),
    ]
    return series, dict(found)


def _pool(year: Year):
    """Mentorships open at any time in the year (up to today while it runs)."""
    return and_(
        Mentorship.started_on <= year.as_of,
        or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= year.start),
    )


@measure("mentor_pool")
def mentor_pool(metric: Metric, year: Year):
    pairs = select(Mentorship.mentor_id, Mentorship.mentee_id).where(_pool(year)).distinct().subquery()
    rows = db.session.execute(
        select(MentorPerson.division_id, func.count(func.distinct(pairs.c.mentor_id)), func.count())
        .join(MentorPerson, MentorPerson.id == pairs.c.mentor_id)
        .group_by(MentorPerson.division_id)
    )
    found: Tallies = {}
    for division_id, mentors, pair_count in rows:
        found[division_id] = {"mentors": Tally(mentors), "per_mentor": Tally(pair_count, mentors)}
    series = [Series("mentors", "Mentors", COUNT), Series("per_mentor", "Mentees per mentor", RATIO)]
    return series, found


@measure("mentor_pool_by")
def mentor_pool_by(metric: Metric, year: Year):
    attribute = getattr(MentorPerson, str(metric.params["attribute"]))
    mentors = select(Mentorship.mentor_id).where(_pool(year)).distinct().subquery()
    rows = db.session.execute(
        select(MentorPerson.division_id, attribute, func.count())
        .join(mentors, mentors.c.mentor_id == MentorPerson.id)
        .group_by(MentorPerson.division_id, attribute)
    )
    found: Tallies = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    for division_id, value, count in rows:
        label = value.strip() if value and value.strip() else NOT_GIVEN
        totals[label] += count
        previous = found[division_id].get(label, Tally())
        found[division_id][label] = previous + Tally(count)
    # An answer is free text: a rare one can name its author, so groups smaller than the
    # smallest cell department-wide are shown together, never by name.
    rare = {label for label, count in totals.items() if count < metric.min_cell and label != NOT_GIVEN}
    if rare:
        for cells in found.values():
            merged = sum((cells.pop(label) for label in list(cells) if label in rare), Tally())
            if merged.part:
                cells["Smaller groups"] = merged
    labels = sorted(
        {label for cells in found.values() for label in cells} - {NOT_GIVEN, "Smaller groups"},
        key=lambda label: (-totals.get(label, 0), label),
    )
    labels += [label for label in ("Smaller groups", NOT_GIVEN) if any(label in cells for cells in found.values())]
    return [Series(label, label, COUNT) for label in labels], dict(found)


@measure("mentors_trained")
def mentors_trained(metric: Metric, year: Year):
    years = int(metric.params["years"])
    since = date(year.year - years + 1, 1, 1)
    # The people trained in those years, in one read of the (few) training entries, each
    # mentor looked up in it (not a join, which SQLite walks whole for every mentor).
    # Only a contribution has a kind (a check constraint): the index of (kind, day, person)
    # answers it without reading the entries.
    trained = select(LedgerEntry.person_id).where(
        LedgerEntry.kind == "mentor_training",
        LedgerEntry.occurred_on.between(since, year.as_of),
        ~_reversed(LedgerEntry, since, year.as_of),
    )
    mentors = select(Mentorship.mentor_id).where(_pool(year)).distinct().subquery()
    rows = db.session.execute(
        select(
            MentorPerson.division_id,
            func.sum(case((MentorPerson.id.in_(trained), 1), else_=0)),
            func.count(),
        )
        .join(mentors, mentors.c.mentor_id == MentorPerson.id)
        .group_by(MentorPerson.division_id)
    )
    return [Series("trained", "Trained", SHARE)], _shares(rows, "trained")


def _released(period_column, mentor_column):
    """The mentor has a release that covers this period (``Release.periods`` lists them)."""
    return exists().where(
        Release.mentor_id == mentor_column,
        or_(
            Release.periods == period_column,
            Release.periods.like(period_column + literal(",%")),
            Release.periods.like(literal("%,") + period_column),
            Release.periods.like(literal("%,") + period_column + literal(",%")),
        ),
    )


@measure("feedback_response_rate")
def feedback_response_rate(metric: Metric, year: Year):
    answered = exists().where(
        Receipt.period == Request.period, Receipt.mentor_id == Request.mentor_id, Receipt.mentee_id == Request.mentee_id
    )
    rows = db.session.execute(
        select(MentorPerson.division_id, func.sum(case((answered, 1), else_=0)), func.count(Request.id))
        .join(MentorPerson, MentorPerson.id == Request.mentor_id)
        .where(Request.period.in_(year.feedback_periods), _released(Request.period, Request.mentor_id))
        .group_by(MentorPerson.division_id)
    )
    return [Series("answered", "Answered", SHARE)], _shares(rows, "answered")


@measure("feedback_score_bands")
def feedback_score_bands(metric: Metric, year: Year):
    rows = db.session.execute(
        select(MentorPerson.division_id, Response.mentor_id, func.avg(Answer.value))
        .join(Answer, Answer.response_id == Response.id)
        .join(MentorPerson, MentorPerson.id == Response.mentor_id)
        .where(Response.release_id.is_not(None), Response.period.in_(year.feedback_periods), Answer.value.is_not(None))
        .group_by(MentorPerson.division_id, Response.mentor_id)
    )
    found: Tallies = defaultdict(dict)
    for division_id, _mentor_id, mean in rows:
        label = next(label for low, high, label in SCORE_BANDS if low <= float(mean) < high)
        found[division_id][label] = found[division_id].get(label, Tally()) + Tally(1)
    return [Series(label, label, COUNT) for _, _, label in SCORE_BANDS], dict(found)


@measure("nominations_and_awards")
def nominations_and_awards(metric: Metric, year: Year):
    nominated = db.session.execute(
        select(Person.division_id, func.count(func.distinct(Nomination.nominee_id)))
        .join(Cycle, Cycle.id == Nomination.cycle_id)
        .join(Person, Person.id == Nomination.nominee_id)
        .where(Cycle.year == year.year)
        .group_by(Person.division_id)
    )
    revoked = exists().where(GrantRevocation.grant_id == Grant.id)
    granted = db.session.execute(
        select(Person.division_id, func.count(func.distinct(Grant.person_id)))
        .join(Cycle, Cycle.id == Grant.cycle_id)
        .join(Person, Person.id == Grant.person_id)
        .where(Cycle.year == year.year, ~revoked)
        .group_by(Person.division_id)
    )
    found: Tallies = defaultdict(dict)
    for division_id, count in nominated:
        found[division_id]["nominated"] = Tally(count)
    for division_id, count in granted:
        found[division_id]["awarded"] = Tally(count)
    series = [Series("nominated", "People nominated", COUNT), Series("awarded", "People awarded", COUNT, public=True)]
    return series, dict(found)


@measure("mentees_became_mentors")
def mentees_became_mentors(metric: Metric, year: Year):
    first = (
        select(Mentorship.mentee_id.label("person_id"), func.min(Mentorship.started_on).label("since"))
        .where(Mentorship.kind == "formal", Mentorship.started_on <= year.as_of)
        .group_by(Mentorship.mentee_id)
        .subquery()
    )
    Later = aliased(Mentorship)
    mentors = exists().where(
        Later.mentor_id == first.c.person_id, Later.started_on > first.c.since, Later.started_on <= year.as_of
    )
    rows = db.session.execute(
        select(Person.division_id, func.sum(case((mentors, 1), else_=0)), func.count())
        .join(first, first.c.person_id == Person.id)
        .group_by(Person.division_id)
    )
    return [Series("mentoring", "Now mentoring", SHARE)], _shares(rows, "mentoring")


def _mentored_before(person, day):
    return exists().where(Mentorship.mentee_id == person.id, Mentorship.kind == "formal", Mentorship.started_on < day)


MENTORED = [
    Series("mentored", "Had a formal mentor", SHARE),
    Series("not_mentored", "No formal mentor", SHARE),
]


def _by_mentoring(rows) -> Tallies:
    found: Tallies = defaultdict(dict)
    for division_id, mentored, part, whole in rows:
        found[division_id]["mentored" if mentored else "not_mentored"] = Tally(int(part or 0), int(whole or 0))
    return dict(found)


@measure("outcome_by_mentoring")
def outcome_by_mentoring(metric: Metric, year: Year):
    kind = str(metric.params["milestone"])
    standing = (
        standing_query().where(Milestone.kind == kind, Milestone.occurred_on.between(year.start, year.as_of)).subquery()
    )
    mentored = _mentored_before(Person, standing.c.occurred_on)
    flag = case((mentored, 1), else_=0)
    rows = db.session.execute(
        select(
            Person.division_id,
            flag,
            func.sum(case((standing.c.outcome == "passed", 1), else_=0)),
            func.count(),
        )
        .join(standing, standing.c.person_id == Person.id)
        .group_by(Person.division_id, flag)
    )
    return MENTORED, _by_mentoring(rows)


@measure("promotion_by_mentoring")
def promotion_by_mentoring(metric: Metric, year: Year):
    promoted = (
        standing_query()
        .with_only_columns(Milestone.id)
        .where(
            Milestone.person_id == Person.id,
            Milestone.kind == "promotion",
            Milestone.occurred_on.between(year.start, year.as_of),
        )
        .exists()
    )
    mentored_then = exists().where(Mentorship.mentee_id == Person.id, Mentorship.kind == "formal", _open_on(year.start))
    flag = case((mentored_then, 1), else_=0)
    rows = db.session.execute(
        select(Person.division_id, flag, func.sum(case((promoted, 1), else_=0)), func.count())
        .where(
            or_(Person.rank != "full", promoted),
            or_(Person.appointed_on.is_(None), Person.appointed_on <= year.start),
        )
        .group_by(Person.division_id, flag)
    )
    return MENTORED, _by_mentoring(rows)
