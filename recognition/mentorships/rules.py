"""Who may be whose formal mentor, and when a start date needs a reason: pure rules,
tested as tables."""

from __future__ import annotations

from datetime import date


def formal_mentor_refusal(
    mentor_id: int,
    mentee_id: int,
    mentee_supervisor_id: int | None,
    mentee_division_director_ids: frozenset[int] | set[int],
) -> str | None:
    """Why this mentor cannot be this mentee's formal mentor, or None if they can.
    A formal mentor may not be someone the mentee reports to."""
    if mentor_id == mentee_id:
        return "a person cannot be their own mentor"
    if mentor_id in mentee_division_director_ids:
        return "the mentor directs the mentee's division; a formal mentor cannot be someone the mentee reports to"
    if mentee_supervisor_id is not None and mentor_id == mentee_supervisor_id:
        return (
            "the mentor is the mentee's supervisor on record; a formal mentor cannot be someone the mentee reports to"
        )
    return None


def meetings_status(count: int, expected_min: int, expected_max: int) -> str:
    """How a year's meetings compare with the department's expectation."""
    if count < expected_min:
        return "below"
    if count > expected_max:
        return "above"
    return "met"


def expectation_applies(kind: str, mentee_appointed_on: date | None, today: date, formal_years: int) -> bool:
    """The meetings-a-year expectation is for formal mentorships in the mentee's first
    ``formal_years`` years on faculty (when the appointment date is unknown, it applies)."""
    if kind != "formal":
        return False
    if mentee_appointed_on is None:
        return True
    try:
        horizon = mentee_appointed_on.replace(year=mentee_appointed_on.year + formal_years)
    except ValueError:  # 29 February
        horizon = mentee_appointed_on.replace(year=mentee_appointed_on.year + formal_years, day=28)
    return today < horizon


def backdate_problem(started_on: date, today: date, grace_days: int, reason: str | None) -> str | None:
    """Why a mentorship starting on ``started_on``, recorded ``today``, cannot be recorded
    as it is, or None. A start more than ``grace_days`` in the past is back-dated: it can
    create conflicts of interest after the fact (an award committee member tied to a
    nominee through it), so it needs a reason, which is kept and shown with it."""
    if (today - started_on).days <= grace_days:
        return None
    if not (reason or "").strip():
        return (
            f"is required: the start date is more than {grace_days} days before today, so say why it is "
            "recorded late (it is kept and shown with the mentorship)"
        )
    return None


def is_backdated(started_on: date, recorded_on: date, grace_days: int) -> bool:
    return (recorded_on - started_on).days > grace_days
