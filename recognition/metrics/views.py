"""/metrics: the program dashboard for administrators and division directors, by the
study's three levels, with a chart and a table per metric, the department's trend, what
needs attention, and every table as CSV."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_login import login_required
from wtforms import SelectChoice

from ..auth.current import page_actor
from ..clock import today
from ..errors import DomainError, NotFound
from ..people.models import Division
from . import attention, charts, service
from .definitions import COMPONENTS, LEVELS, UNITS
from .forms import DashboardForm
from .measures import first_years

blp = Blueprint("metrics", __name__)


def _choices(actor, codes: set[str] | None) -> tuple[DashboardForm, int, Division | None]:
    """The filters as sent, checked: the year (this one by default) and the division
    among ``codes`` (``service.visible_codes``)."""
    day = today()
    form = DashboardForm(formdata=request.args)
    try:
        year = service.checked_year(int(form.year.data) if form.year.data else None, day)
    except ValueError:
        raise DomainError.field("year", "must be a year like 2025") from None
    division = service.checked_division(codes, form.division.data or None)
    everyone = [SelectChoice("", "Every division you manage" if not actor.is_admin else "Every division")]
    form.division.choices = everyone + [SelectChoice(code, name) for code, name in service.division_choices(codes)]
    form.division.data = division.code if division else ""
    form.year.choices = [SelectChoice(str(y), str(y)) for y in range(day.year, day.year - service.TREND_YEARS - 5, -1)]
    form.year.data = str(year)
    return form, year, division


@blp.get("/metrics")
@login_required
def dashboard():
    """Every metric for the chosen year, level by level."""
    actor = page_actor()
    codes = service.visible_codes(actor)  # 403 for anyone who is neither an administrator nor a director
    form, year, division = _choices(actor, codes)
    day = today()
    found = service.results(codes, year, day, division)
    firsts = first_years()
    levels = []
    for level, level_label in LEVELS.items():
        shown = []
        for result in found:
            if result.metric.level != level:
                continue
            unit = UNITS[result.metric.unit] if result.metric.unit == "percent" else ""
            points = service.trend(result.metric, year, day, result, firsts).first()
            shown.append(
                {
                    "result": result,
                    "chart": charts.chart(result.series, result.rows, result.metric.title, unit),
                    "trend": charts.trend(points, f"{result.metric.title}: {_first_label(result)}, department", unit),
                    "points": points,
                    "component": COMPONENTS[result.metric.component],
                    "unit": unit,
                }
            )
        levels.append({"id": level, "label": level_label, "metrics": shown})
    page = render_template(
        "metrics/dashboard.html",
        form=form,
        year=year,
        division=division,
        levels=levels,
        as_of=min(day, day.replace(year=year, month=12, day=31)),
        min_cell=service.min_cell(),
        attention=attention.needs_attention(actor, day, division.id if division else None),
        shown=charts.shown,
    )
    service.keep_snapshots()  # the snapshots of closed years computed for this page
    return page


@blp.get("/metrics/<metric_id>.csv")
@login_required
def table_csv(metric_id: str):
    """One metric's table for the chosen year, as the page shows it (withheld cells say so)."""
    actor = page_actor()
    codes = service.visible_codes(actor)
    _, year, division = _choices(actor, codes)
    metric = service.definitions().get(metric_id)
    if metric is None:
        raise NotFound(f"There is no metric {metric_id!r}.")
    result = service.for_actor(
        service.compute(metric, year, today(), codes), codes if division is None else {division.code}
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["metric", "year", "group", *[f"{s.label} ({s.kind})" for s in result.series], "people"])
    for row in result.rows:
        cells = [row.cells[s.key] for s in result.series]
        people = [str(c.people) if c.people is not None else "" for c in cells]
        writer.writerow([metric.id, year, row.label, *[charts.shown(c) for c in cells], " / ".join(people)])
    service.keep_snapshots()  # a snapshot computed for this table
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{metric.id}-{year}.csv"'},
    )


def _first_label(result: service.Result) -> str:
    return result.series[0].label if result.series else result.metric.title
