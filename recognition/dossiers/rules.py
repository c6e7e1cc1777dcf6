"""Dossier rules: pure functions, tested as tables.

What a dossier counts and how it names people, decided once so the HTML, PDF, CSV and
JSON of one dossier always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ..evidence import rules as evidence_rules

EARLIEST = date(1950, 1, 1)
RANK_LABELS = {
    "lecturer": "Lecturer",
    "assistant": "Assistant professor",
    "associate": "Associate professor",
    "full": "Professor",
}
KIND_LABELS = {"formal": "Formal", "peer_group": "Peer group", "sponsorship": "Sponsorship", "informal": "Informal"}
# The ledger kinds that are time spent with a mentee: meetings and contact hours (the
# shared evidence's definition).
MEETING_KINDS = evidence_rules.MEETING_KINDS
SECTIONS = (
    "Summary",
    "Mentees",
    "Feedback",
    "Awards and nominations",
    "Credits",
    "Training",
    "Philosophy",
    "Provenance",
)


def period_problems(start: date | None, end: date | None, today: date) -> dict[str, list[str]]:
    """What is wrong with a dossier period [start, end], by field; empty when nothing."""
    problems: dict[str, list[str]] = {}
    if start is not None and start < EARLIEST:
        problems["start"] = [f"must be on or after {EARLIEST.isoformat()}"]
    if end is not None and end > today:
        problems["end"] = [f"must not be in the future (today is {today.isoformat()})"]
    elif start is not None and end is not None and end < start:
        problems["end"] = ["must be on or after the start"]
    return problems


def default_start(
    last_promotion: date | None, appointed_on: date | None, first_mentorship: date | None, today: date
) -> date:
    """Since the last promotion, else since appointment, else since mentoring began, else
    the last five years: what a promotion committee asks for."""
    for day in (last_promotion, appointed_on, first_mentorship):
        if day is not None and day <= today:
            return day
    return date(today.year - 5, today.month, 1)


def rank_at(start: date, rank_changes: Iterable[tuple[date, str | None]], current: str) -> str:
    """A mentee's rank when a mentorship began: the last recorded rank change (promotion
    or appointment with a rank) on or before ``start``, else their current rank."""
    known = [(day, rank) for day, rank in rank_changes if day <= start and rank]
    return max(known)[1] if known else current


def mentee_label(name: str, named: bool, rank: str, division: str | None) -> str:
    """How a mentee appears in someone's dossier: by name, or, when they asked not to be
    named, as "a mentee (rank, division)"."""
    if named:
        return name
    where = f", {division}" if division else ""
    return f"a mentee ({RANK_LABELS.get(rank, rank).lower()}{where})"


def sustained_years(meeting_days: Iterable[date], start: date, end: date) -> list[int]:
    """The calendar years within [start, end] that hold at least one confirmed meeting:
    a year counts once however many meetings it has, so a burst of meetings in one year
    is one year of mentoring, and a gap year is not counted."""
    return sorted({day.year for day in meeting_days if start <= day <= end})


def overlaps(started_on: date, ended_on: date | None, start: date, end: date) -> bool:
    return started_on <= end and (ended_on is None or ended_on >= start)


def pooled_feedback(responses: int, k: int) -> bool:
    """Whether pooled released responses may be shown: at least k of them, never fewer."""
    return responses >= k


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal, as a string ("1.5"): no float noise in any format."""
    tenths = (minutes * 10 + 30) // 60
    return f"{tenths // 10}.{tenths % 10}"


def number_for(person_id: int, start: date, end: date, version: int) -> str:
    return f"DOS-{person_id:05d}-{start:%Y%m%d}-{end:%Y%m%d}-{version}"
