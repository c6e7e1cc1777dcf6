"""A roster file read into rows of raw cells, and the problems found on the way.

Nothing here touches the database: this is the structure of the file (encoding,
delimiter, header, size), checked before any row is tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import formats
from .formats import Column, FileError

FILES = {
    "people": formats.PEOPLE_COLUMNS,
    "mentorships": formats.MENTORSHIP_COLUMNS,
    "milestones": formats.MILESTONE_COLUMNS,
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an import. ``row`` is the spreadsheet row (the header is row 1;
    None means the whole file). ``column`` is the canonical column name, or for a column
    the import does not know, the heading as written."""

    file: str
    row: int | None
    column: str | None
    rule: str

    def sort_key(self) -> tuple:
        """File, row, then the columns in the file format's order (left to right)."""
        names = [column.name for column in FILES[self.file]]
        place = names.index(self.column) if self.column in names else len(names)
        return (list(FILES).index(self.file), self.row or 0, place, self.column or "", self.rule)

    @property
    def key(self) -> str:
        """``people``, ``people.row3`` or ``people.row3.Email``: the key in the API's errors."""
        if self.row is None:
            return self.file
        if self.column in {column.name for column in FILES[self.file]}:
            return f"{self.file}.row{self.row}.{self.column}"
        return f"{self.file}.row{self.row}"

    @property
    def keyed_rule(self) -> str:
        """The rule, naming the heading when the key cannot."""
        if self.row is not None and self.column and not self.key.endswith("." + self.column):
            return f"'{self.column}' {self.rule}"
        return self.rule

    @property
    def text(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.rule}" if where else self.rule


@dataclass
class Row:
    number: int  # the spreadsheet row
    cells: dict[str, str]  # Column.key -> the cell as written, stripped


@dataclass
class Sheet:
    name: str  # "people", "mentorships" or "milestones"
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def columns(self) -> tuple[Column, ...]:
        return FILES[self.name]

    def column_name(self, key: str) -> str | None:
        return next((column.name for column in self.columns if column.key == key), None)

    def problem(self, row: int | None, key_or_name: str | None, rule: str) -> None:
        name = self.column_name(key_or_name) if key_or_name else None
        self.problems.append(Problem(self.name, row, name or key_or_name, rule))


def size(n: int) -> str:
    """5242880 -> '5 MB': sizes as people read them (binary megabytes, as the cap is set)."""
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n:,} bytes"


def read(name: str, raw: bytes, *, max_rows: int, max_bytes: int) -> Sheet:
    """The rows of one uploaded file, or the reasons it cannot be read. Blank lines
    (spreadsheets leave them at the end) are skipped."""
    sheet = Sheet(name)
    if len(raw) > max_bytes:
        sheet.problem(None, None, f"is larger than {size(max_bytes)}, the limit: split the file")
        return sheet
    try:
        records = formats.records(formats.decode(raw))
    except FileError as error:
        sheet.problem(None, None, str(error))
        return sheet
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    if not records:
        sheet.problem(None, None, "is empty: the first row must name the columns")
        return sheet
    header = formats.read_header(records[0], sheet.columns, name)
    for column, rule in header.problems:
        sheet.problem(1, column, rule)
    data = records[1:]
    if not data:
        sheet.problem(None, None, "has a header row but no rows below it")
    if len(data) > max_rows:
        sheet.problem(None, None, f"has {len(data):,} rows; the limit is {max_rows:,} per file: split the file")
    if sheet.problems:
        return sheet
    width = len(records[0])
    for index, record in enumerate(data, start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {key: record[at].strip() if at < len(record) else "" for key, at in header.positions.items()}
        sheet.rows.append(Row(index, cells))
        stray = [at for at in header.unnamed if at < len(record) and record[at].strip()]
        stray += [at for at in range(width, len(record)) if record[at].strip()]
        for at in stray:
            sheet.problem(index, None, f"has a value in column {formats.column_letter(at)}, which has no heading")
    return sheet
