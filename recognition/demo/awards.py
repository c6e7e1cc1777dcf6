"""Awards for the demo: three awards, their cycles for the last three finished years run
from the call for nominations to the announcement, and this year's cycles as far as today.

Nothing is written behind the services' backs. A timeline of dated actions is played in
time order, each with its own ``day`` and ``now``: the scheduler's job
(``lifecycle.advance_all``, which commits) on every date a cycle changes phase, and people's
work in office hours between those runs: the committee chosen, nominations (some turned
from the suggestions by an admin), philosophies, a few letters, scores by reviewers who
are harsh, lenient or neither, one declared conflict, decisions (one winner who was not
ranked first, with the reason). The announcements make the grants and their ledger
entries; those come after the history loaded in bulk, so they end the chain though they
carry their announcement dates. A daily scheduler would also have sent each call's
reminder a week before the close; the demo's job does not run on those days (each
reminder is an email to the whole department).

This year, whatever today is: the Early Career Mentor Award is open for nominations
(opened two weeks ago), the Department of Medicine Mentorship Award is in review with
the award-committee login halfway through their scoring, and the division award is
wherever its own schedule puts it. A last run of the job for today leaves nothing for the
real scheduler to do today, and every email queued before today counts as delivered (the
scheduler sends the outbox within minutes), so its first run emails no one from the past.

Random choices come from the ``rng`` handed in, so the same seed and today give the same
awards, down to the ledger's chain head; only codes and signatures differ.
"""

from __future__ import annotations

import heapq
import io
import itertools
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from sqlalchemy import func, select, update
from sqlalchemy.engine import Row

from ..auth.models import Account
from ..auth.service import Actor, grant_role, load_actor
from ..awards import lifecycle, managers
from ..awards.committee import recusal
from ..awards.committee import service as committee
from ..awards.cycles import decision, phases
from ..awards.cycles import service as cycles
from ..awards.definitions import service as definitions
from ..awards.models import PHASES, Award, Cycle, Grant, Nomination, ScoreSet
from ..awards.nominations import letters, suggestions
from ..awards.nominations import service as nominations
from ..awards.rules import eligibility_problems
from ..clock import add_years, zone
from ..credits.certificate import SANS, _register_fonts, markup
from ..extensions import db
from ..mentorships.models import Mentorship
from ..outbox import OutboxMessage
from ..people.models import Division, DivisionDirector, Person

MENTORSHIP = {
    "slug": "department-mentorship-award",
    "name": "Department of Medicine Mentorship Award",
    "description": "For sustained, generous mentorship that has shaped colleagues' careers, as the mentoring "
    "ledger, the mentees' own words and their progress show.",
    "level": "department",
    "winners": 1,
    "opens": "02-01",
    "closes": "03-15",
    "review_ends": "04-15",
    "decision": "04-30",
    "announcement": "05-20",
    "eligibility": {"min_years_mentoring": 2, "min_mentees": 3},  # past winners: never again
}
EARLY_CAREER = {
    "slug": "early-career-mentor-award",
    "name": "Early Career Mentor Award",
    "description": "For a faculty member in their first ten years on faculty who already mentors others "
    "with skill and care.",
    "level": "department",
    "winners": 1,
    "opens": "09-01",
    "closes": "10-15",
    "review_ends": "11-15",
    "decision": "11-30",
    "announcement": "12-10",
    "eligibility": {"max_years_on_faculty": 10, "past_winner_exclusion_years": 5},
    "rubric": {
        "low": 1,
        "high": 5,
        "criteria": [
            {
                "id": "engagement",
                "name": "Engagement",
                "weight": 0.35,
                "description": "Regular meetings, confirmed by the mentees, and academic-plan reviews on time.",
            },
            {
                "id": "reach",
                "name": "Reach",
                "weight": 0.2,
                "description": "Mentees and peer-group members supported, early in the nominee's own career.",
            },
            {
                "id": "growth",
                "name": "Mentees' growth",
                "weight": 0.3,
                "description": "What the mentees say and what they went on to do.",
            },
            {
                "id": "learning",
                "name": "Learning to mentor",
                "weight": 0.15,
                "description": "Mentor training, and reflection on the feedback mentees give.",
            },
        ],
    },
}
DIVISION_SCHEDULE = {
    "opens": "04-01",
    "closes": "05-01",
    "review_ends": "05-31",
    "decision": "06-10",
    "announcement": "06-20",
}
# This year's cycles of the two department awards, in days from today.
OPEN_NOW = {"opens_on": -14, "closes_on": 30, "review_ends_on": 60, "decision_on": 70, "announce_on": 80}
IN_REVIEW = {"opens_on": -70, "closes_on": -25, "review_ends_on": 12, "decision_on": 20, "announce_on": 30}
LENIENT, HARSH = 1.2, -1.2  # how far a reviewer's scores sit from the committee's

STATEMENTS = {
    "formal": (
        "{nominee} has been my formal mentor since {since}. We meet every few months, and I leave each "
        "meeting with a clearer plan: which grant to write first, which committee to decline, how to ask for "
        "protected time. When my first paper was rejected, {nominee} read the reviews with me that week and "
        "helped me turn them into a stronger submission. I would not be where I am without this mentorship."
    ),
    "peer_group": (
        "I joined the {group} that {nominee} leads in {year}. Month after month, {nominee} makes it a "
        "place where early-career faculty bring a stalled project or a hard conversation and leave with a "
        "next step. Several of us have since been promoted, and we credit the group and the person who "
        "holds it together."
    ),
    "sponsorship": (
        "{nominee} has sponsored me since {year}: putting my name forward for a hospital committee and "
        "as a speaker, and vouching for me when it counted. Sponsorship costs the sponsor something; "
        "{nominee} gives it generously and without being asked."
    ),
    "informal": (
        "No one assigned {nominee} to me. Since {year} I have sought out {nominee}'s advice on careers, "
        "grants and difficult clinical situations, and it has always been given with time, candour and "
        "care. This is mentoring the department rarely sees, and it deserves to be seen."
    ),
    "director": (
        "As director of {division}, I see how our faculty are mentored. {nominee} mentors more of our new "
        "faculty than almost anyone, and the ledger shows it: regular meetings, confirmed by the mentees, "
        "and academic-plan reviews done on time. The mentees' progress speaks for itself."
    ),
    "colleague": (
        "I have worked alongside {nominee} in {division} for years and have watched colleagues seek "
        "{nominee} out for advice. That mentoring is generous, sustained and mostly invisible; this "
        "nomination is a chance to make it visible."
    ),
}
PHILOSOPHIES = (
    (
        "Mentoring, to me, is about the mentee's goals, not mine. At the first meeting I ask what a good five years "
        "would look like, write it down, and come back to it at every academic-plan review. My job is to open doors, "
        "give honest feedback early, and step back when the mentee is ready to lead."
    ),
    (
        "I meet regularly even when nothing is urgent, because the most useful conversations are often the unplanned "
        "ones. I share my failures as readily as my successes, and I introduce mentees to people who know more than "
        "I do about what they need."
    ),
    (
        "Mentoring can be learned. I took the department's mentor training, I read the feedback my mentees give "
        "through the program, and I change what I do in response. I want every mentee to leave ready to mentor "
        "someone else."
    ),
)
LETTER_TEXT = (
    "I write in strong support of the nomination of {nominee} for the {award} {year}. I have known "
    "{nominee} for several years, first as a mentee and now as a colleague. What stands out is consistency: "
    "meetings that happen, follow-up that arrives, advice that is honest even when it is unwelcome. Many of "
    "the faculty {nominee} has mentored now mentor others, and they speak of that mentorship the way I do."
)
COMMENTS = (
    (4.5, "An exceptional record: regular confirmed meetings, mentees who now mentor, and moving letters."),
    (4.0, "Strong nominee; the evidence table backs up every claim in the statements."),
    (3.4, "Solid, sustained mentoring. Fewer mentees than some, but consistent and well documented."),
    (2.8, "Committed, though the ledger shows fewer meetings in recent years than the statements suggest."),
    (0.0, "A good mentor with a thinner record so far; a stronger nominee in a year or two."),
)
DECLARED = "We co-lead a research program and hold a grant together; I cannot judge this nomination impartially."
REVISED = "Revised after re-reading the supporting letter and the mentees' statements."
OVERRULED = (
    "The ranking placed {name} {place}. At its meeting the committee weighed the mentees' statements and the "
    "letters, which the rubric captures only in part, and chose {name} by consensus; the nominees ranked "
    "above remain eligible and were encouraged to stand again."
)
NOTE = "Decided at the committee's meeting after the review closed."
PLACES = {2: "second", 3: "third", 4: "fourth"}
PHASE_WORDS = {
    "scheduled": "scheduled",
    "open": "open for nominations",
    "closed": "nominations closed",
    "review": "in review",
    "decided": "decided",
}


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


def build(rng: random.Random, today: date, ids: dict[str, int | None]) -> Result:
    """Create the awards and play their timeline up to ``today``; commits as it goes."""
    timeline = Timeline(rng, today, ids)
    timeline.plan_all()
    midnight = datetime.combine(today, time.min)
    timeline.run(midnight)
    lifecycle.advance_all(today, midnight)  # what the scheduler would do today: done, so it finds nothing
    db.session.commit()
    marked = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.created_at < midnight)
        .values(sent_at=OutboxMessage.created_at, attempts=1)
    ).rowcount
    db.session.commit()
    return timeline.result(marked)


class Timeline:
    """The actions to play, in a heap by time, and what the demo needs to choose people."""

    def __init__(self, rng: random.Random, today: date, ids: dict[str, int | None]):
        self.rng, self.today = rng, today
        self.admin, self.login = ids["admin"], ids["award_committee"]
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
        keep_off = {person for role, person in ids.items() if role != "award_committee"} | set(self.director.values())
        self.standing = self._standing(keep_off)

    # Planning ------------------------------------------------------------------------

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
                grant_role(db.session.get(Person, pid), "award_committee")
        return sorted(self.connected + chosen)

    def plan_all(self) -> None:
        created = self._office(date(self.today.year - 4, 11, 16))
        largest = db.session.execute(
            select(Person.division_id, func.count())
            .where(Person.division_id.is_not(None))
            .group_by(Person.division_id)
            .order_by(func.count().desc(), Person.division_id)
            .limit(1)
        ).first()[0]
        division = db.session.get(Division, largest)
        awards = [definitions.create(MENTORSHIP, created), definitions.create(EARLY_CAREER, created)]
        awards.append(
            definitions.create(
                {
                    "slug": f"{division.code.lower()}-mentoring-award",
                    "name": f"{division.name} Mentoring Award",
                    "description": f"{division.name}'s yearly recognition of two of its mentors, chosen by a committee "
                    "from other divisions.",
                    "level": "division",
                    "division_id": division.id,
                    "winners": 2,
                    "division_conflicts": True,
                    "eligibility": {"min_mentees": 2, "past_winner_exclusion_years": 3},
                    **DIVISION_SCHEDULE,
                },
                created,
            )
        )
        db.session.commit()
        for year in range(self.today.year - 3, self.today.year + 1):
            for award in awards:
                dates = dict(zip(cycles.DATE_FIELDS, definitions.dates(award, year).values()))
                custom = year == self.today.year and award.level == "department"
                if custom:
                    offsets = IN_REVIEW if award.slug == MENTORSHIP["slug"] else OPEN_NOW
                    dates = {name: self.today + timedelta(days=days) for name, days in offsets.items()}
                manager = self.admin if award.level == "department" else self.director[award.division_id]
                # A few letters: one in each Mentorship Award cycle and in this year's others.
                letters = int(award.slug == MENTORSHIP["slug"] or year == self.today.year)
                self._plan(Plan(award.id, year, dates, custom, manager, letters=letters))

    def _plan(self, plan: Plan) -> None:
        rng, dates = self.rng, plan.dates
        due = {phase: phases.due_on(Cycle(**dates), phase) for phase in PHASES[1:]}
        created = date(plan.year, 1, 1)
        if plan.custom:  # set up before the year's first scheduler run could make it from the schedule
            created = min(dates["opens_on"], created) - timedelta(days=21)
            self._at(created, self.create, plan)
        else:
            self._job(created)
        for day in due.values():
            self._job(day)
        self._at(
            max(created + timedelta(days=1), dates["opens_on"] - timedelta(days=rng.randint(5, 20))),
            self.choose_committee,
            plan,
        )
        self._at(dates["opens_on"] + timedelta(days=2), self.call_in, plan)
        self._at(due["review"], self.review, plan)
        end, decision = dates["review_ends_on"], dates["decision_on"]
        self._at(end + timedelta(days=1 + rng.randint(0, max(0, (decision - end).days - 2))), self.decide, plan)

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

    # Actions -------------------------------------------------------------------------

    def job(self, when: datetime) -> None:
        lifecycle.advance_all(when.date(), when)

    def create(self, plan: Plan, when: datetime) -> None:
        cycles.create_cycle(db.session.get(Award, plan.award_id), plan.year, when, dates=plan.dates)

    def _actor(self, person_id: int) -> Actor:
        if person_id not in self.actors:
            self.actors[person_id] = load_actor(person_id)
        return self.actors[person_id]

    def _cycle(self, plan: Plan) -> Cycle:
        if plan.cycle_id is None:
            plan.cycle_id = db.session.scalar(
                select(Cycle.id).where(Cycle.award_id == plan.award_id, Cycle.year == plan.year)
            )
        return db.session.get(Cycle, plan.cycle_id)

    def choose_committee(self, plan: Plan, when: datetime) -> None:
        cycle = self._cycle(plan)
        award, rng = cycle.award, self.rng
        # Division awards (division_conflicts) take their reviewers from the other divisions.
        fits = [
            pid
            for pid in self.standing
            if award.level == "department" or self.people[pid].division_id != award.division_id
        ]
        login = self.login is not None and (
            award.level == "department" or self.people[self.login].division_id != award.division_id
        )
        known = [pid for pid in self.connected if pid in fits]
        picks = [rng.choice(known)] if known else []
        rest = [pid for pid in fits if pid not in picks]
        picks += rng.sample(rest, max(0, min(len(rest), rng.choice((4, 4, 4, 5)) - login - len(picks))))
        plan.members = [self.login] * login + picks
        chair = rng.choice(plan.members) if plan.members else None
        manager = self._free_manager(plan, cycle)
        for step, person in enumerate(plan.members):
            committee.add_member(cycle, person, manager, when + timedelta(seconds=20 * step), chair=person == chair)

    def call_in(self, plan: Plan, when: datetime) -> None:
        """The manager reads the suggestions, nominates a few of them, and colleagues
        nominate others over the following weeks."""
        cycle, rng, day = self._cycle(plan), self.rng, when.date()
        if not phases.is_nominating_open(cycle, day):
            return
        barred = {*plan.members, plan.manager}
        found = [s.person for s in suggestions.suggestions(cycle, day, limit=40) if s.person.id not in barred]
        # Only those still eligible when nominations close (an early-career nominee may pass ten years meanwhile).
        rules, closes = definitions.eligibility(cycle.award), cycle.closes_on
        later = nominations.candidates(cycle.award_id, found, closes)
        pool = [p.id for p in found if not eligibility_problems(rules, later[p.id], None, closes)]
        count = min(rng.randint(6, 8), len(pool))
        chosen = sorted(rng.sample(pool[: count + 4], count), key=pool.index)
        circle = set().union(*(self._circle(m) for m in plan.members))
        tied = next((pid for pid in pool if pid in circle), None)
        if tied is not None and tied not in chosen[:2]:  # a nominee the committee knows: conflicts are real
            chosen = [pid for pid in chosen if pid != tied][: max(0, count - 1)]
            chosen.insert(min(len(chosen), rng.randint(0, 1)), tied)
        for rank, nominee in enumerate(chosen):
            plan.merit[nominee] = 4.4 - 1.6 * rank / max(1, len(chosen) - 1) + rng.gauss(0, 0.25)
        suggested = set(rng.sample(chosen, min(len(chosen), rng.randint(1, 3))))
        manager = self._actor(plan.manager)
        for nominee in chosen:
            if nominee in suggested:
                when += timedelta(minutes=rng.randint(2, 9))
                suggestions.nominate_suggestion(cycle, nominee, manager, day, when)
            else:
                self._at(
                    day + timedelta(days=rng.randint(1, max(1, (closes - day).days))), self.nominate, plan, nominee
                )
        if chosen:  # a second voice for one nominee
            self._at(
                day + timedelta(days=rng.randint(1, max(1, (closes - day).days))),
                self.nominate,
                plan,
                rng.choice(chosen),
            )

    def nominate(self, plan: Plan, nominee: int, when: datetime) -> None:
        cycle, rng, day = self._cycle(plan), self.rng, when.date()
        if not phases.is_nominating_open(cycle, day):
            return
        existing = db.session.scalar(
            select(Nomination).where(Nomination.cycle_id == cycle.id, Nomination.nominee_id == nominee)
        )
        taken = set(nominations.nominator_ids(existing.id)) if existing else set()
        nominator, kind, tie = self._nominator(nominee, when, {*plan.members, *taken, nominee})
        person = self.people[nominee]
        if nominator is None:  # the nominee was chosen eligible through the close (call_in)
            return
        text = STATEMENTS[kind].format(
            nominee=person.name,
            division=self.divisions.get(person.division_id, "the department"),
            since=f"{tie.started_on:%B %Y}" if tie else "",
            year=tie.started_on.year if tie else "",
            group=tie.group_name if tie else "",
        )
        nomination = nominations.nominate(cycle, nominee, text, self._actor(nominator), day, when)
        later = day + timedelta(days=rng.randint(1, 6))
        if nomination.philosophy is None and later <= cycle.closes_on and rng.random() < 0.6:
            self._at(later, self.philosophy, plan, nominee)
        if plan.letters and later <= cycle.closes_on:
            plan.letters -= 1
            self._at(later, self.letter, plan, nominee, nominator)

    def _nominator(self, nominee: int, when: datetime, exclude: set[int]) -> tuple[int | None, str, Row | None]:
        """A mentee of the nominee if one can speak for them, else their director or a colleague."""
        ties = [
            t
            for t in self.ties.get(nominee, ())
            if t.started_on <= when.date() and t.mentee_id not in exclude and self.people[t.mentee_id].joined <= when
        ]
        if ties and self.rng.random() < 0.85:
            tie = self.rng.choice(ties)
            return tie.mentee_id, tie.kind, tie
        division = self.people[nominee].division_id
        if self.director.get(division) not in (None, *exclude):
            return self.director[division], "director", None
        colleagues = [
            p.id for p in self.people.values() if p.division_id == division and p.id not in exclude and p.joined <= when
        ]
        return (self.rng.choice(colleagues), "colleague", None) if colleagues else (None, "", None)

    def _nomination(self, plan: Plan, nominee: int) -> Nomination:
        return db.session.scalar(
            select(Nomination)
            .join(Cycle)
            .where(Cycle.award_id == plan.award_id, Cycle.year == plan.year, Nomination.nominee_id == nominee)
        )

    def philosophy(self, plan: Plan, nominee: int, when: datetime) -> None:
        nomination = self._nomination(plan, nominee)
        if nomination.philosophy is None and phases.is_nominating_open(nomination.cycle, when.date()):
            nominations.set_philosophy(
                nomination, self.rng.choice(PHILOSOPHIES), self._actor(nominee), when.date(), when
            )

    def letter(self, plan: Plan, nominee: int, nominator: int, when: datetime) -> None:
        nomination = self._nomination(plan, nominee)
        if not phases.is_nominating_open(nomination.cycle, when.date()):
            return
        others = sorted(self.mentees.get(nominee, set()) - {nominator}) or sorted(self.director.values())
        author = self.people[self.rng.choice(others)]
        cycle = nomination.cycle
        body = LETTER_TEXT.format(nominee=self.people[nominee].name, award=cycle.award.name, year=cycle.year)
        pdf = letter_pdf(f"To the {cycle.award.name} committee,", body, author.name)
        filename = f"letter-{author.email.split('@')[0]}.pdf"
        letters.add_letter(nomination, pdf, filename, author.name, self._actor(nominator), when.date(), when)

    def review(self, plan: Plan, when: datetime) -> None:
        """The review opens: each member's leniency is set, one member declares a conflict
        (once in the demo), and everyone plans when they will score."""
        cycle, rng = self._cycle(plan), self.rng
        listed = list(
            db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id))
        )
        if cycle.phase != "review" or not listed or not plan.members:
            return
        conflicts = recusal.recusal_map(cycle)
        best_first = sorted(listed, key=lambda n: (-plan.merit.get(n.nominee_id, 3.0), n.id))
        others = [m for m in plan.members if m != self.login]
        # The lenient reviewer cannot score the strongest nominee they know: raw means then
        # understate that nominee, and the normalised ones do not.
        lenient = next((m for n in best_first for m in others if (n.id, m) in conflicts), None)
        lenient = lenient if lenient is not None else (rng.choice(others) if others else None)
        harsh = rng.choice([m for m in others if m != lenient] or [None])
        plan.bias = {m: rng.gauss(0, 0.15) for m in plan.members}
        plan.bias.update({m: b for m, b in ((lenient, LENIENT), (harsh, HARSH)) if m is not None})
        if not self.declared and self._past(plan) and plan.year >= self.today.year - 2 and harsh is not None:
            free = [n for n in best_first if (n.id, harsh) not in conflicts]
            if free:
                recusal.declare(free[0], self._actor(harsh), DECLARED, when)
                self.declared = True
        plan.conflicts = set(recusal.recusal_map(cycle))  # the mentoring graph does not change meanwhile
        start, end = phases.review_starts(cycle), cycle.review_ends_on
        for member in plan.members:
            days = self._sessions(member, start, end)
            order = rng.sample([n.id for n in listed], len(listed))
            for index, day in enumerate(days):
                share = order[index * len(order) // len(days) : (index + 1) * len(order) // len(days)]
                self._at(day, self.score, plan, member, share, index == len(days) - 1)

    def _sessions(self, member: int, start: date, end: date) -> list[date]:
        """The days a member sits down to score. The login, in a review running today,
        does part before today and leaves the rest for the person trying the demo."""
        first, span = start + timedelta(days=1), (end - start).days
        if member == self.login and first < self.today < end:
            return [
                first + timedelta(days=self.rng.randint(0, (self.today - first).days - 1)),
                self.today + timedelta(days=self.rng.randint(1, (end - self.today).days)),
            ]
        if span < 1:
            return [end]
        days = self.rng.sample(range(span), min(span, self.rng.randint(1, 3)))
        return [first + timedelta(days=d) for d in sorted(days)]

    def score(self, plan: Plan, member: int, nomination_ids: list[int], last: bool, when: datetime) -> None:
        cycle, rng, day = self._cycle(plan), self.rng, when.date()
        if not phases.is_scoring_open(cycle, day):
            return
        actor, text = self._actor(member), definitions.rubric_text(cycle)  # the rubric the cycle is scored on
        for nomination_id in nomination_ids:
            if (nomination_id, member) in plan.conflicts:
                continue
            nomination = db.session.get(Nomination, nomination_id)
            level = plan.merit.get(nomination.nominee_id, 3.0) + plan.bias.get(member, 0.0)
            values = {c.id: max(text.low, min(text.high, round(level + rng.gauss(0, 0.5)))) for c in text.criteria}
            mean = sum(values.values()) / len(values)
            comment = next(words for floor, words in COMMENTS if mean >= floor)
            committee.score(nomination, actor, values, comment, day, when)
            when += timedelta(minutes=rng.randint(3, 8))
        if last and not self.revised and self._past(plan) and member != self.login:
            first = db.session.scalar(
                select(ScoreSet)
                .join(Nomination)
                .where(Nomination.cycle_id == cycle.id, ScoreSet.member_id == member)
                .order_by(ScoreSet.id)
                .limit(1)
            )
            if first is not None:
                values = json.loads(first.scores)
                criterion = text.criteria[0].id
                values[criterion] += 1 if values[criterion] < text.high else -1
                committee.score(db.session.get(Nomination, first.nomination_id), actor, values, REVISED, day, when)
                self.revised = True

    def decide(self, plan: Plan, when: datetime) -> None:
        """Winners in ranking order; once in the demo (a cycle of the last two years) the
        committee chooses the next-ranked nominee instead, and says why."""
        cycle, day = self._cycle(plan), when.date()
        if cycle.phase != "review" or day <= cycle.review_ends_on:
            return
        ranked = [r for r in committee.ranking_rows(cycle) if r.row.reviews]
        places = cycle.award.winners
        if not ranked:
            return
        winners = [r.nomination.id for r in ranked[:places]]
        reasons = {}
        if not self.overruled and self._past(plan) and plan.year >= self.today.year - 2 and len(ranked) > places:
            chosen = ranked[places]
            winners[-1] = chosen.nomination.id
            reasons[str(chosen.nomination.id)] = OVERRULED.format(
                name=chosen.nomination.nominee.name,
                place=PLACES.get(chosen.row.position, f"number {chosen.row.position}"),
            )
            self.overruled = True
        decision.decide(cycle, winners, reasons, NOTE, self._free_manager(plan, cycle), day, when)

    def _free_manager(self, plan: Plan, cycle: Cycle) -> Actor:
        """The cycle's manager, or the administrator when that manager has a conflict of
        interest with a nominee (a division director tied to one through the mentoring graph)."""
        if managers.conflicts_of(cycle, plan.manager):
            return self._actor(self.admin)
        return self._actor(plan.manager)

    def _past(self, plan: Plan) -> bool:
        return plan.dates["announce_on"] < self.today

    def _circle(self, person: int) -> set[int]:
        """Everyone the mentoring graph ties to ``person``: their mentors and mentees, their
        mentees' other mentors and their mentors' other mentees (committee.py's conflicts)."""
        mentees, mentors = self.mentees.get(person, set()), self.mentors.get(person, set())
        circle = mentees | mentors
        for mentee in mentees:
            circle |= self.mentors[mentee]
        for mentor in mentors:
            circle |= self.mentees[mentor]
        return circle - {person}

    def result(self, marked: int) -> Result:
        announced = db.session.scalar(select(func.count()).select_from(Cycle).where(Cycle.phase == "announced"))
        grants = db.session.scalar(select(func.count()).select_from(Grant))
        running = [
            f"{c.award.name} {c.year} ({PHASE_WORDS[c.phase]})"
            for c in db.session.scalars(
                select(Cycle).where(Cycle.phase != "announced").order_by(Cycle.year, Cycle.award_id)
            )
        ]
        return Result(announced, grants, tuple(running), marked)


def letter_pdf(greeting: str, body: str, author: str) -> bytes:
    """A one-page supporting letter, in the certificate's fonts (names in any script)."""
    _register_fonts()
    style = ParagraphStyle("letter", fontName=SANS, fontSize=11, leading=16)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1, title="Letter of support", author=author)
    doc.build(
        [
            Paragraph(markup(greeting, SANS), style),
            Spacer(1, 10),
            Paragraph(markup(body, SANS), style),
            Spacer(1, 18),
            Paragraph(markup(f"Sincerely,\n{author}", SANS).replace("\n", "<br/>"), style),
        ]
    )
    return buffer.getvalue()
