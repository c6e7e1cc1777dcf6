"""Case rules as tables: the target rank, the due date, the period's defaults."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.cases import rules

ABOVE = "must be above the candidate's current rank ({})"


@pytest.mark.parametrize(
    "kind, current, target, problem",
    [
        ("promotion", "assistant", "associate", None),
        ("promotion", "assistant", "full", None),
        ("promotion", "lecturer", "assistant", None),
        ("promotion", "associate", "associate", ABOVE.format("associate")),
        ("promotion", "full", "associate", ABOVE.format("full")),
        ("promotion", "full", "full", ABOVE.format("full")),
        ("promotion", "assistant", None, "is required for a promotion case"),
        ("promotion", "assistant", "emeritus", "must be one of lecturer, assistant, associate, full"),
        ("cfar", "assistant", None, None),
        ("cfar", "assistant", "associate", "must be empty for a CFAR case (only a promotion has a target rank)"),
    ],
)
def test_target_rank(kind, current, target, problem):
    assert rules.target_rank_problem(kind, current, target) == problem


@pytest.mark.parametrize(
    "roster, promoted, now",
    [
        ("assistant", [], "assistant"),
        ("assistant", ["associate"], "associate"),  # a recorded promotion the roster has not caught up with
        ("full", ["associate"], "full"),
        ("lecturer", ["assistant", "associate"], "associate"),
    ],
)
def test_current_rank_is_the_higher_of_roster_and_recorded_promotions(roster, promoted, now):
    assert rules.current_rank(roster, promoted) == now


@pytest.mark.parametrize(
    "due, problem",
    [
        (None, "is required"),
        (date(2027, 1, 9), "must not be in the past"),
        (date(2027, 1, 10), None),
        (date(2030, 1, 1), None),
    ],
)
def test_due_date(due, problem):
    assert rules.due_problem(due, date(2027, 1, 10)) == problem


DUE = date(2027, 6, 30)
PROMOTED = date(2022, 7, 1)
APPOINTED = date(2018, 1, 15)
NEITHER = "is required: the candidate has no recorded promotion and no appointment date to count from"


@pytest.mark.parametrize(
    "start, end, last_promotion, appointed, expected_start, expected_end, problems, source",
    [
        # Nothing given: from the last recorded promotion, else the appointment; to the due date.
        (None, None, PROMOTED, APPOINTED, PROMOTED, DUE, {}, "last recorded promotion"),
        (None, None, None, APPOINTED, APPOINTED, DUE, {}, "appointment date"),
        (None, None, None, None, None, DUE, {"period_start": [NEITHER]}, "given"),
        # Given: kept.
        (date(2020, 1, 1), date(2026, 12, 31), PROMOTED, APPOINTED, date(2020, 1, 1), date(2026, 12, 31), {}, "given"),
        (date(2020, 1, 1), None, None, None, date(2020, 1, 1), DUE, {}, "given"),
        # Refused.
        (
            None,
            date(2027, 7, 1),
            None,
            APPOINTED,
            APPOINTED,
            date(2027, 7, 1),
            {"period_end": ["must not be after the due date"]},
            "appointment date",
        ),
        (
            date(2026, 1, 1),
            date(2025, 1, 1),
            None,
            None,
            date(2026, 1, 1),
            date(2025, 1, 1),
            {"period_end": ["must not be before the period's start (2026-01-01)"]},
            "given",
        ),
    ],
)
def test_period(start, end, last_promotion, appointed, expected_start, expected_end, problems, source):
    assert rules.period(start, end, DUE, last_promotion, appointed) == (expected_start, expected_end, problems, source)
