"""Milestones from a spreadsheet through the roster import: every problem named by row
and column, nothing stored if any row is wrong, a dry run, directors only for their
division, and the same import from the page, the API and the command line."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from recognition.extensions import db
from recognition.milestones.models import Milestone
from recognition.roster import importer
from tests.api.error_shape import assert_error

from .conftest import NOW, actor, counts

HEADER = ["Person", "Kind", "Date", "Outcome", "Rank", "Title", "Agency", "Role", "Year", "Note"]


def milestones_csv(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(
    person: str = "mentor@test.example.org", kind: str = "Promotion", day: str = "2024-07-01", **cells
) -> list[str]:
    values = dict(zip(HEADER, [person, kind, day, "", "Professor", "", "", "", "", ""]))
    values.update(cells)
    return [values[name] for name in HEADER]


def run(app, dept, data: bytes, role: str = "admin", dry_run: bool = False, people: bytes | None = None):
    with app.app_context():
        try:
            outcome = importer.run(
                importer.read(people, None, milestones_file=data), actor(dept, role), NOW, dry_run=dry_run
            )
        except importer.ImportRefused as refused:
            db.session.rollback()
            return refused
        db.session.commit()
        return outcome


def test_every_kind_imports_and_stands(app, dept):
    mentor = dept.ids["mentor"]
    data = milestones_csv(
        row(kind="Appointment", day="1 Jul 2019", Rank="Assistant Professor"),
        row(person=str(mentor), kind="CFAR", day="Jul 1, 2022", Outcome="Passed", Rank=""),
        row(),
        row(
            kind="Grant",
            day="",
            Rank="",
            Title="Peer mentoring",
            Agency="CIHR",
            Role="Principal investigator",
            Year="2021",
        ),
        row(kind="External award", day="2020-11-12", Rank="", Title="Mentor of the Year", Agency="CAME"),
        row(kind="Leadership", day="2022-01-01", Rank="", Title="Program director", Agency="Residency", Note="Acting"),
    )
    outcome = run(app, dept, data)
    assert outcome.summary() == "Imported 6 milestones."
    with app.app_context():
        stored = db.session.scalars(select(Milestone).order_by(Milestone.id)).all()
        assert [(m.kind, m.occurred_on.isoformat(), m.source) for m in stored] == [
            ("appointment", "2019-07-01", "imported"),
            ("cfar", "2022-07-01", "imported"),
            ("promotion", "2024-07-01", "imported"),
            ("grant", "2021-07-01", "imported"),
            ("external_award", "2020-11-12", "imported"),
            ("leadership", "2022-01-01", "imported"),
        ]
        assert (stored[0].rank, stored[1].outcome, stored[3].year, stored[5].note) == (
            "assistant",
            "passed",
            2021,
            "Acting",
        )


def test_every_problem_is_named_by_row_and_column_and_nothing_is_stored(app, dept):
    before = counts(app)
    data = milestones_csv(
        row(),  # 2: fine
        row(person="nobody@test.example.org"),  # 3
        row(kind="Knighthood"),  # 4
        row(day="07/01/2024"),  # 5
        row(kind="CFAR", Rank="", Outcome="Failed"),  # 6
        row(kind="CFAR", Rank=""),  # 7: outcome missing (a service rule)
        row(day="2999-01-01"),  # 8
        row(),  # 9: repeats row 2
        row(kind="Grant", Rank="", Title="T", Agency="A", Role="PI", Year="20"),  # 10
        row(person=""),  # 11
    )
    refused = run(app, dept, data)
    assert isinstance(refused, importer.ImportRefused)
    found = [(p.row, p.column, p.rule) for p in refused.problems]
    assert found[0][:2] == (3, "Person") and "nobody@test.example.org" in found[0][2]
    assert (
        4,
        "Kind",
        "must be one of Appointment, CFAR, Promotion, Grant, External award, Leadership or Check-in",
    ) in found
    assert (
        5,
        "Date",
        "07/01/2024 is ambiguous (day/month or month/day?); must be a date written 2019-07-01, "
        "1 Jul 2019 or Jul 1, 2019",
    ) in found
    assert (6, "Outcome", "must be one of passed or extended") in found
    assert (7, "Outcome", "is required for a CFAR (passed or extended)") in found
    assert (7, "Rank", "must be blank for a CFAR") not in found  # the row's rank cell was emptied
    assert (8, "Date", "must not be in the future") in found
    ninth = next(p for p in found if p[0] == 9)
    assert ninth[1] == "Kind" and "duplicates milestone" in ninth[2]
    assert (10, "Year", "must be a year written with four digits, e.g. 2021") in found
    assert (11, "Person", "is required") in found
    assert 2 not in {p[0] for p in found}
    assert refused.errors["milestones.row8.Date"] == ["must not be in the future"]
    assert refused.message.startswith("Nothing was imported: ")
    assert counts(app) == before


def test_a_director_imports_only_for_their_division(app, dept):
    before = counts(app)
    refused = run(
        app,
        dept,
        milestones_csv(row(), row(person="other.mentor@test.example.org"), row(person="director@test.example.org")),
        role="director",
    )
    found = [(p.row, p.column) for p in refused.problems]
    assert found == [(3, "Person"), (4, "Person")]
    assert "division you direct" in refused.problems[0].rule
    assert counts(app) == before
    assert run(app, dept, milestones_csv(row()), role="director").summary() == "Imported 1 milestone."
    with pytest.raises(importer.Forbidden), app.app_context():
        importer.run(importer.read(None, None, milestones_file=milestones_csv(row())), actor(dept, "mentor"), NOW)


def test_a_dry_run_stores_nothing_and_rows_may_name_people_from_the_people_file(app, dept):
    people = (
        b"Name,Email,Division,Rank,Position\r\nNew Person,new@test.example.org,CARD,Assistant Professor,"
        b"Clinician Scientist\r\n"
    )
    before = counts(app)
    outcome = run(
        app,
        dept,
        milestones_csv(row(person="new@test.example.org", kind="Appointment", Rank="")),
        dry_run=True,
        people=people,
    )
    assert outcome.summary() == "Would import 1 person, 0 mentorships and 1 milestone. Dry run: nothing was stored."
    assert counts(app) == before


def test_the_page_the_api_and_the_command_line_import_the_same_file(
    app, client, dept, headers, login, runner, tmp_path
):
    login(client, "admin")
    example = client.get("/admin/import/example-milestones.csv")
    assert example.status_code == 200 and example.mimetype == "text/csv"
    assert example.get_data(as_text=True).splitlines()[0] == "\ufeff" + ",".join(HEADER)
    page = client.get("/admin/import").get_data(as_text=True)
    assert 'for="milestones"' in page and '<th scope="row">Outcome</th>' in page
    bad = milestones_csv(row(kind="Knighthood"))
    response = client.post(
        "/admin/import", data={"milestones": (io.BytesIO(bad), "milestones.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Milestones file: 1 problem" in response.get_data(as_text=True)
    response = client.post(
        "/admin/import",
        data={"milestones": (io.BytesIO(milestones_csv(row())), "m.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "Imported 1 milestone." in response.get_data(as_text=True)

    api = client.post(
        "/api/v1/milestones/imports",
        headers=headers("director"),
        data={"milestones": (io.BytesIO(bad), "m.csv")},
        content_type="multipart/form-data",
    )
    assert_error(api, 422, "milestones.row2.Kind")
    api = client.post(
        "/api/v1/milestones/imports",
        headers=headers("director"),
        data={"milestones": (io.BytesIO(milestones_csv(row(day="2023-07-01"))), "m.csv"), "dry_run": "true"},
        content_type="multipart/form-data",
    )
    assert (api.status_code, api.get_json()) == (200, {"created": 1, "dry_run": True})
    assert_error(
        client.post(
            "/api/v1/milestones/imports",
            headers=headers("mentor"),
            data={"milestones": (io.BytesIO(bad), "m.csv")},
            content_type="multipart/form-data",
        ),
        403,
    )
    roster = client.post(
        "/api/v1/roster/imports",
        headers=headers("admin"),
        data={"milestones": (io.BytesIO(milestones_csv(row(day="2023-07-01"))), "m.csv")},
        content_type="multipart/form-data",
    )
    assert roster.status_code == 201 and roster.get_json()["created"] == {
        "people": 0,
        "mentorships": 0,
        "milestones": 1,
    }

    path = tmp_path / "milestones.csv"
    path.write_bytes(milestones_csv(row(day="2022-07-01")))
    result = runner.invoke(args=["roster", "import", "--milestones", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 1 milestone." and "Checking rows" in result.stderr
    path.write_bytes(milestones_csv(row(day="2022-07-01")))
    result = runner.invoke(args=["roster", "import", "--milestones", str(path)])
    assert result.exit_code == 1 and "milestones" in result.stdout and "duplicates milestone" in result.stdout
    with app.app_context():
        assert db.session.scalar(select(Milestone).where(Milestone.recorded_by_id.is_(None))).source == "imported"


def test_the_example_files_import_cleanly_together(app, dept):
    from recognition.roster import examples

    with app.app_context():
        loaded = importer.read(
            examples.people("CARD").encode(),
            examples.mentorships().encode(),
            milestones_file=examples.milestones().encode(),
        )
        outcome = importer.run(loaded, actor(dept, "director"), NOW)
        db.session.commit()
    assert outcome.summary() == "Imported 3 people, 3 mentorships and 6 milestones."
