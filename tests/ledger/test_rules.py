"""What may enter the ledger: ``contribution_problems`` as tables."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.ledger.rules import (
    CONFIRMABLE,
    EARLIEST,
    KINDS,
    LABELS,
    MAX_MINUTES,
    contribution_problems,
    counterparts,
    may_record_personal,
    may_reverse,
)
from recognition.ledger.rules import (
    PERSONAL as PERSONAL_KINDS,
)

TODAY = date(2025, 6, 15)
OPEN = (date(2024, 1, 1), None)  # a running mentorship
ENDED = (date(2024, 1, 1), date(2024, 12, 31))
A_DAY = date(2025, 3, 1)

NEEDS_MENTORSHIP = ["meeting", "academic_plan_review", "peer_group_session"]
PERSONAL = [
    "sponsorship_action",
    "mentor_training",
    "mentoring_preparation",
    "other",
    "feedback_reflection",
    "award_received",
    "milestone",
]


def test_the_kind_tables_agree():
    """Every kind is either tied to a mentorship or personal work, never both or neither."""
    assert sorted(NEEDS_MENTORSHIP + PERSONAL) == sorted(KINDS)
    assert [kind for kind, needs in KINDS.items() if needs] == NEEDS_MENTORSHIP


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_accepted_with_good_input(kind):
    assert contribution_problems(kind, A_DAY, 60, TODAY, OPEN, own_operation=True) == {}


@pytest.mark.parametrize(
    ("kind", "subject", "actor", "is_admin", "allowed"),
    [
        # A mentee must not write credit-earning work into their mentor's ledger.
        ("mentor_training", 1, 2, False, False),
        ("mentoring_preparation", 1, 2, False, False),
        ("other", 1, 2, False, False),
        ("mentor_training", 1, 1, False, True),
        ("mentoring_preparation", 1, 1, False, True),
        ("mentor_training", 1, 3, True, True),  # an administrator, recorded as the recorder
        # Work between two people: either of them (the mentorship decides who they are).
        ("meeting", 1, 2, False, True),
        ("sponsorship_action", 1, 2, False, True),
    ],
)
def test_who_may_record_personal_work(kind, subject, actor, is_admin, allowed):
    assert may_record_personal(kind, subject, actor, is_admin) is allowed


def test_personal_kinds_are_exactly_the_kinds_no_counterpart_shares():
    assert {
        "mentor_training",
        "mentoring_preparation",
        "other",
        "feedback_reflection",
        "award_received",
        "milestone",
    } == PERSONAL_KINDS
    assert not PERSONAL_KINDS & CONFIRMABLE
    assert not any(KINDS[kind] for kind in PERSONAL_KINDS)


def test_a_reflection_comes_only_through_its_own_operation():
    problems = contribution_problems("feedback_reflection", A_DAY, 60, TODAY, None)
    assert problems["kind"] == ["is recorded with its own form (a reflection: POST /api/v1/reflections)"]


@pytest.mark.parametrize(
    ("kind", "required"),
    [
        ("meeting", True),
        ("academic_plan_review", True),
        ("peer_group_session", True),
        ("sponsorship_action", False),
        ("mentor_training", False),
        ("mentoring_preparation", False),
        ("other", False),
    ],
)
def test_mentorship_is_required_only_for_work_between_two_people(kind, required):
    problems = contribution_problems(kind, A_DAY, 60, TODAY, None)
    if required:
        assert list(problems) == ["mentorship_id"]
        # The rule names the kind in words a person reads.
        (rule,) = problems["mentorship_id"]
        assert rule.startswith("is required for ") and rule.endswith(LABELS[kind].lower())
    else:
        assert problems == {}


@pytest.mark.parametrize("kind", ["", "Meeting", "coffee", "meeting "])
def test_unknown_kind_is_refused_and_listed(kind):
    problems = contribution_problems(kind, A_DAY, 60, TODAY, OPEN)
    assert list(problems) == ["kind"]
    assert problems["kind"][0].startswith("must be one of meeting, ")


@pytest.mark.parametrize(
    ("occurred_on", "span", "expected"),
    [
        (TODAY, OPEN, []),  # today is fine
        (date(2025, 6, 16), OPEN, ["must not be in the future"]),
        (date(2030, 1, 1), None, ["must not be in the future"]),
        (date(2024, 1, 1), OPEN, []),  # the day it started
        (date(2023, 12, 31), OPEN, ["must not be before the mentorship started (2024-01-01)"]),
        (date(2024, 12, 31), ENDED, []),  # the day it ended
        (date(2025, 1, 1), ENDED, ["must not be after the mentorship ended (2024-12-31)"]),
        (EARLIEST, None, []),
        (date(1949, 12, 31), None, ["must not be before 1950-01-01"]),
        # Both a future date and after the end: each rule is named.
        (date(2025, 7, 1), ENDED, ["must not be in the future", "must not be after the mentorship ended (2024-12-31)"]),
    ],
)
def test_occurred_on_rules(occurred_on, span, expected):
    problems = contribution_problems("other", occurred_on, 60, TODAY, span)
    assert problems.get("occurred_on", []) == expected
    assert set(problems) <= {"occurred_on"}


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, []),
        (1, []),
        (MAX_MINUTES, []),
        (MAX_MINUTES + 1, [f"must be between 0 and {MAX_MINUTES}"]),
        (-1, [f"must be between 0 and {MAX_MINUTES}"]),
        (10**9, [f"must be between 0 and {MAX_MINUTES}"]),
    ],
)
def test_minutes_bounds(minutes, expected):
    assert contribution_problems("other", A_DAY, minutes, TODAY, None).get("minutes", []) == expected


@pytest.mark.parametrize(
    ("kind", "zero_allowed"),
    [
        ("meeting", False),
        ("peer_group_session", False),
        ("mentor_training", False),
        ("academic_plan_review", True),
        ("sponsorship_action", True),
        ("mentoring_preparation", True),
        ("other", True),
    ],
)
def test_zero_minutes_only_where_time_is_not_the_point(kind, zero_allowed):
    problems = contribution_problems(kind, A_DAY, 0, TODAY, OPEN)
    assert problems == ({} if zero_allowed else {"minutes": ["must be more than 0 for this kind"]})


def test_every_broken_rule_is_reported_at_once():
    problems = contribution_problems("meeting", date(2026, 1, 1), 2000, TODAY, None)
    assert problems == {
        "mentorship_id": ["is required for a meeting"],
        "occurred_on": ["must not be in the future"],
        "minutes": [f"must be between 0 and {MAX_MINUTES}"],
    }


MENTOR, MENTEE, ADMIN, OUTSIDER = 1, 2, 3, 4
PAIR = (MENTOR, MENTEE)


@pytest.mark.parametrize(
    ("actor", "is_admin", "subject", "recorder", "kind", "pair", "allowed"),
    [
        # A meeting the mentee logged is about the mentor: the mentor may reverse it.
        (MENTOR, False, MENTOR, MENTEE, "meeting", PAIR, True),
        (MENTEE, False, MENTOR, MENTEE, "meeting", PAIR, True),
        # A meeting the mentor logged: the mentee may dispute it (it is about them too).
        (MENTEE, False, MENTOR, MENTOR, "meeting", PAIR, True),
        (OUTSIDER, False, MENTOR, MENTOR, "meeting", PAIR, False),
        (ADMIN, True, MENTOR, MENTOR, "meeting", PAIR, True),
        # Personal work an administrator recorded: the person may reverse it.
        (MENTOR, False, MENTOR, ADMIN, "mentor_training", None, True),
        (MENTOR, False, MENTOR, MENTOR, "mentoring_preparation", None, True),
        # Nobody else's personal work, even if they share a mentorship.
        (MENTEE, False, MENTOR, MENTOR, "mentor_training", None, False),
        (MENTEE, False, MENTOR, MENTOR, "mentor_training", PAIR, False),
        (OUTSIDER, False, MENTOR, ADMIN, "mentoring_preparation", None, False),
    ],
)
def test_who_may_reverse(actor, is_admin, subject, recorder, kind, pair, allowed):
    assert may_reverse(actor, is_admin, subject_id=subject, recorder_id=recorder, kind=kind, pair=pair) is allowed


MENTOR, MENTEE, ADMIN = 3, 4, 1


@pytest.mark.parametrize(
    ("entry_type", "kind", "recorder", "pair", "asked"),
    [
        ("contribution", "meeting", MENTOR, (MENTOR, MENTEE), {MENTEE}),
        ("contribution", "meeting", MENTEE, (MENTOR, MENTEE), {MENTOR}),
        ("contribution", "academic_plan_review", ADMIN, (MENTOR, MENTEE), {MENTOR, MENTEE}),  # either confirms
        ("contribution", "mentor_training", MENTOR, (MENTOR, MENTEE), set()),  # one's own work
        ("contribution", "meeting", MENTOR, None, set()),
        ("confirmation", None, MENTEE, (MENTOR, MENTEE), set()),
    ],
)
def test_who_is_asked_to_confirm_is_the_other_person_or_both_when_neither_recorded_it(
    entry_type, kind, recorder, pair, asked
):
    assert counterparts(entry_type, kind, recorder, pair) == asked
