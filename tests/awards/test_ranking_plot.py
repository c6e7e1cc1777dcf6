"""The ranking's dot plot: each reviewer's raw and normalised score per ranked nominee,
in ranking order, with the review counts; a place resting on a single review is drawn
hollow and says so; rows the table shows without numbers are not drawn."""

from __future__ import annotations

import re

from recognition.awards.committee.chart import dot_plot


def row(position, name, points, reviewers=3):
    raws = [raw for _letter, raw, _z in points]
    zs = [z for _letter, _raw, z in points]
    return {
        "position": position,
        "nominee": name,
        "points": [list(p) for p in points],
        "reviews": len(points),
        "reviewers": reviewers,
        "raw_mean": sum(raws) / len(raws) if raws else None,
        "normalised_mean": sum(zs) / len(zs) if zs else None,
    }


ROWS = [
    row(1, "Ada Single", [("A", 4.9, 1.2)]),
    row(2, "Ben Three", [("A", 4.0, 0.2), ("B", 4.5, 1.0), ("C", 3.5, -0.4)]),
    row(None, "Cy Unranked", []),  # not yet ranked: no numbers in the table, none drawn
]


def test_the_plot_draws_each_review_raw_and_normalised_in_ranking_order():
    plot = str(dot_plot(ROWS, 1, 5, "The ranking."))
    assert plot.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-ranking" role="img"')
    assert plot.count("<circle") == 2 * (1 + 3)  # every review twice: raw and normalised
    assert plot.index("1. Ada Single") < plot.index("2. Ben Three")
    assert "Cy Unranked" not in plot
    assert "3 of 3" in plot
    # the text alternative gives every dot in words
    label = re.search(r'aria-label="([^"]*)"', plot).group(1)
    assert "2. Ben Three: 3 of 3 reviews, raw mean 4.00, normalised mean +0.267; reviewer A 4.00 (z +0.20)" in label


def test_a_nominee_with_a_single_review_is_drawn_hollow_and_says_so():
    plot = str(dot_plot(ROWS, 1, 5, "The ranking."))
    single = re.findall(r"<circle [^>]*><title>Ada Single[^<]*</title>", plot)
    others = re.findall(r"<circle [^>]*><title>Ben Three[^<]*</title>", plot)
    assert len(single) == 2 and all('fill="#fff"' in dot for dot in single)
    assert others and not any('fill="#fff"' in dot for dot in others)
    assert "1 of 3: one only" in plot
    assert "Ada Single: 1 of 3 reviews, a single review" in plot


def test_nothing_is_drawn_when_no_nominee_is_ranked():
    assert dot_plot([row(None, "Cy Unranked", [])], 1, 5, "The ranking.") is None
