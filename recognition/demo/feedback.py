"""Mentee feedback for the demo department, planned in memory.

For the last few feedback periods (by default the three complete calendar years and the
current one), every mentee of a mentorship of an asked kind that was active in the
period (and on record when the requests went out) is asked once per mentor, exactly as
``feedback.service.request_feedback`` asks. Most answer, over the weeks after the
request and after reminders; a few periods' answers are still coming in.

The answers are stored as ``feedback.service.submit`` stores them: random 128-bit ids
(drawn from the seeded rng, so the demo stays deterministic), no mentee, no time, a
receipt apart, and each mentor's responses released in blocks the moment k of them from
k different mentees are waiting (in arrival order across the whole department, which
numbers the blocks). ``tests/demo`` replays the submissions through ``submit`` and compares.

Pure: the same rng, department, mentorships and settings give the same ``Plan``;
feedback_rows.py writes it, and reflections.py plans the mentors' reflections on it.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app

from ..feedback import instruments as definitions
from ..feedback import periods, service
from ..feedback.rules import contributors_at_least, should_release
from . import feedback_texts as texts
from .department import Department
from .relationships import Tie

PERIODS = 4  # the current period and the three before it
# Who answers: most mentees usually do, a few rarely do.
RARELY = (0.12, 0.2)  # (share of mentees, chance they answer)
USUALLY = 0.8
KIND_FACTOR = {"peer_group": 0.85}
# Mentors' quality as their mentees see it, on 0–1: (share, mean, spread).
QUALITY = (("good", 0.85, 0.86, 0.05), ("mixed", 0.12, 0.68, 0.05), ("critical", 0.03, 0.47, 0.06))
# Items most mentors score a little higher or lower on; and "not applicable" chances.
ITEM_LEAN = {
    "integrity": 0.04,
    "supportive": 0.04,
    "expertise": 0.03,
    "approachable": 0.02,
    "professional_guidance": -0.05,
    "resources": -0.04,
    "challenges": -0.04,
    "accessible": -0.02,
}
NOT_APPLICABLE = {"professional_guidance": 0.08, "resources": 0.05, "challenges": 0.03}
NOT_APPLICABLE_OTHERWISE = 0.015


@dataclass(frozen=True)
class Settings:
    k: int
    period_kind: str
    answer_days: int
    reminder_days: int
    kinds: tuple[str, ...]
    instrument: definitions.Instrument


def settings() -> Settings:
    """The running app's feedback configuration (needs an app context)."""
    config = current_app.config
    return Settings(
        k=service.k(),
        period_kind=service.period_kind(),
        answer_days=int(config["FEEDBACK_ANSWER_DAYS_AFTER_PERIOD"]),
        reminder_days=int(config["FEEDBACK_REMINDER_INTERVAL_DAYS"]),
        kinds=tuple(config["FEEDBACK_MENTORSHIP_KINDS"]),
        instrument=definitions.latest(service.available_instruments(), config["FEEDBACK_INSTRUMENT"]),
    )


@dataclass(eq=False)
class Ask:
    """A feedback request, and (not stored) when it was answered."""

    id: int
    period: str
    mentor_id: int
    mentee_id: int
    mentorship_id: int
    kind: str
    created_at: datetime
    deadline: date
    reminded_at: datetime | None = None
    reminders: int = 0
    answered_at: datetime | None = None

    def row(self, instrument: definitions.Instrument) -> dict:
        return {
            "id": self.id,
            "period": self.period,
            "mentor_id": self.mentor_id,
            "mentee_id": self.mentee_id,
            "mentorship_id": self.mentorship_id,
            "instrument_key": instrument.key,
            "instrument_version": instrument.version,
            "created_at": self.created_at,
            # Marked sent without writing hundreds of historical emails to the outbox.
            "sent_at": self.created_at,
            "reminded_at": self.reminded_at,
            "reminders": self.reminders,
        }


@dataclass(eq=False)
class Reply:
    """One anonymous response, as ``submit`` would be called with it."""

    id: str
    ask: Ask
    at: datetime
    answers: dict[str, int | None]
    comments: dict[str, str]
    block: Block | None = None


@dataclass(eq=False)
class Block:
    """A release: at least k responses, from at least k mentees, of one mentor."""

    id: int
    mentor_id: int
    replies: list[Reply]
    released_at: datetime

    @property
    def periods(self) -> list[str]:
        return sorted({reply.ask.period for reply in self.replies})


@dataclass
class Plan:
    settings: Settings
    periods: list[str]  # oldest first
    complete: list[str]  # the periods that have ended
    asks: list[Ask] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)  # in arrival order
    blocks: list[Block] = field(default_factory=list)

    def below_k(self) -> set[int]:
        """Mentors with responses still waiting for more to be pooled with them."""
        return {reply.ask.mentor_id for reply in self.replies if reply.block is None}


# Building ---------------------------------------------------------------------------


def build(
    rng: random.Random, dept: Department, ties: list[Tie], featured: tuple[int, int] | None, config: Settings
) -> Plan:
    return _Feedback(rng, dept, ties, featured, config).plan


def _daytime(day: date, rng: random.Random, start_hour: int = 8, hours: int = 10) -> datetime:
    return datetime.combine(day, time(start_hour)) + timedelta(
        seconds=rng.randrange(hours * 3600), microseconds=rng.randrange(10**6)
    )


class _Feedback:
    def __init__(self, rng, dept: Department, ties: list[Tie], featured, config: Settings):
        self.rng, self.dept, self.config, self.featured = rng, dept, config, featured
        self.today = dept.today
        self.cutoff = datetime.combine(dept.today, time.min) - timedelta(minutes=1)
        keys = list(reversed(periods.recent(dept.today, config.period_kind, PERIODS)))
        complete = [key for key in keys if periods.bounds(key, config.period_kind)[1] < self.today]
        self.plan = Plan(config, [], complete)
        self.quality: dict[int, tuple[str, float, str | None]] = {}
        self.habit: dict[int, float] = {}
        self.used: dict[tuple[int, str], set[str]] = defaultdict(set)
        self.reminder_times: dict[str, list[datetime]] = {}
        for key in keys:
            self._ask(key, sorted(ties, key=lambda t: t.id))
        self._answer()
        self._release()
        self._make_sure_the_featured_mentor_has_a_report()
        self._remind()

    # Requests -------------------------------------------------------------------------

    def _request_time(self, key: str) -> datetime | None:
        rng = self.rng
        start, end = periods.bounds(key, self.config.period_kind)
        if end < self.today:
            # A few days after the period ends, on a weekday morning.
            day = end + timedelta(days=rng.randint(4, 12))
            day += timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
        elif start < self.today:
            # The current period: sent in the last week or two.
            day = max(start, self.today - timedelta(days=rng.randint(3, 12)))
        else:
            return None  # the current period starts today: nothing sent yet
        at = _daytime(day, rng, 9, 2)
        if at >= self.cutoff:
            at = max(datetime.combine(start, time.min), self.cutoff - timedelta(seconds=rng.randrange(3600, 8 * 3600)))
        return at if at >= self.dept.system_start else None

    def _ask(self, key: str, ties: list[Tie]) -> None:
        """As ``request_feedback(key, at)`` would, among the mentorships on record at ``at``."""
        at = self._request_time(key)
        if at is None:
            return
        start, end = periods.bounds(key, self.config.period_kind)
        deadline = end + timedelta(days=self.config.answer_days)
        asked: set[tuple[int, int]] = set()
        for tie in ties:
            if tie.kind not in self.config.kinds or tie.created > at:
                continue
            if tie.started_on > end or (tie.ended_on is not None and tie.ended_on < start):
                continue
            pair = (tie.mentor_id, tie.mentee_id)
            if pair in asked:
                continue
            asked.add(pair)
            self.plan.asks.append(Ask(len(self.plan.asks) + 1, key, *pair, tie.id, tie.kind, at, deadline))
        self.plan.periods.append(key)
        # The admin's two reminder runs, each a reminder interval after the last.
        when, self.reminder_times[key] = at, []
        for _ in range(2):
            when += timedelta(days=self.config.reminder_days, seconds=self.rng.randrange(600, 3 * 3600))
            self.reminder_times[key].append(when)

    # Answers --------------------------------------------------------------------------

    def _answers_open(self, ask: Ask, at: datetime) -> bool:
        return at < self.cutoff and at.date() <= ask.deadline

    def _answer(self) -> None:
        rng = self.rng
        for mentor in sorted({ask.mentor_id for ask in self.plan.asks}):
            self._quality(mentor)
        factor = {key: rng.uniform(0.88, 1.04) for key in self.plan.periods}
        for ask in self.plan.asks:
            if self._held_open(ask):
                continue
            chance = self._habit(ask.mentee_id) * factor[ask.period] * KIND_FACTOR.get(ask.kind, 1.0)
            if self.featured and ask.mentor_id == self.featured[0]:
                chance = 0.95
            if rng.random() >= chance:
                continue
            roll = rng.random()
            days = rng.uniform(0, 7) if roll < 0.45 else rng.uniform(14, 21) if roll < 0.75 else rng.uniform(28, 50)
            at = ask.created_at + timedelta(minutes=10) + timedelta(days=days)
            at = max(
                at.replace(hour=rng.randint(7, 22), minute=rng.randrange(60)), ask.created_at + timedelta(minutes=10)
            )
            if self._answers_open(ask, at):
                self._reply(ask, at)

    def _held_open(self, ask: Ask) -> bool:
        """The demo mentee's request to the demo mentor in the latest period waits for
        them, unanswered, so the tour can show the form."""
        return (
            bool(self.featured)
            and (ask.mentor_id, ask.mentee_id) == tuple(self.featured)
            and ask.period == self.plan.periods[-1]
            and ask.deadline >= self.today
        )

    def _quality(self, mentor: int) -> tuple[str, float, str | None]:
        if mentor not in self.quality:
            rng = self.rng
            name, _, mean, spread = rng.choices(QUALITY, weights=[q[1] for q in QUALITY])[0]
            if self.featured and mentor == self.featured[0]:
                name, mean = "good", 0.88
            items = [item.id for item in self.config.instrument.items]
            weak = rng.choice(items) if rng.random() < 0.7 else None
            self.quality[mentor] = (name, min(0.97, max(0.2, rng.gauss(mean, spread))), weak)
        return self.quality[mentor]

    def _habit(self, mentee: int) -> float:
        if mentee not in self.habit:
            self.habit[mentee] = RARELY[1] if self.rng.random() < RARELY[0] else USUALLY
        return self.habit[mentee]

    def _reply(self, ask: Ask, at: datetime) -> Reply:
        rng, instrument = self.rng, self.config.instrument
        name, quality, weak = self._quality(ask.mentor_id)
        mood = rng.gauss(0, 0.07)
        answers: dict[str, int | None] = {}
        span = instrument.scale_max - instrument.scale_min
        for item in instrument.items:
            na = NOT_APPLICABLE.get(item.id, NOT_APPLICABLE_OTHERWISE) * (1.5 if ask.kind == "peer_group" else 1)
            if instrument.not_applicable and rng.random() < na:
                answers[item.id] = None
                continue
            score = quality + ITEM_LEAN.get(item.id, 0) + (-0.1 if item.id == weak else 0) + mood + rng.gauss(0, 0.08)
            answers[item.id] = instrument.scale_min + round(min(1.0, max(0.0, score)) * span)
        comments = {}
        for prompt in instrument.prompts:
            pools = texts.COMMENTS.get(prompt.id)
            if pools is None:
                continue
            by_kind, critical = pools
            chance = 0.45 if prompt.id == "strengths" else 0.55 if name != "good" else 0.3
            if rng.random() >= chance:
                continue
            pool = (
                critical
                if critical and name != "good" and rng.random() < 0.7
                else (by_kind["any"] + (by_kind.get(ask.kind, ()) * 2))
            )
            used = self.used[(ask.mentor_id, prompt.id)]
            fresh = [text for text in pool if text not in used] or list(pool)
            text = rng.choice(fresh)[: prompt.max_length]
            used.add(text)
            comments[prompt.id] = text
        reply = Reply(f"{rng.getrandbits(128):032x}", ask, at, answers, comments)
        ask.answered_at = at
        self.plan.replies.append(reply)
        return reply

    def _remind(self) -> None:
        """Reminders as ``service.remind`` sends them: at each reminder run, to everyone
        who had not answered yet, while answers were still open."""
        for ask in self.plan.asks:
            ask.reminded_at, ask.reminders = None, 0
            for when in self.reminder_times[ask.period]:
                if not self._answers_open(ask, when) or (ask.answered_at is not None and ask.answered_at <= when):
                    break
                ask.reminded_at, ask.reminders = when, ask.reminders + 1

    # Releases ---------------------------------------------------------------------------

    def _release(self) -> None:
        """Blocks cut as ``submit`` cuts them: each arrival joins its mentor's waiting
        responses, which are released together once there are k of them from at least k
        different mentees (counted by ``rules.contributors_at_least``, from receipts)."""
        plan = self.plan
        plan.replies.sort(key=lambda reply: (reply.at, reply.ask.id))
        plan.blocks = []
        waiting: dict[int, list[Reply]] = defaultdict(list)
        receipts: dict[tuple[int, str], set[int]] = defaultdict(set)
        released: dict[int, set[str]] = defaultdict(set)
        for reply in plan.replies:
            reply.block = None
            mentor = reply.ask.mentor_id
            receipts[(mentor, reply.ask.period)].add(reply.ask.mentee_id)
            pending = waiting[mentor]
            pending.append(reply)
            per_period = Counter(member.ask.period for member in pending)
            whole = {
                period: receipts[(mentor, period)]
                for period, count in per_period.items()
                if period not in released[mentor] and len(receipts[(mentor, period)]) == count
            }
            if should_release(len(pending), contributors_at_least(per_period, whole), self.config.k):
                released[mentor].update(per_period)
                block = Block(len(plan.blocks) + 1, reply.ask.mentor_id, list(pending), reply.at)
                for member in pending:
                    member.block = block
                plan.blocks.append(block)
                pending.clear()

    def _make_sure_the_featured_mentor_has_a_report(self) -> None:
        """The demo's mentor login should have a report to show for a past period: if
        chance left them short, more of their mentees answered, early. (A mentor whose
        mentees were all asked fewer than k times in the past periods still has none:
        that happens only in the smallest departments, ``--scale`` 0.05.)"""
        if not self.featured:
            return
        mentor = self.featured[0]

        def shown() -> bool:
            return any(b.mentor_id == mentor and set(b.periods) & set(self.plan.complete) for b in self.plan.blocks)

        if shown():
            return
        for ask in self.plan.asks:
            if (
                ask.mentor_id == mentor
                and ask.period in self.plan.complete
                and ask.answered_at is None
                and not self._held_open(ask)
            ):
                at = ask.created_at + timedelta(days=self.rng.uniform(1, 6))
                if at >= self.cutoff:  # asked only just before today: answered within hours
                    at = ask.created_at + (self.cutoff - ask.created_at) * self.rng.uniform(0.2, 0.9)
                if self._answers_open(ask, at):
                    self._reply(ask, at)
                    self._release()
                    if shown():
                        return
