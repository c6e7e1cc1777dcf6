"""Self-identified data in aggregate only: a pure rule, tested as a table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# A group smaller than this is never shown as a number.
SMALLEST_SHOWN = 5


def aggregate(values: Iterable[str | None], smallest: int = SMALLEST_SHOWN) -> dict:
    """Counts of the answers people chose to give, with small groups withheld.

    A group below ``smallest`` is withheld: neither its count nor its name is shown (an
    answer is free text, and a rare one can name its author). If exactly one group would
    be withheld, the next smallest is withheld too, so the hidden one cannot be worked out
    from the total. People who gave no answer are counted apart.
    """
    values = list(values)
    answered = Counter(value for value in values if value)
    withheld = {label for label, count in answered.items() if count < smallest}
    if len(withheld) == 1 and len(answered) > 1:
        shown = sorted((count, label) for label, count in answered.items() if label not in withheld)
        withheld.add(shown[0][1])
    groups = [
        (label, count)
        for label, count in sorted(answered.items(), key=lambda item: (-item[1], item[0]))
        if label not in withheld
    ]
    return {
        "groups": groups,
        "withheld_groups": len(withheld),
        "not_given": len(values) - sum(answered.values()),
        "total": len(values),
        "smallest": smallest,
    }
