"""Small cells, withheld: the one rule every aggregate a person can read goes through.

A count of people below ``smallest`` (other than zero) is withheld. Withholding one
cell is not enough when its neighbours and their total are shown, since the cell is then
the total minus the rest; so the smallest shown cells are withheld with it until at least
two are withheld and the withheld together count at least ``smallest`` (or everything is
withheld). A zero is shown: it names no one, and withholding it would hide nothing the
total does not already say.

The roster's gender and race summary and the program metrics both use it. Pure: no Flask,
no database.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

SMALLEST_SHOWN = 5

K = TypeVar("K", bound=Hashable)


def withheld(counts: Mapping[K, int], smallest: int = SMALLEST_SHOWN) -> set[K]:
    """The cells of ``counts`` (people per group, groups that add up to a shown total) to
    withhold. Deterministic: ties are broken by the order of ``counts``."""
    hidden = {key for key, count in counts.items() if 0 < count < smallest}
    if not hidden:
        return hidden
    order = {key: position for position, key in enumerate(counts)}
    # Nonzero cells first: withholding a zero next to a small cell would let the reader
    # put the small count on either, but a nonzero neighbour blurs it far more.
    candidates = sorted(
        (key for key in counts if key not in hidden),
        key=lambda key: (counts[key] == 0, counts[key], order[key]),
    )
    for key in candidates:
        if len(hidden) >= 2 and sum(counts[k] for k in hidden) >= smallest:
            break
        hidden.add(key)
    return hidden
