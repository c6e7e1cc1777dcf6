"""The ledger's check of award grants (registered by ``recognition.app``): a grant points
at the entry its announcement appended (the winner, the award kind, the day)."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..extensions import db
from ..ledger.checks import Misfit, RowCheck
from ..ledger.models import LedgerEntry
from .announcement.service import LEDGER_KIND
from .models import Grant


def first_misplaced() -> Misfit | None:
    row = db.session.execute(
        select(Grant.id, LedgerEntry.id, LedgerEntry.seq)
        .join(LedgerEntry, LedgerEntry.id == Grant.ledger_entry_id)
        .where(
            or_(
                LedgerEntry.person_id != Grant.person_id,
                LedgerEntry.occurred_on != Grant.awarded_on,
                LedgerEntry.kind != LEDGER_KIND,
                LedgerEntry.kind.is_(None),
            )
        )
        .order_by(LedgerEntry.seq)
        .limit(1)
    ).first()
    if row is None:
        return None
    grant_id, entry_id, seq = row
    return (
        seq,
        entry_id,
        f"award grant {grant_id} points to this entry, which is not its award (the grant's entry was changed)",
    )


CHECK = RowCheck("award grants", first_misplaced)
