"""Charts as SVG drawn on the server: the primitives every chart uses.

Every chart is ``role="img"`` with an ``aria-label`` and a ``<title>`` saying what it
shows, and the page puts the same numbers in a table. Colours are presentation attributes
(``fill``, ``stroke``), never ``style`` attributes, which the Content-Security-Policy
would block. Text is escaped: labels come from data a department writes.
"""

from __future__ import annotations

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
INK, MUTED, GRID, ACCENT = "#1b1f24", "#57606a", "#d0d7de", "#0b5cad"


def number(value: float) -> str:
    """A coordinate without float noise."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(width: float, height: float, label: str, body: list[str], css_class: str) -> Markup:
    text = escape(label)
    return Markup(
        f'<svg xmlns="{SVG_NS}" class="chart {css_class}" role="img" aria-label="{text}" '
        f'width="{number(width)}" height="{number(height)}" viewBox="0 0 {number(width)} {number(height)}">'
        f"<title>{text}</title>{''.join(body)}</svg>"
    )


def text(x: float, y: float, content: str, anchor: str = "start", size: int = 13, fill: str = INK, **extra) -> str:
    attrs = "".join(f' {name.replace("_", "-")}="{escape(value)}"' for name, value in extra.items())
    return (
        f'<text x="{number(x)}" y="{number(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{attrs}>'
        f"{escape(content)}</text>"
    )


def lines(coords: list[tuple[float, float] | None], colour: str = ACCENT) -> list[str]:
    """A polyline through each unbroken run of points; a None is a gap (a year or a block
    with nothing to show)."""
    drawn, run = [], []
    for coord in [*coords, None]:
        if coord is not None:
            run.append(coord)
            continue
        if len(run) > 1:
            joined = " ".join(f"{number(x)},{number(y)}" for x, y in run)
            drawn.append(f'<polyline points="{joined}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        run = []
    return drawn
