"""The roster CSV formats: which columns, which headings mean them, how a cell is read.

Pure functions, no Flask and no database, so they are tested as tables. A cell reader
returns the value or raises ``CellError`` with the rule the cell broke; the importer
adds the row and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from ..mentorships.models import KINDS
from ..people.models import POSITIONS


class CellError(ValueError):
    """A cell that breaks a rule; ``rule`` is written for the person fixing the sheet."""

    def __init__(self, rule: str):
        super().__init__(rule)
        self.rule = rule


class FileError(ValueError):
    """A file that cannot be read as a roster at all."""


@dataclass(frozen=True)
class Column:
    name: str  # the canonical heading, used in every report
    key: str  # the field name the services use
    aliases: tuple[str, ...] = ()  # other headings that mean this column, as people write them
    required: bool = False
    help: str = ""

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(normalise_heading(text) for text in (self.name, *self.aliases))


PEOPLE_COLUMNS = (
    Column("Name", "name", ("Full name", "Faculty name"), True, "The person's full name"),
    Column(
        "Email",
        "email",
        ("E-mail", "Email address", "E-mail address"),
        True,
        "Their work email; unique on the roster and in the file",
    ),
    Column(
        "Institutional id",
        "institutional_id",
        ("Institutional ID", "University id", "Employee id", "Employee number", "Staff id", "Personnel number"),
        False,
        "The university's employee or student number, for signing in through the university; "
        "unique on the roster and in the file; blank if not known",
    ),
    Column(
        "Division",
        "division_id",
        ("Division name", "Division code"),
        True,
        "A division's name or code; blank for no division (administrators only)",
    ),
    Column("Rank", "rank", ("Academic rank",), True, "Lecturer, Assistant Professor, Associate Professor or Professor"),
    Column(
        "Position",
        "position",
        ("Academic position",),
        True,
        "Clinician Scientist, Clinician Investigator, Clinician Teacher, Clinician Educator, "
        "Clinician in Quality and Innovation or Other",
    ),
    Column(
        "Appointment date",
        "appointed_on",
        ("Appointed", "Appointed on", "Date appointed", "Appointment"),
        False,
        "2019-07-01, 1 Jul 2019 or Jul 1, 2019",
    ),
    Column("Trained here", "trained_here", ("Trained locally",), False, "yes or no (true/false, 1/0; blank means no)"),
    Column(
        "Supervisor email",
        "supervisor_id",
        ("Supervisor", "Supervisor e-mail", "Supervisor email address"),
        False,
        "The email of their supervisor, on the roster or anywhere in this file",
    ),
    Column("Gender", "gender", ("Gender identity",), False, "Self-identified; optional; reported only in aggregate"),
    Column(
        "Race", "race", ("Race/ethnicity", "Ethnicity"), False, "Self-identified; optional; reported only in aggregate"
    ),
)

MENTORSHIP_COLUMNS = (
    Column(
        "Mentor email",
        "mentor_id",
        ("Mentor", "Mentor e-mail", "Mentor email address"),
        True,
        "Someone on the roster or in the people file",
    ),
    Column(
        "Mentee email",
        "mentee_id",
        ("Mentee", "Mentee e-mail", "Mentee email address"),
        True,
        "Someone on the roster or in the people file",
    ),
    Column(
        "Kind",
        "kind",
        ("Type", "Mentorship kind", "Mentorship type"),
        True,
        "Formal, Peer group, Sponsorship or Informal. A formal mentor may not be the mentee's "
        "supervisor or division director",
    ),
    Column("Start date", "started_on", ("Start", "Started", "Started on"), True, "Not in the future"),
    Column("Group name", "group_name", ("Group", "Peer group"), False, "For peer groups: the group's name"),
    Column("End date", "ended_on", ("End", "Ended", "Ended on"), False, "Blank while the mentorship goes on"),
)

MILESTONE_COLUMNS = (
    Column(
        "Person",
        "person_id",
        ("Email", "Person email", "E-mail", "Person id", "Person ID"),
        True,
        "Their email, or their id on the roster; someone on the roster or in the people file",
    ),
    Column(
        "Kind",
        "kind",
        ("Milestone", "Type", "Milestone kind"),
        True,
        "Appointment, CFAR, Promotion, Grant, External award, Leadership or Check-in",
    ),
    Column(
        "Date",
        "occurred_on",
        ("Occurred on", "On", "Milestone date"),
        False,
        "When it happened; required except for a grant that gives its year",
    ),
    Column("Outcome", "outcome", ("CFAR outcome", "Result"), False, "CFAR only: passed or extended"),
    Column(
        "Rank",
        "rank",
        ("Rank reached", "Academic rank"),
        False,
        "Promotion (required): the rank reached; appointment (optional): the rank appointed at",
    ),
    Column(
        "Title",
        "title",
        ("Name", "Position", "Grant title", "Award"),
        False,
        "Grant: its title; external award: its name; leadership: the position",
    ),
    Column(
        "Agency",
        "agency",
        ("Organisation", "Organization", "Awarding body", "Funder"),
        False,
        "Grant: the agency; external award: the awarding body; leadership: the organisation",
    ),
    Column(
        "Role",
        "role",
        ("Grant role",),
        False,
        "Grant: their role on it (e.g. Principal investigator); check-in: who held it (optional)",
    ),
    Column("Year", "year", ("Grant year",), False, "Grant: the year awarded (dated 1 July when no date is given)"),
    Column("Note", "note", ("Notes", "Comment"), False, "Optional"),
)


def normalise_heading(text: str) -> str:
    """'  E-mail ' and 'e_mail' both become 'e mail': case, spaces and punctuation do not matter."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


# Reading the file ---------------------------------------------------------------------

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def decode(raw: bytes) -> str:
    """The file's text. Excel's 'CSV UTF-8' starts with a byte-order mark; it is dropped."""
    if raw.startswith((XLSX_MAGIC, XLS_MAGIC)):
        raise FileError("is an Excel workbook, not CSV: in Excel use File → Save As → 'CSV UTF-8 (Comma delimited)'")
    if b"\x00" in raw:
        raise FileError("is not a text file (save the sheet as 'CSV UTF-8')")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(
            f"is not UTF-8 text (byte {error.start + 1}): in Excel use File → Save As → 'CSV UTF-8 (Comma delimited)'"
        ) from None


def dialect_of(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (European Excel) or tab, guessed from the header line only:
    commas inside later cells ("Jul 1, 2019") must not sway the guess."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def records(text: str) -> list[list[str]]:
    """Every record of the file, header first. A cell with a line break in it is still one
    spreadsheet row, so record ``i`` is spreadsheet row ``i + 1``."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect_of(text)))
    except csv.Error as error:
        raise FileError(f"is not valid CSV ({error})") from None


# Cells ---------------------------------------------------------------------------------


def _token(text: str) -> str:
    return normalise_heading(text)


RANK_WORDS = {
    "lecturer": "lecturer",
    "assistant": "assistant",
    "assistant professor": "assistant",
    "asst professor": "assistant",
    "associate": "associate",
    "associate professor": "associate",
    "assoc professor": "associate",
    "full": "full",
    "professor": "full",
    "full professor": "full",
}
RANK_HELP = "Lecturer, Assistant Professor, Associate Professor or Professor"

POSITION_WORDS = {_token(code): code for code in POSITIONS} | {
    "clinician in quality and innovation": "clinician_quality_innovation",
    "clinician quality and innovation": "clinician_quality_innovation",
    "clinician in quality innovation": "clinician_quality_innovation",
}
POSITION_HELP = (
    "Clinician Scientist, Clinician Investigator, Clinician Teacher, Clinician Educator, "
    "Clinician in Quality and Innovation or Other"
)

KIND_WORDS = {_token(code): code for code in KINDS} | {"peergroup": "peer_group", "sponsor": "sponsorship"}
KIND_HELP = "Formal, Peer group, Sponsorship or Informal"

MILESTONE_WORDS = {
    "appointment": "appointment",
    "appointed": "appointment",
    "cfar": "cfar",
    "promotion": "promotion",
    "promoted": "promotion",
    "grant": "grant",
    "external award": "external_award",
    "award": "external_award",
    "external award received": "external_award",
    "leadership": "leadership",
    "leadership appointment": "leadership",
    "leadership role": "leadership",
    "check-in": "check_in",
    "check in": "check_in",
    "1.5-year check-in": "check_in",
    "18-month check-in": "check_in",
}
MILESTONE_HELP = "Appointment, CFAR, Promotion, Grant, External award, Leadership or Check-in"
OUTCOME_WORDS = {"passed": "passed", "pass": "passed", "extended": "extended", "extension": "extended"}

TRUE_WORDS = {"yes", "y", "true", "t", "1"}
FALSE_WORDS = {"no", "n", "false", "f", "0", ""}

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
DATE_HELP = "must be a date written 2019-07-01, 1 Jul 2019 or Jul 1, 2019"
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[ -]([a-z]+)\.?,?[ -](\d{4})$")
MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.? (\d{1,2}),? (\d{4})$")
SLASHED = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")


def read_date(text: str) -> date:
    """ISO dates (also with a midnight time, as some exports write them) and dates with the
    month spelled out. 07/01/2019 is refused: it is 1 July in Toronto and 7 January in London."""
    value = " ".join(text.strip().lower().split())
    month: int | None
    if match := ISO_DATE.match(value):
        year, month, day = (int(part) for part in match.groups())
    elif match := DAY_MONTH_YEAR.match(value):
        day, month, year = int(match[1]), MONTHS.get(match[2]), int(match[3])
    elif match := MONTH_DAY_YEAR.match(value):
        month, day, year = MONTHS.get(match[1]), int(match[2]), int(match[3])
    elif SLASHED.match(value):
        raise CellError(f"{text.strip()} is ambiguous (day/month or month/day?); {DATE_HELP}")
    else:
        raise CellError(DATE_HELP)
    if month is None:
        raise CellError(f"has an unknown month name; {DATE_HELP}")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"{text.strip()} is not a real date") from None


def read_choice(text: str, words: dict[str, str], help_text: str) -> str:
    value = words.get(_token(text))
    if value is None:
        raise CellError(f"must be one of {help_text}")
    return value


def read_rank(text: str) -> str:
    return read_choice(text, RANK_WORDS, RANK_HELP)


def read_position(text: str) -> str:
    return read_choice(text, POSITION_WORDS, POSITION_HELP)


def read_kind(text: str) -> str:
    return read_choice(text, KIND_WORDS, KIND_HELP)


def read_milestone_kind(text: str) -> str:
    return read_choice(text, MILESTONE_WORDS, MILESTONE_HELP)


def read_outcome(text: str) -> str:
    return read_choice(text, OUTCOME_WORDS, "passed or extended")


def read_year(text: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"\d{4}", value):
        raise CellError("must be a year written with four digits, e.g. 2021")
    return int(value)


def read_person(text: str) -> str | int:
    """An email (lower-cased) or a roster id."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        return read_email(value)
    except CellError:
        raise CellError("must be the person's email or their id on the roster") from None


def read_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise CellError("must be yes or no (or true/false, 1/0, or blank for no)")


INSTITUTIONAL_ID_MAX = 100


def read_institutional_id(text: str) -> str:
    """An id as the university writes it, spaces around it removed; kept exactly otherwise."""
    value = text.strip()
    if len(value) > INSTITUTIONAL_ID_MAX:
        raise CellError(f"must be at most {INSTITUTIONAL_ID_MAX} characters")
    if any(character.isspace() for character in value):
        raise CellError("must not contain spaces")
    return value


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_email(text: str) -> str:
    """Lower-cased, as the roster stores it. Full validation is the schema's job."""
    value = text.strip().lower()
    if not EMAIL.match(value):
        raise CellError("must be an email address")
    return value


# Headers -------------------------------------------------------------------------------


@dataclass
class Header:
    """Where each known column is, and what is wrong with the header row."""

    positions: dict[str, int]  # Column.key -> index
    unnamed: list[int]  # columns with a blank heading: ignored while their cells are blank
    problems: list[tuple[str, str]]  # (column, rule), all on spreadsheet row 1


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def read_header(cells: list[str], columns: tuple[Column, ...], file_label: str) -> Header:
    by_heading = {heading: column for column in columns for heading in column.headings}
    header = Header({}, [], [])
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        heading = normalise_heading(cell)
        if not heading:
            header.unnamed.append(index)
            continue
        column = by_heading.get(heading)
        if column is None:
            names = ", ".join(c.name for c in columns)
            header.problems.append(
                (
                    cell.strip(),
                    f"is not a column of the {file_label} file (column {column_letter(index)}); "
                    f"the columns are {names}: rename it or delete it",
                )
            )
        elif column.key in seen:
            header.problems.append(
                (column.name, f"appears twice (columns {column_letter(seen[column.key])} and {column_letter(index)})")
            )
        else:
            seen[column.key] = index
    header.positions = seen
    for column in columns:
        if column.required and column.key not in seen:
            header.problems.append((column.name, "required column is missing"))
    return header
