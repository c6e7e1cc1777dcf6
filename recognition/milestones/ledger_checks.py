"""The ledger's check of milestones (registered by ``recognition.app``): a milestone
points at its entry, whose note is the SHA-256 of the milestone's fields."""

from __future__ import annotations

from ..ledger.checks import Misfit, RowCheck, first_of
from .queries import misfits


def first_misfit() -> Misfit | None:
    first = first_of(misfits())
    if first is None:
        return None
    milestone_id, entry_id, seq = first
    return (
        seq,
        entry_id,
        f"milestone {milestone_id} does not match the note of this entry (its fields, "
        "or the entry it points to, were changed)",
    )


CHECK = RowCheck("milestones", first_misfit)
