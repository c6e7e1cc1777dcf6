"""My credits at a glance: the cycle as progress bars with the next deadline, the
activities that earn credit grouped by year, and one line for the rest.

Shapes a ``Summary`` for the page; the numbers are the rules' own (``rules.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..ledger.rules import LABELS
from . import rules
from .activities import Credited, Summary, version_for_year

MOC = "royal_college_moc"


@dataclass(frozen=True)
class Bar:
    """One requirement of the cycle: what is done against what it needs."""

    key: str  # for ids in the page
    label: str
    done: Decimal
    needed: Decimal
    unit: str  # "credits", or "activity" for a count

    @property
    def met(self) -> bool:
        return self.done >= self.needed

    @property
    def shown(self) -> Decimal:
        """The bar's value: full once met (a <progress> above its max is clamped anyway)."""
        return min(self.done, self.needed)


def bars(summary: Summary, today: date) -> list[Bar]:
    """Total for the cycle, this year, each section minimum and the "feedback received"
    activities, in that order; none when the framework has no cycle today."""
    progress = summary.progress
    if progress is None:
        return []
    version = summary.framework.version_on(progress.start)
    assert version is not None and version.cycle is not None  # progress is counted only under a cycle
    cycle, unit, sums = version.cycle, summary.framework.unit, progress.totals
    this_year = rules.year_of(version, today)
    found = [
        Bar("total", "Total for the cycle", sums.total, cycle.total_min, unit),
        Bar(
            "year",
            f"This year ({rules.year_label(version, this_year)})",
            sums.by_year.get(this_year, rules.ZERO),
            cycle.yearly_min,
            unit,
        ),
    ]
    for n, minimum in enumerate(cycle.minimums):
        done = sum((sums.by_section.get(s, rules.ZERO) for s in minimum.sections), rules.ZERO)
        found.append(Bar(f"minimum-{n}", minimum.label, done, minimum.credits, unit))
    if cycle.feedback_received_min:
        found.append(
            Bar(
                "feedback",
                "\u201cFeedback received\u201d activities",
                Decimal(progress.feedback_received),
                Decimal(cycle.feedback_received_min),
                "activity",
            )
        )
    return found


@dataclass(frozen=True)
class Deadline:
    label: str  # the year reported: 2026, or 2025-26
    due: date
    days_left: int


def next_deadline(summary: Summary, today: date) -> Deadline | None:
    found = rules.next_report_due(summary.framework, today)
    if found is None:
        return None
    year, due = found
    label = rules.year_label(version_for_year(summary.framework, year), year)
    return Deadline(label, due, (due - today).days)


@dataclass(frozen=True)
class Year:
    year: int
    label: str
    total: Decimal
    rows: list[dict]  # {source, credit, section}, newest first


def earning_years(summary: Summary) -> list[Year]:
    """Activities some rule of the framework credits (whether or not they earned in full:
    one cut by a cap or missing its feedback source says why), newest year first."""
    by_year: dict[int, list[dict]] = {}
    for credited in summary.credited:
        credit, source = credited.credit, credited.source
        if credit.rule is None:
            continue
        version = summary.framework.version_on(source.on)
        section = version.sections.get(credit.section, "") if version and credit.section else ""
        by_year.setdefault(credit.year, []).append({"source": source, "credit": credit, "section": section})
    years = []
    for year in sorted(by_year, reverse=True):
        rows = sorted(by_year[year], key=lambda row: (row["source"].on, row["source"].entry_id), reverse=True)
        label = rules.year_label(version_for_year(summary.framework, year), year)
        years.append(Year(year, label, sum((row["credit"].credits for row in rows), rules.ZERO), rows))
    return years


@dataclass(frozen=True)
class Uncredited:
    count: int
    hours: Decimal
    kinds: list[str]  # their labels, most frequent first
    why: str


def uncredited(summary: Summary) -> Uncredited | None:
    """The activities no rule of the framework credits (meetings and the rest of
    mentoring time), summed for one line that says why."""
    left: list[Credited] = [c for c in summary.credited if c.credit.rule is None]
    if not left:
        return None
    counts: dict[str, int] = {}
    for credited in left:
        counts[credited.source.kind] = counts.get(credited.source.kind, 0) + 1
    kinds = [LABELS.get(kind, kind).lower() for kind in sorted(counts, key=lambda k: (-counts[k], k))]
    minutes = sum(c.source.minutes for c in left)
    chosen = summary.framework
    if chosen.id == MOC:
        why = (
            f"Under the {chosen.name}, time spent supervising, teaching or mentoring earns no credit; "
            "preparing to mentor earns Section 2 credit and reviewing and reflecting on feedback about your "
            "mentoring earns Section 3 credit (Royal College MOC framework)."
        )
    else:
        why = f"No rule of {chosen.name} credits mentoring time itself."
    return Uncredited(len(left), (Decimal(minutes) / 60).quantize(Decimal("0.01")), kinds, why)
