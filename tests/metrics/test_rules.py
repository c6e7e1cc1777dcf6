"""Tallies become cells: values by hand, small cells withheld, never shown as zero."""

import statistics
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from recognition.metrics.rules import COUNT, MEDIAN, NO_DATA, RATIO, SHARE, SHOWN, WITHHELD, Series, Tally, table

LABELS = {"A": "Anesthesia", "B": "Burns", "C": "Cardiology"}
SHARE_SERIES = [Series("met", "Met as expected", SHARE)]


def cells(rows, key):
    return {row.group: row.cells[key] for row in rows}


def test_shares_by_hand_with_the_small_division_and_its_neighbour_withheld():
    tallies = {"A": {"met": Tally(7, 10)}, "B": {"met": Tally(1, 3)}, "C": {"met": Tally(12, 16)}}
    got = cells(table(SHARE_SERIES, tallies, LABELS, 5), "met")
    assert got["department"].state == SHOWN
    assert got["department"].value == Decimal("69.0")  # 20 / 29
    assert got["department"].people == 29
    assert got["B"].state == WITHHELD and got["B"].value is None
    # B alone would be the department minus A and C: the next smallest (A, 10) goes too.
    assert got["A"].state == WITHHELD
    assert got["C"] == got["C"].__class__(SHOWN, Decimal("75.0"), 16)


def test_no_people_is_no_data_not_zero():
    got = cells(table(SHARE_SERIES, {"A": {"met": Tally(0, 0)}}, {"A": "Anesthesia"}, 5), "met")
    assert got["A"].state == NO_DATA
    assert got["department"].state == NO_DATA


def test_a_small_department_is_withheld_whole():
    got = cells(table(SHARE_SERIES, {"A": {"met": Tally(2, 4)}}, {"A": "Anesthesia"}, 5), "met")
    assert got["department"].state == WITHHELD and got["A"].state == WITHHELD


def test_counts_are_withheld_along_divisions_and_along_series():
    series = [Series("done", "Done", COUNT), Series("overdue", "Overdue", COUNT)]
    tallies = {
        "A": {"done": Tally(20), "overdue": Tally(9)},
        "B": {"done": Tally(30), "overdue": Tally(2)},
        "C": {"done": Tally(11), "overdue": Tally(6)},
    }
    rows = table(series, tallies, LABELS, 5)
    overdue, done = cells(rows, "overdue"), cells(rows, "done")
    assert overdue["B"].state == WITHHELD
    # Otherwise B's overdue is the department's minus A's and C's: the next smallest goes.
    assert overdue["C"].state == WITHHELD
    # And each withheld cell's row partner, since a division's total is known from its row.
    assert done["B"].state == WITHHELD and done["C"].state == WITHHELD
    assert (done["A"].value, overdue["A"].value) == (Decimal(20), Decimal(9))
    assert overdue["department"].value == Decimal(17)
    assert done["department"].value == Decimal(61)


def test_median_and_ratio_by_hand():
    series = [Series("days", "Median days", MEDIAN), Series("per", "Mentees per mentor", RATIO)]
    tallies = {
        "A": {"days": Tally(0, 5, (1, 2, 3, 10, 40)), "per": Tally(9, 6)},
        "C": {"days": Tally(0, 6, (4, 4, 5, 6, 7, 8)), "per": Tally(12, 5)},
    }
    rows = table(series, tallies, {"A": "Anesthesia", "C": "Cardiology"}, 5)
    days, per = cells(rows, "days"), cells(rows, "per")
    assert days["A"].value == Decimal("3.0") and days["C"].value == Decimal("5.5")
    assert days["department"].value == Decimal("5.0")  # median of all eleven
    assert per["A"].value == Decimal("1.5") and per["C"].value == Decimal("2.4")
    assert per["department"].value == Decimal("1.9")  # 21 / 11, half up


def test_a_median_from_counted_hours_is_the_median_of_every_value():
    # Days to confirm arrive counted (value, times): Cardiology 1 day twice and 3 days
    # twice, Anesthesia 0.5 days twice and 10 days twice; the department's is the median
    # of all eight, 1 and 3 in the middle.
    series = [Series("days", "Median days", MEDIAN)]
    tallies = {
        "A": {"days": Tally(0, 5, counted=((0.5, 2), (10.0, 2)))},
        "C": {"days": Tally(0, 6, counted=((1.0, 2), (3.0, 2)))},
    }
    days = cells(table(series, tallies, {"A": "Anesthesia", "C": "Cardiology"}, 5), "days")
    assert days["A"].value == Decimal("5.3")  # (0.5 + 10) / 2, half up
    assert days["C"].value == Decimal("2.0")
    assert days["department"].value == Decimal("2.0")


@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 40)), min_size=1, max_size=30))
def test_a_counted_median_equals_the_median_of_the_values_listed(counted):
    series = [Series("days", "Median days", MEDIAN)]
    in_days = tuple((hours / 24, times) for hours, times in counted)
    listed = tuple(value for value, times in in_days for _ in range(times))
    from_counts = table(series, {"A": {"days": Tally(0, 9, counted=in_days)}}, {"A": "A"}, 5)
    from_list = table(series, {"A": {"days": Tally(0, 9, listed)}}, {"A": "A"}, 5)
    assert from_counts == from_list
    expected = Decimal(str(statistics.median(listed))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert cells(from_counts, "days")["A"].value == expected


def test_a_zero_count_is_shown():
    series = [Series("done", "Done", COUNT), Series("overdue", "Overdue", COUNT)]
    tallies = {"A": {"done": Tally(20), "overdue": Tally(0)}, "C": {"done": Tally(8), "overdue": Tally(6)}}
    overdue = cells(table(series, tallies, {"A": "Anesthesia", "C": "Cardiology"}, 5), "overdue")
    assert overdue["A"] == overdue["A"].__class__(SHOWN, Decimal(0), 0)


@given(
    st.dictionaries(
        st.sampled_from("ABC"),
        st.tuples(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=12)),
        min_size=1,
    ),
    st.integers(min_value=3, max_value=6),
)
def test_no_shown_share_is_from_a_small_group_or_gives_one_away(parts, smallest):
    tallies = {g: {"met": Tally(min(a, b), max(a, b))} for g, (a, b) in parts.items()}
    rows = table(SHARE_SERIES, tallies, {g: g for g in parts}, smallest)
    for row in rows:
        cell = row.cells["met"]
        assert cell.state != SHOWN or cell.people >= smallest
        assert cell.state == SHOWN or cell.value is None
    divisions = [row for row in rows if row.group != "department"]
    hidden = [row for row in divisions if row.cells["met"].state == WITHHELD]
    if hidden and len(hidden) < len(divisions):
        assert len(hidden) >= 2
        assert sum(tallies[row.group]["met"].whole for row in hidden) >= smallest


def test_a_public_series_is_never_withheld():
    series = [Series("nominated", "Nominated", COUNT), Series("awarded", "Awarded", COUNT, public=True)]
    tallies = {"A": {"nominated": Tally(2), "awarded": Tally(1)}, "C": {"nominated": Tally(9), "awarded": Tally(1)}}
    rows = table(series, tallies, {"A": "Anesthesia", "C": "Cardiology"}, 5)
    assert [row.cells["awarded"].value for row in rows] == [Decimal(2), Decimal(1), Decimal(1)]
    assert rows[1].cells["nominated"].state == WITHHELD
