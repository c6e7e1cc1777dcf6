"""The next reporting deadline My credits leads with: MOC years are reported by
31 January of the year after; in January last year's is still the next one."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.credits.frameworks import load_frameworks
from recognition.credits.rules import next_report_due

FRAMEWORKS = load_frameworks()


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 6), (2026, date(2027, 1, 31))),
        (date(2027, 1, 1), (2026, date(2027, 1, 31))),  # last year is still open
        (date(2027, 1, 31), (2026, date(2027, 1, 31))),  # its last day
        (date(2027, 2, 1), (2027, date(2028, 1, 31))),
        (date(2023, 6, 1), (2023, date(2024, 1, 31))),  # the cycles before 2024 report the same way
    ],
)
def test_moc_reports_each_year_by_the_end_of_the_next_january(today, expected):
    assert next_report_due(FRAMEWORKS["royal_college_moc"], today) == expected


@pytest.mark.parametrize("framework", ["ama_pra", "cfpc_mainpro", "department_points"])
def test_frameworks_without_a_reporting_day_have_no_deadline(framework):
    assert next_report_due(FRAMEWORKS[framework], date(2026, 12, 6)) is None
