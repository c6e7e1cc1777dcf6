"""An award cycle for tests, built through the services on top of ``Department``.

    world = AwardWorld.build(dept)          # inside an app context
    world.to("review")                      # drive the cycle by its own job, on its dates

The award: department level, 2026 schedule 02-01 open, 03-15 close, 04-15 review end,
04-30 decision, 05-15 announcement; no eligibility rules beyond no self-nomination. The
committee: ``award_committee`` (no ties to anyone), ``other_mentor`` (mentor of
``other_mentee``, so recused from them) and ``director``. Nominations, made while open:
``mentor`` nominated by ``promotion_committee``; ``other_mentee`` nominated by ``outsider``; ``other_director``
nominated by ``mentee``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from recognition.auth.service import load_actor
from recognition.awards import lifecycle
from recognition.awards.committee import recusal
from recognition.awards.committee import service as committee
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Award, Cycle
from recognition.awards.nominations import service as nominations
from recognition.extensions import db

from .department import Department

YEAR = 2026
SCHEDULE = {"opens": "02-01", "closes": "03-15", "review_ends": "04-15", "decision": "04-30", "announcement": "05-15"}
DAYS = {
    "scheduled": date(YEAR, 1, 5),
    "open": date(YEAR, 2, 1),
    "closed": date(YEAR, 3, 16),
    "review": date(YEAR, 3, 19),  # closes + 1 + AWARD_REVIEW_GAP_DAYS (3)
    "decided": date(YEAR, 4, 30),
    "announced": date(YEAR, 5, 15),
}
MEMBERS = ("award_committee", "other_mentor", "director")
# The administrator nominates no one: a manager who nominated someone has a conflict of
# interest and leaves the cycle's committee, dates and decision to another manager.
NOMINATIONS = (("mentor", "promotion_committee"), ("other_mentee", "outsider"), ("other_director", "mentee"))


def at(day: date) -> datetime:
    return datetime.combine(day, time(12))


def actor(dept: Department, role: str):
    return load_actor(dept.ids[role])


@dataclass
class AwardWorld:
    dept: Department
    award_id: int = 0
    cycle_id: int = 0
    nomination_ids: dict[str, int] = field(default_factory=dict)  # nominee role -> nomination id

    @classmethod
    def build(cls, dept: Department, nominate: bool = True, **settings) -> AwardWorld:
        world = cls(dept)
        award = definitions.create(
            {
                "slug": "mentor-of-the-year",
                "name": "Mentor of the Year",
                "description": "For sustained, generous mentorship.",
                **SCHEDULE,
                **settings,
            },
            at(DAYS["scheduled"]),
        )
        world.award_id = award.id
        cycles.ensure_cycles(DAYS["scheduled"], at(DAYS["scheduled"]))
        world.cycle_id = db.session.scalar(db.select(Cycle.id).where(Cycle.award_id == award.id))
        db.session.commit()
        for role in MEMBERS:
            committee.add_member(world.cycle, dept.ids[role], actor(dept, "admin"), at(DAYS["scheduled"]))
        db.session.commit()
        if nominate:
            world.to("open")
            for nominee, nominator in NOMINATIONS:
                nomination = nominations.nominate(
                    world.cycle,
                    dept.ids[nominee],
                    f"{nominee} mentors well.",
                    actor(dept, nominator),
                    DAYS["open"],
                    at(DAYS["open"]),
                )
                world.nomination_ids[nominee] = nomination.id
            db.session.commit()
        return world

    @property
    def award(self) -> Award:
        return db.session.get(Award, self.award_id)

    @property
    def cycle(self) -> Cycle:
        cycle = db.session.get(Cycle, self.cycle_id)
        db.session.refresh(cycle)
        return cycle

    def to(self, phase: str) -> Cycle:
        """Run the cycle job on the day the schedule moves the cycle into ``phase``."""
        day = DAYS[phase]
        lifecycle.advance_all(day, at(day))
        db.session.commit()
        cycle = self.cycle
        assert cycle.phase == phase, (cycle.phase, phase)
        return cycle

    def score_all(self, scores: dict[str, dict[str, int]] | None = None) -> None:
        """Every unrecused member scores every nomination (``scores``: nominee role -> values)."""
        text = definitions.rubric_text(self.award)
        day = DAYS["review"]
        for role in MEMBERS:
            for nominee, nomination_id in self.nomination_ids.items():
                nomination = db.session.get(nominations.Nomination, nomination_id)
                if recusal.recused(nomination, self.dept.ids[role]):
                    continue
                values = (scores or {}).get(nominee) or {c.id: text.high for c in text.criteria}
                committee.score(nomination, actor(self.dept, role), values, f"{role} on {nominee}", day, at(day))
        db.session.commit()
