"""The schedule of activities attached behind a statement's certificate: a table whose
header row is repeated on every page it runs to (``statement_pdf`` draws the pages)."""

from __future__ import annotations

from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .certificate import ACCENT, FRAME_TOP, FRAME_WIDTH, MARGIN_BOTTOM, MARGIN_X, RULE, STRIPE, STYLES, _day
from .typeset import Block, Lines, Pen, Placed, Rule

PADDING = 1.8 * mm  # each side of a schedule cell


def pages(document: dict) -> list[Placed]:
    """The schedule's pages: a heading, then its rows under a header row repeated on each page."""
    unit = document["framework"]["unit"]
    short = {s["id"]: s["label"].split(":")[0] for s in document["sections"]}
    fixed = [25 * mm, 15 * mm, 28 * mm, 17 * mm]
    widths = [fixed[0], FRAME_WIDTH - sum(fixed), fixed[1], fixed[2], fixed[3]]
    head = _row(
        [
            ["Date", "cell_head"],
            ["Activity", "cell_head"],
            ["Hours", "cell_head_right"],
            ["Section", "cell_head"],
            [unit.capitalize(), "cell_head_right"],
        ],
        widths,
        background=ACCENT,
    )
    rows = []
    for n, activity in enumerate(document["activities"], start=1):
        title = [activity["title"], "cell"] + ([activity["note"], "cell_note"] if activity.get("note") else [])
        cells = [
            [_day(activity["date"], short=True), "cell"],
            title,
            [activity["hours"], "cell_right"],
            [short.get(activity["section"], activity["section"]), "cell"],
            [activity["credits"], "cell_right"],
        ]
        rows.append(_row(cells, widths, background=STRIPE if n % 2 == 0 else None, rule=(0.25, RULE)))
    hours = sum(Decimal(a["hours"]) for a in document["activities"])
    total = [
        [],
        ["Total", "sum_total"],
        [f"{hours:.2f}", "cell_total_right"],
        [],
        [document["total"], "cell_total_right"],
    ]
    rows.append(_row(total, widths, rule=(0.8, ACCENT), above=(0.8, ACCENT)))

    heading = Lines("Schedule of activities", STYLES["heading"], FRAME_WIDTH)

    def named(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        heading.draw(pen, MARGIN_X, top)
        return []

    pages: list[Placed] = [[(FRAME_TOP, Block(heading.height, named))]]
    y = FRAME_TOP - heading.height - STYLES["heading"].spaceAfter
    pages[-1].append((y, head))
    y -= head.height
    for row in rows:
        if y - row.height < MARGIN_BOTTOM - 1e-6 and pages[-1][-1][1] is not head:
            pages.append([(FRAME_TOP, head)])
            y = FRAME_TOP - head.height
        pages[-1].append((y, row))
        y -= row.height
    return pages


def _row(cells: list[list[str]], widths: list[float], background=None, rule=None, above=None) -> Block:
    """A row of the schedule: each cell's paragraphs ([text, style, text, style ...]) from its
    top, the row as high as its highest cell; a background and rules below and above."""
    set_cells = [
        [Lines(cell[n], STYLES[cell[n + 1]], width - 2 * PADDING) for n in range(0, len(cell), 2)]
        for cell, width in zip(cells, widths)
    ]
    least = 11 if not all(cells) else 0  # an empty cell is a line of the body's leading high
    height = max(least, *(sum(lines.height for lines in cell) for cell in set_cells)) + 2.5 + 3.5
    right = MARGIN_X + sum(widths)

    def draw(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        x = MARGIN_X
        for cell, width in zip(set_cells, widths):
            y = top - 2.5
            for lines in cell:
                lines.draw(pen, x + PADDING, y)
                y -= lines.height
            x += width
        rules = [(MARGIN_X, right, top - height, *rule)] if rule else []
        if above:
            rules.append((MARGIN_X, right, top, *above))
        return rules

    return Block(height, draw, (MARGIN_X, right - MARGIN_X, background) if background is not None else None)
