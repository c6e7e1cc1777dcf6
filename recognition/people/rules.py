"""Self-identified data in aggregate only: a pure rule, tested as a table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..suppression import SMALLEST_SHOWN, withheld


def aggregate(values: Iterable[str | None], smallest: int = SMALLEST_SHOWN) -> dict:
    """Counts of the answers people chose to give, with small groups withheld.

    A group below ``smallest`` is withheld: neither its count nor its name is shown (an
    answer is free text, and a rare one can name its author); the next smallest go with
    it until none can be worked out from the total (``recognition.suppression``). People
    who gave no answer are counted apart.
    """
    values = list(values)
    answered = Counter(value for value in values if value)
    hidden = withheld(dict(sorted(answered.items())), smallest)
    groups = [
        (label, count)
        for label, count in sorted(answered.items(), key=lambda item: (-item[1], item[0]))
        if label not in hidden
    ]
    return {
        "groups": groups,
        "withheld_groups": len(hidden),
        "not_given": len(values) - sum(answered.values()),
        "total": len(values),
        "smallest": smallest,
    }
