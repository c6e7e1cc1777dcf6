"""Recorded milestones for award tests, written as the milestones service writes them: a
ledger entry of kind ``milestone`` whose note is the milestone's fingerprint, then the row
pointing to it; a confirmation or a reversal is an entry on that entry."""

from __future__ import annotations

from datetime import date, datetime

from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.milestones.models import Milestone
from recognition.milestones.rules import fingerprint


def milestone(person_id: int, kind: str, occurred_on: date, recorder_id: int, now: datetime, *,
              outcome: str | None = None, rank: str | None = None, title: str | None = None,
              source: str = "entered") -> Milestone:
    fields = {"person_id": person_id, "kind": kind, "occurred_on": occurred_on, "outcome": outcome, "rank": rank,
              "title": title, "agency": None, "role": None, "year": None, "note": "", "source": source,
              "corrects_id": None, "recorded_by_id": recorder_id}
    entry = ledger.append(LedgerEntry(entry_type="contribution", kind="milestone", person_id=person_id,
                                      occurred_on=occurred_on, minutes=0, note=fingerprint(fields),
                                      recorded_by_id=recorder_id), now)
    row = Milestone(**fields, ledger_entry_id=entry.id, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def confirm(row: Milestone, confirmer_id: int, now: datetime) -> None:
    ledger.append(LedgerEntry(entry_type="confirmation", person_id=row.person_id, occurred_on=row.occurred_on,
                              minutes=0, note="", recorded_by_id=confirmer_id, target_id=row.ledger_entry_id), now)


def withdraw(row: Milestone, admin_id: int, now: datetime) -> None:
    ledger.reverse(db.session.get(LedgerEntry, row.ledger_entry_id), "recorded in error", load_actor(admin_id), now)
