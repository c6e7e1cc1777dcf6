"""What refers to a ledger entry by id from outside the chain, checked against the entry.

A reflection points at its entry, whose note is an HMAC of the reflection's text; an
award grant points at the entry the announcement appended for it (the winner, the award
kind, the day); a milestone points at its entry, whose note is the SHA-256 of the
milestone's fields. These rows are append-only but not chained: someone with database access
could point one at another entry, so ``ledger verify`` checks each against its entry and
names the entry where the first one no longer fits (unless the chain broke earlier).
The checks themselves belong to those domains (``checks``): the ledger imports none of them.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from ..extensions import db
from . import chain, checks
from .checks import Misfit
from .models import LedgerEntry


def misfits() -> list[Misfit]:
    """``(position, entry id, what)`` of the first row of each registered check (reflections,
    award grants, milestones) that no longer fits its entry, in chain order."""
    found = [misfit for check in checks.registered().rows if (misfit := check.first()) is not None]
    return sorted(found)


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
    assert head_hash is not None  # positions run without gaps, and the chain before ``seq`` checked
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
