"""Case rules: pure functions, tested as tables."""

from __future__ import annotations

from datetime import date

from ..people.models import RANKS

MAX_NOTE = 2000
MAX_MEMBERS = 30
MAX_REFEREES = 50


def rank_order(rank: str | None) -> int:
    return RANKS.index(rank) if rank in RANKS else -1


def current_rank(roster_rank: str, promoted_to: list[str]) -> str:
    """The candidate's rank now: the roster's, or a standing recorded promotion's if higher."""
    return max([roster_rank, *promoted_to], key=rank_order)


def target_rank_problem(kind: str, current: str, target: str | None) -> str | None:
    """Why ``target`` cannot be a case's target rank, or None."""
    if kind == "cfar":
        return "must be empty for a CFAR case (only a promotion has a target rank)" if target else None
    if not target:
        return "is required for a promotion case"
    if target not in RANKS:
        return f"must be one of {', '.join(RANKS)}"
    if rank_order(target) <= rank_order(current):
        return f"must be above the candidate's current rank ({current})"
    return None


def due_problem(due_on: date | None, today: date) -> str | None:
    if due_on is None:
        return "is required"
    if due_on < today:
        return "must not be in the past"
    return None


def period(
    start: date | None, end: date | None, due_on: date, last_promotion: date | None, appointed_on: date | None
) -> tuple[date | None, date, dict[str, list[str]], str]:
    """The case's period: (start, end, problems, where the start came from).

    The start, if not given, is the day of the last standing recorded promotion, else the
    appointment date; a candidate with neither needs one given. The end, if not given, is
    the due date: evidence up to the day the committee decides."""
    problems: dict[str, list[str]] = {}
    source = "given"
    if start is None:
        if last_promotion is not None:
            start, source = last_promotion, "last recorded promotion"
        elif appointed_on is not None:
            start, source = appointed_on, "appointment date"
        else:
            problems["period_start"] = [
                "is required: the candidate has no recorded promotion and no appointment date to count from"
            ]
    if end is None:
        end = due_on
    elif end > due_on:
        problems.setdefault("period_end", []).append("must not be after the due date")
    if start is not None and start > end:
        problems.setdefault("period_end", []).append(f"must not be before the period's start ({start.isoformat()})")
    return start, end, problems, source
