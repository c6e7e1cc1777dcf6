"""What counts as evidence: pure rules, tested as tables."""

from __future__ import annotations

from datetime import date

# Work between mentor and mentee that counts as a meeting (the counterpart can confirm it).
MEETING_KINDS = ("meeting", "academic_plan_review", "peer_group_session", "sponsorship_action")
# Recorded milestones that count as a mentee's achievement (an appointment is where a
# career starts, not something a mentor helped reach).
ACHIEVEMENT_KINDS = ("cfar", "promotion", "grant", "external_award", "leadership")
RANK_NAMES = {
    "lecturer": "lecturer",
    "assistant": "assistant professor",
    "associate": "associate professor",
    "full": "full professor",
}


def reached_in(started_on: date, occurred_on: date, until: date) -> bool:
    """A mentee's milestone counts for a mentorship when it came during or after it (from
    the day it began) and on or before ``until``."""
    return started_on <= occurred_on <= until


def describe(
    kind: str,
    occurred_on: date,
    outcome: str | None = None,
    rank: str | None = None,
    title: str | None = None,
    agency: str | None = None,
    year: int | None = None,
) -> str:
    """A milestone in a few plain words, with its date."""
    day = occurred_on.isoformat()
    if kind == "cfar":
        return f"CFAR {'passed' if outcome == 'passed' else 'extended'} ({day})"
    if kind == "promotion":
        return f"promoted to {RANK_NAMES.get(rank or '', rank or 'a new rank')} ({day})"
    if kind == "grant":
        return f"grant: {title} ({', '.join(str(part) for part in (agency, year) if part)})"
    if kind == "external_award":
        return f"award: {title}{f', {agency}' if agency else ''} ({day})"
    if kind == "leadership":
        return f"leadership: {title}{f', {agency}' if agency else ''} ({day})"
    if kind == "became_mentor":
        return f"became a mentor ({day})"
    return f"{kind.replace('_', ' ')} ({day})"
