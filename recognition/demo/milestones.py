"""The demo department's recorded milestones, and (from profiles.py) the profiles a few
people keep.

Milestones follow each person's record: an appointment for everyone with an appointment
date (imported); a CFAR about three years on for those appointed more than three years
ago (most passed; a few assistant professors extended, some of them re-reviewed and
passed since); the promotions that lead to their current rank, after the CFAR; grants
(mostly clinician scientists and investigators), a few external awards and leadership
roles. What happened before the department started using the app was imported in one
batch on its second day; later milestones were entered by the division's director soon
after, or reported by the person themself (most confirmed by their director, a handful,
the demo mentee's among them, still waiting). One grant was withdrawn (entered for the
wrong person) and one promotion corrected (its entry reversed, and a new milestone
naming the one it corrects), as the milestones service does them.

Each milestone is a ledger ``Event`` of kind ``milestone`` whose note is its fingerprint,
chained with the rest of the history (history.chain); its row points to the entry. Pure:
the same rng, department and mentorships give the same milestones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..clock import add_months, add_years
from ..milestones.rules import fingerprint
from . import profiles
from .department import Department, Member
from .history import Event
from .relationships import Tie

CFAR_YEARS, EXTENSION_YEARS = 3, 2
CHECK_IN_MONTHS = 18
CHECK_IN_HELD = 0.85  # the rest are overdue: the program dashboard lists them
CHECK_IN_BY = "Vice-Chair, Faculty Affairs"
RECENT_YEARS = 8  # grants, awards and leadership roles reach back this far
AGENCIES = (
    ("Canadian Institutes of Health Research (CIHR)", 40),
    ("National Institutes of Health (NIH)", 10),
    ("Heart and Stroke Foundation of Canada", 15),
    ("Department of Medicine Research Fund", 35),
)
GRANT_TITLES = (
    "A pragmatic randomized trial of team-based follow-up after hospital discharge",
    "Frailty and outcomes of older adults admitted to general medicine",
    "Machine-learning early warning of clinical deterioration on the wards",
    "Deprescribing in long-term care: a stepped-wedge cluster trial",
    "Sex differences in the diagnosis of acute coronary syndromes",
    "Virtual follow-up clinics for chronic kidney disease",
    "Inflammation and cognitive decline after critical illness",
    "A national registry of rare autoimmune disease",
    "Social determinants of readmission in heart failure",
    "Point-of-care ultrasound training for internal medicine residents",
    "Antimicrobial stewardship in community hospitals",
    "Biomarkers of response to immunotherapy in lung cancer",
    "Equity in access to home dialysis",
    "Remote monitoring of blood pressure after pregnancy",
    "Coaching for resident well-being: a randomized trial",
)
GRANT_ROLES = (("principal investigator", 45), ("co-principal investigator", 15), ("co-investigator", 40))
EXTERNAL_AWARDS = (
    ("Excellence in Teaching Award", "Canadian Society of Internal Medicine"),
    ("Young Investigator Award", "Canadian Cardiovascular Society"),
    ("Clinician Educator Award", "Royal College of Physicians and Surgeons of Canada"),
    ("Award for Excellence in Mentorship", "Canadian Association for Medical Education"),
    ("New Investigator Salary Award", "Canadian Institutes of Health Research (CIHR)"),
)
LEADERSHIP = (
    ("Program Director, Core Internal Medicine Residency", "Postgraduate Medical Education"),
    ("Chair, Division Education Committee", "Department of Medicine"),
    ("Associate Chair, Quality and Innovation", "Department of Medicine"),
    ("Director, Clinician Scientist Training Program", "Faculty of Medicine"),
    ("Medical Director, Ambulatory Clinics", "Academic Health Sciences Centre"),
    ("Member, Board of Directors", "Canadian Society of Internal Medicine"),
)
SELF_REPORTED_SHARE = 0.08
PENDING = 4  # self-reported milestones still waiting for confirmation on the demo's today


@dataclass(eq=False)
class Planned:
    """A milestone before it is stored: its fields (``rules.FINGERPRINTED`` and the rest of
    the row but the ids) and the ledger event that records it."""

    fields: dict
    event: Event
    corrects: Planned | None = None
    id: int = 0

    def row(self) -> dict:
        return {**self.fields, "id": self.id, "ledger_entry_id": self.event.id, "recorded_at": self.event.recorded_at}


@dataclass
class Plan:
    milestones: list[Planned] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # every ledger event: milestones, confirmations, reversals
    profiles: list[dict] = field(default_factory=list)

    def line(self) -> str:
        reversed_ = sum(1 for e in self.events if e.entry_type == "reversal")
        confirmed = sum(1 for e in self.events if e.entry_type == "confirmation")
        waiting = sum(1 for m in self.milestones if m.fields["source"] == "self_reported") - confirmed
        return (
            f"{len(self.milestones)} career milestones ({reversed_} withdrawn or corrected, {waiting} self-reported "
            f"awaiting confirmation), {len(self.profiles)} personal profiles"
        )


def build(
    rng: random.Random, dept: Department, ties: list[Tie], featured: tuple[int, int] | None, first_order: int
) -> Plan:
    """The plan; ``first_order`` is the next free ``Event.order`` of the history, so the
    chain orders these events after the others recorded at the same moment."""
    planner = _Planner(rng, dept, featured, first_order)
    for member in dept.faculty:
        planner.career(member)
    planner.self_reported()
    planner.withdrawal()
    planner.correction()
    plan = planner.finish()
    plan.profiles = profiles.build(rng, dept, ties, featured)
    return plan


class _Planner:
    def __init__(self, rng: random.Random, dept: Department, featured: tuple[int, int] | None, first_order: int):
        self.rng, self.dept, self.featured = rng, dept, featured
        self.window_start = dept.system_start.date()
        self.import_at = dept.system_start + timedelta(days=1, hours=2)
        self.last_day = dept.today - timedelta(days=1)
        self.cutoff = datetime.combine(dept.today, time.min) - timedelta(minutes=5)
        self.order = first_order
        self.planned: list[Planned] = []
        self.events: list[Event] = []
        self.imported = 0

    # One person's career -----------------------------------------------------------

    def career(self, member: Member) -> None:
        appointed = member.appointed_on
        if appointed is None:
            return
        self.add(member, "appointment", appointed, rank="assistant", source="imported")
        self.check_in(member)
        cfar_passed = self.cfar(member)
        self.promotions(member, cfar_passed)
        self.grants(member)
        self.honours(member)

    def check_in(self, member: Member) -> None:
        """The 1.5-year check-in of someone appointed in the last eight years, held a few
        weeks either side of its date, or (for some) not yet recorded. Drawn from a
        generator of its own, so the rest of the demo is the same with it or without."""
        due = add_months(member.appointed, CHECK_IN_MONTHS)
        if due < add_years(self.last_day, -RECENT_YEARS) or due > self.last_day - timedelta(days=10):
            return
        main, self.rng = self.rng, random.Random(f"check-in {member.id}")
        try:
            if self.rng.random() < CHECK_IN_HELD:
                day = _weekday(due + timedelta(days=self.rng.randint(-20, 45)))
                self.add(member, "check_in", min(day, self.last_day), role=CHECK_IN_BY)
        finally:
            self.rng = main

    def cfar(self, member: Member) -> date | None:
        """The CFAR, and the day it was (finally) passed, if it was."""
        rng = self.rng
        day = _weekday(add_years(member.appointed, CFAR_YEARS) + timedelta(days=rng.randint(-45, 20)))
        if member.rank != "assistant":  # promoted since, so the CFAR was held (early, if need be)
            day = min(day, _weekday(self.last_day - timedelta(days=90)))
        if day > self.last_day - timedelta(days=10):
            return None  # still due
        # Extensions only among today's assistant professors: an extension delays promotion.
        if member.rank == "assistant" and rng.random() < 0.15:
            self.add(member, "cfar", day, outcome="extended")
            again = _weekday(add_years(day, EXTENSION_YEARS) + timedelta(days=rng.randint(-30, 10)))
            if again <= self.last_day - timedelta(days=10) and rng.random() < 0.8:
                self.add(member, "cfar", again, outcome="passed")
                return again
            return None
        self.add(member, "cfar", day, outcome="passed")
        return day

    def promotions(self, member: Member, cfar_passed: date | None) -> None:
        if member.rank not in ("associate", "full"):
            return
        rng = self.rng
        appointed, latest = member.appointed, self.last_day - timedelta(days=30)
        earliest = min(
            max(add_years(appointed, CFAR_YEARS), (cfar_passed or appointed) + timedelta(days=180)),
            latest - timedelta(days=30),
        )
        span = (latest - earliest).days
        if member.rank == "associate":
            associate = earliest + timedelta(days=_within(rng, span, 365, 4 * 365))
            self.add(member, "promotion", _weekday(associate), rank="associate")
            return
        # A full professor: associate first, full at least four years later.
        associate = earliest + timedelta(days=_within(rng, max(span - 4 * 365, 0), 365, 4 * 365))
        full_from = add_years(associate, 4)
        full = full_from + timedelta(days=_within(rng, (latest - full_from).days, 365, 6 * 365))
        self.add(member, "promotion", _weekday(associate), rank="associate")
        self.add(member, "promotion", _weekday(min(full, latest)), rank="full")

    def grants(self, member: Member) -> None:
        rng = self.rng
        counts = {"clinician_scientist": (0, 1, 2, 2, 3), "clinician_investigator": (0, 0, 1, 1, 2)}
        count = rng.choice(counts.get(member.position, (0,) * 9 + (1,)))
        start = max(member.appointed + timedelta(days=180), add_years(self.last_day, -RECENT_YEARS))
        for _ in range(count):
            if start > self.last_day:
                return
            day = self._day_between(start)
            agency = _weighted(rng, AGENCIES) if member.position in counts else AGENCIES[3][0]
            self.add(
                member,
                "grant",
                day,
                title=rng.choice(GRANT_TITLES),
                agency=agency,
                role=_weighted(rng, GRANT_ROLES),
                year=day.year,
            )

    def honours(self, member: Member) -> None:
        rng = self.rng
        start = max(add_years(member.appointed, 2), add_years(self.last_day, -RECENT_YEARS))
        if start > self.last_day:
            return
        if rng.random() < 0.05:
            title, body = rng.choice(EXTERNAL_AWARDS)
            self.add(member, "external_award", self._day_between(start), title=title, agency=body)
        if member.rank in ("associate", "full") and rng.random() < 0.07:
            title, body = rng.choice(LEADERSHIP)
            self.add(member, "leadership", self._day_between(start), title=title, agency=body)

    def _day_between(self, start: date) -> date:
        return min(_weekday(start + timedelta(days=self.rng.randint(0, (self.last_day - start).days))), self.last_day)

    # Recording -----------------------------------------------------------------------

    def add(
        self,
        member: Member,
        kind: str,
        day: date,
        *,
        outcome=None,
        rank=None,
        title=None,
        agency=None,
        role=None,
        year=None,
        source: str | None = None,
    ) -> Planned | None:
        """A milestone as it was recorded: imported when it happened before the app (or is
        an appointment), otherwise entered by the division's director soon after."""
        rng = self.rng
        if source == "imported" or day < self.window_start:
            source = "imported"
            self.imported += 1
            # On the roster's import, or (for someone who joined later) on their first day.
            at = max(self.import_at, member.created + timedelta(hours=2), datetime.combine(day, time(9))) + timedelta(
                microseconds=self.imported
            )
            recorder = self.dept.admin.id
        else:
            source = "entered"
            at = datetime.combine(day + timedelta(days=rng.randint(1, 21)), time(8)) + timedelta(
                seconds=rng.randrange(9 * 3600), microseconds=rng.randrange(10**6)
            )
            recorder = self._confirmer(member)
        if at >= self.cutoff:
            return None  # not recorded yet
        fields = {
            "person_id": member.id,
            "kind": kind,
            "occurred_on": day,
            "outcome": outcome,
            "rank": rank,
            "title": title,
            "agency": agency,
            "role": role,
            "year": year,
            "note": "",
            "source": source,
            "corrects_id": None,
            "recorded_by_id": recorder,
        }
        event = self._event(Event("contribution", "milestone", None, member.id, day, 0, "", recorder, at))
        planned = Planned(fields, event)
        self.planned.append(planned)
        return planned

    def _confirmer(self, member: Member) -> int:
        """Who enters or confirms a person's milestone: their division's director, or the
        administrator for a director's own."""
        director = self.dept.directors.get(member.division)
        return director if director not in (None, member.id) else self.dept.admin.id

    def _event(self, event: Event) -> Event:
        event.order = self.order
        self.order += 1
        self.events.append(event)
        return event

    def _follow(self, planned: Planned, entry_type: str, by: int, at: datetime, reason: str | None = None) -> Event:
        target = planned.event
        return self._event(
            Event(
                entry_type,
                None,
                None,
                target.person_id,
                target.occurred_on,
                0,
                "",
                by,
                at,
                target=target,
                reason=reason,
            )
        )

    # A few stories -----------------------------------------------------------------

    def self_reported(self) -> None:
        """Some entered milestones were in fact reported by the person; most were confirmed
        by their director within days, the latest few are waiting (the demo mentee's too)."""
        rng = self.rng
        members = {m.id: m for m in self.dept.faculty}
        candidates = [
            p
            for p in self.planned
            if p.fields["source"] == "entered"
            and p.fields["kind"] in ("grant", "external_award", "leadership", "promotion")
        ]
        reported = [p for p in candidates if rng.random() < SELF_REPORTED_SHARE]
        if self.featured is not None:
            mentee = members[self.featured[1]]
            day = _weekday(self.last_day - timedelta(days=rng.randint(15, 40)))
            grant = self.add(
                mentee,
                "grant",
                day,
                title="Feasibility of a peer-coaching program for new faculty",
                agency="Department of Medicine Research Fund",
                role="principal investigator",
                year=day.year,
            )
            if grant is not None:
                reported.append(grant)
        recent = sorted(reported, key=lambda p: p.event.recorded_at)[-PENDING:]
        for planned in reported:
            person = planned.fields["person_id"]
            planned.fields.update(source="self_reported", recorded_by_id=person)
            planned.event.recorded_by_id = person
            if planned in recent:
                continue
            at = planned.event.recorded_at + timedelta(days=rng.randint(1, 20), seconds=rng.randrange(8 * 3600))
            if at < self.cutoff:
                self._follow(planned, "confirmation", self._confirmer(members[person]), at)

    def _story_candidate(self, kind: str) -> Planned | None:
        skip = set(self.featured or ())
        found = [
            p
            for p in self.planned
            if p.fields["source"] == "entered"
            and p.fields["kind"] == kind
            and p.fields["person_id"] not in skip
            and p.event.recorded_at < self.cutoff - timedelta(days=60)
        ]
        return self.rng.choice(found) if found else None

    def withdrawal(self) -> None:
        planned = self._story_candidate("grant")
        if planned is not None:
            at = planned.event.recorded_at + timedelta(days=self.rng.randint(2, 10))
            self._follow(
                planned,
                "reversal",
                planned.event.recorded_by_id,
                at,
                "Entered for the wrong person: the grant is a colleague's in the same division.",
            )

    def correction(self) -> None:
        """A promotion first entered with the wrong date, corrected: the old entry reversed
        and a new milestone naming the one it corrects, as the service records them."""
        right = self._story_candidate("promotion")
        if right is None:
            return
        wrong_day = _weekday(right.fields["occurred_on"] - timedelta(days=31))
        wrong = Planned(
            {**right.fields, "occurred_on": wrong_day},
            self._event(
                Event(
                    "contribution",
                    "milestone",
                    None,
                    right.event.person_id,
                    wrong_day,
                    0,
                    "",
                    right.event.recorded_by_id,
                    right.event.recorded_at,
                )
            ),
        )
        self.planned.append(wrong)
        noticed = wrong.event.recorded_at + timedelta(days=self.rng.randint(3, 30))
        reversal = self._follow(
            wrong,
            "reversal",
            wrong.event.recorded_by_id,
            noticed,
            f"Wrong date: the promotion took effect on {right.fields['occurred_on'].isoformat()}.",
        )
        right.event.recorded_at = reversal.recorded_at + timedelta(minutes=2)
        right.event.order = self.order
        self.order += 1
        right.corrects = wrong

    def finish(self) -> Plan:
        """Ids in the order the chain will store the entries, then each fingerprint (a
        correction's names the id of the milestone it corrects)."""
        ordered = sorted(self.planned, key=lambda p: (p.event.recorded_at, p.event.order))
        for number, planned in enumerate(ordered, start=1):
            planned.id = number
        for planned in ordered:
            if planned.corrects is not None:
                planned.fields["corrects_id"] = planned.corrects.id
            planned.event.note = fingerprint(planned.fields)
        return Plan(ordered, self.events)


def _weekday(day: date) -> date:
    return day - timedelta(days=1) if day.weekday() == 5 else day + timedelta(days=1) if day.weekday() == 6 else day


def _within(rng: random.Random, span: int, low: int, high: int) -> int:
    """A number of days in [low, high], squeezed into [0, span] when the span is shorter."""
    if span <= 0:
        return 0
    return rng.randint(min(low, span), min(high, span))


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]
