"""The report's SVG charts: well-formed XML, labelled for screen readers, text escaped,
and nothing the Content-Security-Policy would block (no style attribute, no script)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from recognition.feedback import charts

NS = "{http://www.w3.org/2000/svg}"
LABELS = ["Strongly disagree", "Disagree", "Slightly disagree", "Slightly agree", "Agree", "Strongly agree"]
HOSTILE = "Cardiology & \"Vascular\" <script>alert(1)</script> 'quoted'"

CHARTS = {
    "distribution": lambda label: charts.distribution_bar([0, 1, 0, 2, 5, 4], LABELS, label),
    "distribution, nothing answered": lambda label: charts.distribution_bar([0] * 6, LABELS, label),
    "comparison": lambda label: charts.comparison_chart(
        [("You", 4.5), (HOSTILE, 3.25), ("Department", None)], 1, 6, label
    ),
    "trend": lambda label: charts.trend_chart(
        [("2023", 4.1), ("2024–2025", None), ("2026", 5.0), (HOSTILE, 1.0)], 1, 6, label
    ),
    "trend, one point": lambda label: charts.trend_chart([("2026", 6.0)], 1, 6, label),
    "swatch": lambda label: charts.legend_swatch(2, 6),
}


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_is_well_formed_labelled_svg_without_style_or_script(name):
    markup = str(CHARTS[name](HOSTILE))
    root = ET.fromstring(markup)  # raises if not well-formed
    assert root.tag == NS + "svg"
    assert "style=" not in markup and "style" not in root.attrib
    assert all("style" not in element.attrib for element in root.iter())
    assert not any(element.tag in (NS + "script", "script", NS + "foreignObject") for element in root.iter())
    assert "<script" not in markup
    assert float(root.get("width")) > 0 and root.get("viewBox")
    if name == "swatch":
        assert root.get("aria-hidden") == "true"  # decoration beside a written label
        return
    assert root.get("role") == "img"
    assert root.get("aria-label", "").startswith(HOSTILE)  # the text survives escaping intact
    title = root.find(NS + "title")
    assert title is not None and title.text == root.get("aria-label")


def test_text_is_escaped_not_interpreted():
    markup = str(charts.comparison_chart([(HOSTILE, 3.0)], 1, 6, "Means"))
    assert "&lt;script&gt;" in markup and "&amp;" in markup
    texts = [element.text for element in ET.fromstring(markup).iter(NS + "text")]
    assert HOSTILE in texts


def test_the_distribution_bar_splits_its_width_by_the_counts():
    root = ET.fromstring(str(charts.distribution_bar([1, 0, 0, 0, 1, 2], LABELS, "Item 1", width=200)))
    segments = [rect for rect in root.iter(NS + "rect") if rect.find(NS + "title") is not None]
    assert [(float(r.get("width")), r.find(NS + "title").text) for r in segments] == [
        (50.0, "Strongly disagree: 1"),
        (50.0, "Agree: 1"),
        (100.0, "Strongly agree: 2"),
    ]
    assert root.get("aria-label") == (
        "Item 1. Strongly disagree: 1, Disagree: 0, Slightly disagree: 0, Slightly agree: 0, Agree: 1, Strongly agree: 2"
    )


def test_the_trend_breaks_its_line_where_a_block_has_no_score():
    root = ET.fromstring(
        str(charts.trend_chart([("a", 2.0), ("b", 3.0), ("c", None), ("d", 4.0), ("e", 5.0)], 1, 6, "T"))
    )
    lines = root.findall(NS + "polyline")
    assert len(lines) == 2 and all(len(line.get("points").split()) == 2 for line in lines)
    assert len(root.findall(NS + "circle")) == 4
    assert "c: no answers" in root.get("aria-label")


def test_the_comparison_bars_grow_with_the_score():
    root = ET.fromstring(str(charts.comparison_chart([("low", 2.0), ("high", 5.0), ("top", 6.0)], 1, 6, "M")))
    widths = [float(rect.get("width")) for rect in root.iter(NS + "rect")]
    assert widths[0] < widths[1] < widths[2]


@pytest.mark.parametrize("points", [2, 5, 6, 7, 11])
def test_the_palette_runs_from_disagree_to_agree(points):
    colours = charts.palette(points)
    assert len(colours) == points and len(set(colours)) == points
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in colours)
    red, blue = (
        (int(colours[0][1:3], 16), int(colours[0][5:7], 16)),
        (int(colours[-1][1:3], 16), int(colours[-1][5:7], 16)),
    )
    assert red[0] > red[1] and blue[1] > blue[0]
