"""The demo's award timeline as a machine: the cycles to run (``Plan``), the dated actions
in a heap played in time order, the scheduler's job on the days cycles change phase, and
the people the demo chooses from (the department, its mentoring graph, the standing
committee). What the actions do is in ``demo.awards``."""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..auth.models import Account
from ..auth.service import Actor, grant_role, load_actor
from ..awards import lifecycle, managers
from ..awards.models import Cycle, Grant
from ..clock import add_years, zone
from ..extensions import db
from ..mentorships.models import Mentorship
from ..people.models import Division, DivisionDirector, Person
from .award_texts import PHASE_WORDS


@dataclass
class Plan:
    """One cycle to run: its award, year and dates, and what the timeline learns on the way."""

    award_id: int
    year: int
    dates: dict[str, date]
    custom: bool  # dates set by hand (this year's showcase cycles), not from the award's schedule
    manager: int  # who chooses the committee and records the decision
    members: list[int] = field(default_factory=list)
    merit: dict[int, float] = field(default_factory=dict)  # nominee -> how reviewers see them, on the rubric scale
    bias: dict[int, float] = field(default_factory=dict)  # member -> leniency
    conflicts: set[tuple[int, int]] = field(default_factory=set)  # (nomination, member) recused
    letters: int = 0  # how many supporting letters are still to come (each is a PDF in the database)
    cycle_id: int | None = None


@dataclass(frozen=True)
class Result:
    announced: int
    grants: int
    running: tuple[str, ...]  # the cycles not announced yet, with their phase
    marked_sent: int

    def line(self) -> str:
        return (
            f"Ran {self.announced} award cycles to their announcement ({self.grants} winners); "
            f"{', '.join(self.running) or 'no cycle'} running; {self.marked_sent} emails queued before today "
            "marked sent."
        )


class Timeline:
    """The actions to play, in a heap by time, and what the demo needs to choose people."""

    def __init__(self, rng: random.Random, today: date, ids: dict[str, int | None]):
        self.rng, self.today = rng, today
        admin = ids["admin"]
        assert admin is not None  # the department the demo builds always has its administrator
        self.admin: int = admin
        self.login = ids["award_committee"]
        self.queue: list[tuple] = []
        self.order = itertools.count()
        self.job_days: set[date] = set()
        self.actors: dict[int, Actor] = {}
        self.declared = self.revised = self.overruled = False
        # Plain rows, not ORM objects: every commit would expire (and later reload) them.
        self.people = {
            row.id: row
            for row in db.session.execute(
                select(
                    Person.id,
                    Person.name,
                    Person.email,
                    Person.rank,
                    Person.appointed_on,
                    Person.division_id,
                    Account.created_at.label("joined"),
                )
                .join(Account, Account.person_id == Person.id)
                .order_by(Person.id)
            )
        }
        self.divisions = dict(db.session.execute(select(Division.id, Division.name)).all())
        self.director = dict(
            db.session.execute(
                select(DivisionDirector.division_id, DivisionDirector.person_id).order_by(
                    DivisionDirector.person_id.desc()
                )
            ).all()
        )
        self.ties: dict[int, list] = {}  # mentor -> their mentorships
        self.mentors: dict[int, set[int]] = {}
        self.mentees: dict[int, set[int]] = {}
        for tie in db.session.execute(
            select(
                Mentorship.mentor_id,
                Mentorship.mentee_id,
                Mentorship.kind,
                Mentorship.started_on,
                Mentorship.group_name,
            ).order_by(Mentorship.id)
        ):
            self.ties.setdefault(tie.mentor_id, []).append(tie)
            self.mentors.setdefault(tie.mentee_id, set()).add(tie.mentor_id)
            self.mentees.setdefault(tie.mentor_id, set()).add(tie.mentee_id)
        keep_off = {person for role, person in ids.items() if role != "award_committee" and person is not None} | set(
            self.director.values()
        )
        self.standing = self._standing(keep_off)

    def _standing(self, keep_off: set[int]) -> list[int]:
        """The department's award committee besides the login: six senior mentors, the two
        best connected among them (a peer-group facilitator shares mentees with many
        mentors), so conflicts of interest arise as they would. Those after the login in id
        order get the award_committee role: the login stays its first holder, the demo's login."""
        senior_by = add_years(date(self.today.year - 3, 1, 1), -12)
        pool = [
            p.id
            for p in self.people.values()
            if p.rank in ("full", "associate")
            and p.appointed_on
            and p.appointed_on <= senior_by
            and p.id not in keep_off | {self.login}
            and p.id in self.mentees
        ]
        reach = {pid: len(self._circle(pid) & self.mentees.keys()) for pid in pool}
        self.connected = sorted((pid for pid in pool if reach[pid]), key=lambda pid: (-reach[pid], pid))[:2]
        rest = [pid for pid in pool if pid not in self.connected]
        later = [pid for pid in rest if self.login is not None and pid > self.login]
        chosen = self.rng.sample(later, min(4, len(later)))
        others = [pid for pid in rest if pid not in chosen]
        chosen += self.rng.sample(others, min(4 - len(chosen), len(others)))
        for pid in self.connected + chosen:
            if self.login is not None and pid > self.login:
                grant_role(db.session.get_one(Person, pid), "award_committee")
        return sorted(self.connected + chosen)

    def _office(self, day: date) -> datetime:
        """A moment in office hours (UTC, about 9 to 3 in Toronto)."""
        return datetime.combine(day, time(13)) + timedelta(
            minutes=self.rng.randrange(360), seconds=self.rng.randrange(60)
        )

    def _at(self, day: date, action, *args, when: datetime | None = None) -> None:
        heapq.heappush(self.queue, (when or self._office(day), next(self.order), action, args))

    def _job(self, day: date) -> None:
        """The scheduler's award_cycles job, at its hour (05:00 where the department is)."""
        if day in self.job_days:
            return
        self.job_days.add(day)
        local = datetime.combine(day, time(5), tzinfo=zone(current_app.config))
        self._at(day, self.job, when=local.astimezone(UTC).replace(tzinfo=None))

    def run(self, until: datetime) -> None:
        """Play every action before ``until`` in time order. The services flush; the
        scheduler's runs commit (as in production), and so does the end of the run."""
        while self.queue and self.queue[0][0] < until:
            when, _, action, args = heapq.heappop(self.queue)
            action(*args, when)
        db.session.commit()

    def job(self, when: datetime) -> None:
        lifecycle.advance_all(when.date(), when)

    def _actor(self, person_id: int) -> Actor:
        if person_id not in self.actors:
            actor = load_actor(person_id)
            assert actor is not None  # the demo's people all have accounts
            self.actors[person_id] = actor
        return self.actors[person_id]

    def _cycle(self, plan: Plan) -> Cycle:
        if plan.cycle_id is None:
            plan.cycle_id = db.session.scalar(
                select(Cycle.id).where(Cycle.award_id == plan.award_id, Cycle.year == plan.year)
            )
        return db.session.get_one(Cycle, plan.cycle_id)

    def _past(self, plan: Plan) -> bool:
        return plan.dates["announce_on"] < self.today

    def _circle(self, person: int) -> set[int]:
        """Everyone the mentoring graph ties to ``person``: their mentors and mentees, their
        mentees' other mentors and their mentors' other mentees (the committee's conflicts, rules.conflicts)."""
        mentees, mentors = self.mentees.get(person, set()), self.mentors.get(person, set())
        circle = mentees | mentors
        for mentee in mentees:
            circle |= self.mentors[mentee]
        for mentor in mentors:
            circle |= self.mentees[mentor]
        return circle - {person}

    def _free_manager(self, plan: Plan, cycle: Cycle) -> Actor:
        """The cycle's manager, or the administrator when that manager has a conflict of
        interest with a nominee (a division director tied to one through the mentoring graph)."""
        if managers.conflicts_of(cycle, plan.manager):
            return self._actor(self.admin)
        return self._actor(plan.manager)

    def result(self, marked: int) -> Result:
        announced = db.session.scalar(select(func.count()).select_from(Cycle).where(Cycle.phase == "announced")) or 0
        grants = db.session.scalar(select(func.count()).select_from(Grant)) or 0
        running = [
            f"{c.award.name} {c.year} ({PHASE_WORDS[c.phase]})"
            for c in db.session.scalars(
                select(Cycle).where(Cycle.phase != "announced").order_by(Cycle.year, Cycle.award_id)
            )
        ]
        return Result(announced, grants, tuple(running), marked)
