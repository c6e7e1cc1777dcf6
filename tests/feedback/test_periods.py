"""Feedback periods: calendar years and academic years (July–June), as pure tables."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.feedback.periods import ACADEMIC, CALENDAR, bounds, period_of, previous, recent

ACADEMIC_RULE = "must be an academic period (July–June) like 2025-26"


@pytest.mark.parametrize(
    ("day", "kind", "key"),
    [
        (date(2025, 1, 1), CALENDAR, "2025"),
        (date(2025, 6, 30), CALENDAR, "2025"),
        (date(2025, 7, 1), CALENDAR, "2025"),
        (date(2025, 12, 31), CALENDAR, "2025"),
        (date(2026, 1, 1), CALENDAR, "2026"),
        (date(2025, 6, 30), ACADEMIC, "2024-25"),
        (date(2025, 7, 1), ACADEMIC, "2025-26"),
        (date(2025, 12, 31), ACADEMIC, "2025-26"),
        (date(2026, 1, 1), ACADEMIC, "2025-26"),
        (date(2026, 6, 30), ACADEMIC, "2025-26"),
        (date(1999, 7, 1), ACADEMIC, "1999-00"),
        (date(2000, 3, 1), ACADEMIC, "1999-00"),
    ],
)
def test_period_of(day, kind, key):
    assert period_of(day, kind) == key


@pytest.mark.parametrize(
    ("key", "kind", "first", "last"),
    [
        ("2025", CALENDAR, date(2025, 1, 1), date(2025, 12, 31)),
        ("2024", CALENDAR, date(2024, 1, 1), date(2024, 12, 31)),
        ("2025-26", ACADEMIC, date(2025, 7, 1), date(2026, 6, 30)),
        ("1999-00", ACADEMIC, date(1999, 7, 1), date(2000, 6, 30)),
    ],
)
def test_bounds(key, kind, first, last):
    assert bounds(key, kind) == (first, last)
    # Every day in the bounds belongs to the period, and the days either side do not.
    assert period_of(first, kind) == period_of(last, kind) == key
    assert period_of(date.fromordinal(first.toordinal() - 1), kind) != key
    assert period_of(date.fromordinal(last.toordinal() + 1), kind) != key


@pytest.mark.parametrize(
    ("key", "kind", "rule"),
    [
        ("2025-26", CALENDAR, "must be a calendar period like 2025"),
        ("25", CALENDAR, "must be a calendar period like 2025"),
        ("", CALENDAR, "must be a calendar period like 2025"),
        ("2025 ", CALENDAR, "must be a calendar period like 2025"),
        ("2025", ACADEMIC, ACADEMIC_RULE),
        ("2025-27", ACADEMIC, ACADEMIC_RULE),
        ("2025-2026", ACADEMIC, ACADEMIC_RULE),
        ("2025/26", ACADEMIC, ACADEMIC_RULE),
        ("1999-99", ACADEMIC, ACADEMIC_RULE),
    ],
)
def test_a_key_of_the_wrong_shape_is_refused_with_the_rule(key, kind, rule):
    with pytest.raises(ValueError) as refused:
        bounds(key, kind)
    assert str(refused.value) == rule


@pytest.mark.parametrize(
    ("key", "kind", "before"),
    [
        ("2025", CALENDAR, "2024"),
        ("2000", CALENDAR, "1999"),
        ("2025-26", ACADEMIC, "2024-25"),
        ("2000-01", ACADEMIC, "1999-00"),
    ],
)
def test_previous(key, kind, before):
    assert previous(key, kind) == before


def test_previous_refuses_a_bad_key():
    with pytest.raises(ValueError, match="must be a calendar period"):
        previous("2025-26", CALENDAR)


@pytest.mark.parametrize(
    ("today", "kind", "count", "keys"),
    [
        (date(2026, 11, 20), CALENDAR, 1, ["2026"]),
        (date(2026, 11, 20), CALENDAR, 3, ["2026", "2025", "2024"]),
        (date(2026, 1, 1), CALENDAR, 2, ["2026", "2025"]),
        (date(2026, 6, 30), ACADEMIC, 3, ["2025-26", "2024-25", "2023-24"]),
        (date(2026, 7, 1), ACADEMIC, 2, ["2026-27", "2025-26"]),
        (date(2026, 12, 31), ACADEMIC, 1, ["2026-27"]),
    ],
)
def test_recent_is_newest_first(today, kind, count, keys):
    assert recent(today, kind, count) == keys
