"""An award's settings: eligibility, rubric and yearly schedule, checked field by field.

Stored on the award as JSON (eligibility, rubric) and month-days (schedule), read back
into the pure types of ``rules`` and ``ranking``. ``check`` names every broken rule with
its field, so the API and the pages refuse bad settings the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select

from ...errors import DomainError, NotFound
from ...extensions import db
from ...people.models import RANKS, Division
from ..committee.ranking import Criterion, Rubric
from ..models import LEVELS, Award, Cycle
from ..rules import Eligibility

SCHEDULE = ("opens", "closes", "review_ends", "decision", "announcement")
SCHEDULE_LABELS = {
    "opens": "Nominations open",
    "closes": "Nominations close",
    "review_ends": "Committee review ends",
    "decision": "Decision",
    "announcement": "Announcement",
}
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$")
MAX_CRITERIA = 12
MAX_WINNERS = 20
MAX_MIN_REVIEWS = 50  # the committee's size is not known here; the ranking page warns when it is too small


@dataclass(frozen=True)
class CriterionText:
    id: str
    name: str
    description: str
    weight: float


@dataclass(frozen=True)
class RubricText:
    """The rubric as people read it; ``rubric()`` gives the one ``ranking`` computes with."""

    low: int
    high: int
    criteria: tuple[CriterionText, ...]

    def rubric(self) -> Rubric:
        return Rubric(tuple(Criterion(c.id, c.weight) for c in self.criteria), self.low, self.high)


DEFAULT_RUBRIC = RubricText(
    1,
    5,
    (
        CriterionText(
            "impact",
            "Impact on mentees' careers",
            "Mentees' milestones: appointments, CFAR, promotion, grants, awards.",
            0.35,
        ),
        CriterionText(
            "commitment",
            "Sustained commitment",
            "Years of mentoring, number of mentees, regular confirmed meetings.",
            0.25,
        ),
        CriterionText(
            "quality",
            "Quality of the relationships",
            "Mentees' feedback (released above k) and the supporting letters.",
            0.25,
        ),
        CriterionText(
            "citizenship", "Mentoring citizenship", "Training, peer groups, sponsorship, building the program.", 0.15
        ),
    ),
)


def month_day(text: str, year: int) -> date:
    """``MM-DD`` in ``year``; 29 February is 28 February in other years."""
    month, day = int(text[:2]), int(text[3:])
    if (month, day) == (2, 29) and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28
    return date(year, month, day)


def eligibility(award: Award) -> Eligibility:
    data = json.loads(award.eligibility)
    ranks = data.get("ranks")
    return Eligibility(
        min_years_mentoring=data.get("min_years_mentoring"),
        min_mentees=data.get("min_mentees"),
        max_years_on_faculty=data.get("max_years_on_faculty"),
        ranks=tuple(ranks) if ranks is not None else None,
        past_winner_exclusion_years=data.get("past_winner_exclusion_years"),
    )


def rubric_text(holder) -> RubricText:
    """The rubric of an award, or of a cycle (the one it is scored on: pass the cycle
    wherever scores are read or written)."""
    data = json.loads(holder.rubric)
    return RubricText(
        int(data["low"]),
        int(data["high"]),
        tuple(
            CriterionText(c["id"], c["name"], c.get("description", ""), float(c["weight"])) for c in data["criteria"]
        ),
    )


def rubric(holder) -> Rubric:
    return rubric_text(holder).rubric()


def schedule(award: Award) -> dict[str, str]:
    return {field: getattr(award, field) for field in SCHEDULE}


def dates(award: Award, year: int) -> dict[str, date]:
    """The award's schedule in ``year``: opens, closes, review_ends, decision, announcement."""
    return {field: month_day(getattr(award, field), year) for field in SCHEDULE}


def eligibility_json(rules: Eligibility) -> str:
    data = asdict(rules)
    data["ranks"] = list(rules.ranks) if rules.ranks is not None else None
    return json.dumps(data, sort_keys=True)


def rubric_json(text: RubricText) -> str:
    return json.dumps({"low": text.low, "high": text.high, "criteria": [asdict(c) for c in text.criteria]})


# Checking settings -------------------------------------------------------------------


def _count(value, field: str, problems: dict, low: int = 0, high: int = 100) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.setdefault(field, []).append(
            f"must be a whole number from {low} to {high}, or empty to switch the rule off"
        )
        return None
    return value


def check(data: dict, award: Award | None = None) -> dict:
    """Validate award settings (a whole new award, or the changed fields of ``award``);
    returns the column values to store, or raises DomainError naming each broken field."""
    problems: dict[str, list[str]] = {}

    def refuse(field: str, rule: str) -> None:
        problems.setdefault(field, []).append(rule)

    def given(field: str):
        return data[field] if field in data else (getattr(award, field) if award is not None else None)

    values: dict = {}
    if award is None or "slug" in data:
        slug = (data.get("slug") or "").strip().lower()
        if not SLUG.match(slug):
            refuse(
                "slug",
                "must be 3 to 60 lower-case letters, digits and hyphens, starting and ending with a letter or digit",
            )
        elif db.session.scalar(select(Award.id).where(Award.slug == slug, Award.id != (award.id if award else -1))):
            refuse("slug", "is already used by another award")
        values["slug"] = slug
    if award is None or "name" in data:
        name = (data.get("name") or "").strip()
        if not 3 <= len(name) <= 200:
            refuse("name", "must be 3 to 200 characters")
        values["name"] = name
    if "description" in data:
        description = (data.get("description") or "").strip()
        if len(description) > 4000:
            refuse("description", "must be at most 4000 characters")
        values["description"] = description
    level = given("level") or "department"
    if level not in LEVELS:
        refuse("level", f"must be one of {', '.join(LEVELS)}")
    division_id = given("division_id")
    if level == "division":
        if division_id is None:
            refuse("division_id", "is required for a division award")
        elif db.session.get(Division, division_id) is None:
            refuse("division_id", "must name an existing division")
    elif division_id is not None and "division_id" in data:
        refuse("division_id", "must be empty for a department award")
    else:
        division_id = None
    if award is None or "level" in data or "division_id" in data:
        values["level"], values["division_id"] = level, division_id
    if award is None or "winners" in data:
        winners = data.get("winners", 1)
        if isinstance(winners, bool) or not isinstance(winners, int) or not 1 <= winners <= MAX_WINNERS:
            refuse("winners", f"must be a whole number from 1 to {MAX_WINNERS}")
        values["winners"] = winners
    if award is None or "min_reviews" in data:
        minimum = data.get("min_reviews", 1)
        if isinstance(minimum, bool) or not isinstance(minimum, int) or not 1 <= minimum <= MAX_MIN_REVIEWS:
            refuse("min_reviews", f"must be a whole number from 1 to {MAX_MIN_REVIEWS}")
        values["min_reviews"] = minimum
    for flag in ("division_conflicts", "active"):
        if flag in data:
            if not isinstance(data[flag], bool):
                refuse(flag, "must be true or false")
            values[flag] = data[flag]
    if award is None or any(field in data for field in SCHEDULE):
        days: dict[int, dict[str, date]] = {2024: {}, 2025: {}}  # a leap year and a common one
        for field in SCHEDULE:
            text = given(field)
            if not isinstance(text, str) or not MONTH_DAY.match(text):
                refuse(field, "must be a month and day as MM-DD, like 02-15")
                continue
            try:
                for year in days:
                    days[year][field] = month_day(text, year)
            except ValueError:
                refuse(field, f"{text} is not a day of the year")
                continue
            values[field] = text
        for year, found in days.items():
            if len(found) < len(SCHEDULE) or any(field in problems for field in SCHEDULE):
                break
            order = [found[field] for field in SCHEDULE]
            note = "" if year == 2024 else " (29 February is 28 February in other years)"
            if not order[0] <= order[1]:
                refuse("closes", "must not be before nominations open (the schedule runs within one calendar year)")
            if not order[1] < order[2]:
                refuse("review_ends", "must be after nominations close" + note)
            if not order[2] <= order[3]:
                refuse("decision", "must not be before the review ends")
            if not order[3] <= order[4]:
                refuse("announcement", "must not be before the decision")
    if award is None or "eligibility" in data:
        values["eligibility"] = _eligibility(data.get("eligibility") or {}, problems)
    if award is None or "rubric" in data:
        values["rubric"] = _rubric(data.get("rubric"), problems)
    if problems:
        raise DomainError(
            "The award settings have problems: "
            + "; ".join(f"{field} {rules[0]}" for field, rules in problems.items()),
            problems,
        )
    return values


def _eligibility(data: dict, problems: dict) -> str:
    if not isinstance(data, dict):
        problems.setdefault("eligibility", []).append("must be an object of rules")
        return eligibility_json(Eligibility())
    ranks = data.get("ranks")
    if ranks is not None:
        if not isinstance(ranks, list) or not ranks or any(rank not in RANKS for rank in ranks):
            problems.setdefault("eligibility.ranks", []).append(
                f"must list one or more of {', '.join(RANKS)}, or be empty"
            )
            ranks = None
        else:
            ranks = tuple(rank for rank in RANKS if rank in ranks)
    rules = Eligibility(
        min_years_mentoring=_count(data.get("min_years_mentoring"), "eligibility.min_years_mentoring", problems, 0, 60),
        min_mentees=_count(data.get("min_mentees"), "eligibility.min_mentees", problems, 0, 500),
        max_years_on_faculty=_count(
            data.get("max_years_on_faculty"), "eligibility.max_years_on_faculty", problems, 0, 60
        ),
        ranks=ranks,
        past_winner_exclusion_years=_count(
            data.get("past_winner_exclusion_years"), "eligibility.past_winner_exclusion_years", problems, 0, 60
        ),
    )
    unknown = set(data) - {
        "min_years_mentoring",
        "min_mentees",
        "max_years_on_faculty",
        "ranks",
        "past_winner_exclusion_years",
    }
    for field in sorted(unknown):
        problems.setdefault(f"eligibility.{field}", []).append("is not an eligibility rule")
    return eligibility_json(rules)


def _rubric(data, problems: dict) -> str:
    if data is None:
        return rubric_json(DEFAULT_RUBRIC)

    def refuse(field: str, rule: str) -> None:
        problems.setdefault(f"rubric.{field}", []).append(rule)

    if not isinstance(data, dict):
        problems.setdefault("rubric", []).append("must be an object with low, high and criteria")
        return rubric_json(DEFAULT_RUBRIC)
    low, high = data.get("low", 1), data.get("high", 5)
    for field, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            refuse(field, "must be a whole number from 0 to 100")
    if isinstance(low, int) and isinstance(high, int) and not low < high:
        refuse("high", "must be above low")
    criteria = data.get("criteria")
    texts = []
    if not isinstance(criteria, list) or not 1 <= len(criteria) <= MAX_CRITERIA:
        refuse("criteria", f"must list 1 to {MAX_CRITERIA} criteria")
        criteria = []
    seen = set()
    for index, item in enumerate(criteria):
        where = f"criteria.{index}"
        if not isinstance(item, dict):
            refuse(where, "must be an object with id, name and weight")
            continue
        cid, name = item.get("id"), (item.get("name") or "")
        weight = item.get("weight")
        if not isinstance(cid, str) or not re.match(r"^[a-z][a-z0-9_]{0,39}$", cid):
            refuse(f"{where}.id", "must be 1 to 40 lower-case letters, digits or underscores, starting with a letter")
        elif cid in seen:
            refuse(f"{where}.id", "is used by another criterion")
        seen.add(cid)
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 120:
            refuse(f"{where}.name", "must be 1 to 120 characters")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 100:
            refuse(f"{where}.weight", "must be a number above 0 and at most 100")
            weight = 1
        description = item.get("description") or ""
        if not isinstance(description, str) or len(description) > 1000:
            refuse(f"{where}.description", "must be at most 1000 characters")
            description = ""
        texts.append(CriterionText(str(cid), str(name).strip(), description.strip(), float(weight)))
    if not texts:
        return rubric_json(DEFAULT_RUBRIC)
    return rubric_json(
        RubricText(int(low) if isinstance(low, int) else 1, int(high) if isinstance(high, int) else 5, tuple(texts))
    )


def create(data: dict, now: datetime) -> Award:
    values = check(data)
    award = Award(**values, created_at=now)
    award.description = values.get("description", "")
    award.division_conflicts = values.get("division_conflicts", False)
    award.active = values.get("active", True)
    db.session.add(award)
    db.session.flush()
    return award


def update(award: Award, data: dict) -> Award:
    """Change an award's settings. Rubric and eligibility changes apply to cycles not yet
    in review; a cycle already reviewing keeps scoring on the rubric it started with only
    if no one changes it, so the rubric is refused while any cycle is in review."""
    values = check(data, award)
    changed = "rubric" in values and values["rubric"] != award.rubric
    if changed:
        busy = db.session.scalar(
            select(Cycle.year).where(Cycle.award_id == award.id, Cycle.phase.in_(("review", "decided")))
        )
        if busy is not None:
            raise DomainError.field("rubric", f"cannot change while the {busy} cycle is being scored or decided")
    for field, value in values.items():
        setattr(award, field, value)
    if changed:  # cycles not reviewed yet follow the award; reviewed ones keep theirs
        for cycle in db.session.scalars(
            select(Cycle).where(Cycle.award_id == award.id, Cycle.phase.in_(("scheduled", "open", "closed")))
        ):
            cycle.rubric = award.rubric
    db.session.flush()
    return award


def get(award_id: int) -> Award:
    award = db.session.get(Award, award_id)
    if award is None:
        raise NotFound("No award with that id.", {"award_id": ["no such award"]})
    return award
