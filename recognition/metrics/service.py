"""Program metrics for the running app: the definitions in force and the smallest cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from flask import current_app
from sqlalchemy import select

from ..auth.service import COMMAND_LINE, Actor
from ..clock import utcnow
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..feedback import periods
from ..feedback.service import k
from ..people.models import Division
from . import attention, months, snapshots
from .definitions import Metric, load
from .measures import MEASURES, Tallies, Year, first_year, first_years, plain_plans
from .memo import memo
from .rules import DEPARTMENT, NO_DATA, Cell, Row, Series, table

NO_DIVISION = "none"
EARLIEST_YEAR = 2000
TREND_YEARS = 5


def min_cell() -> int:
    """The department's smallest shown cell: METRICS_MIN_CELL, never below the feedback k."""
    try:
        configured = int(current_app.config["METRICS_MIN_CELL"])
    except (TypeError, ValueError):
        configured = k()
    return max(configured, k())


def definitions() -> dict[str, Metric]:
    """Every enabled metric, the instance's files applied to the package's, loaded once per app."""
    found = current_app.extensions.get("recognition.metrics")
    if found is None:
        found = load(min_cell(), k(), current_app.instance_path)
        current_app.extensions["recognition.metrics"] = found
    return found


@dataclass(frozen=True)
class Result:
    metric: Metric
    year: int
    series: list[Series]
    rows: list[Row]

    @property
    def department(self) -> Row:
        return self.rows[0]


def year_of(year: int, today: date) -> Year:
    config = current_app.config
    kind = config["FEEDBACK_PERIOD"] if config["FEEDBACK_PERIOD"] in periods.KINDS else periods.CALENDAR
    return Year(
        year=year,
        today=today,
        meetings_min=int(config["MEETINGS_PER_YEAR_MIN"]),
        formal_years=int(config["FORMAL_MENTORING_YEARS"]),
        check_in_months=int(config["CHECK_IN_MONTHS"]),
        feedback_periods=(periods.period_of(date(year, 6, 30), kind),),
    )


def divisions() -> list[tuple[int, str, str]]:
    """(id, code, name) of every division in name order, read once a transaction (the
    snapshots' cache: forgotten at the next change)."""
    cache = memo()
    if "divisions" not in cache:
        query = select(Division.id, Division.code, Division.name).order_by(Division.name)
        cache["divisions"] = [(row.id, row.code, row.name) for row in db.session.execute(query)]
    return cache["divisions"]


def division_labels(tallies) -> dict[str, str]:
    """Every division by code, in name order, and "No division" when someone has none."""
    labels = {code: name for _, code, name in divisions()}
    if None in tallies:
        labels[NO_DIVISION] = "No division"
    return labels


def measured(metric: Metric, year: Year) -> tuple[list[Series], Tallies]:
    """What ``metric`` counts in ``year``: from the year's snapshot once it is closed and
    the measure is one that is snapshotted (``snapshots``), else from the database now
    (for this year, what ``months`` keeps of its days gone by, and today's entries)."""
    cache = memo()
    if "plain" not in cache:
        plain_plans()
        cache["plain"] = True
    if year.year >= year.today.year:
        return months.measured(metric, year)
    if metric.measure not in snapshots.SNAPSHOTTED:
        return MEASURES[metric.measure](metric, year)
    key = snapshots.key_of(metric, year)
    compute = partial(MEASURES[metric.measure], metric, year)
    return snapshots.cached(year.year, key, compute, utcnow(), reads=snapshots.SNAPSHOTTED[metric.measure])


def keep_snapshots() -> None:
    """Store the snapshots a page or an API read computed (``snapshots.keep``): call it
    once the reading is done."""
    snapshots.keep()


def compute(metric: Metric, year: int, today: date, own: set[str] | None = None) -> Result:
    """One metric for one year: the department's row, then one per division (only those
    of ``own``, as their director sees them, when given: ``rules.director_table``)."""
    series, by_id = measured(metric, year_of(year, today))
    codes = {key: code for key, code, _ in divisions()}
    tallies = {codes[key] if key is not None else NO_DIVISION: value for key, value in by_id.items()}
    return Result(metric, year, series, table(series, tallies, division_labels(by_id), metric.min_cell, own))


# Who sees what ------------------------------------------------------------------------


def visible_codes(actor: Actor) -> set[str] | None:
    """The division rows ``actor`` may see: every one for an administrator (None), their
    own divisions for a director; anyone else may not see the metrics at all."""
    if actor.is_admin:
        return None
    if not actor.directed_division_ids:
        raise Forbidden("Program metrics are for administrators and division directors.")
    rows = db.session.execute(select(Division.code).where(Division.id.in_(actor.directed_division_ids)))
    return {row.code for row in rows}


def division_choices(codes: set[str] | None) -> list[tuple[str, str]]:
    """(code, name) of the divisions ``codes`` (from ``visible_codes``; None: every one)
    allows, in name order."""
    query = select(Division.code, Division.name).order_by(Division.name)
    if codes is not None:
        query = query.where(Division.code.in_(codes))
    return [(row.code, row.name) for row in db.session.execute(query)]


def for_actor(result: Result, codes: set[str] | None) -> Result:
    """The department's row and the division rows ``codes`` allows (all when None). For
    a director, compute the result with their ``codes`` first (``compute(..., own=codes)``):
    their rows then depend on their own divisions alone, and the department's cells are
    withheld wherever they would give away the rest of the department."""
    rows = [row for row in result.rows if row.group == DEPARTMENT or codes is None or row.group in codes]
    return Result(result.metric, result.year, result.series, rows)


def checked_year(year: int | None, today: date) -> int:
    """The year asked for (this year by default), between the earliest a department
    records and this one."""
    if year is None:
        return today.year
    if not EARLIEST_YEAR <= year <= today.year:
        raise DomainError.field("year", f"must be a year from {EARLIEST_YEAR} to {today.year}")
    return year


def checked_division(codes: set[str] | None, code: str | None) -> Division | None:
    """The division asked for by code, if ``codes`` (from ``visible_codes``) allows it;
    404 naming the field if not."""
    if code is None:
        return None
    division = db.session.scalar(select(Division).where(Division.code == code))
    if division is None or (codes is not None and code not in codes):
        raise NotFound(
            f"No division {code!r} among yours.", {"division": ["must be the code of a division you manage"]}
        )
    return division


def results(codes: set[str] | None, year: int, today: date, division: Division | None = None) -> list[Result]:
    """Every enabled metric for ``year``, rows cut to the divisions ``codes`` (from
    ``visible_codes``) allows, or to ``division`` when given."""
    shown = codes if division is None else {division.code}
    return [for_actor(compute(metric, year, today, codes), shown) for metric in definitions().values()]


def listing(year: int, today: date, found: list[Result]) -> dict:
    """The API's and the exports' plain form of ``results``."""
    return {
        "year": year,
        "as_of": min(date(year, 12, 31), today),
        "min_cell": min_cell(),
        "results": [
            {
                "metric": result.metric,
                "year": result.year,
                "unit": result.metric.unit,
                "series": result.series,
                "rows": [
                    {
                        "group": row.group,
                        "label": row.label,
                        "cells": [
                            {
                                "series": key,
                                "state": cell.state,
                                "value": None if cell.value is None else float(cell.value),
                                "people": cell.people,
                            }
                            for key, cell in row.cells.items()
                        ],
                    }
                    for row in result.rows
                ],
            }
            for result in found
        ],
    }


def no_data_row(series: list[Series]) -> Row:
    return Row(DEPARTMENT, "Department", {s.key: Cell(NO_DATA) for s in series})


@dataclass(frozen=True)
class Trend:
    metric: Metric
    series: list[Series]  # the latest year's
    points: list[tuple[int, Row]]  # the department's row each year, oldest first

    def first(self) -> list[tuple[int, Cell]]:
        """The first series' cell each year (no data where that year has none)."""
        if not self.series:
            return [(year, Cell(NO_DATA)) for year, _ in self.points]
        key = self.series[0].key
        return [(year, row.cells.get(key, Cell(NO_DATA))) for year, row in self.points]


def trend(
    metric: Metric,
    last: int,
    today: date,
    known: Result | None = None,
    firsts: dict[str, int] | None = None,
    years: int = TREND_YEARS,
) -> Trend:
    """The department's row of ``metric`` for each of the ``years`` years to ``last``,
    oldest first. A year before the department's first ledger entry, or before the first
    record the metric counts from (``measures.first_year``), has no data: its cells say
    so, never zero. ``known``: the result for ``last`` already computed; ``firsts``:
    ``measures.first_years()``, when the caller has it."""
    first = first_year(metric, first_years() if firsts is None else firsts)
    span = range(last - years + 1, last + 1)
    computed: dict[int, Result] = {}
    for year in span:
        if first is None or year < first:
            continue
        if known is not None and known.year == year and known.metric.id == metric.id:
            computed[year] = known
        else:
            computed[year] = compute(metric, year, today)
    if computed:
        series = computed[max(computed)].series
    else:
        series = known.series if known is not None else compute(metric, last, today).series
    return Trend(
        metric,
        series,
        [(year, computed[year].department if year in computed else no_data_row(series)) for year in span],
    )


def trend_listing(last: int, today: date, found: list[Result] | None = None) -> dict:
    """The API's plain form of every enabled metric's trend: the department's first
    series, year by year; a year with no data has ``state: no_data`` and a null value."""
    firsts = first_years()
    known = {result.metric.id: result for result in found or []}
    trends = []
    for metric in definitions().values():
        found_trend = trend(metric, last, today, known.get(metric.id), firsts)
        trends.append(
            {
                "metric": metric.id,
                "unit": metric.unit,
                "series": found_trend.series[0] if found_trend.series else None,
                "points": [
                    {
                        "year": year,
                        "state": cell.state,
                        "value": None if cell.value is None else float(cell.value),
                        "people": cell.people,
                    }
                    for year, cell in found_trend.first()
                ],
            }
        )
    return {"last": last, "years": TREND_YEARS, "trends": trends}


def refresh_snapshots(today: date) -> str:
    """The scheduler's: the snapshots of the closed years this year's dashboard shows
    (every enabled metric for the trend's years), of every closed year the attention
    list counts, and of this year's closed months (``months``), built where missing or
    stale, and those of months before last year deleted; then every fresh one moved to the
    ledger's head, so a page reads only what was appended since. Flushes; the caller
    commits. A one-line summary."""
    first = first_years().get("ledger")
    if first is not None:
        for year in range(max(first, today.year - TREND_YEARS + 1), today.year):
            for metric in definitions().values():
                if metric.measure in snapshots.SNAPSHOTTED:
                    measured(metric, year_of(year, today))
        attention.unconfirmed_by_year(COMMAND_LINE, None, (today - attention.STALE_AFTER).year)
        attention.unconfirmed_by_month(COMMAND_LINE, None, today - attention.STALE_AFTER)
        for metric in definitions().values():
            if metric.measure in months.BY_MONTH:
                months.measured(metric, year_of(today.year, today))
    snapshots.forget_months(date(today.year - 1, 1, 1))
    built = snapshots.built()
    moved = snapshots.advance()
    return (
        f"{built} snapshots of closed years and months built or rebuilt, {moved} fresh ones moved to the ledger's head"
    )
