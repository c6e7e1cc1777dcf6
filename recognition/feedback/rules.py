"""The anonymity rules and the arithmetic of a report, as pure functions.

The model: a mentor's responses are released in blocks that hold at least k responses
from at least k different mentees, and every view (the mentor's report, a division's, the
department's) is built from whole blocks only. A difference of two views is then itself
made of whole blocks, so it can never isolate fewer than k responses or k people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

FLOOR = 3  # k is configurable but never below this


def effective_k(configured) -> int:
    try:
        return max(FLOOR, int(configured))
    except (TypeError, ValueError):
        return FLOOR


def contributors_at_least(waiting: Mapping[str, int], whole: Mapping[str, Iterable[int]]) -> int:
    """How many different mentees, at least, gave a mentor's waiting responses.

    ``waiting`` maps each period to its waiting responses. ``whole`` gives, for the periods
    none of whose responses has been released, who answered (the receipts): there, and only
    there, the waiting responses' authors are known as a set. Within any one period a mentee
    answers once, so its waiting responses come from that many people; across periods only
    the whole ones can be added up without counting someone twice.
    """
    known = set().union(*(set(people) for people in whole.values()))
    return max([len(known), *waiting.values()], default=0)


def should_release(unreleased: int, contributors: int, k: int) -> bool:
    """Release the waiting responses as one block once there are k of them from at least
    k different mentees (one mentee answering three years running is still one person)."""
    k = effective_k(k)
    return unreleased >= k and contributors >= k


def breakdown_is_safe(total: int, parts: Iterable[int], k: int) -> bool:
    """A total shown with some of its parts: every shown part, the total and what is left
    over must each be 0 or at least k."""
    parts = list(parts)
    remainder = total - sum(parts)
    return all(n == 0 or n >= k for n in [total, remainder, *parts])


@dataclass(frozen=True)
class ItemSummary:
    item_id: str
    answered: int
    not_applicable: int
    mean: float | None
    distribution: tuple[int, ...]  # how many chose each scale point, low to high


@dataclass(frozen=True)
class Summary:
    responses: int
    overall: float | None
    items: tuple[ItemSummary, ...]


def summarise(
    item_ids: Sequence[str], scale_min: int, scale_max: int, responses: Iterable[Mapping[str, int | None]]
) -> Summary:
    """Item means and distributions, and the overall score: the mean of every answered
    item across the responses ("not applicable" answers are left out, and counted)."""
    responses = list(responses)
    items: list[ItemSummary] = []
    every_value: list[int] = []
    for item_id in item_ids:
        values = [value for r in responses if (value := r.get(item_id)) is not None]
        every_value.extend(values)
        items.append(
            ItemSummary(
                item_id,
                len(values),
                sum(1 for r in responses if item_id in r and r[item_id] is None),
                round(fmean(values), 2) if values else None,
                tuple(values.count(point) for point in range(scale_min, scale_max + 1)),
            )
        )
    return Summary(len(responses), round(fmean(every_value), 2) if every_value else None, tuple(items))
