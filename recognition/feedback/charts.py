"""Charts of a feedback report, drawn on the server as SVG (``recognition.svg``): pure
functions from numbers to markup, so the page needs no script and the
Content-Security-Policy stays strict."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from ..svg import ACCENT, GRID, MUTED, SVG_NS, lines, number, svg, text

# Diverging ends (disagree, agree) and a neutral middle; scale points are spread between.
LOW, MIDDLE, HIGH = (178, 24, 43), (235, 235, 235), (33, 102, 172)
BAR_COLOURS = ("#0b5cad", "#6e7781", "#9a6700")  # the mentor, the division, the department


def palette(points: int) -> list[str]:
    """``points`` colours from disagree (red) through neutral to agree (blue)."""
    if points < 1:
        return []
    if points == 1:
        return [_hex(HIGH)]
    colours = []
    for index in range(points):
        position = index / (points - 1) * 2  # 0 … 2
        start, end, t = (LOW, MIDDLE, position) if position <= 1 else (MIDDLE, HIGH, position - 1)
        colours.append(_hex(tuple(round(a + (b - a) * t) for a, b in zip(start, end))))
    return colours


def _hex(rgb: Sequence[int]) -> str:
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


def _score(value: float | None) -> str:
    return "no answers" if value is None else f"{value:.2f}"


# One item's distribution ------------------------------------------------------------


def distribution_bar(
    counts: Sequence[int], labels: Sequence[str], label: str, width: int = 180, height: int = 20
) -> Markup:
    """A single bar split by how many chose each scale point, low (red) to high (blue)."""
    total = sum(counts)
    colours = palette(len(counts))
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f8fa" stroke="{GRID}"/>']
    x = 0.0
    for count, name, colour in zip(counts, labels, colours):
        if not count:
            continue
        share = width * count / total
        body.append(
            f'<rect x="{number(x)}" y="0" width="{number(share)}" height="{height}" fill="{colour}">'
            f"<title>{escape(name)}: {count}</title></rect>"
        )
        x += share
    described = ", ".join(f"{name}: {count}" for name, count in zip(labels, counts))
    return svg(
        width,
        height,
        f"{label}. {described}" if total else f"{label}. No answers on the scale.",
        body,
        "chart-distribution",
    )


def legend_swatch(index: int, points: int) -> Markup:
    """The colour of one scale point, for a legend written in HTML beside the bars."""
    colour = palette(points)[index]
    return Markup(
        f'<svg xmlns="{SVG_NS}" class="swatch" aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 14 14">'
        f'<rect x="0.5" y="0.5" width="13" height="13" fill="{colour}" stroke="{MUTED}"/></svg>'
    )


# Means compared ---------------------------------------------------------------------


def comparison_chart(
    rows: Sequence[tuple[str, float | None]], scale_min: int, scale_max: int, label: str, width: int = 460
) -> Markup:
    """Horizontal bars of mean scores on the scale, one per row (for example the mentor,
    their division, the department), each label above its bar so long names fit."""
    left, right, row_height = 8, 56, 50
    plot = width - left - right
    top = 8
    height = top + row_height * len(rows) + 24
    body = []
    for point in range(scale_min, scale_max + 1):  # gridlines at each scale point
        x = left + plot * (point - scale_min) / (scale_max - scale_min)
        body.append(f'<line x1="{number(x)}" y1="{top}" x2="{number(x)}" y2="{height - 20}" stroke="{GRID}"/>')
        body.append(text(x, height - 6, str(point), "middle", 13, MUTED))
    for index, (name, value) in enumerate(rows):
        y = top + index * row_height
        body.append(text(left, y + 15, name, size=15))
        colour = BAR_COLOURS[index % len(BAR_COLOURS)]
        if value is None:
            body.append(text(left, y + 37, "no answers", size=14, fill=MUTED))
            continue
        length = plot * (min(max(value, scale_min), scale_max) - scale_min) / (scale_max - scale_min)
        body.append(f'<rect x="{left}" y="{y + 22}" width="{number(max(length, 1))}" height="20" fill="{colour}"/>')
        body.append(text(left + length + 6, y + 37, f"{value:.2f}", size=15, font_weight="600"))
    described = "; ".join(f"{name}: {_score(value)}" for name, value in rows)
    return svg(width, height, f"{label} (scale {scale_min} to {scale_max}). {described}", body, "chart-comparison")


# Trend --------------------------------------------------------------------------------


def trend_chart(
    points: Sequence[tuple[str, float | None]],
    scale_min: int,
    scale_max: int,
    label: str,
    width: int = 480,
    height: int = 240,
) -> Markup:
    """A line through the overall score of each released block, oldest first; a block with
    no answered items leaves a gap. Crowded period labels alternate between two lines."""
    left, right, top, bottom = 34, 16, 28, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    body = []

    def y_of(value: float) -> float:
        return top + plot_h * (scale_max - value) / (scale_max - scale_min)

    for point in range(scale_min, scale_max + 1):
        y = y_of(point)
        body.append(f'<line x1="{left}" y1="{number(y)}" x2="{width - right}" y2="{number(y)}" stroke="{GRID}"/>')
        body.append(text(left - 8, y + 5, str(point), "end", 13, MUTED))
    step = plot_w / len(points) if points else plot_w
    coords: list[tuple[float, float] | None] = []
    for index, (name, value) in enumerate(points):
        x = left + step * (index + 0.5)
        crowded = step < 80 and index % 2
        body.append(text(x, height - bottom + (40 if crowded else 22), name, "middle", 14))
        coords.append(None if value is None else (x, y_of(value)))
    body += lines(coords)
    for coord, (name, value) in zip(coords, points):
        if coord is None:
            continue
        x, y = coord
        body.append(
            f'<circle cx="{number(x)}" cy="{number(y)}" r="5" fill="{ACCENT}"><title>{escape(name)}: {value:.2f}</title></circle>'
        )
        body.append(text(x, y - 11, f"{value:.2f}", "middle", 14, font_weight="600"))
    described = "; ".join(f"{name}: {_score(value)}" for name, value in points)
    return svg(width, height, f"{label} (scale {scale_min} to {scale_max}). {described}", body, "chart-trend")
