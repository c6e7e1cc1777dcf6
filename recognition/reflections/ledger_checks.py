"""The ledger's check of reflections (registered by ``recognition.app``): a reflection
points at its entry, whose note is an HMAC of the reflection's text."""

from __future__ import annotations

from ..ledger.checks import Misfit, RowCheck, first_of
from .service import unbound


def first_unbound() -> Misfit | None:
    first = first_of(unbound())
    if first is None:
        return None
    reflection_id, entry_id, seq = first
    return (
        seq,
        entry_id,
        f"reflection {reflection_id} does not match the note of this entry (its text, "
        "or the entry it points to, was changed)",
    )


CHECK = RowCheck("reflections", first_unbound)
