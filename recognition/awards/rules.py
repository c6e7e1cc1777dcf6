"""Who may be nominated for an award, and who on the committee is conflicted: pure rules.

Years are compared as exact dates, never as whole years or days/365: "at most 10 years on
faculty" holds through the 10th anniversary of the appointment and not a day later (a
person appointed on 1 July 2015 is eligible on 1 July 2025 and not on 2 July 2025), and
"at least 2 years of mentoring" holds from the 2nd anniversary of the first mentorship.
An anniversary of 29 February falls on 28 February in other years (as elsewhere in the
app), so 29 February 2020 + 1 year is 28 February 2021.

A rule that needs a date the record does not have (no appointment date, no first
mentoring date) reports that the date is unknown rather than guessing either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..clock import add_years
from ..mentorships import ties as ties_rule


@dataclass(frozen=True)
class Eligibility:
    """An award's eligibility rules; None switches a rule off.

    ``past_winner_exclusion_years``: None (the default, the department's practice) means a
    past winner is never eligible again for the same award; N > 0 excludes them for N years
    from the day they won (eligible again on the Nth anniversary); 0 never excludes them.
    """

    min_years_mentoring: int | None = None
    min_mentees: int | None = None
    max_years_on_faculty: int | None = None  # early-career awards: through the Nth anniversary of the appointment
    ranks: tuple[str, ...] | None = None  # the ranks allowed
    past_winner_exclusion_years: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A possible nominee as the rules see them."""

    person_id: int
    rank: str | None
    appointed_on: date | None
    first_mentoring_on: date | None
    mentee_count: int
    won_on: tuple[date, ...] = ()  # the days they won this same award


SELF_NOMINATION = "no self-nomination: a person cannot nominate themself"


def whole_years(start: date, end: date) -> int:
    """Whole years completed from ``start`` to ``end`` (0 when ``end`` is not after it)."""
    years = end.year - start.year
    if add_years(start, years) > end:
        years -= 1
    return max(years, 0)


def _years(count: int) -> str:
    return f"{count} year" if count == 1 else f"{count} years"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def eligibility_problems(rules: Eligibility, candidate: Candidate, nominator_id: int | None, on: date) -> list[str]:
    """Why ``candidate`` cannot be nominated on ``on``, in plain words; empty when they can.

    Order: self-nomination, rank, years on faculty, years of mentoring, mentees, past wins.
    Wins dated after ``on`` are ignored, so a past cycle can be judged as it stood then.
    """
    problems = []
    if nominator_id is not None and nominator_id == candidate.person_id:
        problems.append(SELF_NOMINATION)
    if rules.ranks is not None and candidate.rank not in rules.ranks:
        allowed = ", ".join(rules.ranks) or "none"
        held = f"the rank of {candidate.rank}" if candidate.rank else "no rank on record"
        problems.append(f"open only to these ranks: {allowed}; the candidate has {held}")
    if rules.max_years_on_faculty is not None:
        limit = _years(rules.max_years_on_faculty)
        if candidate.appointed_on is None:
            problems.append(f"appointment date unknown: cannot confirm at most {limit} on faculty")
        else:
            last = add_years(candidate.appointed_on, rules.max_years_on_faculty)  # the last eligible day
            if on > last:
                problems.append(
                    f"open to faculty with at most {limit} on faculty; the candidate has more "
                    f"(appointed {_day(candidate.appointed_on)}, so eligible only through {_day(last)})"
                )
    if rules.min_years_mentoring is not None:
        needed = _years(rules.min_years_mentoring)
        if candidate.first_mentoring_on is None:
            problems.append(f"first mentoring date unknown: cannot confirm at least {needed} of mentoring")
        else:
            reached = add_years(candidate.first_mentoring_on, rules.min_years_mentoring)
            if on < reached:
                years = whole_years(candidate.first_mentoring_on, on)
                problems.append(
                    f"needs at least {needed} of mentoring; the candidate has {_years(years)} "
                    f"(since {_day(candidate.first_mentoring_on)}, so eligible from {_day(reached)})"
                )
    if rules.min_mentees is not None and candidate.mentee_count < rules.min_mentees:
        problems.append(
            f"needs at least {rules.min_mentees} mentee{'s' * (rules.min_mentees != 1)}; "
            f"the candidate has {candidate.mentee_count}"
        )
    wins = [won for won in candidate.won_on if won <= on]
    if wins:
        last = max(wins)
        exclusion = rules.past_winner_exclusion_years
        if exclusion is None:
            problems.append(f"won this award on {_day(last)}; past winners are not eligible again")
        elif on < add_years(last, exclusion):
            problems.append(
                f"won this award on {_day(last)}; past winners are excluded for {_years(exclusion)} "
                f"(eligible again from {_day(add_years(last, exclusion))})"
            )
    return problems


IS_NOMINEE = "the member is the nominee"
IS_NOMINATOR = "the member nominated them"
MENTORSHIP = "the member has been in a mentorship with the nominee"
SHARED_MENTOR = "the member and the nominee share a mentor"
SHARED_MENTEE = "the member and the nominee share a mentee"
SAME_DIVISION = "the member is in the nominee's division"


def conflicts(
    member_id: int,
    nominee_id: int,
    nominator_ids: Iterable[int],
    ties: Iterable[tuple[int, int]],
    same_division: bool,
    division_rule: bool,
) -> list[str]:
    """Why a committee member may not review a nominee, in plain words; empty when they may.

    ``ties`` are (mentor_id, mentee_id) pairs of every mentorship ever, of any kind, ended
    or not. Each reason appears once, in the order of the constants above. When the member
    is the nominee, that is the only reason given: the graph says nothing more about them.
    """
    if member_id == nominee_id:
        return [IS_NOMINEE]
    reasons = []
    if member_id in set(nominator_ids):
        reasons.append(IS_NOMINATOR)
    worded = {
        ties_rule.MENTORSHIP: MENTORSHIP,
        ties_rule.SHARED_MENTOR: SHARED_MENTOR,
        ties_rule.SHARED_MENTEE: SHARED_MENTEE,
    }
    reasons.extend(worded[kind] for kind in ties_rule.tie_kinds(member_id, nominee_id, ties))
    if division_rule and same_division:
        reasons.append(SAME_DIVISION)
    return reasons
