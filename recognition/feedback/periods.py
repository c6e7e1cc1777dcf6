"""Feedback periods: calendar years ("2025") or academic years July–June ("2025-26").
Pure functions; which kind a deployment uses is configuration (FEEDBACK_PERIOD)."""

from __future__ import annotations

import re
from datetime import date

CALENDAR, ACADEMIC = "calendar", "academic"
KINDS = (CALENDAR, ACADEMIC)
_ACADEMIC_KEY = re.compile(r"^(\d{4})-(\d{2})$")
_CALENDAR_KEY = re.compile(r"^(\d{4})$")


def period_of(day: date, kind: str) -> str:
    if kind == CALENDAR:
        return str(day.year)
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def bounds(key: str, kind: str) -> tuple[date, date]:
    """First and last day of the period; ValueError for a key of the wrong shape."""
    if kind == CALENDAR and (match := _CALENDAR_KEY.match(key)):
        year = int(match.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    if kind == ACADEMIC and (match := _ACADEMIC_KEY.match(key)):
        start = int(match.group(1))
        if (start + 1) % 100 == int(match.group(2)):
            return date(start, 7, 1), date(start + 1, 6, 30)
    if kind == CALENDAR:
        raise ValueError("must be a calendar period like 2025")
    raise ValueError("must be an academic period (July–June) like 2025-26")


def previous(key: str, kind: str) -> str:
    start, _ = bounds(key, kind)
    return period_of(date(start.year - 1, start.month, start.day), kind)


def recent(today: date, kind: str, count: int) -> list[str]:
    """The current period and the ``count - 1`` before it, newest first."""
    keys = [period_of(today, kind)]
    while len(keys) < count:
        keys.append(previous(keys[-1], kind))
    return keys
