"""Who may be whose formal mentor, and how a year's meetings compare: pure rules as tables."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.mentorships.rules import (
    backdate_problem,
    expectation_applies,
    formal_mentor_refusal,
    is_backdated,
    meetings_status,
)

MENTEE = 10
DIRECTOR = 20
CO_DIRECTOR = 21
SUPERVISOR = 30
SOMEONE_ELSE = 40
DIRECTORS = frozenset({DIRECTOR, CO_DIRECTOR})

REPORTS_TO = "a formal mentor cannot be someone the mentee reports to"


def refusal_case(name, mentor, supervisor, directors, expected):
    return pytest.param(mentor, supervisor, directors, expected, id=name)


@pytest.mark.parametrize(
    ("mentor", "supervisor", "directors", "expected"),
    [
        refusal_case("self", MENTEE, None, DIRECTORS, "a person cannot be their own mentor"),
        refusal_case("self-with-a-supervisor", MENTEE, SUPERVISOR, DIRECTORS, "a person cannot be their own mentor"),
        refusal_case("director", DIRECTOR, None, DIRECTORS, "the mentor directs the mentee's division; " + REPORTS_TO),
        refusal_case(
            "co-director", CO_DIRECTOR, SUPERVISOR, DIRECTORS, "the mentor directs the mentee's division; " + REPORTS_TO
        ),
        # A director who is also the supervisor on record: the directorship is named.
        refusal_case(
            "director-and-supervisor",
            DIRECTOR,
            DIRECTOR,
            DIRECTORS,
            "the mentor directs the mentee's division; " + REPORTS_TO,
        ),
        refusal_case(
            "supervisor",
            SUPERVISOR,
            SUPERVISOR,
            DIRECTORS,
            "the mentor is the mentee's supervisor on record; " + REPORTS_TO,
        ),
        refusal_case(
            "supervisor-no-director",
            SUPERVISOR,
            SUPERVISOR,
            frozenset(),
            "the mentor is the mentee's supervisor on record; " + REPORTS_TO,
        ),
        refusal_case("ok", SOMEONE_ELSE, SUPERVISOR, DIRECTORS, None),
        refusal_case("ok-no-supervisor", SOMEONE_ELSE, None, DIRECTORS, None),
        refusal_case("ok-no-director", SOMEONE_ELSE, None, frozenset(), None),
        refusal_case("ok-directors-as-set", SOMEONE_ELSE, None, {DIRECTOR}, None),
    ],
)
def test_formal_mentor_refusal(mentor, supervisor, directors, expected):
    assert formal_mentor_refusal(mentor, MENTEE, supervisor, directors) == expected


@pytest.mark.parametrize("mentor", [DIRECTOR, SUPERVISOR])
def test_every_reporting_refusal_says_why_in_the_same_words(mentor):
    """People read this sentence in the API error: it names the rule, not just 'refused'."""
    reason = formal_mentor_refusal(mentor, MENTEE, SUPERVISOR, DIRECTORS)
    assert reason is not None and reason.endswith(REPORTS_TO)


@pytest.mark.parametrize(
    ("count", "expected_min", "expected_max", "status"),
    [
        (0, 3, 4, "below"),
        (2, 3, 4, "below"),
        (3, 3, 4, "met"),
        (4, 3, 4, "met"),
        (5, 3, 4, "above"),
        (12, 3, 4, "above"),
        # Expectations are configuration: another department's range is honoured as given.
        (1, 1, 1, "met"),
        (0, 1, 1, "below"),
        (2, 1, 1, "above"),
        (0, 0, 6, "met"),
        (6, 0, 6, "met"),
        (7, 0, 6, "above"),
    ],
)
def test_meetings_status(count, expected_min, expected_max, status):
    assert meetings_status(count, expected_min, expected_max) == status


@pytest.mark.parametrize(
    ("kind", "appointed_on", "today", "applies"),
    [
        ("formal", date(2022, 7, 1), date(2026, 11, 29), True),
        ("formal", date(2021, 7, 1), date(2026, 6, 30), True),
        ("formal", date(2021, 7, 1), date(2026, 7, 1), False),  # five years to the day
        ("formal", date(2004, 2, 29), date(2009, 2, 27), True),
        ("formal", date(2004, 2, 29), date(2009, 2, 28), False),
        ("formal", None, date(2026, 11, 29), True),
        ("peer_group", date(2025, 7, 1), date(2026, 11, 29), False),
        ("informal", date(2025, 7, 1), date(2026, 11, 29), False),
    ],
)
def test_the_yearly_expectation_is_for_formal_mentoring_in_the_first_years(kind, appointed_on, today, applies):
    assert expectation_applies(kind, appointed_on, today, 5) is applies


@pytest.mark.parametrize(
    ("started_on", "reason", "refused"),
    [
        (date(2026, 12, 6), None, False),  # today
        (date(2026, 11, 6), None, False),  # exactly 30 days ago: not back-dated
        (date(2026, 11, 5), None, True),  # 31 days ago
        (date(2026, 11, 5), "  ", True),  # a blank reason is no reason
        (date(2015, 3, 1), "Recorded late: agreed in 2015.", False),
        (date(2015, 3, 1), "", True),
    ],
)
def test_a_back_dated_start_needs_a_reason(started_on, reason, refused):
    problem = backdate_problem(started_on, date(2026, 12, 6), 30, reason)
    assert (problem is not None) == refused
    assert is_backdated(started_on, date(2026, 12, 6), 30) == (started_on < date(2026, 11, 6))
