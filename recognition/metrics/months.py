"""The year still running, from its days gone by: what the dashboard reads of this
year's ledger in bulk (the confirmations pass, the count of unconfirmed entries) is
stored month by month (``snapshots``, with the last day counted: the month's, or for
the month under way the last day gone by, replaced by the next day's), and only today's
entries are read from the ledger.

The parts add up exactly: a follower (confirmation, reversal, dispute) carries its
target's day, so an entry and everything that follows it fall in one month; counts per
mentee and per division, and histograms of whole hours, are sums (a median is taken
from the year's histogram, never from the months'). A month's snapshot is checked
like a year's: nothing appended since, dated in it or before, and the same people and
mentorships; else that month is read again and stored in its place. One row a month
and kind: a month's last day gone by replaces the one before.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..clock import add_months, utcnow
from .measures import CONFIRMATIONS, Confirmations, Year, confirmations_between
from .memo import memo
from . import snapshots

# The measures that read the year's confirmations pass (``measures._confirmations``).
BY_MONTH = frozenset({"confirmed_share", "confirmation_delay"})


def stretches(last: date) -> list[tuple[date, date]]:
    """(first day, last day) of each month of ``last``'s year to ``last``: whole months,
    then the days of ``last``'s own month up to it."""
    found = []
    for month in range(1, last.month + 1):
        first = date(last.year, month, 1)
        found.append((first, min(last, add_months(first, 1) - timedelta(days=1))))
    return found


def key_of(kind: str, month: int) -> str:
    return snapshots.digest({"version": snapshots.VERSION, "month": month, "of": kind})


def confirmations(year: Year) -> Confirmations:
    """The running ``year``'s confirmations pass (``measures._confirmations``), from the
    snapshots of its days before today (month by month) and a read of today's entries;
    kept in the transaction's ``memo``, where the measures find it."""
    found = memo().setdefault(CONFIRMATIONS, {})
    if year not in found:
        codec = (Confirmations.encoded, Confirmations.decoded)
        before = year.as_of - timedelta(days=1)
        parts = [
            snapshots.cached(
                year.year,
                key_of(CONFIRMATIONS, first.month),
                lambda first=first, last=last: confirmations_between(first, last),
                utcnow(),
                last,
                codec,
            )
            for first, last in (stretches(before) if before.year == year.year else [])
        ]
        parts.append(confirmations_between(year.as_of, year.as_of))
        found[year] = Confirmations.merged(parts)
    return found[year]
