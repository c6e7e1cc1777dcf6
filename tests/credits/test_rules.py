"""What activities earn and how a cycle stands: tables of hand-computed cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.credits.frameworks import load_frameworks, parse
from recognition.credits.rules import (
    Activity,
    claim,
    compute_credits,
    credits_in_year,
    cycle_anchor,
    cycle_holding,
    cycle_progress,
    round_to,
    settles_year,
    totals,
)
from recognition.ledger.rules import KINDS

FRAMEWORKS = load_frameworks()
MOC, MAINPRO, AMA, POINTS = (
    FRAMEWORKS[name] for name in ("royal_college_moc", "cfpc_mainpro", "ama_pra", "department_points")
)
SOURCE = {"report_met_k": True}


def act(kind, minutes=60, on=date(2024, 3, 1), **flags) -> Activity:
    return Activity(ref=None, kind=kind, on=on, minutes=minutes, **flags)


def one(framework, activity):
    return compute_credits(framework, [activity])[0]


@pytest.mark.parametrize(
    ("value", "step", "mode", "expected"),
    [
        ("0.8333", "0.25", "down", "0.75"),
        ("0.8333", "0.25", "nearest", "0.75"),
        ("0.8333", "0.25", "up", "1"),
        ("0.875", "0.25", "nearest", "1"),
        ("0.875", "0.25", "down", "0.75"),
        ("1.665", "0.01", "nearest", "1.67"),
        ("1.5", "1", "down", "1"),
        ("2", "0.25", "up", "2"),
    ],
)
def test_rounding_to_a_step(value, step, mode, expected):
    assert round_to(D(value), D(step), mode) == D(expected)


@pytest.mark.parametrize("on", [date(2023, 6, 1), date(2024, 6, 1)], ids=["pre-2024", "2024+"])
@pytest.mark.parametrize(
    ("activity", "section", "credits", "reason"),
    [
        # Credits come from hours to the nearest 0.01 hour, as MAINPORT computes them from the
        # hours typed in: 40 minutes are 0.67 hour, 2.01 credits.
        (act("feedback_reflection", 40, **SOURCE), "section_3", "2.01", ""),
        (act("feedback_reflection", 40, external_source="CFAR teaching evaluations"), "section_3", "2.01", ""),
        (
            act("feedback_reflection", 40),
            "section_3",
            "0",
            (
                "earns nothing: it must link to a feedback report that "
                "reached the anonymity threshold (k) or name an external feedback source"
            ),
        ),
        (act("feedback_reflection", 40, report_met_k=False, external_source="  "), "section_3", "0", "earns nothing"),
        (act("mentoring_preparation", 50), "section_2", "1.66", ""),  # 0.83 hour x 2
        (act("mentoring_preparation", 45), "section_2", "1.5", ""),
        (act("mentor_training", 90, accredited=True), "section_1", "1.5", ""),
        (act("mentor_training", 90), "section_1", "0.75", ""),
        (act("mentor_training", 25), "section_1", "0.21", ""),
        (act("meeting", 60, confirmed=True), None, "0", "Meeting earns no credits in Royal College MOC Program"),
        (act("academic_plan_review", confirmed=True), None, "0", "Academic-plan review earns no credits"),
        (act("peer_group_session", confirmed=True), None, "0", "earns no credits"),
        (act("sponsorship_action", confirmed=True), None, "0", "earns no credits"),
        (act("other", 120), None, "0", "Other earns no credits"),
    ],
)
def test_moc_rates_in_both_eras(on, activity, section, credits, reason):
    credit = one(MOC, Activity(**{**activity.__dict__, "on": on}))
    assert (credit.section, credit.credits) == (section, D(credits))
    assert reason in credit.reason and bool(credit.reason) == bool(reason)
    assert credit.version == (date(2000, 1, 1) if on.year < 2024 else date(2024, 1, 1))


# The AMA asks for the nearest quarter hour: a quarter is 15 minutes, so 7 minutes past one
# round down and 8 up. A tie (7.5 minutes past) cannot happen in whole minutes; it would go up.
@pytest.mark.parametrize(
    ("activity", "section", "credits", "reason"),
    [
        (act("mentor_training", 50, accredited=True), "category_1", "0.75", ""),
        (act("mentor_training", 52, accredited=True), "category_1", "0.75", ""),
        (act("mentor_training", 53, accredited=True), "category_1", "1", ""),  # 0.88 h: up to 1, not down to 0.75
        (act("mentor_training", 60, accredited=True), "category_1", "1", ""),
        (act("mentor_training", 74, accredited=True), "category_1", "1.25", ""),  # 1.23 h: nearest, not down to 1
        (act("mentor_training", 89, accredited=True), "category_1", "1.5", ""),
        (act("mentor_training", 7, accredited=True), "category_1", "0", "too short: rounds down to 0 in steps of 0.25"),
        (act("mentor_training", 8, accredited=True), "category_1", "0.25", ""),
        (act("mentor_training", 22), "category_2", "0.25", ""),
        (act("mentor_training", 23), "category_2", "0.5", ""),
        (act("mentor_training", 90), "category_2", "1.5", ""),
        (act("feedback_reflection", 30, **SOURCE), "category_2", "0.5", ""),
        (act("mentoring_preparation", 100), "category_2", "1.75", ""),
        (act("meeting", 60, confirmed=True), None, "0", "Meeting earns no credits in AMA PRA Category 1 and 2"),
    ],
)
def test_ama_rates_round_to_the_nearest_quarter_hour(activity, section, credits, reason):
    credit = one(AMA, activity)
    assert (credit.section, credit.credits, credit.reason) == (section, D(credits), reason)


@pytest.mark.parametrize(
    ("activity", "section", "credits", "year"),
    [
        (act("feedback_reflection", 90, **SOURCE), "certified_assessment", "1.5", 2023),
        (act("mentor_training", 50, accredited=True), "certified", "0.75", 2023),
        (act("mentor_training", 55, accredited=True), "certified", "1", 2023),  # 0.92 h to the nearest quarter
        (act("mentor_training", 60, on=date(2024, 6, 30)), "non_certified", "1", 2023),
        (act("mentoring_preparation", 60, on=date(2024, 7, 1)), "non_certified", "1", 2024),  # July-June years
    ],
)
def test_mainpro_rates_and_july_to_june_years(activity, section, credits, year):
    credit = one(MAINPRO, activity)
    assert (credit.section, credit.credits, credit.year) == (section, D(credits), year)


def test_moc_unaccredited_training_is_capped_at_50_a_cycle_and_the_next_cycle_starts_afresh():
    day = date(2024, 2, 1)
    workshop_days = [act("mentor_training", 480, on=day) for _ in range(12)]  # 12 x 4 = 48
    activities = workshop_days + [
        act("mentor_training", 300, on=date(2025, 1, 1)),  # 2.5: 2 left of 50
        act("mentor_training", 480, on=date(2026, 1, 1)),  # nothing left
        act("mentor_training", 480, on=date(2026, 1, 1), accredited=True),  # not capped
        act("mentor_training", 480, on=date(2029, 1, 1)),
    ]  # next cycle
    credits = compute_credits(MOC, activities, cycle_start=date(2024, 1, 1))
    assert [c.credits for c in credits] == [D(4)] * 12 + [D(2), D(0), D(8), D(4)]
    assert (
        credits[12].reason == credits[13].reason == "capped: 50 credits at most for unaccredited_training (per cycle)"
    )
    assert totals(credits).by_section == {"section_1": D(62)}


def test_caps_go_to_the_earliest_activities_whatever_the_input_order():
    later = [act("mentor_training", 480, on=date(2025, 1, 1)) for _ in range(13)]
    earlier = [act("mentor_training", 480, on=date(2024, 1, 1)) for _ in range(13)]
    credits = compute_credits(MOC, later + earlier, cycle_start=date(2024, 1, 1))
    assert sum(c.credits for c in credits[:13]) == D(0)
    assert [c.credits for c in credits[13:]] == [D(4)] * 12 + [D(2)]


def test_mainpro_non_certified_is_capped_at_125_a_cycle_across_rules():
    prep = [act("mentoring_preparation", 240, on=date(2021, 1, 1)) for _ in range(30)]  # 120
    credits = compute_credits(
        MAINPRO,
        prep
        + [
            act("mentor_training", 480, on=date(2022, 1, 1)),
            act("mentor_training", 480, on=date(2022, 1, 2), accredited=True),
        ],
        cycle_start=date(2020, 7, 1),
    )
    assert [c.credits for c in credits[-2:]] == [D(5), D(8)]
    assert credits[-2].reason == "capped: 125 credits at most for Non-certified (per cycle)"


def test_department_points_cap_meetings_per_mentee_per_year():
    def meeting(mentee, on, confirmed=True):
        return act("meeting", 45, on=on, confirmed=confirmed, mentee_id=mentee)

    activities = (
        [meeting(1, date(2024, m, 1)) for m in range(1, 7)]  # 1,1,1,1 then capped
        + [meeting(2, date(2024, 3, 1)), meeting(2, date(2024, 4, 1), confirmed=False)]
        + [meeting(1, date(2025, 1, 1))]
    )  # a new year
    credits = compute_credits(POINTS, activities)
    assert [c.credits for c in credits] == [D(1)] * 4 + [D(0), D(0), D(1), D(0), D(1)]
    assert credits[4].reason == "capped: 4 points at most for confirmed_meeting (per mentee per year)"
    assert credits[7].reason == "earns nothing: the other person must have confirmed it"
    assert totals(credits).by_year == {2024: D(5), 2025: D(1)}


@pytest.mark.parametrize(
    ("activities", "points"),
    [
        ([act("feedback_reflection", 30, **SOURCE)] * 3, [3, 3, 0]),  # 6 a year
        ([act("feedback_reflection", 30)], [0]),
        ([act("mentor_training", 30)] * 3, [5, 5, 0]),  # 10 a year, accredited or not
        ([act("mentoring_preparation", 90), act("mentoring_preparation", 300)], [1, 4]),  # 1/h, 5 a year
        ([act("academic_plan_review", confirmed=True, mentee_id=7)] * 2, [2, 0]),
        ([act("sponsorship_action", confirmed=True)] * 6, [2, 2, 2, 2, 2, 0]),
        ([act("other", 600)], [0]),
    ],
)
def test_department_points_table(activities, points):
    assert [c.credits for c in compute_credits(POINTS, activities)] == [D(p) for p in points]


def test_an_activity_is_credited_under_the_version_in_force_on_its_date():
    data = {
        "id": "t",
        "name": "Test",
        "unit": "credits",
        "versions": [
            {
                "effective_from": "2025-01-01",
                "sections": {"s": "S"},
                "rules": [
                    {
                        "id": "r",
                        "kinds": ["other"],
                        "section": "s",
                        "rate_per_hour": 2,
                        "rounding": {"step": 1, "mode": "down"},
                    }
                ],
            },
            {
                "effective_from": "2020-01-01",
                "sections": {"s": "S"},
                "rules": [
                    {
                        "id": "r",
                        "kinds": ["other"],
                        "section": "s",
                        "rate_per_hour": 1,
                        "rounding": {"step": 1, "mode": "down"},
                    }
                ],
            },
        ],
    }
    framework = parse(data, "test")
    days = [date(2019, 12, 31), date(2020, 1, 1), date(2024, 12, 31), date(2025, 1, 1)]
    credits = compute_credits(framework, [act("other", 60, on=day) for day in days])
    assert [c.credits for c in credits] == [D(0), D(1), D(1), D(2)]
    assert credits[0].reason == "Test has no version in force on 2019-12-31"


def sittings(kind, hours, most, on, **flags):
    """``hours`` of work as sittings of at most ``most`` hours (the per-activity limits)."""
    found = []
    while hours > 0:
        found.append(act(kind, min(hours, most) * 60, on=on, **flags))
        hours -= most
    return found


def year_of_moc(year, reflection_h=10, prep_h=10, training_h=0, source=True):
    on = date(year, 5, 1)
    flags = SOURCE if source else {}
    return (
        sittings("feedback_reflection", reflection_h, 2, on, **flags)
        + sittings("mentoring_preparation", prep_h, 4, on)
        + sittings("mentor_training", training_h, 8, on, accredited=True)
    )


def years_of_moc(years, **hours):
    return [activity for year in years for activity in year_of_moc(year, **hours)]


def progress(framework, activities, start, today):
    return cycle_progress(framework, compute_credits(framework, activities, start), start, today)


CYCLE_2024 = date(2024, 1, 1)
NOTHING_2024 = [
    "This cycle has 0 of the 250 credits it needs: 250 to go by 31 December 2028.",
    "2024: 0 credits, below the 25 each year needs (25 short).",
    "2025 so far: 0 of the 25 credits each year needs.",
    "Section 3: Assessment: 0 of the 25 credits this cycle needs.",
    (
        "No \u201cfeedback received\u201d activity in this cycle yet: it needs at least 1 (time reflecting on feedback "
        "about your teaching or practice)."
    ),
]


@pytest.mark.parametrize(
    ("activities", "start", "today", "met", "warnings"),
    [
        ([], CYCLE_2024, date(2025, 6, 15), False, NOTHING_2024),
        # Credits do not carry over: 2023's work counts for nothing in the 2024 cycle.
        (years_of_moc([2023] * 5), CYCLE_2024, date(2025, 6, 15), False, NOTHING_2024),
        # 30 in Section 3 in 2024, seen in January 2025: the deadline for 2024 is near.
        (
            year_of_moc(2024, prep_h=0),
            CYCLE_2024,
            date(2025, 1, 10),
            False,
            [
                "This cycle has 30 of the 250 credits it needs: 220 to go by 31 December 2028.",
                "2025 so far: 0 of the 25 credits each year needs.",
                "Report your 2024 credits by 31 January 2025 (21 days left).",
            ],
        ),
        # Reflections with no feedback source earn nothing and are not "feedback received".
        (
            year_of_moc(2024, source=False),
            CYCLE_2024,
            date(2024, 12, 1),
            False,
            [
                "This cycle has 20 of the 250 credits it needs: 230 to go by 31 December 2028.",
                "2024 so far: 20 of the 25 credits each year needs.",
                "Section 3: Assessment: 0 of the 25 credits this cycle needs.",
                NOTHING_2024[-1],
            ],
        ),
        # 50 a year for five years (30 in Section 3): everything met; only the reminder is left.
        (
            years_of_moc(range(2024, 2029)),
            CYCLE_2024,
            date(2029, 1, 31),
            True,
            [
                "Report your 2028 credits by 31 January 2029 (today).",
            ],
        ),
        (years_of_moc(range(2024, 2029)), CYCLE_2024, date(2029, 2, 1), True, []),
        # A cycle that started before 2024: 400, 40 a year, 25 in each section; no "feedback received" rule.
        (
            years_of_moc(range(2019, 2024), training_h=2),
            date(2019, 1, 1),
            date(2023, 12, 1),
            False,
            [
                "This cycle has 260 of the 400 credits it needs: 140 to go by 31 December 2023.",
                "Section 1: Group learning: 10 of the 25 credits this cycle needs.",
            ],
        ),
        (
            year_of_moc(2019, reflection_h=0, prep_h=15, training_h=30),
            date(2019, 1, 1),
            date(2020, 3, 1),
            False,
            [
                "This cycle has 60 of the 400 credits it needs: 340 to go by 31 December 2023.",
                "2020 so far: 0 of the 40 credits each year needs.",
                "Section 3: Assessment: 0 of the 25 credits this cycle needs.",
            ],
        ),
    ],
)
def test_moc_cycle_progress(activities, start, today, met, warnings):
    result = progress(MOC, activities, start, today)
    assert list(result.warnings) == warnings
    assert result.met is met


def test_mainpro_cycle_progress_after_the_cycle_ended():
    activities = [
        a for y in range(2020, 2025) for a in sittings("mentor_training", 26, 8, date(y, 9, 1), accredited=True)
    ]
    activities += sittings("feedback_reflection", 5, 2, date(2020, 9, 2), **SOURCE)
    result = progress(MAINPRO, activities, date(2020, 7, 1), date(2025, 7, 15))
    assert result.end == date(2025, 6, 30)
    assert list(result.warnings) == [
        "This cycle ended on 30 June 2025 with 135 of the 250 credits it needed (115 short).",
        "Certified Assessment: 5 of the 10 credits this cycle needs.",
    ]


def test_mainpro_years_are_named_july_to_june():
    result = progress(MAINPRO, [], date(2020, 7, 1), date(2021, 1, 1))
    assert "2020-21 so far: 0 of the 25 credits each year needs." in result.warnings


def test_a_framework_without_a_cycle_has_no_cycle_progress():
    with pytest.raises(ValueError, match="AMA PRA Category 1 and 2 defines no cycle"):
        cycle_progress(AMA, [], date(2024, 1, 1), date(2024, 6, 1))


activities_strategy = st.lists(
    st.builds(
        act,
        kind=st.sampled_from(sorted(KINDS)),
        minutes=st.integers(0, 24 * 60),
        on=st.dates(date(2023, 6, 1), date(2030, 6, 1)),
        confirmed=st.booleans(),
        accredited=st.booleans(),
        report_met_k=st.booleans(),
        external_source=st.sampled_from([None, "", "Learner survey"]),
        mentee_id=st.sampled_from([1, 2, 3]),
    ),
    max_size=25,
)


@given(framework=st.sampled_from(list(FRAMEWORKS.values())), activities=activities_strategy)
def test_credits_are_never_negative_nor_above_what_was_earned_nor_past_a_cap(framework, activities):
    credits = compute_credits(framework, activities, cycle_start=date(2024, 1, 1))
    assert all(D(0) <= c.credits <= c.earned for c in credits)
    if framework is MOC:
        for cycle in (0, 1, 2):  # 2019-2023, 2024-2028, 2029-2033
            window = [
                c.credits
                for c in credits
                if c.rule == "unaccredited_training" and 2019 + 5 * cycle <= c.activity.on.year < 2024 + 5 * cycle
            ]
            assert sum(window) <= 50
    if framework is POINTS:
        for mentee in (1, 2, 3):
            for year in range(2023, 2031):
                assert (
                    sum(
                        c.credits
                        for c in credits
                        if c.rule == "confirmed_meeting" and c.activity.mentee_id == mentee and c.year == year
                    )
                    <= 4
                )


@given(
    framework=st.sampled_from(list(FRAMEWORKS.values())),
    activities=activities_strategy,
    extra=activities_strategy.filter(bool).map(lambda a: a[0]),
    at=st.integers(0, 25),
)
def test_adding_an_activity_never_lowers_a_total(framework, activities, extra, at):
    before = totals(compute_credits(framework, activities, cycle_start=date(2024, 1, 1)))
    after = totals(
        compute_credits(framework, activities[:at] + [extra] + activities[at:], cycle_start=date(2024, 1, 1))
    )
    assert after.total >= before.total
    assert all(after.by_section.get(s, 0) >= n for s, n in before.by_section.items())


@given(
    framework=st.sampled_from(list(FRAMEWORKS.values())),
    activities=activities_strategy,
    year=st.integers(2023, 2030),
    cycle_start=st.sampled_from([None, date(2024, 1, 1), date(2021, 7, 1)]),
)
def test_whether_a_year_earns_anything_is_what_the_whole_computation_says(framework, activities, year, cycle_start):
    # The year-end batch plans with the short answer (from the activities in date order, as
    # the ledger gives them); the statement is the long one.
    credits = compute_credits(framework, activities, cycle_start)
    expected = any(c.year == year and c.credits > 0 for c in credits)
    in_date_order = iter(sorted(activities, key=lambda activity: activity.on))
    assert credits_in_year(framework, in_date_order, year, cycle_start) is expected


@given(
    framework=st.sampled_from(list(FRAMEWORKS.values())),
    activities=activities_strategy,
    year=st.integers(2023, 2030),
    cycle_start=st.sampled_from([None, date(2024, 1, 1), date(2021, 7, 1)]),
)
def test_an_activity_that_settles_a_year_is_credited_in_it_whatever_came_before(
    framework, activities, year, cycle_start
):
    # Planning stops at the first activity that settles the year, read in any order.
    credits = compute_credits(framework, activities, cycle_start)
    if any(settles_year(framework, activity, year) for activity in activities):
        assert any(c.year == year and c.credits > 0 for c in credits)


def test_only_an_activity_whose_caps_count_the_year_alone_settles_it():
    assert settles_year(POINTS, act("meeting", on=date(2024, 5, 1), confirmed=True), 2024)
    assert not settles_year(POINTS, act("meeting", on=date(2024, 5, 1)), 2024)  # unconfirmed: earns nothing
    assert not settles_year(POINTS, act("meeting", on=date(2023, 5, 1), confirmed=True), 2024)
    assert settles_year(MOC, act("mentor_training", on=date(2024, 5, 1), accredited=True), 2024)
    # Under the cycle's cap of 50: earlier years may have used it up.
    assert not settles_year(MOC, act("mentor_training", on=date(2024, 5, 1)), 2024)


# Limits per activity (issue 10, item 4) -------------------------------------------------------


@pytest.mark.parametrize(
    ("framework", "activity", "earned", "credits", "reason"),
    [
        # One 10-hour reflection used to earn 30 Section 3 credits, more than a cycle's minimum of 25.
        (
            MOC,
            act("feedback_reflection", 600, **SOURCE),
            "30",
            "6",
            "capped: 6 credits at most for one activity of reflection_on_feedback",
        ),
        (MOC, act("feedback_reflection", 120, **SOURCE), "6", "6", ""),  # 2 hours: the limit itself
        (MOC, act("feedback_reflection", 121, **SOURCE), "6.06", "6", "capped: 6 credits at most for one activity"),
        (MOC, act("mentoring_preparation", 240), "8", "8", ""),
        (
            MOC,
            act("mentoring_preparation", 600),
            "20",
            "8",
            "capped: 8 credits at most for one activity of mentoring_preparation",
        ),
        (MOC, act("mentor_training", 480, accredited=True), "8", "8", ""),  # a workshop day
        (MOC, act("mentor_training", 1440, accredited=True), "24", "8", "capped: 8 credits at most for one activity"),
        (
            MOC,
            act("mentor_training", 600),
            "5",
            "4",
            "capped: 4 credits at most for one activity of unaccredited_training",
        ),
        (
            MOC,
            act("feedback_reflection", 600, on=date(2023, 6, 1), **SOURCE),
            "30",
            "6",
            "capped: 6 credits",
        ),  # old era
        (AMA, act("feedback_reflection", 600, **SOURCE), "10", "2", "capped: 2 credits at most for one activity"),
        (AMA, act("mentor_training", 600, accredited=True), "10", "8", "capped: 8 credits"),
        (MAINPRO, act("feedback_reflection", 600, **SOURCE), "10", "2", "capped: 2 credits"),
        (MAINPRO, act("mentoring_preparation", 300), "5", "4", "capped: 4 credits"),
        (POINTS, act("mentoring_preparation", 600), "10", "4", "capped: 4 points at most for one activity"),
    ],
)
def test_one_activity_earns_at_most_its_rules_limit(framework, activity, earned, credits, reason):
    credit = one(framework, activity)
    assert (credit.earned, credit.credits) == (D(earned), D(credits))
    assert credit.reason.startswith(reason) and bool(credit.reason) == bool(reason)


def test_a_capped_activity_counts_only_what_it_was_awarded_against_the_cycle():
    """13 unaccredited workshop days of 10 hours: each capped at 4, so the 50 a cycle is
    reached on the 13th (12 x 4 + 2), not on the 10th (10 x 5)."""
    credits = compute_credits(MOC, [act("mentor_training", 600) for _ in range(13)], cycle_start=date(2024, 1, 1))
    assert [c.credits for c in credits] == [D(4)] * 12 + [D(2)]
    assert credits[-1].reason == "capped: 4 credits at most for one activity of unaccredited_training"


def test_no_single_reflection_fills_a_cycles_section_3_minimum():
    for framework in (MOC,):
        cycle = framework.version_on(date(2024, 1, 1)).cycle
        most = one(framework, act("feedback_reflection", 1440, **SOURCE)).credits
        assert most < cycle.minimums[0].credits


# Cycle arithmetic at the edges (issue 10, item 5) -----------------------------------------------

REMIND_2023 = "Report your 2023 credits by 31 January 2024 ({})."
# 30 Section 3 credits in 2023, the last year of a 2019-2023 cycle judged by the old rules.
SHORT_2019 = (
    "Your previous cycle, 1 January 2019 to 31 December 2023, ended short of its requirements by what is "
    "recorded here: 30 of the 400 credits (370 short); years below the 40 credits a year needs: 2019 (0), "
    "2020 (0), 2021 (0), 2022 (0), 2023 (30); Section 1: Group learning: 0 of the 25 credits (25 short); "
    "Section 2: Self-learning: 0 of the 25 credits (25 short)."
)
MET_2019 = years_of_moc(range(2019, 2024), reflection_h=10, prep_h=20, training_h=10)  # 80 a year, 400 in all


@pytest.mark.parametrize(
    ("activities", "today", "expected", "absent"),
    [
        # The first day of a new cycle: last year's reminder, and how the old cycle ended.
        (year_of_moc(2023, prep_h=0), date(2024, 1, 1), [REMIND_2023.format("30 days left"), SHORT_2019], []),
        (year_of_moc(2023, prep_h=0), date(2024, 1, 31), [REMIND_2023.format("today"), SHORT_2019], []),
        # February: the report is closed; the old cycle's shortfall stays for the cycle's first year.
        (year_of_moc(2023, prep_h=0), date(2024, 2, 1), [SHORT_2019], ["Report your 2023"]),
        (year_of_moc(2023, prep_h=0), date(2024, 2, 29), [SHORT_2019], ["Report your 2023"]),  # a leap day
        (year_of_moc(2023, prep_h=0), date(2024, 12, 31), [SHORT_2019], ["Report your 2023"]),
        (
            year_of_moc(2023, prep_h=0),
            date(2025, 1, 1),
            ["Report your 2024 credits by 31 January 2025 (30 days left)."],
            ["previous cycle"],
        ),
        # A previous cycle that met everything: only the reminder.
        (MET_2019, date(2024, 1, 10), [REMIND_2023.format("21 days left")], ["previous cycle"]),
        # Nothing recorded in the previous cycle: nothing to say about it, but the reminder stands.
        ([], date(2024, 1, 10), [REMIND_2023.format("21 days left")], ["previous cycle"]),
    ],
)
def test_the_first_january_of_a_cycle_reminds_of_last_year_and_of_a_short_previous_cycle(
    activities, today, expected, absent
):
    result = progress(MOC, activities, CYCLE_2024, today)
    for warning in expected:
        assert warning in result.warnings, (warning, result.warnings)
    for text in absent:
        assert not any(text in warning for warning in result.warnings), (text, result.warnings)


def test_a_new_2029_cycle_reports_the_2024_cycle_by_the_2024_rules():
    """Leap year 2028 is the old cycle's last year; 2024 rules: 250, 25 a year, 25 in
    Section 3 and one "feedback received" activity."""
    activities = sittings("mentoring_preparation", 30, 4, date(2028, 2, 29))  # 60 in Section 2, none in Section 3
    result = progress(MOC, activities, date(2029, 1, 1), date(2029, 1, 31))
    assert "Report your 2028 credits by 31 January 2029 (today)." in result.warnings
    assert (
        "Your previous cycle, 1 January 2024 to 31 December 2028, ended short of its requirements by what is "
        "recorded here: 60 of the 250 credits (190 short); years below the 25 credits a year needs: 2024 (0), "
        "2025 (0), 2026 (0), 2027 (0); Section 3: Assessment: 0 of the 25 credits (25 short); 0 \u201cfeedback "
        "received\u201d activities of the 1 it needed."
    ) in result.warnings


def test_a_july_to_june_cycle_says_how_the_previous_one_ended_in_its_first_year():
    activities = sittings("mentor_training", 26, 8, date(2024, 9, 1), accredited=True)
    for today, shown in [
        (date(2025, 6, 30), False),
        (date(2025, 7, 1), True),
        (date(2026, 6, 30), True),
        (date(2026, 7, 1), False),
    ]:
        start = date(2025, 7, 1) if today >= date(2025, 7, 1) else date(2020, 7, 1)
        warnings = progress(MAINPRO, activities, start, today).warnings
        said = [w for w in warnings if w.startswith("Your previous cycle")]
        assert bool(said) is shown, (today, warnings)
        if shown:
            assert said == [
                "Your previous cycle, 1 July 2020 to 30 June 2025, ended short of its requirements by what is recorded "
                "here: 26 of the 250 credits (224 short); years below the 25 credits a year needs: 2020-21 (0), "
                "2021-22 (0), 2022-23 (0), 2023-24 (0); Certified (including Certified Assessment): 26 of the 125 "
                "credits (99 short); Certified Assessment: 0 of the 10 credits (10 short)."
            ]
        assert not any(w.startswith("Report your") for w in warnings)  # Mainpro+: no deadline encoded


@pytest.mark.parametrize(
    ("framework", "activities", "today", "anchor", "holding"),
    [
        (
            MOC,
            [act("feedback_reflection", 60, on=date(2021, 6, 1), **SOURCE)],
            date(2025, 12, 31),
            date(2021, 1, 1),
            date(2021, 1, 1),
        ),
        (
            MOC,
            [act("feedback_reflection", 60, on=date(2021, 6, 1), **SOURCE)],
            date(2026, 1, 1),
            date(2021, 1, 1),
            date(2026, 1, 1),
        ),
        # A meeting earns no MOC credit: the earliest credited activity is what counts.
        (
            MOC,
            [
                act("meeting", 60, on=date(2019, 5, 1), confirmed=True),
                act("mentor_training", 60, on=date(2024, 12, 31)),
            ],
            date(2026, 1, 15),
            date(2024, 1, 1),
            date(2024, 1, 1),
        ),
        (MOC, [act("mentor_training", 60, on=date(2020, 2, 29))], date(2030, 1, 1), date(2020, 1, 1), date(2030, 1, 1)),
        # Nothing credited: a cycle starting this year.
        (MOC, [act("meeting", 60, on=date(2019, 5, 1))], date(2026, 3, 1), None, date(2026, 1, 1)),
        (MOC, [], date(2026, 1, 1), None, date(2026, 1, 1)),
        # July-June years: March 2021 is in 2020-21, so cycles start on 1 July 2020.
        (
            MAINPRO,
            [act("mentor_training", 60, on=date(2021, 3, 1))],
            date(2025, 6, 30),
            date(2020, 7, 1),
            date(2020, 7, 1),
        ),
        (
            MAINPRO,
            [act("mentor_training", 60, on=date(2021, 3, 1))],
            date(2025, 7, 1),
            date(2020, 7, 1),
            date(2025, 7, 1),
        ),
        (MAINPRO, [], date(2026, 1, 1), None, date(2025, 7, 1)),
        (AMA, [act("mentor_training", 60, on=date(2021, 3, 1))], date(2025, 7, 1), date(2021, 1, 1), None),
    ],
)
def test_without_a_cycle_start_caps_and_progress_use_one_series_of_cycles(
    framework, activities, today, anchor, holding
):
    assert cycle_anchor(framework, activities) == anchor
    assert cycle_holding(framework, anchor, today) == holding
    assert compute_credits(framework, activities) == compute_credits(framework, activities, anchor)


# What MAINPORT is given (issue 10, item 5e) ---------------------------------------------------------

RATED = [
    (framework, rule)
    for framework in FRAMEWORKS.values()
    for version in framework.versions
    for rule in version.rules
    if rule.rate_per_hour
]


def activity_for(rule, minutes: int, on: date) -> Activity:
    return act(rule.kinds[0], minutes, on=on, confirmed=True, report_met_k=True, **rule.when)


@given(pair=st.sampled_from(RATED), minutes=st.integers(1, 1440))
def test_exported_hours_times_the_rate_are_exactly_the_exported_credits(pair, minutes):
    framework, rule = pair
    on = max(date(2024, 7, 1), next(v.effective_from for v in framework.versions if rule in v.rules))
    credit = one(framework, activity_for(rule, minutes, on))
    assert credit.rule == rule.id
    hours, credits = claim(framework, credit)
    shown_hours, shown_credits = D(f"{hours:.2f}"), D(f"{credits:.2f}")
    assert shown_hours * rule.rate_per_hour == shown_credits
    assert shown_credits <= credit.credits  # never more than the statement awards
    assert shown_credits == credit.credits  # and, with the shipped steps, exactly that


@pytest.mark.parametrize(
    ("activity", "hours", "credits"),
    [
        (act("feedback_reflection", 25, **SOURCE), "0.42", "1.26"),  # was 0.42 h and 1.25 credits
        (act("feedback_reflection", 40, **SOURCE), "0.67", "2.01"),
        (act("mentoring_preparation", 50), "0.83", "1.66"),
        (act("mentor_training", 25), "0.42", "0.21"),
        (act("mentor_training", 26), "0.44", "0.22"),  # 0.5 an hour: hours in steps of 0.02
        (act("feedback_reflection", 600, **SOURCE), "2.00", "6.00"),  # capped: the hours the credits stand for
    ],
)
def test_moc_claims_for_mainport(activity, hours, credits):
    credit = one(MOC, activity)
    claimed = claim(MOC, credit)
    assert (f"{claimed[0]:.2f}", f"{claimed[1]:.2f}") == (hours, credits)
    assert claimed[1] == credit.credits
