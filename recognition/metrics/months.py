"""The year still running, from its closed months: what the dashboard reads of this
year's ledger in bulk (the confirmations pass, the count of unconfirmed entries) is
stored month by month (``snapshots``, with the month's last day) once the month is over,
and only the month under way is read from the ledger.

The parts add up exactly: a follower (confirmation, reversal, dispute) carries its
target's day, so an entry and everything that follows it fall in one month; counts per
mentee and per division, and histograms of whole hours, are sums (a median is taken
from the year's histogram, never from the months'). A month's snapshot is checked
like a year's: nothing appended since, dated in it or before, and the same people and
mentorships; else that month is read again and stored in its place.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..clock import add_months, utcnow
from .measures import CONFIRMATIONS, Confirmations, Year, confirmations_between
from .memo import memo
from . import snapshots

# The measures that read the year's confirmations pass (``measures._confirmations``).
BY_MONTH = frozenset({"confirmed_share", "confirmation_delay"})


def closed_months(last: date) -> list[tuple[date, date]]:
    """(first day, last day) of each month of ``last``'s year before ``last``'s own."""
    found = []
    for month in range(1, last.month):
        first = date(last.year, month, 1)
        found.append((first, add_months(first, 1) - timedelta(days=1)))
    return found


def key_of(kind: str, month: int) -> str:
    return snapshots.digest({"version": snapshots.VERSION, "month": month, "of": kind})


def confirmations(year: Year) -> Confirmations:
    """The running ``year``'s confirmations pass (``measures._confirmations``), from the
    closed months' snapshots and a read of the month under way; kept in the
    transaction's ``memo``, where the measures find it."""
    found = memo().setdefault(CONFIRMATIONS, {})
    if year not in found:
        codec = (Confirmations.encoded, Confirmations.decoded)
        parts = [
            snapshots.cached(
                year.year,
                key_of(CONFIRMATIONS, first.month),
                lambda first=first, last=last: confirmations_between(first, last),
                utcnow(),
                last,
                codec,
            )
            for first, last in closed_months(year.as_of)
        ]
        parts.append(confirmations_between(date(year.year, year.as_of.month, 1), year.as_of))
        found[year] = Confirmations.merged(parts)
    return found[year]
