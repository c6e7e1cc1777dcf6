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

import json
import random
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult, Row

from ..awards import lifecycle
from ..awards.committee import recusal
from ..awards.committee import service as committee
from ..awards.cycles import decision, phases
from ..awards.cycles import service as cycles
from ..awards.definitions import service as definitions
from ..awards.models import PHASES, Award, Cycle, Nomination, ScoreSet
from ..awards.nominations import letters, suggestions
from ..awards.nominations import service as nominations
from ..awards.rules import eligibility_problems
from ..extensions import db
from ..outbox import OutboxMessage
from ..people.models import Division, Person
from .award_texts import (
    COMMENTS,
    DECLARED,
    DIVISION_SCHEDULE,
    EARLY_CAREER,
    HARSH,
    IN_REVIEW,
    LENIENT,
    LETTER_TEXT,
    MENTORSHIP,
    NOTE,
    OPEN_NOW,
    OVERRULED,
    PHILOSOPHIES,
    PLACES,
    REVISED,
    STATEMENTS,
    letter_pdf,
)
from .award_timeline import Plan, Result, Timeline


def build(rng: random.Random, today: date, ids: dict[str, int | None]) -> Result:
    """Create the awards and play their timeline up to ``today``; commits as it goes."""
    timeline = AwardTimeline(rng, today, ids)
    timeline.plan_all()
    midnight = datetime.combine(today, time.min)
    timeline.run(midnight)
    lifecycle.advance_all(today, midnight)  # what the scheduler would do today: done, so it finds nothing
    db.session.commit()
    # An UPDATE answers with a CursorResult (its rowcount), which Session.execute's annotation does not say.
    marked = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.created_at < midnight)
            .values(sent_at=OutboxMessage.created_at, attempts=1)
        ),
    ).rowcount
    db.session.commit()
    return timeline.result(marked)


class AwardTimeline(Timeline):
    """What the people and the scheduler do on the timeline: create cycles, choose
    committees, call for and make nominations, write philosophies and letters, review,
    score and decide."""

    def plan_all(self) -> None:
        created = self._office(date(self.today.year - 4, 11, 16))
        largest = db.session.execute(
            select(Person.division_id, func.count())
            .where(Person.division_id.is_not(None))
            .group_by(Person.division_id)
            .order_by(func.count().desc(), Person.division_id)
            .limit(1)
        ).one()[0]
        division = db.session.get_one(Division, largest)
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
                manager = self.admin if award.division_id is None else self.director[award.division_id]
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

    def create(self, plan: Plan, when: datetime) -> None:
        cycles.create_cycle(db.session.get_one(Award, plan.award_id), plan.year, when, dates=plan.dates)

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
        plan.members = ([self.login] if self.login is not None and login else []) + picks
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
        return db.session.scalars(
            select(Nomination)
            .join(Cycle)
            .where(Cycle.award_id == plan.award_id, Cycle.year == plan.year, Nomination.nominee_id == nominee)
        ).one()

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
            nomination = db.session.get_one(Nomination, nomination_id)
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
                committee.score(db.session.get_one(Nomination, first.nomination_id), actor, values, REVISED, day, when)
                self.revised = True

    def decide(self, plan: Plan, when: datetime) -> None:
        """Winners in ranking order; once in the demo (a cycle of the last two years) the
        committee chooses the next-ranked nominee instead, and says why."""
        cycle, day = self._cycle(plan), when.date()
        if cycle.phase != "review" or day <= cycle.review_ends_on:
            return
        ranked = [
            r for r in committee.ranking_rows(cycle) if r.row is not None and r.row.reviews
        ]  # no reader: none hidden
        places = cycle.award.winners
        if not ranked:
            return
        winners = [r.nomination.id for r in ranked[:places]]
        reasons = {}
        if not self.overruled and self._past(plan) and plan.year >= self.today.year - 2 and len(ranked) > places:
            chosen = ranked[places]
            assert chosen.row is not None
            winners[-1] = chosen.nomination.id
            reasons[str(chosen.nomination.id)] = OVERRULED.format(
                name=chosen.nomination.nominee.name,
                place=PLACES.get(chosen.row.position or 0, f"number {chosen.row.position}"),  # unranked: no ordinal
            )
            self.overruled = True
        decision.decide(cycle, winners, reasons, NOTE, self._free_manager(plan, cycle), day, when)
