"""The year still running, from its days gone by: what the dashboard reads of this
year's ledger in bulk (the confirmations pass, each relationship's last confirmed
meeting for the lapsed ones, the count of unconfirmed entries) is stored month by month (``snapshots``, with the last day counted: the month's, or for
the month under way the last day gone by, replaced by the next day's), and only today's
entries are read from the ledger.

The parts add up exactly: a follower (confirmation, reversal, dispute) carries its
target's day, so an entry and everything that follows it fall in one month; counts and
histograms of whole hours are sums, the people behind them unions (a median is taken
from the year's histogram, never from the months'). A month's snapshot is checked
like a year's: nothing appended since, dated in it or before, and the same people and
mentorships; else that month is read again and stored in its place. One row a month
and kind: a month's last day gone by replaces the one before.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import partial

from ..clock import add_months, utcnow
from . import snapshots
from .definitions import Metric
from .measures import (
    CONFIRMATIONS,
    MEASURES,
    Confirmations,
    Tallies,
    Year,
    confirmations_between,
    lapse_window,
    lapsed_among,
    last_confirmed_meetings,
)
from .memo import memo

# The measures that read the year's confirmations pass (``measures._confirmations``).
CONFIRMING = frozenset({"confirmed_share", "confirmation_delay"})
# Every measure read month by month while its year runs.
BY_MONTH = CONFIRMING | {"lapsed"}
MET = "met"


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
                partial(confirmations_between, first, last),
                utcnow(),
                last,
                codec,
                snapshots.DIVISIONS,
            )
            for first, last in (stretches(before) if before.year == year.year else [])
        ]
        parts.append(confirmations_between(year.as_of, year.as_of))
        found[year] = Confirmations.merged(parts)
    return found[year]


def measured(metric: Metric, year: Year) -> tuple[list, Tallies]:
    """What ``metric`` counts in the running ``year``: as the measure counts it, with
    what it reads of the year's ledger in bulk taken from the months' snapshots."""
    if metric.measure in CONFIRMING:
        confirmations(year)  # where the measure finds it
    elif metric.measure == "lapsed":
        return lapsed(metric, year)
    return MEASURES[metric.measure](metric, year)


def _days_encoded(found: dict[int, date]) -> str:
    return json.dumps(sorted((mentorship_id, day.toordinal()) for mentorship_id, day in found.items()))


def _days_decoded(text: str) -> dict[int, date]:
    return {mentorship_id: date.fromordinal(day) for mentorship_id, day in json.loads(text)}


def lapsed(metric: Metric, year: Year) -> tuple[list, Tallies]:
    """``measures.lapsed`` for the running ``year``: the relationships with a confirmed
    meeting in the window are those whose month (a snapshot: the day of each one's last
    confirmed meeting in it) has one on or after the window's first day, or that met
    today; the window's first month counts from that day on."""
    first, last = lapse_window(metric, year)
    before = last - timedelta(days=1)
    met: set[int] = set()
    month = date(first.year, first.month, 1)
    while month <= before:
        end = min(before, add_months(month, 1) - timedelta(days=1))
        found = snapshots.cached(
            month.year,
            key_of(MET, month.month),
            partial(last_confirmed_meetings, month, end),
            utcnow(),
            end,
            (_days_encoded, _days_decoded),
            snapshots.DIVISIONS,
        )
        met.update(mentorship_id for mentorship_id, day in found.items() if day >= first)
        month = add_months(month, 1)
    met.update(last_confirmed_meetings(last, last))
    return lapsed_among(metric, year, met)
