"""The demo department's people: divisions, faculty, directors, supervisors.

Pure: plain data in, plain data out, every choice drawn from the ``rng`` handed in, so
the same seed and the same ``today`` build the same department.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..clock import add_years
from . import names

# (code, name, relative size). Shaped on the University of Toronto Department of
# Medicine, where Haematology & Oncology is split into Hematology and Medical Oncology.
DIVISIONS: tuple[tuple[str, str, float], ...] = (
    ("CARD", "Cardiology", 10),
    ("CIA", "Clinical Immunology & Allergy", 2),
    ("CPT", "Clinical Pharmacology & Toxicology", 1.5),
    ("CCM", "Critical Care Medicine", 5),
    ("DERM", "Dermatology", 4),
    ("EM", "Emergency Medicine", 8),
    ("ENDO", "Endocrinology & Metabolism", 5),
    ("GIH", "Gastroenterology & Hepatology", 7),
    ("GIM", "General Internal Medicine", 14),
    ("GERI", "Geriatric Medicine", 4),
    ("HEME", "Hematology", 6),
    ("MONC", "Medical Oncology", 7),
    ("ID", "Infectious Diseases", 5),
    ("NEPH", "Nephrology", 6),
    ("NEUR", "Neurology", 9),
    ("OCCM", "Occupational Medicine", 1.5),
    ("PALL", "Palliative Medicine", 4),
    ("PMR", "Physical Medicine & Rehabilitation", 3),
    ("RESP", "Respirology", 6),
    ("RHEU", "Rheumatology", 4),
)
FEATURED_DIVISION = "GIM"

POSITIONS = (
    ("clinician_teacher", 36),
    ("clinician_educator", 14),
    ("clinician_investigator", 19),
    ("clinician_scientist", 19),
    ("clinician_quality_innovation", 12),
)
RANK_SHARES = (("assistant", 0.40), ("associate", 0.35), ("full", 0.25))
COHORTS = 35  # appointment years reach back this far
COHORT_DECAY = 0.96  # more recent hires: older cohorts have thinned by retirement and moves
SENIOR_YEARS = 8  # a formal mentor has been on faculty at least this long
DIRECTOR_YEARS = 12
DOMAIN = "demo.example.org"
ADMIN_EMAIL = f"admin@{DOMAIN}"


@dataclass
class Member:
    """A person of the demo, before it is stored."""

    id: int
    name: str
    email: str
    presents: str  # "f" or "m": which given-name list the name came from
    group: str
    division_id: int | None
    rank: str
    position: str
    appointed_on: date | None
    trained_here: bool = False
    supervisor_id: int | None = None
    gender: str | None = None
    race: str | None = None
    created_at: datetime | None = None
    # How readily this person takes on mentees (0 = never); not stored.
    appetite: float = 1.0

    @property
    def appointed(self) -> date:
        """The appointment date, which every faculty member has (the administrator has none)."""
        if self.appointed_on is None:
            raise ValueError(f"{self.name} has no appointment date")
        return self.appointed_on

    @property
    def division(self) -> int:
        """The division id, which every faculty member has once divisions are assigned."""
        if self.division_id is None:
            raise ValueError(f"{self.name} has no division")
        return self.division_id

    @property
    def created(self) -> datetime:
        """When the account was made, which ``build`` sets for everyone."""
        if self.created_at is None:
            raise ValueError(f"{self.name} has no account yet")
        return self.created_at

    def years_on(self, day: date) -> float:
        return (day - self.appointed_on).days / 365.25 if self.appointed_on else 0.0

    def row(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "division_id": self.division_id,
            "rank": self.rank,
            "position": self.position,
            "appointed_on": self.appointed_on,
            "trained_here": self.trained_here,
            "supervisor_id": self.supervisor_id,
            "gender": self.gender,
            "race": self.race,
            "created_at": self.created_at,
        }


@dataclass
class Department:
    today: date
    system_start: datetime  # when the department started using the app (and its ledger)
    admin: Member
    divisions: list[dict] = field(default_factory=list)  # {"id", "code", "name"}
    faculty: list[Member] = field(default_factory=list)
    directors: dict[int, int] = field(default_factory=dict)  # division id -> person id
    by_id: dict[int, Member] = field(default_factory=dict)

    @property
    def people(self) -> list[Member]:
        return [self.admin, *self.faculty]

    def division_id(self, code: str) -> int:
        return next(d["id"] for d in self.divisions if d["code"] == code)


def build(rng: random.Random, today: date, scale: float = 1.0) -> Department:
    window_start = add_years(today, -5)
    system_start = datetime.combine(window_start, time(8, 0))
    count = max(60, round(rng.randint(880, 920) * scale))
    namer = _Namer(rng)

    admin = Member(
        id=1,
        name="",
        email=ADMIN_EMAIL,
        presents="f",
        group="",
        division_id=None,
        rank="lecturer",
        position="other",
        appointed_on=None,
        appetite=0,
    )
    admin.name = namer.name(admin, register=False)
    admin.created_at = system_start
    dept = Department(today=today, system_start=system_start, admin=admin)
    dept.divisions = [{"id": i, "code": c, "name": n} for i, (c, n, _) in enumerate(DIVISIONS, 1)]

    appointed = sorted(_appointment(rng, today) for _ in range(count))
    faculty = [
        Member(
            id=index,
            name="",
            email="",
            presents="",
            group="",
            division_id=None,
            rank="assistant",
            position=_weighted(rng, POSITIONS),
            appointed_on=day,
        )
        for index, day in enumerate(appointed, start=2)
    ]
    _assign_ranks(rng, faculty, today)
    _assign_divisions(rng, dept, faculty)
    showcase = dict(zip(rng.sample(range(len(faculty)), len(names.SHOWCASE)), names.SHOWCASE))
    for index, member in enumerate(faculty):
        # Older cohorts were hired when fewer women were; recent ones are about even.
        years = member.years_on(today)
        member.presents = "f" if rng.random() < (0.52 if years < 10 else 0.42 if years < 20 else 0.3) else "m"
        member.name = namer.showcase(member, showcase[index]) if index in showcase else namer.name(member)
        member.trained_here = rng.random() < 0.4
        member.appetite = rng.choices((0, 1, 2, 4), weights=(5, 50, 30, 15))[0]
        member.created_at = _created_at(rng, member.appointed, dept.system_start)
        _identity(rng, member)
    dept.faculty = faculty
    dept.by_id = {member.id: member for member in dept.people}
    _assign_supervisors(rng, dept)
    return dept


def _appointment(rng: random.Random, today: date) -> date:
    cohort = rng.choices(range(COHORTS), weights=[COHORT_DECAY**y for y in range(COHORTS)])[0]
    return today - timedelta(days=int(cohort * 365.25) + rng.randrange(365))


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _assign_ranks(rng: random.Random, faculty: list[Member], today: date) -> None:
    """Rank by seniority with noise, in the department's proportions: promotion comes
    sooner to some than to others, but never to a full professor in under 8 years."""
    scored = sorted(
        faculty,
        key=lambda m: m.years_on(today) + rng.gauss(0, 2.5) + (1.0 if m.position == "clinician_scientist" else 0),
    )
    start = 0
    for rank, share in RANK_SHARES:
        end = len(scored) if rank == "full" else start + round(share * len(scored))
        for member in scored[start:end]:
            member.rank = rank
        start = end
    for member in faculty:
        years = member.years_on(today)
        if years < 3:
            member.rank = "assistant"
        elif member.rank == "full" and years < SENIOR_YEARS:
            member.rank = "associate"


def _assign_divisions(rng: random.Random, dept: Department, faculty: list[Member]) -> None:
    """One director per division, a senior faculty member; everyone else by division size."""
    today = dept.today
    seniors = [m for m in faculty if m.rank in ("associate", "full") and m.years_on(today) >= DIRECTOR_YEARS]
    if len(seniors) < len(dept.divisions):
        seniors = sorted(faculty, key=lambda m: m.appointed)[: len(dept.divisions) * 2]
    rng.shuffle(seniors)
    seniors.sort(key=lambda m: m.rank != "full")  # stable: full professors first, shuffled
    for division, director in zip(dept.divisions, seniors):
        director.division_id = division["id"]
        if director.rank == "assistant":
            director.rank = "associate"
        dept.directors[division["id"]] = director.id
    weights = [size for _, _, size in DIVISIONS]
    ids = [d["id"] for d in dept.divisions]
    for member in faculty:
        if member.division_id is None:
            member.division_id = rng.choices(ids, weights=weights)[0]


def _assign_supervisors(rng: random.Random, dept: Department) -> None:
    """Most faculty have a supervisor on record: their director, or a senior colleague in
    the division appointed before them (so the reporting lines never loop)."""
    directors = set(dept.directors.values())
    by_division: dict[int, list[Member]] = {}
    for member in dept.faculty:
        if (
            member.id not in directors
            and member.rank in ("associate", "full")
            and member.years_on(dept.today) >= SENIOR_YEARS
        ):
            by_division.setdefault(member.division, []).append(member)
    for member in dept.faculty:
        if member.id in directors or rng.random() < 0.12:
            continue
        director = dept.directors[member.division]
        seniors = [s for s in by_division.get(member.division, ()) if s.appointed < member.appointed]
        if seniors and rng.random() < 0.4:
            member.supervisor_id = rng.choice(seniors).id
        else:
            member.supervisor_id = director


def _created_at(rng: random.Random, appointed_on: date, system_start: datetime) -> datetime:
    """On the roster from the day the department started using the app, or a few weeks
    before the person's start date if they came later."""
    if appointed_on <= system_start.date():
        return system_start + timedelta(seconds=rng.randrange(3 * 3600), microseconds=rng.randrange(10**6))
    day = max(appointed_on - timedelta(days=rng.randint(7, 45)), system_start.date() + timedelta(days=1))
    return datetime.combine(day, time(9)) + timedelta(
        seconds=rng.randrange(8 * 3600), microseconds=rng.randrange(10**6)
    )


def _identity(rng: random.Random, member: Member) -> None:
    """About 60% answered the department's equity survey; some of them skipped a question."""
    if rng.random() >= 0.6:
        return
    if rng.random() < 0.97:
        roll = rng.random()
        if roll < 0.02:
            member.gender = "Non-binary"
        elif roll < 0.025:
            member.gender = "Two-Spirit"
        else:
            member.gender = "Woman" if member.presents == "f" else "Man"
    if rng.random() < 0.93:
        group = next(g for g in names.GROUPS if g.key == member.group)
        roll = rng.random()
        member.race = (
            group.race if roll < 0.85 else "Multiple or mixed" if roll < 0.93 else rng.choice(names.RACE_LABELS)
        )


class _Namer:
    """Names and unique emails (first.last@, then first.last2@ …)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken: set[str] = {ADMIN_EMAIL}
        self.weights = [g.weight for g in names.GROUPS]

    def name(self, member: Member, register: bool = True) -> str:
        rng = self.rng
        group = rng.choices(names.GROUPS, weights=self.weights)[0]
        given = rng.choice(group.female if member.presents == "f" else group.male)
        family = rng.choice(group.family)
        if member.presents == "f":
            family = names.FEMININE_FAMILY.get(family, family)
        if group.family_first:
            middle = rng.choice(group.middle_female if member.presents == "f" else group.middle_male)
            full = f"{family} {middle} {given}"
        else:
            full = f"{given} {family}"
        member.group = group.key
        if register:
            member.email = self.email(given, family)
        return full

    def showcase(self, member: Member, fixed: tuple[str, str, str, str, str]) -> str:
        given, middle, family, member.group, member.presents = fixed
        member.email = self.email(given, family)
        group = next(g for g in names.GROUPS if g.key == member.group)
        return f"{family} {middle} {given}" if group.family_first else f"{given} {family}"

    def email(self, given: str, family: str) -> str:
        local = f"{names.email_part(given)}.{names.email_part(family)}"
        candidate, number = local, 1
        while f"{candidate}@{DOMAIN}" in self.taken:
            number += 1
            candidate = f"{local}{number}"
        email = f"{candidate}@{DOMAIN}"
        self.taken.add(email)
        return email
