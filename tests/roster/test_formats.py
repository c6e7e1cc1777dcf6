"""The CSV formats as pure tables: headings, cells, encodings, delimiters."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.people.models import POSITIONS, RANKS
from recognition.roster import formats
from recognition.roster.formats import CellError, FileError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-07-01", date(2019, 7, 1)),
        (" 2019-7-1 ", date(2019, 7, 1)),
        ("2019-07-01 00:00:00", date(2019, 7, 1)),
        ("1 Jul 2019", date(2019, 7, 1)),
        ("01 July 2019", date(2019, 7, 1)),
        ("1-Jul-2019", date(2019, 7, 1)),
        ("Jul 1, 2019", date(2019, 7, 1)),
        ("July 1 2019", date(2019, 7, 1)),
        ("Sept 30, 2020", date(2020, 9, 30)),
        ("29 Feb 2024", date(2024, 2, 29)),
    ],
)
def test_dates_read(text, expected):
    assert formats.read_date(text) == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("07/01/2019", "ambiguous"),
        ("1.7.2019", "ambiguous"),
        ("2019-13-01", "not a real date"),
        ("30 Feb 2023", "not a real date"),
        ("1 Jly 2019", "unknown month"),
        ("2019-07-01 13:45", "must be a date written 2019-07-01"),
        ("next July", "must be a date written 2019-07-01"),
        ("43647", "must be a date written 2019-07-01"),  # an Excel serial number
    ],
)
def test_dates_refused_with_the_rule(text, rule):
    with pytest.raises(CellError, match=rule):
        formats.read_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Assistant Professor", "assistant"),
        ("associate professor", "associate"),
        ("Professor", "full"),
        ("Full Professor", "full"),
        ("Lecturer", "lecturer"),
        ("  ASSISTANT  ", "assistant"),
        ("Asst. Professor", "assistant"),
    ],
)
def test_ranks(text, expected):
    assert formats.read_rank(text) == expected


def test_every_rank_has_a_spreadsheet_word():
    assert set(formats.RANK_WORDS.values()) == set(RANKS)
    assert set(formats.POSITION_WORDS.values()) == set(POSITIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Clinician Scientist", "clinician_scientist"),
        ("clinician-teacher", "clinician_teacher"),
        ("Clinician in Quality and Innovation", "clinician_quality_innovation"),
        ("clinician_educator", "clinician_educator"),
        ("Other", "other"),
    ],
)
def test_positions(text, expected):
    assert formats.read_position(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Formal", "formal"),
        ("Peer group", "peer_group"),
        ("peer-group", "peer_group"),
        ("PEER_GROUP", "peer_group"),
        ("Sponsorship", "sponsorship"),
        ("informal", "informal"),
    ],
)
def test_kinds(text, expected):
    assert formats.read_kind(text) == expected


@pytest.mark.parametrize(
    ("reader", "text", "rule"),
    [
        (formats.read_rank, "Dean", "must be one of Lecturer, Assistant Professor"),
        (formats.read_position, "Surgeon", "must be one of Clinician Scientist"),
        (formats.read_kind, "coaching", "must be one of Formal, Peer group"),
        (formats.read_yes_no, "maybe", "must be yes or no"),
        (formats.read_email, "not an email", "must be an email address"),
    ],
)
def test_choices_refused_with_the_allowed_values(reader, text, rule):
    with pytest.raises(CellError, match=rule):
        reader(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("no", False),
        ("n", False),
        ("False", False),
        ("0", False),
        ("", False),
        ("  ", False),
    ],
)
def test_yes_no(text, expected):
    assert formats.read_yes_no(text) is expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("E-mail", "e mail"),
        ("  Full   Name ", "full name"),
        ("Supervisor_Email", "supervisor email"),
        ("Race/Ethnicity", "race ethnicity"),
        ("\ufeffName", "name"),
    ],
)
def test_headings_ignore_case_space_and_punctuation(heading, expected):
    assert formats.normalise_heading(heading) == expected


def test_header_accepts_aliases():
    header = formats.read_header(
        ["Full name", "E-mail", "Division code", "Academic rank", "Position", "Appointed", "Supervisor"],
        formats.PEOPLE_COLUMNS,
        "people",
    )
    assert header.problems == []
    assert header.positions == {
        "name": 0,
        "email": 1,
        "division_id": 2,
        "rank": 3,
        "position": 4,
        "appointed_on": 5,
        "supervisor_id": 6,
    }


def test_header_names_unknown_duplicate_and_missing_columns():
    header = formats.read_header(["Name", "Email", "E-mail", "Notes", "", "Rank"], formats.PEOPLE_COLUMNS, "people")
    problems = dict(header.problems)
    assert problems["Email"] == "appears twice (columns B and C)"
    assert problems["Notes"].startswith("is not a column of the people file (column D)")
    assert problems["Division"] == "required column is missing"
    assert problems["Position"] == "required column is missing"
    assert "Name" not in problems and "Rank" not in problems
    assert header.unnamed == [4]


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(index, letter):
    assert formats.column_letter(index) == letter


def test_excel_byte_order_mark_is_dropped():
    assert formats.decode("\ufeffName,Email\r\n".encode("utf-8")) == "Name,Email\r\n"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0old-excel", "Excel workbook"),
        ("Name\r\nJosé\r\n".encode("cp1252"), "not UTF-8"),
        (b"Name\x00Email", "not a text file"),
    ],
)
def test_files_that_are_not_csv_text(raw, rule):
    with pytest.raises(FileError, match=rule):
        formats.decode(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Name,Email\r\nAda,"Jul 1, 2019"\r\n', [["Name", "Email"], ["Ada", "Jul 1, 2019"]]),
        (
            'Name;Email;Appointed\r\nAda;a@x.org;"Jul 1, 2019"\r\n',
            [["Name", "Email", "Appointed"], ["Ada", "a@x.org", "Jul 1, 2019"]],
        ),
        ("Name\tEmail\r\nAda\ta@x.org\r\n", [["Name", "Email"], ["Ada", "a@x.org"]]),
        ("Name\r\nAda\r\n", [["Name"], ["Ada"]]),
        ('Name,Note\r\nAda,"two\nlines"\r\nBo,x\r\n', [["Name", "Note"], ["Ada", "two\nlines"], ["Bo", "x"]]),
    ],
)
def test_delimiters(text, expected):
    assert formats.records(text) == expected
