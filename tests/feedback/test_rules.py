"""The anonymity rules and the arithmetic of a report, as pure tables."""

from __future__ import annotations

import pytest

from recognition.feedback.rules import (
    FLOOR,
    ItemSummary,
    breakdown_is_safe,
    contributors_at_least,
    effective_k,
    should_release,
    summarise,
)

ITEMS = ("a", "b")


@pytest.mark.parametrize(
    ("responses", "expected"),
    [
        pytest.param([], (0, None, [(0, 0, None, (0, 0, 0, 0, 0, 0)), (0, 0, None, (0, 0, 0, 0, 0, 0))]), id="nothing"),
        pytest.param(
            [{"a": 6, "b": 1}, {"a": 5, "b": 2}, {"a": 6, "b": 3}],
            (3, 3.83, [(3, 0, 5.67, (0, 0, 0, 0, 1, 2)), (3, 0, 2.0, (1, 1, 1, 0, 0, 0))]),
            id="means-rounded-to-two-places",
        ),
        pytest.param(
            [{"a": 4, "b": None}, {"a": None, "b": None}, {"a": 2, "b": 6}],
            (3, 4.0, [(2, 1, 3.0, (0, 1, 0, 1, 0, 0)), (1, 2, 6.0, (0, 0, 0, 0, 0, 1))]),
            id="not-applicable-left-out-of-means-and-counted",
        ),
        pytest.param(
            [{"a": None, "b": None}] * 3,
            (3, None, [(0, 3, None, (0,) * 6), (0, 3, None, (0,) * 6)]),
            id="all-not-applicable",
        ),
        pytest.param(
            [{"a": 1}, {"a": 3, "b": 3}, {"a": 5, "b": 5}],
            (3, 3.4, [(3, 0, 3.0, (1, 0, 1, 0, 1, 0)), (2, 0, 4.0, (0, 0, 1, 0, 1, 0))]),
            id="a-missing-item-is-neither-answered-nor-not-applicable",
        ),
        pytest.param(
            [{"a": 1, "b": 1}, {"a": 6, "b": 6}, {"a": 1, "b": 6}, {"a": 6, "b": 1}],
            (4, 3.5, [(4, 0, 3.5, (2, 0, 0, 0, 0, 2)), (4, 0, 3.5, (2, 0, 0, 0, 0, 2))]),
            id="overall-is-the-mean-of-every-answered-item",
        ),
    ],
)
def test_summarise(responses, expected):
    count, overall, items = expected
    summary = summarise(ITEMS, 1, 6, responses)
    assert summary.responses == count
    assert summary.overall == overall
    assert summary.items == tuple(ItemSummary(item_id, *row) for item_id, row in zip(ITEMS, items))


def test_the_overall_score_weights_every_answer_not_every_item():
    # Item a has three answers, item b one: the overall is the mean of all four values.
    summary = summarise(ITEMS, 1, 6, [{"a": 2, "b": 6}, {"a": 2, "b": None}, {"a": 2, "b": None}])
    assert summary.overall == 3.0
    assert [item.mean for item in summary.items] == [2.0, 6.0]


def test_distribution_follows_the_instrument_scale():
    summary = summarise(["x"], 0, 2, [{"x": 0}, {"x": 2}, {"x": 2}])
    assert summary.items[0].distribution == (1, 0, 2)


@pytest.mark.parametrize(
    ("configured", "k"),
    [
        (3, 3),
        (4, 4),
        (5, 5),
        (10, 10),
        (2, 3),
        (1, 3),
        (0, 3),
        (-5, 3),
        ("5", 5),
        ("2", 3),
        (None, 3),
        ("many", 3),
        (4.9, 4),
    ],
)
def test_effective_k_is_never_below_three(configured, k):
    assert FLOOR == 3
    assert effective_k(configured) == k


@pytest.mark.parametrize(
    ("waiting", "k", "release"),
    [
        (0, 3, False),
        (1, 3, False),
        (2, 3, False),
        (3, 3, True),
        (4, 3, True),
        (4, 5, False),
        (5, 5, True),
        (1, 1, False),
        (2, 1, False),
        (3, 1, True),
        (2, 0, False),
        (3, None, True),
    ],
)
def test_should_release(waiting, k, release):
    """k responses from k different mentees release a block."""
    assert should_release(waiting, waiting, k) is release


@pytest.mark.parametrize(
    ("waiting", "contributors", "k", "release"),
    [
        (3, 1, 3, False),  # one mentee, three years running: still one person
        (3, 2, 3, False),
        (4, 2, 3, False),
        (5, 3, 3, True),
        (6, 4, 5, False),
    ],
)
def test_a_block_needs_k_different_mentees(waiting, contributors, k, release):
    assert should_release(waiting, contributors, k) is release


@pytest.mark.parametrize(
    ("waiting", "whole", "at_least"),
    [
        ({}, {}, 0),
        ({"2026": 3}, {"2026": [1, 2, 3]}, 3),
        # The same mentee in three whole periods.
        ({"2024": 1, "2025": 1, "2026": 1}, {"2024": [7], "2025": [7], "2026": [7]}, 1),
        ({"2024": 1, "2025": 1, "2026": 1}, {"2024": [7], "2025": [8], "2026": [9]}, 3),
        ({"2024": 2, "2025": 2}, {"2024": [1, 2], "2025": [2, 3]}, 3),
        # 2025 was partly released: who is waiting there is unknown, but they are 2 people.
        ({"2024": 1, "2025": 2}, {"2024": [1]}, 2),
        ({"2024": 1, "2025": 4}, {"2024": [1]}, 4),
    ],
)
def test_contributors_are_counted_without_double_counting(waiting, whole, at_least):
    assert contributors_at_least(waiting, whole) == at_least


@pytest.mark.parametrize(
    ("total", "parts", "k", "safe"),
    [
        (0, [], 3, True),
        (3, [], 3, True),
        (2, [], 3, False),  # the total itself is below k
        (6, [3, 3], 3, True),
        (6, [3], 3, True),  # remainder 3
        (7, [3, 4], 3, True),
        (7, [4], 3, True),
        (5, [3], 3, False),  # remainder 2 could be derived
        (6, [4], 3, False),  # remainder 2
        (4, [4], 3, True),
        (9, [3, 3, 3], 3, True),
        (9, [3, 3], 3, True),
        (9, [3, 2, 4], 3, False),  # one part below k
        (9, [0, 9], 3, True),  # an empty part shows nothing
        (10, [5, 5], 5, True),
        (10, [5, 4], 5, False),
        (8, [5], 5, False),
        (6, [6, 0], 5, True),
    ],
)
def test_breakdown_is_safe(total, parts, k, safe):
    assert breakdown_is_safe(total, parts, k) is safe
    assert breakdown_is_safe(total, iter(parts), k) is safe  # any iterable of parts
