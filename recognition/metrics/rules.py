"""From tallies to the cells a reader sees: values, the department total, small cells withheld.

A measure counts, per division, what each of its series needs (``Tally``); ``table`` turns
that into rows of cells, the department first, with every cell from fewer than the
smallest cell's number of people withheld (``recognition.suppression``), and the next
smallest with it wherever the department total would give it away. A withheld cell has no
value, never a zero. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..suppression import withheld, withheld_table

SHARE, COUNT, MEDIAN, RATIO = "share", "count", "median", "ratio"
SHOWN, WITHHELD, NO_DATA = "shown", "withheld", "no_data"
DEPARTMENT = "department"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    kind: (
        str  # SHARE (percent of ``whole``), COUNT (people), MEDIAN (of ``values``/``counted``), RATIO (part per whole)
    )
    # Public already (awards are announced with their winners' names): never withheld.
    public: bool = False


@dataclass(frozen=True)
class Tally:
    """What one cell is computed from. ``whole``: the people it is about (the denominator
    of a share, the mentors of a ratio, the people behind a median; a count's own count)."""

    part: int = 0
    whole: int = 0
    values: tuple[float, ...] = ()
    # The people behind it, when ``whole`` counts something else (entries of the
    # mentorships of these people, say); None: ``whole`` (a count: ``part``) are people.
    people: int | None = None
    # The values of a median as a histogram: (value, how many times), for a database
    # that counts them grouped rather than sending each one.
    counted: tuple[tuple[float, int], ...] = ()

    def __add__(self, other: Tally) -> Tally:
        people = None if self.people is None and other.people is None else (self.people or 0) + (other.people or 0)
        return Tally(
            self.part + other.part,
            self.whole + other.whole,
            self.values + other.values,
            people,
            self.counted + other.counted,
        )

    def histogram(self) -> dict[float, int]:
        """Every value of the median and how many times it occurs (``values`` and ``counted``)."""
        found: dict[float, int] = {}
        for value, times in ((value, 1) for value in self.values):
            found[value] = found.get(value, 0) + times
        for value, times in self.counted:
            found[value] = found.get(value, 0) + times
        return found


@dataclass(frozen=True)
class Cell:
    state: str
    value: Decimal | None = None
    people: int | None = None  # how many people the value is from; None when withheld


@dataclass(frozen=True)
class Row:
    group: str  # DEPARTMENT or a division's code
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)


def people_of(series: Series, tally: Tally) -> int:
    if tally.people is not None:
        return tally.people
    return tally.part if series.kind == COUNT else tally.whole


def value_of(series: Series, tally: Tally) -> Decimal | None:
    if series.kind == COUNT:
        return Decimal(tally.part)
    if series.kind == SHARE:
        return _round(Decimal(100 * tally.part) / tally.whole) if tally.whole else None
    if series.kind == RATIO:
        return _round(Decimal(tally.part) / tally.whole) if tally.whole else None
    if series.kind == MEDIAN:
        return _median(tally.histogram())
    raise ValueError(f"unknown kind of series {series.kind!r}")


def _median(histogram: Mapping[float, int]) -> Decimal | None:
    """The median of the values a histogram counts, as ``statistics.median`` of them all
    would give (the mean of the middle two of an even number), without listing them."""
    size = sum(histogram.values())
    if not size:
        return None
    low_index, high_index = (size - 1) // 2, size // 2
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_index:
            low = value
        if seen > high_index:
            high = value
            break
    assert low is not None and high is not None
    middle = low if low_index == high_index else (low + high) / 2
    return _round(Decimal(str(middle)))


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def table(
    series: Sequence[Series],
    tallies: Mapping[str, Mapping[str, Tally]],
    labels: Mapping[str, str],
    smallest: int,
    own: Collection[str] | None = None,
) -> list[Row]:
    """The department's row, then one per group of ``labels`` (division code -> name).
    ``own``: for a director, the groups they manage (``director_table``).
    ``tallies``: group -> series key -> Tally; a group or series missing counts nothing.
    Counts are withheld as a table (along divisions and along series, whose totals are
    shown); shares, ratios and medians per series, along the divisions."""
    if own is not None:
        return director_table(series, tallies, labels, smallest, own)
    groups = list(labels)
    empty = Tally()
    total = {s.key: sum((tallies.get(g, {}).get(s.key, empty) for g in groups), empty) for s in series}
    hidden: set[tuple[str, str]] = set()
    counts = [s for s in series if s.kind == COUNT and not s.public]
    if counts:
        cells = {(g, s.key): people_of(s, tallies.get(g, {}).get(s.key, empty)) for g in groups for s in counts}
        hidden |= withheld_table(cells, smallest)
    for s in series:
        if s.kind != COUNT and not s.public:
            people = {g: people_of(s, tallies.get(g, {}).get(s.key, empty)) for g in groups}
            hidden |= {(g, s.key) for g in withheld(people, smallest)}
    # The department's counts are one line too: the series add up to the people shown.
    department_counts = {s.key: people_of(s, total[s.key]) for s in counts}
    department_hidden = {(DEPARTMENT, key) for key in withheld(department_counts, smallest)}
    for s in series:
        if s.kind != COUNT and not s.public and 0 < people_of(s, total[s.key]) < smallest:
            department_hidden.add((DEPARTMENT, s.key))
    rows = [_row(DEPARTMENT, "Department", series, total, department_hidden)]
    rows += [_row(g, labels[g], series, tallies.get(g, {}), hidden) for g in groups]
    return rows


def director_table(
    series: Sequence[Series],
    tallies: Mapping[str, Mapping[str, Tally]],
    labels: Mapping[str, str],
    smallest: int,
    own: Collection[str],
) -> list[Row]:
    """The department's row and the ``own`` groups' rows, as a director of them sees them.

    A director knows their own divisions' people, so the department's cell less their own
    is the rest of the department. Their own cells are withheld by their own counts only
    (never because another division is small: that would tell them so), and a department
    cell is withheld, besides the table's own reasons, when the rest behind it is from
    fewer than ``smallest`` people or from one other group alone (then it would be that
    group's cell). So whatever another division holds, a director sees the same rows of
    their own; only the department's cells differ."""
    groups = list(labels)
    empty = Tally()

    def people(group: str, s: Series) -> int:
        return people_of(s, tallies.get(group, {}).get(s.key, empty))

    total = {s.key: sum((tallies.get(g, {}).get(s.key, empty) for g in groups), empty) for s in series}
    mine = [g for g in groups if g in own]
    counts = [s for s in series if s.kind == COUNT and not s.public]
    hidden: set[tuple[str, str]] = set()
    for g in mine:
        if counts:
            hidden |= {(g, key) for key in withheld({s.key: people(g, s) for s in counts}, smallest)}
        hidden |= {(g, s.key) for s in series if s.kind != COUNT and not s.public and 0 < people(g, s) < smallest}
    department: set[str] = set()
    for s in series:
        if s.public:
            continue
        if s.kind != COUNT and 0 < people_of(s, total[s.key]) < smallest:
            department.add(s.key)
        others = [people(g, s) for g in groups if g not in own]
        if 0 < sum(others) < smallest or sum(1 for count in others if count) == 1:
            department.add(s.key)
    if counts:
        department |= withheld({s.key: people_of(s, total[s.key]) for s in counts}, smallest, department)
    rows = [_row(DEPARTMENT, "Department", series, total, {(DEPARTMENT, key) for key in department})]
    rows += [_row(g, labels[g], series, tallies.get(g, {}), hidden) for g in mine]
    return rows


def _row(group: str, label: str, series: Sequence[Series], tallies, hidden) -> Row:
    cells = {}
    for s in series:
        tally = tallies.get(s.key, Tally())
        if (group, s.key) in hidden:
            cells[s.key] = Cell(WITHHELD)
            continue
        value = value_of(s, tally)
        if value is None or (s.kind != COUNT and people_of(s, tally) == 0):
            cells[s.key] = Cell(NO_DATA)
        else:
            cells[s.key] = Cell(SHOWN, value, people_of(s, tally))
    return Row(group, label, cells)
