"""Recorded milestones for the award, calendar and reminder tests, through the milestones
service: recorded by an administrator (or director), or self-reported by the person and
then confirmed; withdrawn with a reason."""

from __future__ import annotations

from datetime import date, datetime

from recognition.auth.service import load_actor
from recognition.milestones import service
from recognition.milestones.models import Milestone

# What each kind needs besides its date (milestones.rules.NEEDS).
DETAILS = {
    "grant": {"title": "A pragmatic trial", "agency": "CIHR", "role": "principal investigator"},
    "external_award": {"title": "Teaching award", "agency": "A national society"},
    "leadership": {"title": "Program director", "agency": "Department of Medicine"},
    "promotion": {"rank": "associate"},
}


def milestone(
    person_id: int,
    kind: str,
    occurred_on: date,
    recorder_id: int,
    now: datetime,
    *,
    outcome: str | None = None,
    source: str = "entered",
) -> Milestone:
    """Record it; a self-report is the person's own (``recorder_id`` is then ignored)."""
    data = {"person_id": person_id, "kind": kind, "occurred_on": occurred_on, **DETAILS.get(kind, {})}
    if outcome is not None:
        data["outcome"] = outcome
    if source == "self_reported":
        return service.self_report(data, load_actor(person_id), now)
    return service.record(data, load_actor(recorder_id), now, source=source)


def confirm(row: Milestone, confirmer_id: int, now: datetime) -> None:
    service.confirm(row, load_actor(confirmer_id), now)


def withdraw(row: Milestone, admin_id: int, now: datetime) -> None:
    service.withdraw(row, "recorded in error", load_actor(admin_id), now)
