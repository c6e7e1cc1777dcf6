"""The yearly program report as a PDF: a cover with what the report is and how small
cells are withheld, then the study's three levels, each metric with its plain definition
and formula, a bar chart and a table of the year by division, and the department's trend.

Drawn from the report's JSON alone (``report.numbers``), with the certificate's fonts and
grid. Deterministic: ``invariant`` drops reportlab's random document id, and the creation
date is the issue's, so the same numbers give the same bytes.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import partial

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

from ..credits.certificate import (
    ACCENT,
    INK,
    MARGIN_X,
    MUTED,
    PAGE,
    RULE,
    SANS,
    SANS_BOLD,
    STRIPE,
    STYLES,
    PageCountCanvas,
    doc_template,
    grid,
    markup,
    register_fonts,
)
from .definitions import COMPONENTS, LEVELS, UNITS

GREY = colors.HexColor("#6e7781")
SHOWN, WITHHELD = "shown", "withheld"


def shown(cell: dict, kind: str, unit: str = "") -> str:
    """A cell as the dashboard prints it: the value (a count whole, anything else to one
    decimal), "withheld", or "no data"."""
    if cell["state"] == WITHHELD:
        return "withheld"
    if cell["state"] != SHOWN or cell["value"] is None:
        return "no data"
    value = f"{cell['value']:.0f}" if kind == "count" else f"{cell['value']:.1f}"
    return f"{value}{unit}"


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(markup(text, STYLES[style].fontName), STYLES[style])


class _Canvas(PageCountCanvas):
    """Page N of M, and the issue's moment as the document's creation date."""

    def __init__(self, *args, footer, issued: datetime, **kwargs):
        super().__init__(*args, footer=footer, **kwargs)
        stamp = issued.strftime("D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_: stamp)


def render(document: dict) -> bytes:
    register_fonts()
    about = document["report"]
    issued = datetime.fromisoformat(about["issued_at"])
    title = f"{about['title']} (version {about['version']})"
    buffer = io.BytesIO()
    doc = doc_template(
        buffer,
        title=title,
        author=about["department"],
        subject=f"The department's mentoring program in {about['year']}, for the faculty council",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, leftPadding=0, rightPadding=0)
    doc.addPageTemplates([PageTemplate(id="report", frames=[frame])])
    story = _cover(document, doc.width)
    for level, label in LEVELS.items():
        found = [result for result in document["results"] if result["metric"]["level"] == level]
        if not found:
            continue
        story += [Spacer(1, 4 * mm), _p(label, "heading"), HRFlowable(width="100%", color=RULE, thickness=0.8)]
        for result in found:
            story.append(KeepTogether(_metric(result, doc.width)))
    footer = partial(_footer, text=f"{about['department']} · {title} · issued {issued.date().isoformat()}")
    doc.build(story, canvasmaker=partial(_Canvas, footer=footer, issued=issued))
    return buffer.getvalue()


def _cover(document: dict, width: float) -> list:
    about = document["report"]
    issued = datetime.fromisoformat(about["issued_at"])
    return [
        _p(about["department"], "department"),
        Spacer(1, 3 * mm),
        _p(about["title"], "title"),
        _p(
            f"Version {about['version']} · issued {issued.date().isoformat()} by {about['issued_by']} · "
            f"counted to {document['as_of']}",
            "subtitle",
        ),
        Spacer(1, 5 * mm),
        _p(
            "For the department's faculty council: the mentoring program's metrics for the year, at the three "
            "levels the department's study names (the relationship; the division and department; academic "
            "medicine), with the department's totals and a row for each division. Each metric says what it "
            "measures and how; the trend is the department's over the years before.",
            "sum",
        ),
        Spacer(1, 2 * mm),
        _p(
            f"Small cells are withheld: a figure from fewer than {document['min_cell']} people reads "
            "\u201cwithheld\u201d, never zero, and so does the next smallest wherever a total would give it away. "
            "\u201cNo data\u201d means there was no one it could be about.",
            "sum",
        ),
        Spacer(1, 2 * mm),
    ]


def _unit(metric: dict) -> str:
    return "%" if metric["unit"] == "percent" else ""


def _metric(result: dict, width: float) -> list:
    metric, unit = result["metric"], _unit(result["metric"])
    unit_words = UNITS[metric["unit"]] or "count"
    parts = [
        Spacer(1, 4 * mm),
        _p(metric["title"], "sum_total"),
        _p(f"{COMPONENTS[metric['component']]} · unit: {unit_words}", "label"),
        _p(metric["definition"], "value"),
        _p(f"Formula: {metric['formula']}", "cell_note"),
        Spacer(1, 2 * mm),
        _bars(result, unit, width),
        Spacer(1, 1 * mm),
        _table(result, unit, width),
    ]
    trend, first = result.get("trend") or [], result["series"][0]
    if trend:
        said = " · ".join(f"{t['year']}: {shown(t, first['kind'], unit)}" for t in trend)
        parts += [
            Spacer(1, 2 * mm),
            _p(f"Trend, department, {first['label']}: {said}", "fact"),
            _line(trend, first["kind"], unit, width),
        ]
    return parts


def _bars(result: dict, unit: str, width: float) -> Drawing:
    """One bar per row for the metric's first series; a withheld cell an outlined empty bar."""
    key, kind = result["series"][0]["key"], result["series"][0]["kind"]
    rows = [(row["label"], next(c for c in row["cells"] if c["series"] == key)) for row in result["rows"]]
    label_w, row_h = 120, 14
    plot = width - label_w - 60
    values = [c["value"] for _, c in rows if c["state"] == SHOWN and c["value"] is not None]
    top = 100.0 if unit == "%" else max(values + [1.0])
    drawing = Drawing(width, row_h * len(rows) + 4)
    for index, (label, cell) in enumerate(rows):
        y = drawing.height - (index + 1) * row_h
        name = SANS_BOLD if index == 0 else SANS
        drawing.add(String(0, y + 3, label[:28], fontName=name, fontSize=7.5, fillColor=INK))
        if cell["state"] == SHOWN and cell["value"] is not None:
            length = max(plot * cell["value"] / top, 1) if top else 1
            drawing.add(Rect(label_w, y + 2, length, 9, fillColor=ACCENT if index == 0 else GREY, strokeColor=None))
            drawing.add(String(label_w + length + 4, y + 3, shown(cell, kind, unit), fontName=SANS, fontSize=7.5))
        else:
            drawing.add(Rect(label_w, y + 2, plot, 9, fillColor=None, strokeColor=RULE, strokeDashArray=[3, 2]))
            drawing.add(String(label_w + 4, y + 3, shown(cell, kind), fontName=SANS, fontSize=7, fillColor=MUTED))
    return drawing


def _table(result: dict, unit: str, width: float) -> Table:
    series = result["series"]
    head = [_p("Department and divisions", "cell_head")] + [_p(f"{s['label']}", "cell_head_right") for s in series]
    body = [head]
    for row in result["rows"]:
        cells = {c["series"]: c for c in row["cells"]}
        line = [_p(row["label"], "cell")]
        for s in series:
            cell = cells[s["key"]]
            people = f" ({cell['people']})" if cell["state"] == SHOWN and cell["people"] is not None else ""
            line.append(_p(shown(cell, s["kind"], unit if s["kind"] == "share" else "") + people, "cell_right"))
        body.append(line)
    first = width * 0.34
    rest = (width - first) / max(len(series), 1)
    return Table(
        body,
        colWidths=[first] + [rest] * len(series),
        repeatRows=1,
        style=grid(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
                ("LINEBELOW", (0, 1), (-1, 1), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        ),
    )


def _line(trend: list[dict], kind: str, unit: str, width: float, height: float = 70) -> Drawing:
    """The department's value each year, oldest first; a withheld or empty year is a gap."""
    left, bottom, top_pad = 30, 14, 12
    plot_w, plot_h = width * 0.6 - left, height - bottom - top_pad
    values = [t["value"] for t in trend if t["state"] == SHOWN and t["value"] is not None]
    high = 100.0 if unit == "%" else max(values + [1.0]) * 1.15
    drawing = Drawing(width, height)
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=RULE))
    step = plot_w / len(trend)
    run: list[float] = []
    for index, point in enumerate(trend):
        x = left + step * (index + 0.5)
        drawing.add(String(x, 2, str(point["year"]), fontName=SANS, fontSize=7, textAnchor="middle"))
        if point["state"] == SHOWN and point["value"] is not None:
            y = bottom + plot_h * point["value"] / high
            run += [x, y]
            drawing.add(Circle(x, y, 2.2, fillColor=ACCENT, strokeColor=None))
            drawing.add(String(x, y + 5, shown(point, kind, unit), fontName=SANS, fontSize=6.5, textAnchor="middle"))
        else:
            if len(run) >= 4:
                drawing.add(PolyLine(run, strokeColor=ACCENT, strokeWidth=1.2))
            run = []
            drawing.add(
                String(
                    x, bottom + 4, shown(point, kind), fontName=SANS, fontSize=6.5, fillColor=MUTED, textAnchor="middle"
                )
            )
    if len(run) >= 4:
        drawing.add(PolyLine(run, strokeColor=ACCENT, strokeWidth=1.2))
    return drawing


def _footer(canvas, page: int, pages: int, text: str) -> None:
    canvas.saveState()
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, 7.5)
    canvas.drawString(MARGIN_X, 14 * mm, text[:120])
    canvas.drawRightString(PAGE[0] - MARGIN_X, 14 * mm, f"page {page} of {pages}")
    canvas.restoreState()
