"""Program metrics for the running app: the definitions in force and the smallest cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..feedback import periods
from ..feedback.service import k
from ..people.models import Division
from .definitions import Metric, load
from .measures import MEASURES, Year
from .rules import Row, Series, table

NO_DIVISION = "none"


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


def division_labels(tallies) -> dict[str, str]:
    """Every division by code, in name order, and "No division" when someone has none."""
    labels = {division.code: division.name for division in db.session.scalars(select(Division).order_by(Division.name))}
    if None in tallies:
        labels[NO_DIVISION] = "No division"
    return labels


def compute(metric: Metric, year: int, today: date) -> Result:
    """One metric for one year: the department's row, then one per division."""
    series, by_id = MEASURES[metric.measure](metric, year_of(year, today))
    codes = {row.id: row.code for row in db.session.execute(select(Division.id, Division.code))}
    tallies = {codes[key] if key is not None else NO_DIVISION: value for key, value in by_id.items()}
    return Result(metric, year, series, table(series, tallies, division_labels(by_id), metric.min_cell))
