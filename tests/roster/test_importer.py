"""The import operation: every problem found, nothing stored unless everything is right."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recognition.extensions import db
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from recognition.roster import importer

from .conftest import (
    MENTORSHIP_HEADER,
    PEOPLE_HEADER,
    counts,
    csv_bytes,
    mentorships_csv,
    people_csv,
    person_row,
    problems_of,
)

EXISTING = "mentor@test.example.org"  # already on the roster (Department)


def only_problem(refused):
    problems = problems_of(refused)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(
    ("rows", "row", "column", "rule"),
    [
        ([person_row(1, Email="")], 2, "Email", "is required"),
        ([person_row(1, Email="not-an-email")], 2, "Email", "must be an email address"),
        (
            [person_row(1), person_row(2, Email="NEW1@test.example.org")],
            3,
            "Email",
            "must be unique (already used by row 2)",
        ),
        ([person_row(1, Email=EXISTING)], 2, "Email", "must be unique (someone on the roster already has this email)"),
        ([person_row(1, Name="  ")], 2, "Name", "is required"),
        ([person_row(1, Name="x" * 201)], 2, "Name", "length must be between 1 and 200"),
        ([person_row(1, Division="Dermatology")], 2, "Division", "must be the name or code of an existing division"),
        ([person_row(1, Rank="Dean")], 2, "Rank", "must be one of Lecturer, Assistant Professor"),
        ([person_row(1, Position="")], 2, "Position", "is required"),
        ([person_row(1, Position="Surgeon")], 2, "Position", "must be one of Clinician Scientist"),
        ([person_row(1, Appointment_date="07/01/2019")], 2, "Appointment date", "07/01/2019 is ambiguous"),
        ([person_row(1, Appointment_date="2019-02-30")], 2, "Appointment date", "2019-02-30 is not a real date"),
        ([person_row(1, Trained_here="maybe")], 2, "Trained here", "must be yes or no"),
        (
            [person_row(1, Supervisor_email="nobody@test.example.org")],
            2,
            "Supervisor email",
            "must be the email of someone on the roster or in the people file (nobody@test.example.org is neither)",
        ),
        (
            [person_row(1, Supervisor_email="new1@test.example.org")],
            2,
            "Supervisor email",
            "a person cannot supervise themselves",
        ),
        ([person_row(1, Supervisor_email="boss")], 2, "Supervisor email", "must be an email address"),
    ],
)
def test_bad_people_rows(do_import, app, rows, row, column, rule):
    refused = do_import(people=people_csv(*rows))
    problem = only_problem(refused)
    assert problem[:3] == ("people", row, column)
    assert problem[3].startswith(rule)
    assert counts(app) == (10, 2)  # the Department, untouched


@pytest.mark.parametrize(
    ("cells", "column", "rule"),
    [
        (
            ["nobody@test.example.org", "mentee@test.example.org", "Informal", "2025-01-01", "", ""],
            "Mentor email",
            "must be the email of someone on the roster or in the people file",
        ),
        (["mentor@test.example.org", "", "Informal", "2025-01-01", "", ""], "Mentee email", "is required"),
        (
            ["mentor@test.example.org", "mentee@test.example.org", "coaching", "2025-01-01", "", ""],
            "Kind",
            "must be one of Formal, Peer group, Sponsorship or Informal",
        ),
        (["mentor@test.example.org", "mentee@test.example.org", "Informal", "", "", ""], "Start date", "is required"),
        (
            ["mentor@test.example.org", "mentee@test.example.org", "Informal", "2025-13-01", "", ""],
            "Start date",
            "2025-13-01 is not a real date",
        ),
        (
            ["mentor@test.example.org", "mentee@test.example.org", "Informal", "2026-01-01", "", ""],
            "Start date",
            "must not be in the future",
        ),
        (
            ["mentor@test.example.org", "mentee@test.example.org", "Informal", "2025-03-01", "", "2025-02-01"],
            "End date",
            "must not be before the start date",
        ),
        (
            ["mentor@test.example.org", "mentee@test.example.org", "Informal", "2025-03-01", "", "2025-12-01"],
            "End date",
            "must not be in the future",
        ),
        (
            ["mentee@test.example.org", "mentee@test.example.org", "Informal", "2025-03-01", "", ""],
            "Mentor email",
            "a person cannot be their own mentor",
        ),
        (
            ["director@test.example.org", "mentee@test.example.org", "Formal", "2025-03-01", "", ""],
            "Mentor email",
            "the mentor directs the mentee's division; a formal mentor cannot be someone the mentee reports to",
        ),
        (
            ["mentor@test.example.org", "mentee@test.example.org", "Formal", "2025-03-01", "", ""],
            "Mentee email",
            "an open mentorship of this kind already joins these two people",
        ),
        (
            ["mentor@test.example.org", "mentee@test.example.org", "Peer group", "2025-03-01", "x" * 121, ""],
            "Group name",
            "longer than maximum length 120",
        ),
    ],
)
def test_bad_mentorship_rows(do_import, app, cells, column, rule):
    refused = do_import(mentorships=mentorships_csv(cells))
    problem = only_problem(refused)
    assert problem[:3] == ("mentorships", 2, column)
    assert problem[3].startswith(rule), problem
    assert counts(app) == (10, 2)


def test_a_mentorship_twice_in_the_file_names_the_first_row(do_import):
    row = ["mentor@test.example.org", "other.mentee@test.example.org", "Informal", "2025-01-01", "", ""]
    refused = do_import(mentorships=mentorships_csv(row, row))
    assert only_problem(refused) == (
        "mentorships",
        3,
        "Mentee email",
        "duplicates row 2: an open mentorship of this kind already joins these two people",
    )


def test_five_good_rows_and_one_bad_store_nothing(do_import, app):
    rows = [person_row(n) for n in range(1, 6)] + [person_row(6, Rank="Emeritus")]
    refused = do_import(people=people_csv(*rows))
    assert problems_of(refused) == [("people", 7, "Rank", refused.problems[0].rule)]
    assert counts(app) == (10, 2)
    good = do_import(people=people_csv(*rows[:5]))
    assert (good.people, good.mentorships) == (5, 0)
    assert counts(app) == (15, 2)


def test_every_problem_in_both_files_is_reported(do_import, app):
    people = people_csv(
        person_row(1, Email="", Rank="Dean"),  # two problems on one row
        person_row(2),
        person_row(3, Appointment_date="next year"),
    )
    mentorships = mentorships_csv(
        ["new2@test.example.org", "new1@test.example.org", "Formal", "2025-01-01", "", ""],  # new1 has no email
        ["new2@test.example.org", "new3@test.example.org", "Formal", "2025-01-01", "", ""],  # row 4 failed
        ["new2@test.example.org", "mentee@test.example.org", "Bogus", "2025-01-01", "", ""],
    )
    refused = do_import(people=people, mentorships=mentorships)
    found = {(file, row, column) for file, row, column, _ in problems_of(refused)}
    assert found == {
        ("people", 2, "Email"),
        ("people", 2, "Rank"),
        ("people", 4, "Appointment date"),
        ("mentorships", 2, "Mentee email"),
        ("mentorships", 3, "Mentee email"),
        ("mentorships", 4, "Kind"),
    }
    rules = {(p.file, p.row): p.rule for p in refused.problems}
    assert rules[("mentorships", 3)] == (
        "refers to new3@test.example.org on row 4 of the people file, which has problems"
    )
    assert refused.errors["people.row2.Email"] == ["is required"]
    assert refused.message.startswith(
        "Nothing was imported: 6 problems (3 in the people file and 3 in the mentorships file)"
    )
    assert counts(app) == (10, 2)


def test_people_and_mentorships_from_one_import(do_import, app):
    """The first row names a supervisor further down; mentorships name people from the file."""
    people = people_csv(
        person_row(1, Supervisor_email="NEW3@test.example.org", Trained_here="yes", Appointment_date="1 Jul 2019"),
        person_row(2, Division="nephrology", Rank="Professor", Position="Clinician in Quality and Innovation"),
        person_row(
            3,
            Division="Cardiology",
            Rank="Associate Professor",
            Appointment_date="",
            Supervisor_email="new2@test.example.org",
        ),
        person_row(4, Supervisor_email="Director@test.example.org"),
    )
    mentorships = mentorships_csv(
        ["new2@test.example.org", "new1@test.example.org", "Formal", "2024-09-01", "", ""],
        ["new3@test.example.org", "new1@test.example.org", "Sponsorship", "Jan 15, 2025", "", ""],
        [
            "mentor@test.example.org",
            "new3@test.example.org",
            "Peer group",
            "2023-03-01",
            "Writing circle",
            "2024-06-30",
        ],
    )
    outcome = do_import(people=people, mentorships=mentorships)
    assert (outcome.people, outcome.mentorships, outcome.dry_run) == (4, 3, False)
    assert outcome.summary() == "Imported 4 people and 3 mentorships."
    with app.app_context():
        new = {p.email: p for p in db.session.scalars(select(Person).where(Person.email.like("new%")))}
        assert new["new1@test.example.org"].supervisor_id == new["new3@test.example.org"].id
        assert new["new1@test.example.org"].trained_here is True
        assert new["new1@test.example.org"].appointed_on == date(2019, 7, 1)
        assert new["new1@test.example.org"].rank == "assistant"
        assert new["new2@test.example.org"].division.code == "NEPH"
        assert new["new2@test.example.org"].rank == "full"
        assert new["new2@test.example.org"].position == "clinician_quality_innovation"
        assert new["new3@test.example.org"].appointed_on is None
        assert new["new3@test.example.org"].supervisor_id == new["new2@test.example.org"].id  # from further up
        assert new["new4@test.example.org"].supervisor.email == "director@test.example.org"  # on the roster
        group = db.session.scalar(select(Mentorship).where(Mentorship.kind == "peer_group"))
        assert (group.group_name, group.started_on, group.ended_on) == (
            "Writing circle",
            date(2023, 3, 1),
            date(2024, 6, 30),
        )


def test_formal_mentor_who_supervises_the_mentee_is_refused(do_import, app):
    """The supervisor comes from the same import; the refusal names the rule."""
    people = people_csv(person_row(1, Supervisor_email="new2@test.example.org"), person_row(2))
    mentorships = mentorships_csv(["new2@test.example.org", "new1@test.example.org", "Formal", "2025-01-01", "", ""])
    refused = do_import(people=people, mentorships=mentorships)
    assert only_problem(refused) == (
        "mentorships",
        2,
        "Mentor email",
        "the mentor is the mentee's supervisor on record; a formal mentor cannot be someone the mentee reports to",
    )
    assert counts(app) == (10, 2)
    informal = mentorships_csv(["new2@test.example.org", "new1@test.example.org", "Informal", "2025-01-01", "", ""])
    assert do_import(people=people, mentorships=informal).mentorships == 1


def test_director_imports_only_their_division(do_import, app):
    people = people_csv(person_row(1), person_row(2, Division="NEPH"), person_row(3, Division=""))
    mentorships = mentorships_csv(
        ["mentor@test.example.org", "new1@test.example.org", "Informal", "2025-01-01", "", ""],
        ["mentor@test.example.org", "other.mentee@test.example.org", "Informal", "2025-01-01", "", ""],
    )
    refused = do_import(people=people, mentorships=mentorships, role="director")
    assert [(p.file, p.row, p.column) for p in refused.problems] == [
        ("people", 3, "Division"),
        ("people", 4, "Division"),
        ("mentorships", 3, "Mentee email"),
    ]
    assert refused.problems[0].rule == importer.NOT_YOUR_DIVISION
    assert refused.problems[2].rule == importer.NOT_YOUR_MENTEE
    assert counts(app) == (10, 2)
    # The director's own division, with a mentor from another division: stored.
    own = mentorships_csv(["other.mentor@test.example.org", "new1@test.example.org", "Informal", "2025-01-01", "", ""])
    outcome = do_import(people=people_csv(person_row(1)), mentorships=own, role="director")
    assert (outcome.people, outcome.mentorships) == (1, 1)


def test_dry_run_stores_nothing_and_says_what_would_be_created(do_import, app):
    people = people_csv(person_row(1), person_row(2))
    mentorships = mentorships_csv(["new2@test.example.org", "new1@test.example.org", "Formal", "2025-01-01", "", ""])
    outcome = do_import(people=people, mentorships=mentorships, dry_run=True)
    assert (outcome.people, outcome.mentorships, outcome.dry_run) == (2, 1, True)
    assert outcome.summary() == "Would import 2 people and 1 mentorship. Dry run: nothing was stored."
    assert counts(app) == (10, 2)
    refused = do_import(people=people_csv(person_row(1, Rank="?")), dry_run=True)
    assert only_problem(refused)[:3] == ("people", 2, "Rank")


def test_excel_bom_semicolons_and_heading_aliases(do_import, app):
    header = [
        "Full name",
        "E-mail",
        "Division code",
        "Academic Rank",
        "POSITION",
        "Appointed",
        "Trained here",
        "Supervisor",
    ]
    rows = [["Zoë Ångström", "zoe@test.example.org", "CARD", "Lecturer", "Clinician Teacher", "Jul 1, 2019", "1", ""]]
    outcome = do_import(people=csv_bytes(header, rows, delimiter=";", bom=True))
    assert outcome.people == 1
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == "zoe@test.example.org"))
        assert person.name == "Zoë Ångström"
        assert person.appointed_on == date(2019, 7, 1)


def test_header_problems_are_reported_before_any_row(do_import, app):
    header = ["Name", "Email", "Email address", "Rank", "Position", "Notes"]
    refused = do_import(people=csv_bytes(header, [["A", "not-an-email", "", "?", "?", ""]]))
    assert problems_of(refused) == [
        ("people", 1, "Email", "appears twice (columns B and C)"),
        ("people", 1, "Division", "required column is missing"),
        ("people", 1, "Notes", refused.problems[2].rule),
    ]
    assert refused.problems[2].rule.startswith("is not a column of the people file (column F); the columns are Name,")
    assert refused.errors["people.row1"][0].startswith("'Notes' is not a column")
    assert refused.errors["people.row1.Division"] == ["required column is missing"]
    assert refused.unchecked == ["people"]


def test_a_broken_people_header_leaves_mentorship_rows_unchecked(do_import):
    """Mentorship rows may name people from the people file, so they wait for it."""
    refused = do_import(
        people=b"Name,Email\r\nA,a@test.example.org\r\n",
        mentorships=mentorships_csv(["nobody@test.example.org", "x", "Bogus", "", "", ""]),
    )
    assert {p.file for p in refused.problems} == {"people"}
    assert refused.unchecked == ["people", "mentorships"]
    assert "The rows of the people file and the mentorships file could not be checked" in refused.message


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b"", "is empty: the first row must name the columns"),
        (b"\r\n\r\n", "is empty: the first row must name the columns"),
        (",".join(PEOPLE_HEADER).encode() + b"\r\n", "has a header row but no rows below it"),
        (b"PK\x03\x04...", "is an Excel workbook, not CSV"),
        ("Name,Email\r\nJosé,j@x.org\r\n".encode("cp1252"), "is not UTF-8 text"),
    ],
)
def test_files_that_cannot_be_read(do_import, raw, rule):
    file, row, column, found = only_problem(do_import(people=raw))
    assert (file, row, column) == ("people", None, None)
    assert found.startswith(rule)


def test_row_and_size_caps(app, dept):
    with app.app_context():
        rows = [person_row(n) for n in range(1, 5)]
        (sheet,) = importer.read(people_csv(*rows), None, importer.Limits(max_rows=3))
        assert [p.rule for p in sheet.problems] == ["has 4 rows; the limit is 3 per file: split the file"]
        (sheet,) = importer.read(people_csv(*rows), None, importer.Limits(max_bytes=100))
        assert [p.rule for p in sheet.problems] == ["is larger than 100 bytes, the limit: split the file"]
        assert importer.Limits.from_config(app.config) == importer.Limits(5000, 5 * 1024 * 1024)


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(do_import):
    text = (
        people_csv(person_row(1)).decode()
        + ",,,,,,,\r\n\r\n"
        + people_csv(person_row(2, Rank="?")).decode().split("\r\n", 1)[1]
    )
    refused = do_import(people=text.encode() + b",,,,,,,\r\n")
    assert only_problem(refused)[:3] == ("people", 5, "Rank")


def test_a_value_under_no_heading_is_refused(do_import):
    header = PEOPLE_HEADER + [""]
    refused = do_import(
        people=csv_bytes(header, [person_row(1) + [""], person_row(2) + ["stray"], person_row(3) + ["", "x"]])
    )
    assert [(p.row, p.rule) for p in refused.problems] == [
        (3, "has a value in column I, which has no heading"),
        (4, "has a value in column J, which has no heading"),
    ]


def test_the_command_line_imports_as_an_administrator_with_no_person(do_import, app):
    mentorships = mentorships_csv(
        ["other.mentor@test.example.org", "mentee@test.example.org", "Informal", "2025-01-01", "", ""]
    )
    outcome = do_import(people=people_csv(person_row(1, Division="")), mentorships=mentorships, role=None)
    assert (outcome.people, outcome.mentorships) == (1, 1)
    with app.app_context():
        started = db.session.scalar(select(Mentorship).where(Mentorship.kind == "informal"))
        assert started.created_by_id is None


@pytest.mark.parametrize("role", ["mentor", "mentee", "outsider", "award_committee"])
def test_only_admins_and_directors_may_import(do_import, role):
    with pytest.raises(importer.Forbidden):
        do_import(people=people_csv(person_row(1)), role=role)


def test_no_files_at_all_is_refused(app, dept):
    with app.app_context(), pytest.raises(importer.DomainError, match="Send a people file"):
        importer.read(None, None)


def test_mentorships_header_matches_the_documented_columns():
    assert [column.name for column in importer.sheets.FILES["mentorships"]] == MENTORSHIP_HEADER


def test_a_supervisor_link_that_fails_is_named_by_its_row(do_import, app, monkeypatch):
    """Links are tried together first; when one fails they are retried one by one."""
    real = importer.people.update_person

    def update_person(person, data, actor):
        if person.email == "new2@test.example.org":
            raise importer.DomainError.field("supervisor_id", "refused for this test")
        return real(person, data, actor)

    monkeypatch.setattr(importer.people, "update_person", update_person)
    people = people_csv(
        person_row(1, Supervisor_email="new3@test.example.org"),
        person_row(2, Supervisor_email="new3@test.example.org"),
        person_row(3),
    )
    refused = do_import(people=people)
    assert only_problem(refused) == ("people", 3, "Supervisor email", "refused for this test")
    assert counts(app) == (10, 2)
