"""Award eligibility and committee conflicts: tables of hand-worked cases."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.awards.rules import (
    IS_NOMINATOR,
    IS_NOMINEE,
    MENTORSHIP,
    SAME_DIVISION,
    SELF_NOMINATION,
    SHARED_MENTEE,
    SHARED_MENTOR,
    Candidate,
    Eligibility,
    conflicts,
    eligibility_problems,
    whole_years,
)

ON = date(2025, 3, 1)
ASSOCIATE, ASSISTANT = "Associate Professor", "Assistant Professor"


def cand(**changes) -> Candidate:
    fields = {
        "person_id": 1,
        "rank": ASSOCIATE,
        "appointed_on": date(2010, 7, 1),
        "first_mentoring_on": date(2012, 7, 1),
        "mentee_count": 4,
        "won_on": (),
    }
    return Candidate(**{**fields, **changes})


def problems(rules, candidate, on=ON, nominator_id=2):
    return eligibility_problems(rules, candidate, nominator_id, on)


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (date(2015, 7, 1), date(2025, 6, 30), 9),
        (date(2015, 7, 1), date(2025, 7, 1), 10),
        (date(2020, 2, 29), date(2021, 2, 27), 0),
        (date(2020, 2, 29), date(2021, 2, 28), 1),  # the anniversary of 29 February is the 28th
        (date(2020, 2, 29), date(2024, 2, 28), 3),
        (date(2020, 2, 29), date(2024, 2, 29), 4),
        (date(2021, 2, 28), date(2024, 2, 28), 3),
        (date(2025, 1, 1), date(2025, 1, 1), 0),
        (date(2026, 1, 1), date(2025, 1, 1), 0),  # a date in the future counts as no years
    ],
)
def test_whole_years(start, end, years):
    assert whole_years(start, end) == years


def short(years: str, since: str, reached: str) -> list[str]:
    return [
        f"needs at least 2 years of mentoring; the candidate has {years} (since {since}, so eligible from {reached})"
    ]


@pytest.mark.parametrize(
    ("first", "on", "expected"),
    [
        (date(2023, 3, 1), ON, []),  # exactly 2 years to the day
        (date(2023, 3, 2), ON, short("1 year", "2 March 2023", "2 March 2025")),  # a day short
        (date(2023, 9, 1), ON, short("1 year", "1 September 2023", "1 September 2025")),  # 1.5 years
        (date(2024, 6, 1), ON, short("0 years", "1 June 2024", "1 June 2026")),
        (date(2025, 6, 1), ON, short("0 years", "1 June 2025", "1 June 2027")),
        (date(2012, 7, 1), ON, []),
        (date(2020, 2, 29), date(2022, 2, 27), short("1 year", "29 February 2020", "28 February 2022")),
        (date(2020, 2, 29), date(2022, 2, 28), []),  # the 2nd anniversary of 29 February is 28 February
        (date(2022, 2, 28), date(2024, 2, 28), []),
        (date(2022, 3, 1), date(2024, 2, 29), short("1 year", "1 March 2022", "1 March 2024")),
        (None, ON, ["first mentoring date unknown: cannot confirm at least 2 years of mentoring"]),
    ],
)
def test_years_of_mentoring(first, on, expected):
    assert problems(Eligibility(min_years_mentoring=2), cand(first_mentoring_on=first), on) == expected


def test_one_year_of_mentoring_reads_in_the_singular():
    assert problems(Eligibility(min_years_mentoring=1), cand(first_mentoring_on=None)) == [
        "first mentoring date unknown: cannot confirm at least 1 year of mentoring"
    ]


@pytest.mark.parametrize(
    ("count", "minimum", "expected"),
    [
        (3, 3, []),
        (5, 3, []),
        (2, 3, ["needs at least 3 mentees; the candidate has 2"]),
        (0, 1, ["needs at least 1 mentee; the candidate has 0"]),
        (0, 0, []),
    ],
)
def test_number_of_mentees(count, minimum, expected):
    assert problems(Eligibility(min_mentees=minimum), cand(mentee_count=count)) == expected


def over(appointed: str, last: str) -> list[str]:
    return [
        f"open to faculty with at most 10 years on faculty; the candidate has more (appointed {appointed}, "
        f"so eligible only through {last})"
    ]


@pytest.mark.parametrize(
    ("appointed", "on", "expected"),
    [
        (date(2015, 3, 1), ON, []),  # exactly 10 years to the day
        (date(2015, 2, 28), ON, over("28 February 2015", "28 February 2025")),  # 10 years and a day
        (date(2014, 9, 1), ON, over("1 September 2014", "1 September 2024")),  # 10.5 years is not "at most 10"
        (date(2014, 3, 2), ON, over("2 March 2014", "2 March 2024")),  # 10 years and 364 days
        (date(2014, 3, 1), ON, over("1 March 2014", "1 March 2024")),
        (date(2024, 9, 1), ON, []),
        (date(2025, 6, 1), ON, []),  # appointed after the day asked about
        (date(2016, 2, 29), date(2026, 2, 28), []),  # the 10th anniversary of 29 February is 28 February
        (date(2016, 2, 29), date(2026, 3, 1), over("29 February 2016", "28 February 2026")),
        (date(2016, 3, 1), date(2026, 3, 1), []),
        (date(2016, 3, 1), date(2026, 3, 2), over("1 March 2016", "1 March 2026")),
        (date(2014, 2, 28), date(2024, 2, 28), []),  # a leap day inside the years changes nothing
        (date(2014, 2, 28), date(2024, 2, 29), over("28 February 2014", "28 February 2024")),
        (None, ON, ["appointment date unknown: cannot confirm at most 10 years on faculty"]),
    ],
)
def test_early_career_years_on_faculty(appointed, on, expected):
    assert problems(Eligibility(max_years_on_faculty=10), cand(appointed_on=appointed), on) == expected


@pytest.mark.parametrize(
    ("ranks", "rank", "expected"),
    [
        ((ASSISTANT,), ASSISTANT, []),
        ((ASSISTANT, ASSOCIATE), ASSOCIATE, []),
        (
            (ASSISTANT,),
            ASSOCIATE,
            [("open only to these ranks: Assistant Professor; the candidate has the rank of Associate Professor")],
        ),
        (
            (ASSISTANT, "Lecturer"),
            None,
            [("open only to these ranks: Assistant Professor, Lecturer; the candidate has no rank on record")],
        ),
        (None, None, []),
    ],
)
def test_ranks(ranks, rank, expected):
    assert problems(Eligibility(ranks=ranks), cand(rank=rank)) == expected


@pytest.mark.parametrize(
    ("nominator_id", "expected"),
    [
        (1, [SELF_NOMINATION]),
        (2, []),
        (None, []),  # a suggestion the app makes, before anyone nominates
    ],
)
def test_no_self_nomination(nominator_id, expected):
    assert problems(Eligibility(), cand(), nominator_id=nominator_id) == expected


@pytest.mark.parametrize(
    ("exclusion", "won_on", "on", "expected"),
    [
        (None, (), ON, []),
        (None, (date(2010, 4, 1),), ON, ["won this award on 1 April 2010; past winners are not eligible again"]),
        (None, (date(2025, 3, 1),), ON, ["won this award on 1 March 2025; past winners are not eligible again"]),
        (None, (date(2025, 4, 1),), ON, []),  # a win after the day judged does not count
        (
            5,
            (date(2021, 3, 1),),
            ON,
            [
                (
                    "won this award on 1 March 2021; past winners are excluded for 5 years "
                    "(eligible again from 1 March 2026)"
                )
            ],
        ),
        (
            5,
            (date(2020, 3, 2),),
            ON,
            [
                (
                    "won this award on 2 March 2020; past winners are excluded for 5 years "
                    "(eligible again from 2 March 2025)"
                )
            ],
        ),  # the day before
        (5, (date(2020, 3, 1),), ON, []),  # exactly 5 years
        (5, (date(2005, 3, 1),), ON, []),  # long ago
        (
            5,
            (date(2005, 3, 1), date(2022, 6, 1)),
            ON,  # the latest win counts
            ["won this award on 1 June 2022; past winners are excluded for 5 years (eligible again from 1 June 2027)"],
        ),
        (
            1,
            (date(2024, 2, 29),),
            date(2025, 2, 27),
            [
                (
                    "won this award on 29 February 2024; past winners are excluded "
                    "for 1 year (eligible again from 28 February 2025)"
                )
            ],
        ),
        (1, (date(2024, 2, 29),), date(2025, 2, 28), []),
        (0, (date(2025, 3, 1),), ON, []),  # 0 never excludes
    ],
)
def test_past_winners(exclusion, won_on, on, expected):
    assert problems(Eligibility(past_winner_exclusion_years=exclusion), cand(won_on=won_on), on) == expected


ALL_RULES = Eligibility(
    min_years_mentoring=2, min_mentees=3, max_years_on_faculty=10, ranks=(ASSISTANT,), past_winner_exclusion_years=None
)


@pytest.mark.parametrize(
    ("candidate", "nominator_id", "expected"),
    [
        (
            cand(rank=ASSISTANT, appointed_on=date(2016, 7, 1), first_mentoring_on=date(2018, 1, 1), mentee_count=3),
            2,
            [],
        ),
        (
            cand(
                rank=ASSOCIATE,
                appointed_on=date(2010, 7, 1),
                first_mentoring_on=date(2024, 7, 1),
                mentee_count=1,
                won_on=(date(2023, 4, 1),),
            ),
            1,
            [
                SELF_NOMINATION,
                "open only to these ranks: Assistant Professor; the candidate has the rank of Associate Professor",
                (
                    "open to faculty with at most 10 years on faculty; the candidate has more (appointed 1 July 2010, so "
                    "eligible only through 1 July 2020)"
                ),
                "needs at least 2 years of mentoring; the candidate has 0 years (since 1 July 2024, so eligible from 1 July 2026)",
                "needs at least 3 mentees; the candidate has 1",
                "won this award on 1 April 2023; past winners are not eligible again",
            ],
        ),
        (
            cand(rank=ASSISTANT, appointed_on=None, first_mentoring_on=None, mentee_count=5),
            2,
            [
                "appointment date unknown: cannot confirm at most 10 years on faculty",
                "first mentoring date unknown: cannot confirm at least 2 years of mentoring",
            ],
        ),
        (
            cand(rank=ASSISTANT, appointed_on=date(2015, 3, 1), first_mentoring_on=date(2023, 3, 2), mentee_count=3),
            2,
            [
                "needs at least 2 years of mentoring; the candidate has 1 year (since 2 March 2023, so eligible from "
                "2 March 2025)"
            ],
        ),
    ],
)
def test_rules_together(candidate, nominator_id, expected):
    assert problems(ALL_RULES, candidate, nominator_id=nominator_id) == expected


def test_no_rules_no_problems_even_without_dates():
    assert problems(Eligibility(), cand(rank=None, appointed_on=None, first_mentoring_on=None, mentee_count=0)) == []


MEMBER, NOMINEE, NOMINATOR = 1, 2, 3


@pytest.mark.parametrize(
    ("member", "nominators", "ties", "same_division", "division_rule", "expected"),
    [
        (NOMINEE, [NOMINATOR], [(5, NOMINEE), (NOMINEE, 6)], True, True, [IS_NOMINEE]),
        (MEMBER, [NOMINATOR, MEMBER], [], False, False, [IS_NOMINATOR]),
        (MEMBER, [MEMBER, MEMBER], [], False, False, [IS_NOMINATOR]),
        (MEMBER, [NOMINATOR], [(MEMBER, NOMINEE)], False, False, [MENTORSHIP]),  # the member mentored the nominee
        (MEMBER, [NOMINATOR], [(NOMINEE, MEMBER)], False, False, [MENTORSHIP]),  # the nominee mentored the member
        (MEMBER, [NOMINATOR], [(MEMBER, NOMINEE), (NOMINEE, MEMBER), (MEMBER, NOMINEE)], False, False, [MENTORSHIP]),
        (MEMBER, [NOMINATOR], [(5, MEMBER), (5, NOMINEE)], False, False, [SHARED_MENTOR]),
        (MEMBER, [NOMINATOR], [(MEMBER, 6), (NOMINEE, 6)], False, False, [SHARED_MENTEE]),
        (MEMBER, [NOMINATOR], [(5, MEMBER), (6, NOMINEE), (MEMBER, 7), (NOMINEE, 8)], False, False, []),
        (MEMBER, [NOMINATOR], [(MEMBER, 5), (5, NOMINEE)], False, False, []),  # a mentee's mentee is not a tie
        (MEMBER, [NOMINATOR], [(7, 8), (NOMINATOR, NOMINEE)], False, False, []),  # unrelated people
        (MEMBER, [], [], False, False, []),
        (MEMBER, [NOMINATOR], [], True, True, [SAME_DIVISION]),
        (MEMBER, [NOMINATOR], [], True, False, []),  # the division rule is off
        (MEMBER, [NOMINATOR], [], False, True, []),
        (
            MEMBER,
            [MEMBER],
            [(MEMBER, NOMINEE), (5, MEMBER), (5, NOMINEE), (MEMBER, 6), (NOMINEE, 6)],
            True,
            True,
            [IS_NOMINATOR, MENTORSHIP, SHARED_MENTOR, SHARED_MENTEE, SAME_DIVISION],
        ),
        (
            MEMBER,
            [NOMINATOR],
            [(NOMINEE, MEMBER), (9, NOMINEE), (9, MEMBER), (9, MEMBER)],
            False,
            True,
            [MENTORSHIP, SHARED_MENTOR],
        ),
    ],
)
def test_conflicts(member, nominators, ties, same_division, division_rule, expected):
    assert conflicts(member, NOMINEE, nominators, ties, same_division, division_rule) == expected


def test_conflicts_read_ties_from_a_single_pass_iterator():
    ties = iter([(MEMBER, 6), (5, MEMBER), (NOMINEE, 6), (5, NOMINEE)])
    assert conflicts(MEMBER, NOMINEE, iter([]), ties, False, False) == [SHARED_MENTOR, SHARED_MENTEE]


def test_conflict_reasons_are_plain_words():
    assert [IS_NOMINEE, IS_NOMINATOR, MENTORSHIP, SHARED_MENTOR, SHARED_MENTEE, SAME_DIVISION] == [
        "the member is the nominee",
        "the member nominated them",
        "the member has been in a mentorship with the nominee",
        "the member and the nominee share a mentor",
        "the member and the nominee share a mentee",
        "the member is in the nominee's division",
    ]
