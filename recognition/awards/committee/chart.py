"""The ranking drawn as a dot plot, server-side SVG (``recognition.svg``): one line per
ranked nominee, in ranking order, with each reviewer's weighted score on the rubric's
scale on the left and the same review as that reviewer's z-score on the right, the mean a
bar across the dots, and the number of reviews beside. A place resting on one review is
drawn hollow and says so, so it cannot pass for a settled one.

It draws only what the ranking table beside it shows (``exports.sheet`` rows): rows the
reader is recused from, and rows not yet ranked, carry no numbers and are not drawn."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from ...svg import ACCENT, GRID, INK, MUTED, number, svg, text

WARN = "#9a6700"
NAME_W, PANEL_W, GAP, COUNT_W = 190, 230, 28, 110
ROW_H, TOP, BOTTOM = 34, 46, 34
Z_LIMIT = 2.0  # the z axis runs at least from -2 to 2, wider when a score lies outside


def z_extent(rows: Sequence[dict]) -> float:
    furthest = max((abs(z) for row in rows for _letter, _raw, z in row["points"]), default=0.0)
    return max(Z_LIMIT, float(int(furthest) + 1)) if furthest > Z_LIMIT else Z_LIMIT


def dot_plot(rows: Sequence[dict], low: float, high: float, caption: str) -> Markup | None:
    """The plot of the ranked ``rows`` (dicts as ``exports.sheet`` gives them); None when
    no row is ranked."""
    ranked = [row for row in rows if row["position"] is not None and row["points"]]
    if not ranked:
        return None
    z_max = z_extent(ranked)
    raw_left = NAME_W
    z_left = NAME_W + PANEL_W + GAP
    width = z_left + PANEL_W + COUNT_W
    height = TOP + ROW_H * len(ranked) + BOTTOM

    def raw_x(value: float) -> float:
        return raw_left + PANEL_W * (value - low) / (high - low)

    def z_x(value: float) -> float:
        return z_left + PANEL_W * (value + z_max) / (2 * z_max)

    body = [
        text(raw_left, 16, "Weighted score (raw)", size=13, font_weight="600"),
        text(z_left, 16, "Normalised (reviewer's z-score)", size=13, font_weight="600"),
        text(z_left + PANEL_W + 12, 16, "Reviews", size=13, font_weight="600"),
    ]
    body += _axis([(raw_x(v), _tick(v)) for v in _steps(low, high)], height)
    body += _axis([(z_x(v), _tick(v)) for v in _steps(-z_max, z_max)], height)
    body.append(
        f'<line x1="{number(z_x(0))}" y1="{TOP - 14}" x2="{number(z_x(0))}" y2="{height - BOTTOM + 6}" stroke="{MUTED}" stroke-dasharray="3 3"/>'
    )
    for index, row in enumerate(ranked):
        y = TOP + ROW_H * index + ROW_H / 2
        single = row["reviews"] == 1
        colour = WARN if single else ACCENT
        body.append(text(4, y + 5, f"{row['position']}. {_short(row['nominee'])}", size=13))
        zs = [z for _letter, _raw, z in row["points"]]
        for letter, raw, z in row["points"]:
            for x, shown in ((raw_x(raw), f"{raw:.2f}"), (z_x(z), f"{z:+.2f}")):
                body.append(_dot(x, y, colour, single, f"{row['nominee']}, reviewer {letter}: {shown}"))
        body.append(_mean(raw_x(row["raw_mean"]), y, colour))
        body.append(_mean(z_x(sum(zs) / len(zs)), y, colour))
        count = f"{row['reviews']} of {row['reviewers']}"
        if single:
            body.append(text(z_left + PANEL_W + 12, y + 5, f"{count}: one only", size=13, fill=WARN, font_weight="700"))
        else:
            body.append(text(z_left + PANEL_W + 12, y + 5, count, size=13, fill=INK))
    return svg(width, height, f"{caption} {describe(ranked)}", body, "chart-ranking")


def describe(ranked: Sequence[dict]) -> str:
    """The text alternative: every dot, in words."""
    parts = []
    for row in ranked:
        reviews = "; ".join(f"reviewer {letter} {raw:.2f} (z {z:+.2f})" for letter, raw, z in row["points"])
        single = ", a single review" if row["reviews"] == 1 else ""
        parts.append(
            f"{row['position']}. {row['nominee']}: {row['reviews']} of {row['reviewers']} reviews{single}, "
            f"raw mean {row['raw_mean']:.2f}, normalised mean {row['normalised_mean']:+.3f}; {reviews}."
        )
    return " ".join(parts)


def _axis(ticks: list[tuple[float, str]], height: float) -> list[str]:
    drawn = []
    for x, label in ticks:
        drawn.append(
            f'<line x1="{number(x)}" y1="{TOP - 14}" x2="{number(x)}" y2="{height - BOTTOM + 6}" stroke="{GRID}"/>'
        )
        drawn.append(text(x, height - 10, label, "middle", 12, MUTED))
    return drawn


def _steps(start: float, end: float) -> list[float]:
    count = round(end - start)
    step = 1 if count <= 8 else max(1, count // 4)
    return [start + i for i in range(0, count + 1, step)]


def _tick(value: float) -> str:
    return f"{value:g}"


def _dot(x: float, y: float, colour: str, hollow: bool, title: str) -> str:
    fill = "#fff" if hollow else colour
    return (
        f'<circle cx="{number(x)}" cy="{number(y)}" r="6" fill="{fill}" fill-opacity="{1 if hollow else 0.75}" '
        f'stroke="{colour}" stroke-width="2"><title>{escape(title)}</title></circle>'
    )


def _mean(x: float, y: float, colour: str) -> str:
    return f'<line x1="{number(x)}" y1="{number(y - 11)}" x2="{number(x)}" y2="{number(y + 11)}" stroke="{colour}" stroke-width="3"/>'


def _short(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
