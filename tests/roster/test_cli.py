"""``recognition roster import``: the summary or the error table, and the exit code."""

from __future__ import annotations

from .conftest import counts, mentorships_csv, people_csv, person_row


def write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_import_prints_the_summary(runner, app, dept, tmp_path):
    people = write(tmp_path, "people.csv", people_csv(person_row(1), person_row(2)))
    mentorships = write(
        tmp_path,
        "mentorships.csv",
        mentorships_csv(["new2@test.example.org", "new1@test.example.org", "Formal", "2025-01-01", "", ""]),
    )
    result = runner.invoke(args=["roster", "import", "--people", people, "--mentorships", mentorships])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 2 people and 1 mentorship."
    assert "Checking rows" in result.stderr  # the progress bar
    assert counts(app) == (12, 3)


def test_problems_print_a_table_and_exit_1(runner, app, dept, tmp_path):
    people = write(
        tmp_path, "people.csv", people_csv(person_row(1), person_row(2, Email="new1@test.example.org", Rank="?"))
    )
    result = runner.invoke(args=["roster", "import", "--people", people])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["File", "Row", "Column", "Problem"]
    assert lines[1].startswith("people    3  Email   must be unique (already used by row 2)")
    assert lines[2].startswith("people    3  Rank    must be one of Lecturer")
    assert "Nothing was imported: 2 problems" in result.stderr
    assert counts(app) == (10, 2)


def test_dry_run_stores_nothing(runner, app, dept, tmp_path):
    people = write(tmp_path, "people.csv", people_csv(person_row(1)))
    result = runner.invoke(args=["roster", "import", "--people", people, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Would import 1 person and 0 mentorships. Dry run: nothing was stored."
    assert counts(app) == (10, 2)


def test_a_file_is_required(runner, dept, tmp_path):
    result = runner.invoke(args=["roster", "import"])
    assert result.exit_code == 2
    assert "Give --people FILE, --mentorships FILE, --milestones FILE, or several of them." in result.output
    result = runner.invoke(args=["roster", "import", "--people", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_file_over_the_cap_is_refused_without_reading_it_all(runner, app, dept, tmp_path):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    people = write(tmp_path, "people.csv", people_csv(*[person_row(n) for n in range(1, 40)]))
    result = runner.invoke(args=["roster", "import", "--people", people])
    assert result.exit_code == 1
    assert "is larger than 1,000 bytes, the limit: split the file" in result.stdout
