"""The milestone rules, as tables: what each kind takes and needs, dates, lengths, how a
grant known by its year is dated, and what a milestone's status is."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.milestones import rules
from recognition.people.models import RANKS

TODAY = date(2025, 6, 15)


def check(**fields):
    return rules.problems(rules.cleaned(fields), TODAY, RANKS)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "appointment", "occurred_on": date(2019, 7, 1)},
        {"kind": "appointment", "occurred_on": date(2019, 7, 1), "rank": "assistant"},
        {"kind": "cfar", "occurred_on": date(2022, 7, 1), "outcome": "passed"},
        {"kind": "cfar", "occurred_on": date(2022, 7, 1), "outcome": "extended", "note": "Re-review in two years"},
        {"kind": "promotion", "occurred_on": date(2024, 7, 1), "rank": "associate"},
        {"kind": "grant", "title": "T", "agency": "CIHR", "role": "PI", "year": 2021},
        {"kind": "grant", "title": "T", "agency": "CIHR", "role": "PI", "occurred_on": date(2021, 3, 2)},
        {"kind": "grant", "title": "T", "agency": "CIHR", "role": "PI", "occurred_on": date(2021, 3, 2), "year": 2021},
        {"kind": "external_award", "title": "Teacher of the year", "agency": "CAME", "occurred_on": date(2020, 5, 1)},
        {"kind": "leadership", "title": "Program director", "agency": "Internal medicine", "occurred_on": TODAY},
        {"kind": "appointment", "occurred_on": date(1950, 1, 1), "note": "x" * rules.MAX_NOTE},
        {"kind": "check_in", "occurred_on": date(2025, 2, 3)},
        {"kind": "check_in", "occurred_on": date(2025, 2, 3), "role": "Vice-Chair, Faculty Affairs"},
    ],
)
def test_a_complete_milestone_breaks_no_rule(fields):
    assert check(**fields) == {}


@pytest.mark.parametrize(
    "fields, field, rule",
    [
        (
            {"kind": "tenure", "occurred_on": TODAY},
            "kind",
            "must be one of appointment, cfar, promotion, grant, external_award, leadership, check_in",
        ),
        ({"kind": "appointment"}, "occurred_on", "is required"),
        ({"kind": "appointment", "occurred_on": date(2025, 6, 16)}, "occurred_on", "must not be in the future"),
        ({"kind": "appointment", "occurred_on": date(1949, 12, 31)}, "occurred_on", "must not be before 1950-01-01"),
        (
            {"kind": "appointment", "occurred_on": TODAY, "rank": "emeritus"},
            "rank",
            "must be one of lecturer, assistant, associate, full",
        ),
        (
            {"kind": "appointment", "occurred_on": TODAY, "outcome": "passed"},
            "outcome",
            "must be blank for an appointment",
        ),
        ({"kind": "cfar", "occurred_on": TODAY}, "outcome", "is required for a CFAR (passed or extended)"),
        ({"kind": "cfar", "occurred_on": TODAY, "outcome": "failed"}, "outcome", "must be passed or extended"),
        (
            {"kind": "cfar", "occurred_on": TODAY, "outcome": "passed", "rank": "full"},
            "rank",
            "must be blank for a CFAR",
        ),
        ({"kind": "promotion", "occurred_on": TODAY}, "rank", "is required for a promotion (the rank reached)"),
        (
            {"kind": "promotion", "occurred_on": TODAY, "rank": "dean"},
            "rank",
            "must be one of lecturer, assistant, associate, full",
        ),
        (
            {"kind": "promotion", "occurred_on": TODAY, "rank": "full", "title": "Professor"},
            "title",
            "must be blank for a promotion",
        ),
        (
            {"kind": "grant", "agency": "CIHR", "role": "PI", "year": 2021},
            "title",
            "is required for a grant (the grant's title)",
        ),
        (
            {"kind": "grant", "title": "T", "role": "PI", "year": 2021},
            "agency",
            "is required for a grant (the funding agency)",
        ),
        (
            {"kind": "grant", "title": "T", "agency": "CIHR", "year": 2021},
            "role",
            "is required for a grant (the role on it, e.g. principal investigator)",
        ),
        (
            {"kind": "grant", "title": "T", "agency": "CIHR", "role": "PI"},
            "occurred_on",
            "is required (or give the grant's year)",
        ),
        (
            {"kind": "grant", "title": "T", "agency": "CIHR", "role": "PI", "year": 2026},
            "year",
            "must be a year from 1950 to 2025",
        ),
        (
            {"kind": "grant", "title": "T", "agency": "CIHR", "role": "PI", "year": 1949},
            "year",
            "must be a year from 1950 to 2025",
        ),
        (
            {
                "kind": "grant",
                "title": "T",
                "agency": "CIHR",
                "role": "PI",
                "year": 2020,
                "occurred_on": date(2021, 1, 5),
            },
            "year",
            "must be the year of the date given (2021), or leave one of them out",
        ),
        (
            {"kind": "grant", "title": "x" * 301, "agency": "CIHR", "role": "PI", "year": 2020},
            "title",
            "must be at most 300 characters",
        ),
        (
            {"kind": "external_award", "title": "Award", "occurred_on": TODAY},
            "agency",
            "is required for an external award (the awarding body)",
        ),
        (
            {"kind": "external_award", "title": "Award", "agency": "a" * 201, "occurred_on": TODAY},
            "agency",
            "must be at most 200 characters",
        ),
        (
            {"kind": "external_award", "title": "Award", "agency": "Body", "occurred_on": TODAY, "year": 2020},
            "year",
            "must be blank for an external award",
        ),
        (
            {"kind": "leadership", "agency": "Hospital", "occurred_on": TODAY},
            "title",
            "is required for a leadership appointment (the position)",
        ),
        (
            {"kind": "leadership", "title": "   ", "agency": "Hospital", "occurred_on": TODAY},
            "title",
            "is required for a leadership appointment (the position)",
        ),
        ({"kind": "appointment", "occurred_on": TODAY, "note": "x" * 2001}, "note", "must be at most 2000 characters"),
        ({"kind": "check_in", "occurred_on": TODAY, "title": "Chat"}, "title", "must be blank for a check-in"),
    ],
)
def test_each_broken_rule_names_its_field(fields, field, rule):
    found = check(**fields)
    assert rule in found.get(field, []), found


@pytest.mark.parametrize(
    "fields, expected_day, expected_year",
    [
        ({"year": 2021}, date(2021, 7, 1), 2021),  # only the year: 1 July
        ({"year": 2025}, date(2025, 6, 15), 2025),  # this year, before 1 July: today, never the future
        ({"occurred_on": date(2021, 3, 2)}, date(2021, 3, 2), 2021),  # only the date: its year
        ({"occurred_on": date(2021, 3, 2), "year": 2021}, date(2021, 3, 2), 2021),
    ],
)
def test_a_grant_is_dated_from_its_year_or_given_its_dates_year(fields, expected_day, expected_year):
    base = {"kind": "grant", "title": "T", "agency": "CIHR", "role": "PI", **fields}
    done = rules.completed(rules.cleaned(base), TODAY)
    assert (done["occurred_on"], done["year"]) == (expected_day, expected_year)


@pytest.mark.parametrize(
    "source, reversed_, confirmed, corrected, state",
    [
        ("entered", False, False, False, "standing"),
        ("imported", False, False, False, "standing"),
        ("self_reported", False, False, False, "pending"),
        ("self_reported", False, True, False, "standing"),
        ("self_reported", True, False, False, "withdrawn"),
        ("entered", True, False, False, "withdrawn"),
        ("entered", True, False, True, "corrected"),
        ("self_reported", True, True, True, "corrected"),
    ],
)
def test_status(source, reversed_, confirmed, corrected, state):
    assert rules.status_of(source=source, reversed_=reversed_, confirmed=confirmed, corrected=corrected) == state


@pytest.mark.parametrize(
    "reason, problem",
    [
        ("", "must not be blank: say why"),
        ("   ", "must not be blank: say why"),
        ("x" * 2001, "must be at most 2000 characters"),
        ("Wrong person", None),
    ],
)
def test_a_withdrawal_or_correction_needs_a_reason(reason, problem):
    assert rules.reason_problems(reason).get("reason", [None])[0] == problem


def test_blank_text_is_none_and_the_fingerprint_changes_with_any_field():
    fields = rules.cleaned({"kind": "leadership", "title": " Chief ", "agency": "", "note": None})
    assert (fields["title"], fields["agency"], fields["note"]) == ("Chief", None, "")
    base = {
        "person_id": 1,
        "kind": "promotion",
        "occurred_on": date(2024, 7, 1),
        "rank": "full",
        "note": "",
        "source": "entered",
        "corrects_id": None,
        "recorded_by_id": 2,
    }
    assert rules.fingerprint(base).startswith(rules.NOTE_PREFIX)
    assert rules.fingerprint(base) == rules.fingerprint({**base, "occurred_on": "2024-07-01"})
    for name, other in (
        ("person_id", 3),
        ("rank", "associate"),
        ("occurred_on", date(2024, 7, 2)),
        ("note", "x"),
        ("source", "imported"),
        ("recorded_by_id", 4),
        ("corrects_id", 9),
    ):
        assert rules.fingerprint({**base, name: other}) != rules.fingerprint(base), name


@pytest.mark.parametrize(
    "appointed_on, cfars, due",
    [
        (date(2023, 7, 1), [], date(2026, 7, 1)),  # three years after the appointment
        (date(2024, 2, 29), [], date(2027, 2, 28)),  # a 29 February appointment: 28 February
        (date(2023, 12, 31), [], date(2026, 12, 31)),  # the last day of a year stays in its year
        (None, [], None),  # nothing to count from: not guessed
        (date(2023, 7, 1), [(date(2026, 6, 30), "passed")], None),  # passed: nothing due
        (date(2023, 7, 1), [(date(2026, 6, 30), "extended")], date(2028, 6, 30)),  # re-review two years on
        (date(2022, 2, 28), [(date(2024, 2, 29), "extended")], date(2026, 2, 28)),  # extended on 29 February
        # The latest recorded outcome decides: extended, then passed at the re-review.
        (date(2021, 7, 1), [(date(2024, 7, 1), "extended"), (date(2026, 7, 1), "passed")], None),
        (None, [(date(2025, 1, 15), "extended")], date(2027, 1, 15)),  # recorded without an appointment date
    ],
)
def test_a_cfar_is_due_from_the_appointment_or_the_last_extension_and_never_after_passing(appointed_on, cfars, due):
    assert rules.cfar_due(appointed_on, cfars, years=3, extension_years=2) == due


def test_a_check_in_names_who_held_it_when_given():
    assert rules.describe("check_in", {"role": "Vice-Chair"}, {}) == "Check-in with Vice-Chair"
    assert rules.describe("check_in", {}, {}) == "Check-in"
