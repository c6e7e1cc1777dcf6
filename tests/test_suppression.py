"""Small cells are withheld, and no withheld cell can be worked out from what is shown."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.suppression import withheld, withheld_table


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({}, set()),
        ({"a": 7, "b": 9}, set()),
        ({"a": 0, "b": 9}, set()),  # a zero names no one
        ({"a": 3}, {"a"}),  # the only cell: withheld, whatever the total says
        ({"a": 3, "b": 9, "c": 6}, {"a", "c"}),  # the next smallest goes with it
        ({"a": 3, "b": 9, "c": 0, "d": 6}, {"a", "d"}),  # a nonzero neighbour, not the zero
        ({"a": 3, "b": 9, "c": 0}, {"a", "b"}),
        ({"a": 2, "b": 1, "c": 40}, {"a", "b", "c"}),  # 2 + 1 together would still be small
        ({"a": 4, "b": 1, "c": 40}, {"a", "b"}),
        ({"a": 5, "b": 5}, set()),
        ({"x": 1, "y": 1, "z": 1, "w": 2, "v": 30}, {"x", "y", "z", "w"}),
        ({"x": 1, "y": 1, "z": 1, "w": 1, "v": 30}, {"x", "y", "z", "w", "v"}),
    ],
)
def test_cells_withheld(counts, hidden):
    assert withheld(counts, 5) == hidden


def test_threshold_is_a_parameter():
    assert withheld({"a": 4, "b": 9}, 3) == set()
    assert withheld({"a": 2, "b": 9, "c": 8}, 3) == {"a", "c"}


def _consistent_fills(counts, hidden):
    """Every assignment of the withheld cells a reader could not rule out from the shown
    cells and the total: any counts that add up to what the withheld cells add up to."""
    total_hidden = sum(counts[key] for key in hidden)
    keys = sorted(hidden)
    for values in itertools.product(range(total_hidden + 1), repeat=len(keys)):
        if sum(values) == total_hidden:
            yield dict(zip(keys, values, strict=True))


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(min_value=0, max_value=12), max_size=5),
    st.integers(min_value=3, max_value=6),
)
def test_no_withheld_cell_is_shown_or_derivable(counts, smallest):
    """Whatever the counts: no shown cell is small, and knowing every shown cell and the
    total, a reader cannot pin any small withheld cell to one value."""
    hidden = withheld(counts, smallest)
    shown = {key: count for key, count in counts.items() if key not in hidden}
    assert all(count == 0 or count >= smallest for count in shown.values())
    small = [key for key in hidden if 0 < counts[key] < smallest]
    if not small:
        return
    if len(hidden) == len(counts) and len(hidden) == 1:
        return  # the only cell: withheld with the total (the caller withholds the total too)
    assert len(hidden) >= 2
    assert sum(counts[key] for key in hidden) >= smallest or len(hidden) == len(counts)
    if len(hidden) < len(counts):
        fills = list(itertools.islice(_consistent_fills(counts, hidden), 5000))
        for key in small:
            assert len({fill[key] for fill in fills}) > 1, f"{key} can be worked out"


def test_a_table_is_withheld_along_rows_and_columns():
    # Division B's 2 overdue: withheld; its row's other cell goes with it, and then the
    # column's next smallest so the column total does not give B's cells away.
    cells = {("A", "done"): 20, ("A", "overdue"): 9, ("B", "done"): 30, ("B", "overdue"): 2}
    hidden = withheld_table(cells, 5)
    assert ("B", "overdue") in hidden
    assert ("B", "done") in hidden
    assert ("A", "overdue") in hidden and ("A", "done") in hidden


@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ABCD"), st.sampled_from("xyz")), st.integers(min_value=0, max_value=15), max_size=12
    ),
    st.integers(min_value=3, max_value=6),
)
def test_no_line_of_a_table_gives_a_withheld_cell_away(cells, smallest):
    """Whatever the table: no small cell shown, and every row and column either withholds
    nothing, or at least two cells that together are not small (or the whole line)."""
    hidden = withheld_table(cells, smallest)
    assert all(count == 0 or count >= smallest for key, count in cells.items() if key not in hidden)
    for position in (0, 1):
        lines: dict = {}
        for key in cells:
            lines.setdefault(key[position], []).append(key)
        for line in lines.values():
            mine = [key for key in line if key in hidden]
            if not mine or len(mine) == len(line):
                continue
            assert len(mine) >= 2
            assert sum(cells[key] for key in mine) >= smallest
