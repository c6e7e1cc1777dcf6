"""What activities earn under a credit framework, and how a cycle stands: pure functions.

Order of computation, fixed so that the same ledger always gives the same statement:

1. Each activity is credited under the framework version in force on its date.
2. The first rule (in file order) whose kinds and ``when`` flags match it applies; no
   match earns nothing (mentoring time itself earns no MOC credit), with a reason.
3. A rule's ``requires`` are checked; one unmet earns nothing, with a reason.
4. Earned = hours x rate_per_hour (or per_activity), rounded per activity to the rule's
   step ("down", "nearest" with halves up, or "up").
5. Caps are applied activity by activity in date order (ties: input order), each cutting
   the award to what is left: the rule's per activity, per mentee per year, per year, per
   cycle, then the section's in the same order. What is finally awarded counts against
   every cap.

Years are the framework's years (``year_starts``; Mainpro+ runs July-June and its year
2024 is 2024-07-01 to 2025-06-30). Cycles are windows of ``cycle.years`` years from the
person's cycle start; without one, from the start of the year of the earliest activity
the framework credits (``cycle_anchor``). The cycle a page shows is the one of that same
series that holds today (``cycle_holding``), so caps and progress count the same cycle.
A cycle is judged by the version in force on the day it started (MOC: before or from 2024).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from recognition.clock import add_years
from recognition.credits.frameworks import CAP_SCOPES, REQUIREMENTS, Framework, Rule, Version
from recognition.ledger.rules import LABELS

ZERO = Decimal(0)
_MODES = {"down": ROUND_FLOOR, "nearest": ROUND_HALF_UP, "up": ROUND_CEILING}


@dataclass(frozen=True)
class Activity:
    """One ledger entry as the rules see it."""

    ref: object  # the caller's id, handed back untouched
    kind: str
    on: date
    minutes: int
    confirmed: bool = False
    accredited: bool = False
    report_met_k: bool = False  # linked feedback report reached the anonymity threshold
    external_source: str | None = None  # or a named external feedback source
    mentee_id: object = None


@dataclass(frozen=True)
class Credit:
    activity: Activity
    year: int
    version: date | None  # effective_from of the version used
    rule: str | None
    section: str | None
    earned: Decimal  # after rounding, before caps
    credits: Decimal  # awarded
    feedback_received: bool
    reason: str  # why it earned less than it might; "" when in full


@dataclass(frozen=True)
class Totals:
    total: Decimal
    by_section: dict[str, Decimal]
    by_year: dict[int, Decimal]
    by_year_section: dict[tuple[int, str], Decimal]


@dataclass(frozen=True)
class Progress:
    start: date
    end: date
    version: date
    totals: Totals
    feedback_received: int
    met: bool  # every requirement of the cycle is met
    warnings: tuple[str, ...]


def round_to(value: Decimal, step: Decimal, mode: str) -> Decimal:
    return (value / step).to_integral_value(rounding=_MODES[mode]) * step


def year_of(version: Version, day: date) -> int:
    return day.year if (day.month, day.day) >= version.year_starts else day.year - 1


def year_span(version: Version, year: int) -> tuple[date, date]:
    start = date(year, *version.year_starts)
    return start, add_years(start, 1) - timedelta(days=1)


def year_label(version: Version, year: int) -> str:
    return str(year) if version.year_starts == (1, 1) else f"{year}-{(year + 1) % 100:02d}"


def _cycle_index(day: date, start: date, years: int) -> int:
    elapsed = day.year - start.year - ((day.month, day.day) < (start.month, start.day))
    return elapsed // years


def _matches(rule: Rule, activity: Activity) -> bool:
    return activity.kind in rule.kinds and all(getattr(activity, k) == v for k, v in rule.when.items())


def _unmet(rule: Rule, activity: Activity) -> str | None:
    for requirement in rule.requires:
        if requirement == "confirmed" and not activity.confirmed:
            return requirement
        has_source = activity.report_met_k or bool((activity.external_source or "").strip())
        if requirement == "feedback_source" and not has_source:
            return requirement
    return None


def compute_credits(framework: Framework, activities: list[Activity], cycle_start: date | None = None) -> list[Credit]:
    """Credits for each activity, in the input order (see the module docstring)."""
    earned = [_earned(framework, activity) for activity in activities]
    if cycle_start is None:
        cycle_start = _anchor(framework, earned)
    used: dict[tuple, Decimal] = defaultdict(Decimal)
    results: dict[int, Credit] = {}
    for index, credit in sorted(enumerate(earned), key=lambda pair: (pair[1].activity.on, pair[0])):
        results[index] = _capped(framework, credit, index, cycle_start, used)
    return [results[i] for i in range(len(activities))]


def credits_in_year(
    framework: Framework, activities: Iterable[Activity], year: int, cycle_start: date | None = None
) -> bool:
    """Whether ``compute_credits`` awards anything in ``year`` to ``activities`` given in
    date order (ties in input order, as it caps them): the same steps, stopping at the
    first activity awarded in the year, since an award depends only on the activities
    before it. The rest are never looked at, unless the cycle anchor (which needs them
    all) can matter: only a per-cycle cap uses it. The year-end batch asks this of
    everyone it might issue a statement to."""
    if cycle_start is None and has_cycle_caps(framework):
        activities = list(activities)
        cycle_start = _anchor(framework, [_earned(framework, activity) for activity in activities])
    used: dict[tuple, Decimal] = defaultdict(Decimal)
    for index, activity in enumerate(activities):
        credit = _capped(framework, _earned(framework, activity), index, cycle_start, used)
        if credit.year == year and credit.credits > 0:
            return True
    return False


def settles_year(framework: Framework, activity: Activity, year: int) -> bool:
    """Whether ``activity`` alone makes ``credits_in_year`` true, whatever else the ledger
    holds: it earns in ``year`` under a rule whose caps, and its section's, are all above
    0 and count nothing beyond the year (none per cycle). Every cap it meets then counts
    only activities of the year, so it either has room left, or an earlier activity of
    the year used it up, and that one was awarded in the year. Planning looks at a
    person's activities in any order until one settles the year."""
    credit = _earned(framework, activity)
    if credit.year != year or credit.earned == 0:
        return False
    version = framework.version_on(activity.on)
    assert version is not None  # it earned under the version in force on its day
    rule = next(r for r in version.rules if r.id == credit.rule)
    caps = [*rule.caps.items(), *version.section_caps.get(rule.section, {}).items()]
    return all(cap > 0 and scope != "per_cycle" for scope, cap in caps)


def year_window(framework: Framework, year: int) -> tuple[date, date]:
    """Every day an activity credited in ``year`` may fall on: the year's span under each
    version (versions may start their years on different days)."""
    spans = [year_span(version, year) for version in framework.versions]
    return min(start for start, _ in spans), max(end for _, end in spans)


def earning_kinds(framework: Framework) -> frozenset[str]:
    """The kinds some rule of some version credits: no other activity earns anything."""
    return frozenset(kind for version in framework.versions for rule in version.rules for kind in rule.kinds)


def has_cycle_caps(framework: Framework) -> bool:
    """Whether any rule or section of any version is capped per cycle."""
    return any(
        "per_cycle" in caps
        for version in framework.versions
        for caps in [*(rule.caps for rule in version.rules), *version.section_caps.values()]
    )


def depends_on_history(framework: Framework, activities: list[Activity], year: int) -> bool:
    """Whether what ``activities`` earn in ``year`` may depend on earlier years: one earning
    in it is under a per-cycle cap (its rule's or its section's), which earlier years may
    have used up. Otherwise every cap it meets counts only the year, so the activities
    dated in ``year_window`` give the year's credits exactly as the whole history does."""
    for activity in activities:
        credit = _earned(framework, activity)
        if credit.year != year or credit.earned == 0:
            continue
        version = framework.version_on(activity.on)
        assert version is not None  # it earned under the version in force on its day
        rule = next(r for r in version.rules if r.id == credit.rule)
        if "per_cycle" in rule.caps or "per_cycle" in version.section_caps.get(rule.section, {}):
            return True
    return False


def cycle_anchor(framework: Framework, activities: list[Activity]) -> date | None:
    """Where a person's cycles are counted from when they have not said: the start of the
    framework year of the earliest activity the framework credits at all (before caps).
    None when nothing is credited (then any cycle start gives the same credits)."""
    return _anchor(framework, [_earned(framework, activity) for activity in activities])


def _anchor(framework: Framework, earned: list[Credit]) -> date | None:
    earning = [credit.activity.on for credit in earned if credit.earned > 0]
    if not earning:
        return None
    first = min(earning)
    version = framework.version_on(first)
    assert version is not None  # an activity earned credit under the version in force on its day
    return year_span(version, year_of(version, first))[0]


def cycle_holding(framework: Framework, anchor: date | None, today: date) -> date | None:
    """The start of the cycle that holds ``today`` in the series that begins at ``anchor``
    (a 2019 start gives a 2024 cycle, judged by 2024 rules). Without an anchor, a cycle
    starting this year. None when the framework has no cycle on that day."""
    now_in_force = framework.version_on(today)
    if now_in_force is None or now_in_force.cycle is None:
        return None
    if anchor is None:
        anchor = year_span(now_in_force, year_of(now_in_force, today))[0]
    start = anchor
    while True:
        version = framework.version_on(start)
        if version is None or version.cycle is None:
            return start
        following = add_years(start, version.cycle.years)
        if following > today:
            return start
        start = following


def _earned(framework: Framework, activity: Activity) -> Credit:
    """What one activity earns on its own, rounded, before any cap (steps 1 to 4)."""
    version = framework.version_on(activity.on)
    if version is None:
        return Credit(
            activity,
            activity.on.year,
            None,
            None,
            None,
            ZERO,
            ZERO,
            False,
            f"{framework.name} has no version in force on {activity.on.isoformat()}",
        )
    year = year_of(version, activity.on)
    rule = next((r for r in version.rules if _matches(r, activity)), None)
    if rule is None:
        label = LABELS.get(activity.kind, activity.kind)
        return Credit(
            activity,
            year,
            version.effective_from,
            None,
            None,
            ZERO,
            ZERO,
            False,
            f"{label} earns no {framework.unit} in {framework.name}",
        )
    unmet = _unmet(rule, activity)
    if unmet:
        return Credit(
            activity,
            year,
            version.effective_from,
            rule.id,
            rule.section,
            ZERO,
            ZERO,
            False,
            f"earns nothing: {REQUIREMENTS[unmet]}",
        )
    if rule.per_activity is not None:
        raw = rule.per_activity
    else:
        assert rule.rate_per_hour is not None  # frameworks.parse: exactly one of the two is set
        raw = Decimal(activity.minutes) * rule.rate_per_hour / 60
    earned = round_to(raw, rule.rounding.step, rule.rounding.mode)
    if earned == 0:
        return Credit(
            activity,
            year,
            version.effective_from,
            rule.id,
            rule.section,
            ZERO,
            ZERO,
            False,
            f"too short: rounds down to 0 in steps of {_fmt(rule.rounding.step)}",
        )
    return Credit(
        activity, year, version.effective_from, rule.id, rule.section, earned, earned, rule.feedback_received, ""
    )


_ORDER = CAP_SCOPES  # per activity, per mentee per year, per year, per cycle


def _capped(framework: Framework, credit: Credit, index: int, cycle_start, used) -> Credit:
    """Step 5: cut ``credit`` to what its rule's and section's caps leave."""
    if credit.earned == 0:
        return credit
    activity, version = credit.activity, framework.version_on(credit.activity.on)
    assert version is not None  # it earned, so a rule of the version in force on its day credited it
    rule = next(r for r in version.rules if r.id == credit.rule)
    cycle = _cycle_index(activity.on, cycle_start, version.cycle.years) if version.cycle and cycle_start else None
    periods = {
        "per_activity": index,
        "per_mentee_per_year": (activity.mentee_id, credit.year),
        "per_year": credit.year,
        "per_cycle": cycle,
    }
    limits = [
        (("rule", rule.id, scope, periods[scope]), cap, _cap_label(rule.id, scope)) for scope, cap in rule.caps.items()
    ]
    for scope, cap in version.section_caps.get(rule.section, {}).items():
        limits.append(
            (("section", rule.section, scope, periods[scope]), cap, _cap_label(version.sections[rule.section], scope))
        )
    limits.sort(key=lambda item: (item[0][0] == "section", _ORDER.index(item[0][2])))
    awarded, reason = credit.earned, ""
    for key, cap, label in limits:
        room = max(cap - used[key], ZERO)
        if awarded > room:
            awarded = room
            reason = reason or f"capped: {_fmt(cap)} {framework.unit} at most {label}"
    for key, _, _ in limits:
        if key[2] != "per_activity":
            used[key] += awarded
    return Credit(
        activity,
        credit.year,
        credit.version,
        credit.rule,
        credit.section,
        credit.earned,
        awarded,
        rule.feedback_received and awarded > 0,
        reason,
    )


def _cap_label(what: str, scope: str) -> str:
    if scope == "per_activity":
        return f"for one activity of {what}"
    return f"for {what} ({scope.replace('_', ' ')})"


HOUR_STEP = Decimal("0.01")  # hours as a CME portal takes them
CENT = Decimal("0.01")


def claim(framework: Framework, credit: Credit) -> tuple[Decimal, Decimal]:
    """The hours and credits to type into a portal that computes credits from hours
    (MAINPORT): hours x rate is exactly the credits, and never more than was awarded.

    With the shipped rules' steps (0.01 hour x rate) that is the award itself; a capped
    activity claims only the hours its capped credits stand for. A rule paying per
    activity has no rate: its hours are the time spent."""
    version = framework.version_on(credit.activity.on)
    rule = next((r for r in version.rules if r.id == credit.rule), None) if version else None
    if rule is None or not rule.rate_per_hour:
        return round_to(Decimal(credit.activity.minutes) / 60, HOUR_STEP, "nearest"), credit.credits
    rate = rule.rate_per_hour
    hours = round_to(credit.credits / rate, HOUR_STEP, "down")
    for _ in range(100):  # an odd rate (0.33) needs hours whose product has two decimals
        if hours * rate == (hours * rate).quantize(CENT) or hours <= 0:
            break
        hours -= HOUR_STEP
    hours = max(hours, ZERO)
    return hours, hours * rate


def totals(credits: list[Credit]) -> Totals:
    by_section: dict[str, Decimal] = defaultdict(Decimal)
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    by_year_section: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for credit in credits:
        if credit.credits > 0:
            assert credit.section is not None  # only a rule's credit is above 0, and a rule has a section
            by_section[credit.section] += credit.credits
            by_year[credit.year] += credit.credits
            by_year_section[(credit.year, credit.section)] += credit.credits
    return Totals(sum(by_section.values(), ZERO), dict(by_section), dict(by_year), dict(by_year_section))


def _fmt(value: Decimal) -> str:
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def day_month(day: date) -> str:
    """1 January, 1 July: a day of the year, for messages."""
    return f"{day.day} {day:%B}"


def cycle_progress(framework: Framework, credits: list[Credit], cycle_start: date, today: date) -> Progress:
    """Where a cycle starting on ``cycle_start`` stands on ``today``, with plain warnings.

    Only activities dated inside the cycle count: credits do not carry over.
    """
    version = framework.version_on(cycle_start)
    if version is None or version.cycle is None:
        raise ValueError(f"{framework.name} defines no cycle for one starting on {cycle_start.isoformat()}")
    cycle, unit = version.cycle, framework.unit
    end = add_years(cycle_start, cycle.years) - timedelta(days=1)
    inside = [c for c in credits if cycle_start <= c.activity.on <= end]
    sums = totals(inside)
    feedback = sum(1 for c in inside if c.feedback_received)
    warnings, met = [], True
    if sums.total < cycle.total_min:
        met = False
        short = _fmt(cycle.total_min - sums.total)
        if today > end:
            warnings.append(
                f"This cycle ended on {_day(end)} with {_fmt(sums.total)} of the "
                f"{_fmt(cycle.total_min)} {unit} it needed ({short} short)."
            )
        else:
            warnings.append(
                f"This cycle has {_fmt(sums.total)} of the {_fmt(cycle.total_min)} {unit} it needs: "
                f"{short} to go by {_day(end)}."
            )
    first = year_of(version, cycle_start)
    for year in range(first, first + cycle.years):
        begins, ends = year_span(version, year)
        got = sums.by_year.get(year, ZERO)
        if got >= cycle.yearly_min:
            continue
        met = False
        if begins > today:
            continue
        label = year_label(version, year)
        if ends < today:
            warnings.append(
                f"{label}: {_fmt(got)} {unit}, below the {_fmt(cycle.yearly_min)} each year needs "
                f"({_fmt(cycle.yearly_min - got)} short)."
            )
        else:
            warnings.append(f"{label} so far: {_fmt(got)} of the {_fmt(cycle.yearly_min)} {unit} each year needs.")
    for minimum in cycle.minimums:
        got = sum((sums.by_section.get(s, ZERO) for s in minimum.sections), ZERO)
        if got < minimum.credits:
            met = False
            warnings.append(f"{minimum.label}: {_fmt(got)} of the {_fmt(minimum.credits)} {unit} this cycle needs.")
    if feedback < cycle.feedback_received_min:
        met = False
        warnings.append(
            f"No \u201cfeedback received\u201d activity in this cycle yet: it needs at least "
            f"{cycle.feedback_received_min} (time reflecting on feedback about your teaching or practice)."
        )
    warnings.extend(_deadlines(framework, version, cycle_start, end, today, unit))
    warnings.extend(_previous_cycle(framework, credits, cycle_start, today))
    return Progress(cycle_start, end, version.effective_from, sums, feedback, met, tuple(warnings))


def _deadlines(framework: Framework, version: Version, start: date, end: date, today: date, unit: str) -> list[str]:
    """A reminder while a finished year is still open for reporting: a year of this cycle,
    or the last year of the cycle before it (in the new cycle's first January)."""
    year = year_of(version, today) - 1
    begins, ends = year_span(version, year)
    if ends < start - timedelta(days=1) or begins > end:
        return []
    then = framework.version_on(begins) or version
    report_by = then.cycle.report_by if then.cycle else None
    if report_by is None:
        return []
    due = date(ends.year, *report_by)
    if due <= ends:
        due = date(ends.year + 1, *report_by)
    if not ends < today <= due:
        return []
    left = (due - today).days
    when = "today" if left == 0 else f"{left} day{'s' if left != 1 else ''} left"
    return [f"Report your {year_label(then, year)} {unit} by {_day(due)} ({when})."]


def _previous_cycle(framework: Framework, credits: list[Credit], start: date, today: date) -> list[str]:
    """In a cycle's first year: whether the cycle before it ended short, with the numbers.

    Said only when something in that cycle earned credit here: of a cycle with no record
    here we cannot tell anything."""
    version = framework.version_on(start)
    assert version is not None  # a cycle starts under a version that has cycles
    if not start <= today <= year_span(version, year_of(version, start))[1]:
        return []
    before = framework.version_on(start - timedelta(days=1))
    if before is None or before.cycle is None:
        return []
    previous_start = add_years(start, -before.cycle.years)
    old = framework.version_on(previous_start)
    if old is None or old.cycle is None or add_years(previous_start, old.cycle.years) != start:
        return []
    previous_end = start - timedelta(days=1)
    inside = [c for c in credits if previous_start <= c.activity.on <= previous_end]
    if not any(c.credits > 0 for c in inside):
        return []
    short = _shortfalls(
        old, totals(inside), sum(1 for c in inside if c.feedback_received), previous_start, framework.unit
    )
    if not short:
        return []
    return [
        f"Your previous cycle, {_day(previous_start)} to {_day(previous_end)}, ended short of its "
        f"requirements by what is recorded here: {'; '.join(short)}."
    ]


def _shortfalls(version: Version, sums: Totals, feedback: int, start: date, unit: str) -> list[str]:
    """Each requirement of a whole cycle that ``sums`` does not meet, with the numbers."""
    cycle, short = version.cycle, []
    assert cycle is not None  # asked only of a version with cycles
    if sums.total < cycle.total_min:
        short.append(
            f"{_fmt(sums.total)} of the {_fmt(cycle.total_min)} {unit} ({_fmt(cycle.total_min - sums.total)} short)"
        )
    first = year_of(version, start)
    below = [
        f"{year_label(version, year)} ({_fmt(sums.by_year.get(year, ZERO))})"
        for year in range(first, first + cycle.years)
        if sums.by_year.get(year, ZERO) < cycle.yearly_min
    ]
    if below:
        short.append(f"years below the {_fmt(cycle.yearly_min)} {unit} a year needs: {', '.join(below)}")
    for minimum in cycle.minimums:
        got = sum((sums.by_section.get(s, ZERO) for s in minimum.sections), ZERO)
        if got < minimum.credits:
            short.append(
                f"{minimum.label}: {_fmt(got)} of the {_fmt(minimum.credits)} {unit} "
                f"({_fmt(minimum.credits - got)} short)"
            )
    if feedback < cycle.feedback_received_min:
        short.append(
            f"{feedback} \u201cfeedback received\u201d activit{'y' if feedback == 1 else 'ies'} "
            f"of the {cycle.feedback_received_min} it needed"
        )
    return short


def report_due(version: Version, year: int) -> date | None:
    """The day ``year``'s credits must be reported by (MOC: 31 January of the year after),
    or None when the version's cycle sets no such day."""
    if version.cycle is None or version.cycle.report_by is None:
        return None
    ends = year_span(version, year)[1]
    due = date(ends.year, *version.cycle.report_by)
    return due if due > ends else date(ends.year + 1, *version.cycle.report_by)


def next_report_due(framework: Framework, today: date) -> tuple[int, date] | None:
    """The next reporting deadline on or after ``today``: last year's while it is still
    open (in January, for MOC), else this year's. None when the framework sets none."""
    version = framework.version_on(today)
    if version is None:
        return None
    this_year = year_of(version, today)
    for year in (this_year - 1, this_year):
        then = framework.version_on(year_span(version, year)[0]) or version
        due = report_due(then, year)
        if due is not None and due >= today:
            return year, due
    return None
