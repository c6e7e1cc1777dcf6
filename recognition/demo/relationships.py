"""The demo department's mentorships: formal mentors for new faculty, peer groups,
sponsorships and informal mentoring. Pure, like department.py."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..mentorships.rules import formal_mentor_refusal
from . import notes
from .department import SENIOR_YEARS, Department, Member, add_years

FORMAL_YEARS = 5
MAX_ACTIVE_FORMAL = 4  # no one mentors more than this many new faculty at once
GROUP_NAMES = (
    "New Faculty Peer Mentoring Circle",
    "Clinician Educators' Circle",
    "Clinician Scientist Peer Group",
    "Clinician Investigators' Works-in-Progress",
    "Quality & Innovation Collaborative",
    "Writing Accountability Group",
    "Mid-Career Leadership Circle",
    "Hospitalist Peer Mentoring Group",
    "Teaching Dossier Workshop Group",
    "Early-Career Researchers' Forum",
)
# How regularly a formal pair meets: (name, share).
PROFILES = (("regular", 55), ("light", 22), ("irregular", 13), ("lapsed", 10))


@dataclass
class Tie:
    """A mentorship, before it is stored."""

    mentor_id: int
    mentee_id: int
    kind: str
    started_on: date
    ended_on: date | None = None
    end_reason: str | None = None
    group_name: str | None = None
    created_by_id: int | None = None
    created_at: datetime | None = None
    profile: str = "regular"  # not stored: drives the ledger history
    id: int = 0

    @property
    def created(self) -> datetime:
        """When it was recorded, which ``build`` sets for every tie it returns."""
        if self.created_at is None:
            raise ValueError(f"Mentorship {self.id} has no creation time yet")
        return self.created_at

    def overlaps(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)

    def row(self) -> dict:
        return {
            "id": self.id,
            "mentor_id": self.mentor_id,
            "mentee_id": self.mentee_id,
            "kind": self.kind,
            "group_name": self.group_name,
            "started_on": self.started_on,
            "ended_on": self.ended_on,
            "end_reason": self.end_reason,
            "created_by_id": self.created_by_id,
            "created_at": self.created_at,
        }


def formal_period_end(appointed_on: date) -> date:
    """The day a faculty member's first five years end."""
    return add_years(appointed_on, FORMAL_YEARS)


def build(rng: random.Random, dept: Department, scale: float = 1.0) -> list[Tie]:
    builder = _Builder(rng, dept)
    builder.formal()
    builder.peer_groups(max(2, round(rng.randint(6, 10) * scale)))
    builder.sponsorships(max(2, round(12 * scale)))
    builder.informal(max(3, round(12 * scale)))
    ties = sorted(builder.ties, key=lambda t: (t.started_on, t.kind, t.mentee_id, t.mentor_id))
    for number, tie in enumerate(ties, start=1):
        tie.id = number
        day = min(max(tie.started_on, dept.system_start.date()), dept.today - timedelta(days=1))
        tie.created_at = datetime.combine(day, time(8)) + timedelta(
            seconds=rng.randrange(3 * 3600), microseconds=rng.randrange(10**6)
        )
    return ties


class _Builder:
    def __init__(self, rng: random.Random, dept: Department):
        self.rng, self.dept = rng, dept
        self.today = dept.today
        self.yesterday = dept.today - timedelta(days=1)
        self.window_start = dept.system_start.date()
        self.directors = set(dept.directors.values())
        self.seniors = [
            m for m in dept.faculty if m.rank in ("associate", "full") and m.id not in self.directors and m.appetite > 0
        ]
        self.ties: list[Tie] = []
        self.formal_of: dict[int, list[Tie]] = {}

    def _senior_on(self, member: Member, day: date) -> bool:
        return member.appointed <= add_years(day, -SENIOR_YEARS)

    def _between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    # Formal ---------------------------------------------------------------------------

    def formal(self) -> None:
        """Everyone whose first five years overlap the ledger's five years had a formal
        mentor from hiring: the pair ended when the five years were up, or earlier when
        the mentor changed."""
        rng, today = self.rng, self.today
        newcomers = [
            m
            for m in self.dept.faculty
            if formal_period_end(m.appointed) > self.window_start and m.id not in self.directors
        ]
        for mentee in sorted(newcomers, key=lambda m: (m.appointed, m.id)):
            period_end = formal_period_end(mentee.appointed)
            ends = period_end if period_end <= today else None
            start = min(mentee.appointed + timedelta(days=rng.randint(0, 45)), self.yesterday)
            if ends is not None:
                start = min(start, ends)
            mentor = self._choose_mentor(mentee, start, exclude=set())
            tie = self._add_formal(mentor, mentee, start, ends, notes.COMPLETED if ends else None)
            last_switch = min(ends or today, today) - timedelta(days=30)
            earliest_switch = start + timedelta(days=180)
            if rng.random() < 0.12 and earliest_switch < last_switch:
                switch_on = self._between(earliest_switch, min(start + timedelta(days=1100), last_switch))
                tie.ended_on, tie.end_reason = switch_on, rng.choice(notes.SWITCH_REASONS)
                restart = switch_on + timedelta(days=rng.randint(0, 21))
                successor = self._choose_mentor(mentee, restart, exclude={mentor.id})
                tie = self._add_formal(successor, mentee, restart, ends, notes.COMPLETED if ends else None)
            if ends is not None and rng.random() < 0.1:
                # Some pairs carry on informally after the five years.
                follow = Tie(tie.mentor_id, mentee.id, "informal", ends, profile="light", created_by_id=1)
                self._maybe_end(follow, 0.3, notes.INFORMAL_ENDED)
                self.ties.append(follow)

    def _add_formal(self, mentor: Member, mentee: Member, start: date, ends: date | None, reason: str | None) -> Tie:
        profile = self.rng.choices([p for p, _ in PROFILES], weights=[w for _, w in PROFILES])[0]
        tie = Tie(
            mentor.id,
            mentee.id,
            "formal",
            start,
            ends,
            reason if ends else None,
            created_by_id=self.dept.directors[mentee.division],
            profile=profile,
        )
        self.ties.append(tie)
        self.formal_of.setdefault(mentor.id, []).append(tie)
        return tie

    def _choose_mentor(self, mentee: Member, day: date, exclude: set[int]) -> Member:
        """A senior colleague, usually in the mentee's division, who is not someone the
        mentee reports to and is not already mentoring too many new faculty."""
        directors = {self.dept.directors[mentee.division]}
        eligible = [
            m
            for m in self.seniors
            if m.id not in exclude
            and self._senior_on(m, day)
            and formal_mentor_refusal(m.id, mentee.id, mentee.supervisor_id, directors) is None
        ]
        free = [m for m in eligible if sum(t.overlaps(day) for t in self.formal_of.get(m.id, ())) < MAX_ACTIVE_FORMAL]
        candidates = free or eligible
        if not candidates:
            raise RuntimeError(f"No eligible formal mentor for {mentee.email}: the demo department is too small.")
        same = [m for m in candidates if m.division_id == mentee.division_id]
        if same and self.rng.random() < 0.7:
            candidates = same
        return self.rng.choices(candidates, weights=[m.appetite for m in candidates])[0]

    # Peer groups, sponsorship, informal ------------------------------------------------

    def peer_groups(self, count: int) -> None:
        rng = self.rng
        latest_start = self.today - timedelta(days=150)
        facilitators = [m for m in self.seniors if self._senior_on(m, latest_start)]
        rng.shuffle(facilitators)
        members = [
            m
            for m in self.dept.faculty
            if m.id not in self.directors and m.years_on(self.today) < 12 and m.appointed < latest_start
        ]
        rng.shuffle(members)
        names = list(GROUP_NAMES)
        rng.shuffle(names)
        for name, facilitator in zip(names[:count], facilitators):
            size = rng.randint(4, 8)
            group = [m for m in members[: size + 2] if m.id != facilitator.id][:size]
            members = [m for m in members if m not in group]
            if len(group) < 3:
                break
            begins = self._between(self.window_start, latest_start)
            for member in group:
                joined = begins if rng.random() < 0.7 else self._between(begins, self.today - timedelta(days=30))
                joined = max(joined, member.appointed)
                tie = Tie(facilitator.id, member.id, "peer_group", joined, group_name=name, created_by_id=1)
                self._maybe_end(tie, 0.15, notes.LEFT_GROUP, min_days=120)
                self.ties.append(tie)

    def sponsorships(self, count: int) -> None:
        rng = self.rng
        sponsors = [m for m in self.seniors if m.rank == "full"]
        proteges = [
            m
            for m in self.dept.faculty
            if m.rank in ("assistant", "associate") and m.years_on(self.today) >= 3 and m.id not in self.directors
        ]
        for sponsor, protege in zip(
            rng.sample(sponsors, min(count, len(sponsors))), rng.sample(proteges, min(count, len(proteges)))
        ):
            if sponsor.id == protege.id:
                continue
            start = self._between(self.window_start, self.today - timedelta(days=60))
            tie = Tie(sponsor.id, protege.id, "sponsorship", start, created_by_id=1)
            self._maybe_end(tie, 0.3, notes.SPONSOR_ENDED, min_days=365)
            self.ties.append(tie)

    def informal(self, count: int) -> None:
        rng = self.rng
        mentors = [m for m in self.seniors if self._senior_on(m, self.window_start)]
        mentees = [m for m in self.dept.faculty if 1 <= m.years_on(self.today) < 15]
        pairs = {(t.mentor_id, t.mentee_id) for t in self.ties if t.kind == "informal"}
        for _ in range(count):
            mentor, mentee = rng.choice(mentors), rng.choice(mentees)
            if mentor.id == mentee.id or (mentor.id, mentee.id) in pairs:
                continue
            pairs.add((mentor.id, mentee.id))
            earliest = max(mentee.appointed, self.window_start - timedelta(days=3 * 365))
            start = self._between(earliest, self.today - timedelta(days=30))
            tie = Tie(mentor.id, mentee.id, "informal", start, profile="light", created_by_id=1)
            self._maybe_end(tie, 0.3, notes.INFORMAL_ENDED, min_days=180)
            self.ties.append(tie)

    def _maybe_end(self, tie: Tie, chance: float, reason: str, min_days: int = 180) -> None:
        earliest = tie.started_on + timedelta(days=min_days)
        latest = self.today - timedelta(days=14)
        if self.rng.random() < chance and earliest < latest:
            tie.ended_on, tie.end_reason = self._between(earliest, latest), reason
