"""What refers to a ledger entry by id from outside the chain, checked against the entry.

A reflection points at its entry, whose note is an HMAC of the reflection's text; an
award grant points at the entry the announcement appended for it (the winner, the award
kind, the day); a milestone points at its entry, whose note is the SHA-256 of the
milestone's fields. These rows are append-only but not chained: someone with database access
could point one at another entry, so ``ledger verify`` checks each against its entry and
names the entry where the first one no longer fits (unless the chain broke earlier).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import or_, select

from ..extensions import db
from . import chain
from .models import LedgerEntry


def misfits():
    """``(position, entry id, what)`` of the first reflection, the first grant and the first
    milestone that no longer fit their entries."""
    from ..milestones import queries as milestones
    from ..reflections.service import unbound

    found = []
    rows = unbound()
    try:
        first = next(rows, None)
    finally:
        rows.close()
    if first is not None:
        reflection_id, entry_id, seq = first
        found.append(
            (
                seq,
                entry_id,
                f"reflection {reflection_id} does not match the note of this entry (its text, "
                "or the entry it points to, was changed)",
            )
        )
    grant = _first_misplaced_grant()
    if grant is not None:
        grant_id, entry_id, seq = grant
        found.append(
            (
                seq,
                entry_id,
                f"award grant {grant_id} points to this entry, which is not its award (the grant's entry was changed)",
            )
        )
    rows = milestones.misfits()
    try:
        first = next(rows, None)
    finally:
        rows.close()
    if first is not None:
        milestone_id, entry_id, seq = first
        found.append(
            (
                seq,
                entry_id,
                f"milestone {milestone_id} does not match the note of this entry (its fields, "
                "or the entry it points to, were changed)",
            )
        )
    return sorted(found)


def _first_misplaced_grant():
    from ..awards.announcement.service import LEDGER_KIND
    from ..awards.models import Grant

    return db.session.execute(
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


def check(verdict: chain.Verdict) -> chain.Verdict:
    """``verdict``, or the first misfit when it comes before whatever the chain found."""
    found = misfits()
    if not found:
        return verdict
    seq, entry_id, problem = found[0]
    if not verdict.valid and (verdict.first_bad_seq is None or verdict.first_bad_seq <= seq):
        return verdict
    head = seq - 1
    head_hash = (
        chain.GENESIS if head == 0 else db.session.scalar(select(LedgerEntry.entry_hash).where(LedgerEntry.seq == head))
    )
    return replace(
        verdict,
        valid=False,
        checked=head,
        head_seq=head,
        head_hash=head_hash,
        first_bad_seq=seq,
        first_bad_id=entry_id,
        anchor=None,
        problem=problem,
    )
