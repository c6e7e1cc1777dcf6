"""Five years of ledger history for the demo department, built in memory and chained.

Every entry is an ``Event`` first; ``chain`` then orders them by when they were
recorded and links them exactly as ``ledger.service.append`` would have, one by one.
Pure: the same rng, department and mentorships give the same chain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from ..ledger import chain as hashchain
from . import notes
from .department import Department, add_years
from .relationships import Tie

MEETING_MINUTES = (30, 45, 45, 60, 60, 60, 75, 90)
# A mentee's habit with confirmations: (habit, share, chance of confirming an entry).
HABITS = (("never", 10, 0.0), ("prompt", 60, 0.93), ("slow", 30, 0.85))
# Of the entries nobody confirmed, this share the counterpart disputes ("this didn't happen");
# the person who logged it reverses about half of those.
DISPUTED = 0.02
DISPUTE_REASONS = (
    "We did not meet that week; it was cancelled.",
    "That was a five-minute hallway chat, not a meeting.",
    "Wrong date: we met the week after.",
    "I do not remember this meeting.",
)
MARGIN = timedelta(minutes=1)
# Two of the four training programmes are accredited (Section 1 / Category 1 credit).
ACCREDITED = {
    notes.TRAINING[0]: "Royal College accredited group learning (Section 1), Centre for Faculty Development",
    notes.TRAINING[1]: "Royal College accredited group learning (Section 1), Faculty Development Office",
}


@dataclass(eq=False)
class Event:
    entry_type: str
    kind: str | None
    mentorship_id: int | None
    person_id: int
    occurred_on: date
    minutes: int
    note: str
    recorded_by_id: int
    recorded_at: datetime
    target: Event | None = None
    reason: str | None = None
    confirmer_id: int | None = None  # who may confirm it (the counterpart), if anyone
    keep_open: bool = False  # never confirmed: a mistake that gets reversed, or left for the demo mentee
    order: int = 0
    id: int = 0
    accreditation: str | None = None  # mentor training only: who accredited it


def build(rng: random.Random, dept: Department, ties: list[Tie], featured: tuple[int, int] | None) -> list[Event]:
    history = _History(rng, dept, featured)
    groups: dict[str, list[Tie]] = {}
    for tie in ties:
        if tie.kind == "formal":
            history.formal(tie)
        elif tie.kind == "peer_group":
            assert tie.group_name is not None  # relationships.py names every peer group
            groups.setdefault(tie.group_name, []).append(tie)
        elif tie.kind == "sponsorship":
            history.sponsorship(tie)
        else:
            history.informal(tie)
    for name in sorted(groups):
        history.peer_group(groups[name])
    history.personal(sorted({t.mentor_id for t in ties if t.kind in ("formal", "peer_group")}))
    history.reversals()
    history.confirmations()
    history.disputes()
    return history.events


def chain(events: list[Event]) -> list[dict]:
    """Rows for ``ledger_entries`` in chain order: each entry's seq, id (= seq), link
    to the previous hash and its own hash over exactly ``LedgerEntry.hashed_fields()``
    (its id included, an accreditation only when there is one). Recording times are made
    strictly increasing, as appends would make them."""
    rows: list[dict] = []
    prev_hash, prev_at = hashchain.GENESIS, None
    for seq, event in enumerate(sorted(events, key=lambda e: (e.recorded_at, e.order)), start=1):
        if prev_at is not None and event.recorded_at <= prev_at:
            event.recorded_at = prev_at + timedelta(microseconds=1)
        event.id = seq
        if event.target is not None and not 0 < event.target.id < seq:
            raise AssertionError("a follower was ordered before the entry it names")
        row = {
            "id": seq,
            "seq": seq,
            "entry_type": event.entry_type,
            "kind": event.kind,
            "mentorship_id": event.mentorship_id,
            "person_id": event.person_id,
            "occurred_on": event.occurred_on,
            "minutes": event.minutes,
            "note": event.note,
            "recorded_by_id": event.recorded_by_id,
            "recorded_at": event.recorded_at,
            "target_id": event.target.id if event.target is not None else None,
            "reason": event.reason,
            "prev_hash": prev_hash,
            "accreditation": event.accreditation,
            "chain_version": hashchain.CHAIN_VERSION,
        }
        digest = hashchain.entry_hash(hashchain.hashed(row))
        rows.append({**row, "entry_hash": digest})
        prev_hash, prev_at = digest, event.recorded_at
    return rows


def _weekday(day: date) -> date:
    return day - timedelta(days=1) if day.weekday() == 5 else day + timedelta(days=1) if day.weekday() == 6 else day


class _History:
    def __init__(self, rng: random.Random, dept: Department, featured: tuple[int, int] | None):
        self.rng, self.dept = rng, dept
        self.window_start = dept.system_start.date()
        self.last_day = dept.today - timedelta(days=1)
        self.cutoff = datetime.combine(dept.today, time.min) - MARGIN
        self.featured = featured
        self.events: list[Event] = []
        self.meetings: list[tuple[Event, Tie]] = []
        self.habits: dict[int, tuple[str, float]] = {}

    # Building blocks ------------------------------------------------------------------

    def _span(self, tie: Tie) -> tuple[date, date] | None:
        start = max(tie.started_on, self.window_start)
        end = min(tie.ended_on or self.last_day, self.last_day)
        return (start, end) if start <= end else None

    def _record_time(self, day: date) -> datetime:
        """Most people log on the day; some a few days or weeks later."""
        roll = self.rng.random()
        lag = 0 if roll < 0.55 else self.rng.randint(1, 3) if roll < 0.85 else self.rng.randint(4, 14)
        when = min(day + timedelta(days=lag), self.last_day)
        return datetime.combine(when, time(7)) + timedelta(
            seconds=self.rng.randrange(16 * 3600), microseconds=self.rng.randrange(10**6)
        )

    def _add(self, event: Event) -> Event:
        event.order = len(self.events)
        self.events.append(event)
        return event

    def _contribution(self, kind, tie, person_id, day, minutes, note, recorded_by, at=None) -> Event:
        confirmer = None
        if tie is not None:
            confirmer = tie.mentee_id if recorded_by == tie.mentor_id else tie.mentor_id
        return self._add(
            Event(
                "contribution",
                kind,
                tie.id if tie else None,
                person_id,
                day,
                minutes,
                note,
                recorded_by,
                at or self._record_time(day),
                confirmer_id=confirmer,
            )
        )

    def _spread(self, start: date, end: date, per_year: float) -> list[date]:
        """About ``per_year`` dates a year between start and end, evenly spaced with jitter."""
        rng, days = self.rng, []
        period = start
        while period <= end:
            stop = min(period + timedelta(days=364), end)
            length = (stop - period).days + 1
            expected = per_year * length / 365
            count = int(expected) + (rng.random() < expected - int(expected))
            for i in range(count):
                offset = (i + 0.5 + rng.uniform(-0.35, 0.35)) * length / count
                day = _weekday(period + timedelta(days=int(offset)))
                if period <= day <= stop:
                    days.append(day)
            period = stop + timedelta(days=1)
        return sorted(set(days))

    # Kinds of mentorship ---------------------------------------------------------------

    def formal(self, tie: Tie) -> None:
        span = self._span(tie)
        if span is None:
            return
        rng, (start, end) = self.rng, span
        mentee = self.dept.by_id[tie.mentee_id]
        # The demo's mentor login meets all their current mentees regularly; with the
        # mentee login, the two latest meetings still wait for the mentee's confirmation.
        pair = self.featured
        shown = pair is not None and tie.ended_on is None and tie.mentor_id == pair[0]
        featured = pair is not None and shown and tie.mentee_id == pair[1]
        profile = "regular" if shown else tie.profile
        stop = end
        if profile == "lapsed":
            stop = min(end, tie.started_on + timedelta(days=rng.randint(120, 540)))
        first = None
        if tie.started_on >= self.window_start:
            first = _weekday(tie.started_on + timedelta(days=rng.randint(7, 42)))
        days: list[date] = [first] if first else []
        year_off = rng.randrange(5) if profile == "irregular" else None
        for index, year_start in enumerate(self._years(start, stop)):
            year_end = min(year_start + timedelta(days=364), stop)
            if index == year_off:
                continue
            per_year = rng.choice((1, 2, 2)) if profile == "light" else rng.choice((3, 3, 3, 4, 4, 4, 4))
            days += [
                d for d in self._spread(year_start, year_end, per_year) if first is None or abs((d - first).days) > 20
            ]
        if featured and (not days or days[-1] < self.last_day - timedelta(days=30)):
            days.append(_weekday(max(start, self.last_day - timedelta(days=rng.randint(3, 14)))))
        days = sorted({d for d in days if start <= d <= end})
        recorded = []
        for day in days:
            months_in = (day - mentee.appointed).days * 12 // 365
            note = notes.FIRST_MEETING if day == first else notes.meeting_topic(rng, months_in)
            recorder = tie.mentor_id if featured or rng.random() < 0.88 else tie.mentee_id
            event = self._contribution("meeting", tie, tie.mentor_id, day, rng.choice(MEETING_MINUTES), note, recorder)
            recorded.append(event)
            self.meetings.append((event, tie))
        if featured:
            for event in recorded[-2:]:
                event.keep_open = True
            self.habits[tie.mentee_id] = ("prompt", 0.95)
        self._plan_reviews(tie, start, min(stop, end))

    def _years(self, start: date, end: date):
        year = start
        while year <= end:
            yield year
            year += timedelta(days=365)

    def _plan_reviews(self, tie: Tie, start: date, end: date) -> None:
        rng = self.rng
        for year in range(6):
            if year == 0:
                day, note = tie.started_on + timedelta(days=rng.randint(45, 120)), notes.FIRST_PLAN
            else:
                day, note = (
                    add_years(tie.started_on, year) + timedelta(days=rng.randint(-30, 30)),
                    rng.choice(notes.PLAN_REVIEWS),
                )
            day = _weekday(day)
            if start <= day <= end and rng.random() < 0.8:
                self._contribution(
                    "academic_plan_review", tie, tie.mentor_id, day, rng.choice((45, 60, 60, 90)), note, tie.mentor_id
                )

    def informal(self, tie: Tie) -> None:
        span = self._span(tie)
        if span is None:
            return
        for day in self._spread(*span, per_year=self.rng.choice((1, 1.5, 2))):
            recorder = tie.mentor_id if self.rng.random() < 0.6 else tie.mentee_id
            self._contribution(
                "meeting",
                tie,
                tie.mentor_id,
                day,
                self.rng.choice((30, 45, 60)),
                self.rng.choice(notes.INFORMAL_TOPICS),
                recorder,
            )

    def sponsorship(self, tie: Tie) -> None:
        span = self._span(tie)
        if span is None:
            return
        for day in self._spread(*span, per_year=self.rng.choice((1, 2, 3))):
            self._contribution(
                "sponsorship_action",
                tie,
                tie.mentor_id,
                day,
                self.rng.choice((0, 15, 30)),
                self.rng.choice(notes.SPONSOR_ACTIONS),
                tie.mentor_id,
            )

    def peer_group(self, members: list[Tie]) -> None:
        """Monthly sessions, except in July, August and December; the facilitator logs
        each member who came, in one sitting."""
        rng = self.rng
        facilitator = members[0].mentor_id
        begins = max(min(t.started_on for t in members), self.window_start)
        month = date(begins.year, begins.month, 1)
        minutes = rng.choice((60, 90))
        while month <= self.last_day:
            if month.month not in (7, 8, 12) and rng.random() > 0.12:
                # The second Tuesday, give or take.
                tuesday = month + timedelta(days=(1 - month.weekday()) % 7 + 7)
                day = _weekday(tuesday + timedelta(days=rng.randint(-2, 2)))
                topic = rng.choice(notes.PEER_TOPICS)
                at = self._record_time(day)
                if begins <= day <= self.last_day:
                    for tie in members:
                        if (
                            tie.started_on <= day
                            and (tie.ended_on is None or day <= tie.ended_on)
                            and rng.random() < 0.8
                        ):
                            at += timedelta(seconds=rng.randint(5, 90))
                            self._contribution(
                                "peer_group_session", tie, facilitator, day, minutes, topic, facilitator, at
                            )
            month = (month + timedelta(days=32)).replace(day=1)

    def personal(self, mentors: list[int]) -> None:
        """Mentor training (Section 1; about half of it accredited) and mentoring
        preparation (Section 2): a mentor's own learning, tied to no mentorship."""
        rng, span = self.rng, (self.window_start, self.last_day)
        for mentor in mentors:
            if rng.random() < 0.35:
                day = _weekday(self._between(*span))
                recorder = mentor if rng.random() < 0.8 else self.dept.admin.id
                minutes, note = rng.choice((180, 210, 240, 360, 420)), rng.choice(notes.TRAINING)
                event = self._contribution(
                    "mentor_training", None, mentor, min(day, self.last_day), minutes, note, recorder
                )
                event.accreditation = ACCREDITED.get(note)
            if rng.random() < 0.25:
                for _ in range(rng.randint(1, 4)):
                    day = _weekday(self._between(*span))
                    self._contribution(
                        "mentoring_preparation",
                        None,
                        mentor,
                        min(day, self.last_day),
                        rng.choice((20, 30, 45, 60)),
                        rng.choice(notes.PREPARATION),
                        mentor,
                    )

    def _between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    # Corrections and confirmations -----------------------------------------------------

    def reversals(self) -> None:
        """A few mistakes, corrected the only way the ledger allows: a duplicate entry
        reversed, or a wrong date reversed and the meeting recorded again."""
        rng = self.rng
        for event, tie in self.meetings:
            if event.keep_open or event.recorded_by_id != tie.mentor_id:
                continue
            roll = rng.random()
            if roll < 0.005:
                again = event.recorded_at + timedelta(seconds=rng.randint(20, 3 * 3600))
                noticed = again + timedelta(seconds=rng.randint(3600, 10 * 86400))
                if noticed < self.cutoff - timedelta(hours=1):
                    duplicate = self._add(replace(event, recorded_at=again, keep_open=True))
                    self._reverse(duplicate, "Duplicate entry.", noticed)
            elif roll < 0.009:
                self._wrong_date(event, tie)

    def _wrong_date(self, event: Event, tie: Tie) -> None:
        rng = self.rng
        wrong = event.occurred_on + timedelta(days=rng.choice((-7, -1, 1, 7, -30, 30)))
        span = self._span(tie)
        assert span is not None  # the event was recorded inside the tie's span
        start, end = span
        noticed = event.recorded_at + timedelta(seconds=rng.randint(3600, 14 * 86400))
        if not start <= wrong <= min(end, event.recorded_at.date()) or noticed >= self.cutoff - timedelta(hours=1):
            return
        mistake = self._add(replace(event, occurred_on=wrong, keep_open=True))
        reversal = self._reverse(mistake, f"Wrong date: the meeting was on {event.occurred_on.isoformat()}.", noticed)
        # The meeting is recorded again, with the right date, just after the reversal.
        event.recorded_at = reversal.recorded_at + timedelta(seconds=rng.randint(60, 900))
        event.order = len(self.events)

    def _follow(
        self, entry_type: str, target: Event, by: int, at: datetime, minutes: int = 0, reason: str | None = None
    ) -> Event:
        """An entry that follows ``target`` (a confirmation, dispute or reversal): its
        mentorship, person and date, recorded by ``by`` at ``at``."""
        return self._add(
            Event(
                entry_type,
                None,
                target.mentorship_id,
                target.person_id,
                target.occurred_on,
                minutes,
                "",
                by,
                at,
                target=target,
                reason=reason,
            )
        )

    def _reverse(self, target: Event, reason: str, at: datetime) -> Event:
        return self._follow("reversal", target, target.recorded_by_id, at, target.minutes, reason)

    def _habit(self, person_id: int) -> tuple[str, float]:
        if person_id not in self.habits:
            habit, _, chance = self.rng.choices(HABITS, weights=[h[1] for h in HABITS])[0]
            self.habits[person_id] = (habit, chance)
        return self.habits[person_id]

    def disputes(self) -> None:
        """A few entries nobody confirmed are disputed by the counterpart, with a reason,
        a few days after they were logged; the recorder reverses about half of them. The
        featured mentor gets one from the featured mentee (an older entry: the recent ones
        stay waiting for the demo mentee), so their pages show one."""
        rng = self.rng
        followed = {id(e.target) for e in self.events if e.target is not None}
        open_entries = [
            e
            for e in self.events
            if e.entry_type == "contribution"
            and e.confirmer_id is not None
            and not e.keep_open
            and id(e) not in followed
        ]
        featured = [
            e
            for e in open_entries
            if self.featured is not None
            and (e.recorded_by_id, e.confirmer_id) == self.featured
            and e.recorded_at < self.cutoff - timedelta(days=120)
        ]
        chosen = {id(e): e for e in open_entries if rng.random() < DISPUTED}
        if featured:
            chosen[id(featured[0])] = featured[0]
        for event in chosen.values():
            at = event.recorded_at + timedelta(days=rng.randint(1, 20), seconds=rng.randint(3600, 12 * 3600))
            if at >= self.cutoff - timedelta(hours=2):
                continue
            assert event.confirmer_id is not None  # chosen among entries someone confirms
            self._follow("dispute", event, event.confirmer_id, at, reason=rng.choice(DISPUTE_REASONS))
            answered = at + timedelta(days=rng.randint(1, 10), seconds=rng.randint(600, 8 * 3600))
            if event is not (featured[0] if featured else None) and rng.random() < 0.5 and answered < self.cutoff:
                self._reverse(event, "Disputed by the other person; they were right.", answered)

    def confirmations(self) -> None:
        """About four in five mentoring entries are confirmed by the counterpart within
        days or weeks; some people never confirm; recent ones are still waiting."""
        rng = self.rng
        for event in list(self.events):
            if event.confirmer_id is None or event.keep_open:
                continue
            habit, chance = self._habit(event.confirmer_id)
            if rng.random() >= chance:
                continue
            days = rng.choice((0, 1, 1, 2, 3, 5, 7)) if habit == "prompt" else rng.randint(5, 45)
            at = event.recorded_at + timedelta(
                days=days, seconds=rng.randint(3600, 12 * 3600), microseconds=rng.randrange(10**6)
            )
            if at >= self.cutoff:
                continue
            self._follow("confirmation", event, event.confirmer_id, at)
