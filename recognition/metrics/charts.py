"""The dashboard's charts (``recognition.svg``): one bar per row for a metric's main
series, or a stacked bar per row for counts that split the same people; and a line of the
department's value over the years. A withheld cell is drawn as an outlined empty bar
labelled "withheld", never as a zero-length bar. The table under each chart holds the same
numbers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup

from ..svg import ACCENT, GRID, MUTED, lines, number, svg, text
from .rules import COUNT, SHARE, SHOWN, WITHHELD, Cell, Row, Series

STACK = ("#0b5cad", "#b35806", "#6e7781", "#1a7f37", "#8250df", "#9a6700")


def shown(cell: Cell) -> str:
    if cell.state == WITHHELD:
        return "withheld"
    if cell.state != SHOWN or cell.value is None:
        return "no data"
    return f"{cell.value}"


def _scale(series: Series, rows: Sequence[Row]) -> float:
    if series.kind == SHARE:
        return 100.0
    values = [float(row.cells[series.key].value or 0) for row in rows if row.cells[series.key].state == SHOWN]
    return max(values + [1.0])


def bars(series: Series, rows: Sequence[Row], label: str, unit: str, width: int = 520) -> Markup:
    """One horizontal bar per row (the department first) for ``series``."""
    left, right, row_height, top = 8, 72, 44, 8
    plot = width - left - right
    height = top + row_height * len(rows) + 8
    top_value = _scale(series, rows)
    body = []
    for index, row in enumerate(rows):
        y = top + index * row_height
        cell = row.cells[series.key]
        body.append(text(left, y + 14, row.label, size=14, font_weight="600" if index == 0 else "400"))
        if cell.state == SHOWN and cell.value is not None:
            length = plot * float(cell.value) / top_value if top_value else 0
            colour = ACCENT if index == 0 else "#6e7781"
            body.append(f'<rect x="{left}" y="{y + 20}" width="{number(max(length, 1))}" height="16" fill="{colour}"/>')
            body.append(text(left + length + 6, y + 33, f"{cell.value}{unit}", size=14, font_weight="600"))
        else:
            body.append(
                f'<rect x="{left}" y="{y + 20}" width="{number(plot)}" height="16" fill="none" stroke="{GRID}" '
                'stroke-dasharray="4 3"/>'
            )
            body.append(text(left + 8, y + 33, shown(cell), size=13, fill=MUTED))
    described = "; ".join(f"{row.label}: {shown(row.cells[series.key])}" for row in rows)
    return svg(width, height, f"{label}, {series.label}. {described}", body, "chart-metric")


def stacked(series: Sequence[Series], rows: Sequence[Row], label: str, width: int = 520) -> Markup:
    """A bar per row split by count series (done, overdue, due later …); a row with any
    withheld cell is drawn empty, since its shown parts would give the withheld away."""
    left, right, row_height, top = 8, 16, 44, 8
    plot = width - left - right
    height = top + row_height * len(rows) + 28
    body = []
    for index, row in enumerate(rows):
        y = top + index * row_height
        body.append(text(left, y + 14, row.label, size=14, font_weight="600" if index == 0 else "400"))
        cells = [row.cells[s.key] for s in series]
        total = sum(float(c.value or 0) for c in cells if c.state == SHOWN)
        if any(c.state == WITHHELD for c in cells) or not total:
            body.append(
                f'<rect x="{left}" y="{y + 20}" width="{plot}" height="16" fill="none" stroke="{GRID}" stroke-dasharray="4 3"/>'
            )
            body.append(text(left + 8, y + 33, "withheld" if total or cells else "no data", size=13, fill=MUTED))
            continue
        x = float(left)
        for number_, (s, cell) in enumerate(zip(series, cells, strict=True)):
            share = plot * float(cell.value or 0) / total
            if share <= 0:
                continue
            body.append(
                f'<rect x="{number(x)}" y="{y + 20}" width="{number(share)}" height="16" fill="{STACK[number_ % len(STACK)]}">'
                f"<title>{s.label}: {cell.value}</title></rect>"
            )
            x += share
    x = float(left)
    for number_, s in enumerate(series):  # the legend, in the chart so it prints with it
        body.append(
            f'<rect x="{number(x)}" y="{height - 18}" width="12" height="12" fill="{STACK[number_ % len(STACK)]}"/>'
        )
        body.append(text(x + 16, height - 8, s.label, size=12))
        x += 24 + 7 * len(s.label)
    described = "; ".join(
        f"{row.label}: " + ", ".join(f"{s.label} {shown(row.cells[s.key])}" for s in series) for row in rows
    )
    return svg(width, height, f"{label}. {described}", body, "chart-metric-stacked")


def trend(points: Sequence[tuple[int, Cell]], label: str, unit: str, width: int = 520, height: int = 200) -> Markup:
    """The department's value each year, oldest first; a withheld or empty year is a gap."""
    left, right, top, bottom = 44, 16, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(cell.value) for _, cell in points if cell.state == SHOWN and cell.value is not None]
    high = 100.0 if unit == "%" else max(values + [1.0]) * 1.15
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{GRID}"/>']
    body.append(text(left - 6, top + plot_h + 4, "0", "end", 12, MUTED))
    body.append(text(left - 6, top + 4, _round(high), "end", 12, MUTED))
    step = plot_w / max(len(points), 1)
    coords: list[tuple[float, float] | None] = []
    for index, (year, cell) in enumerate(points):
        x = left + step * (index + 0.5)
        body.append(text(x, height - 12, str(year), "middle", 13))
        if cell.state == SHOWN and cell.value is not None:
            coords.append((x, top + plot_h * (1 - float(cell.value) / high)))
        else:
            coords.append(None)
            body.append(text(x, top + plot_h - 6, shown(cell), "middle", 11, MUTED))
    body += lines(coords)
    for coord, (_, cell) in zip(coords, points, strict=True):
        if coord is not None:
            body.append(f'<circle cx="{number(coord[0])}" cy="{number(coord[1])}" r="4" fill="{ACCENT}"/>')
            body.append(text(coord[0], coord[1] - 9, f"{cell.value}{unit}", "middle", 12, font_weight="600"))
    described = "; ".join(f"{year}: {shown(cell)}" for year, cell in points)
    return svg(width, height, f"{label}, each year. {described}", body, "chart-metric-trend")


def _round(value: float) -> str:
    return str(Decimal(value).quantize(Decimal(1)))


def chart(series: Sequence[Series], rows: Sequence[Row], label: str, unit: str) -> Markup:
    """The chart that suits the metric: stacked when every series is a count of the same
    people split several ways, a bar per row for its first series otherwise."""
    if len(series) > 1 and all(s.kind == COUNT for s in series):
        return stacked(series, rows, label)
    return bars(series[0], rows, label, unit)
