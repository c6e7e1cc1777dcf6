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

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

SMALLEST_SHOWN = 5

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


def withheld(counts: Mapping[K, int], smallest: int = SMALLEST_SHOWN, already: Iterable[K] = ()) -> set[K]:
    """The cells of ``counts`` (people per group, groups that add up to a shown total) to
    withhold, besides any ``already`` withheld for another reason (a table's other
    direction). Deterministic: ties are broken by the order of ``counts``."""
    hidden = {key for key, count in counts.items() if 0 < count < smallest} | (set(already) & set(counts))
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


def withheld_table(cells: Mapping[tuple[R, C], int], smallest: int = SMALLEST_SHOWN) -> set[tuple[R, C]]:
    """The same rule over a table whose rows and columns both have shown totals (say,
    divisions by category): withheld along each row, then each column, until neither adds
    a cell, so no line of the table has a lone withheld cell or a small withheld sum."""
    rows: dict[R, list[tuple[R, C]]] = {}
    columns: dict[C, list[tuple[R, C]]] = {}
    for key in cells:
        rows.setdefault(key[0], []).append(key)
        columns.setdefault(key[1], []).append(key)
    hidden: set[tuple[R, C]] = set()
    changed = True
    while changed:
        changed = False
        for line in (*rows.values(), *columns.values()):
            more = withheld({key: cells[key] for key in line}, smallest, hidden)
            if not more <= hidden:
                hidden |= more
                changed = True
    return hidden
