"""The yearly program report: the same data and moment give the same bytes, the PDF says
what the dashboard says (withheld cells as withheld), a report is stored as issued (a
re-issue is version 2, version 1 unchanged), and the scheduler issues last year's once,
from 15 January, even after a run that died part-way.

The department is the measures' (tests/metrics/test_measures.py), built once per backend.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pypdf
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.errors import Conflict, DomainError, Forbidden
from recognition.extensions import db
from recognition.metrics import charts, report, report_pdf, service
from recognition.metrics.models import ProgramReport
from recognition.scheduler import runner
from recognition.scheduler.models import DutyRun
from tests.conftest import module_app, selected_backends

from .test_measures import build

NOW = datetime(2026, 3, 1, 15, 30)


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "reports") as app:
        with app.app_context():
            ids = build(app)
        yield app, ids


def count(app, year: int, issuer: str | None = None) -> int:
    with app.app_context():
        query = select(func.count()).select_from(ProgramReport).where(ProgramReport.year == year)
        if issuer:
            query = query.where(ProgramReport.issuer == issuer)
        return db.session.scalar(query)


def test_the_same_data_and_moment_give_the_same_bytes(world):
    app, _ = world
    with app.app_context():
        first = report.files(report.numbers(2025, NOW, 1, "the scheduler, after the year's end"))
        again = report.files(report.numbers(2025, NOW, 1, "the scheduler, after the year's end"))
        assert first == again
        issued = report.issue(2025, None, NOW)
        stored = {"json": issued.payload.encode(), "csv": issued.csv, "pdf": issued.pdf}
        rebuilt = report.files(report.numbers(2025, NOW, issued.version, "the scheduler, after the year's end"))
        assert stored == rebuilt
        assert issued.pdf.startswith(b"%PDF") and b"D:20260301153000+00'00'" in issued.pdf
        db.session.rollback()  # nothing stored: the other tests count reports


def test_the_pdf_csv_and_json_say_what_the_dashboard_says(world):
    app, _ = world
    with app.app_context():
        document = report.numbers(2025, NOW, 1, "an administrator at the command line")
        made = report.files(document)
        results = [service.compute(metric, 2025, NOW.date()) for metric in service.definitions().values()]
    pdf = pypdf.PdfReader(io.BytesIO(made["pdf"]))
    assert pdf.metadata.title == "Mentoring program report 2025 (version 1)"
    assert pdf.metadata.author and pdf.metadata.creation_date.year == 2026
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert "Relationship" in text and "Division and department" in text and "Academic medicine" in text
    withheld = shown = 0
    for result in results:
        assert result.metric.title in text
        for row in result.rows:
            for cell in row.cells.values():
                withheld += cell.state == "withheld"
                shown += cell.state == "shown"
        first = result.series[0]
        department = result.department.cells[first.key]
        # The trend line prints the department's first series as the dashboard does.
        unit = "%" if result.metric.unit == "percent" else ""
        expected = charts.shown(department) + (unit if department.state == "shown" else "")
        assert f"2025: {expected}" in text, (result.metric.id, expected)
    assert withheld and shown, "the department has both shown and withheld cells"
    # Confirmed entries (hand-counted in test_measures): 9 of 14 = 64.3% from five people in the
    # department; Cardiology's four and Nephrology's one are withheld.
    assert "Confirmed Department 64.3% (5) Cardiology withheld Nephrology withheld" in text
    rows = list(csv.DictReader(io.StringIO(made["csv"].decode())))
    assert len(rows) == sum(len(row.cells) for result in results for row in result.rows)
    for line in rows:
        assert (line["suppressed"] == "true") == (line["state"] == "withheld")
        if line["state"] == "withheld":
            assert line["value"] == "" and line["people"] == ""
    confirmed = {r["group"]: r for r in rows if r["metric"] == "entries_confirmed"}
    assert [confirmed["department"][key] for key in ("value", "people", "suppressed")] == ["64.3", "5", "false"]
    assert [confirmed["CARD"][key] for key in ("state", "value", "people", "suppressed")] == [
        "withheld",
        "",
        "",
        "true",
    ]
    payload = json.loads(made["json"])
    assert payload["report"]["year"] == 2025 and payload["min_cell"] == 5
    for result, stored in zip(results, payload["results"], strict=True):
        assert stored["metric"]["id"] == result.metric.id
        for row, stored_row in zip(result.rows, stored["rows"], strict=True):
            for cell in stored_row["cells"]:
                found = row.cells[cell["series"]]
                assert cell["state"] == found.state
                assert cell["value"] == (None if found.value is None else float(found.value))
        assert [point["year"] for point in stored["trend"]] == [2021, 2022, 2023, 2024, 2025]


def test_a_report_is_stored_as_issued_and_a_reissue_is_a_new_version(world):
    app, ids = world
    with app.app_context():
        first = report.issue(2024, COMMAND_LINE, NOW)
        db.session.commit()
        first_id, first_pdf, first_sha = first.id, first.pdf, first.pdf_sha256
        second = report.issue(2024, load_actor(ids["admin"]), datetime(2026, 3, 2, 9))
        db.session.commit()
        assert (second.version, second.issuer, second.issued_by_id) == (2, "admin", ids["admin"])
        db.session.expire_all()
        kept = db.session.get(ProgramReport, first_id)
        assert (kept.version, kept.pdf, kept.pdf_sha256, kept.issuer) == (1, first_pdf, first_sha, "command_line")
        assert report.latest_versions(report.versions(2024)) == {second.id}
        for change in (
            update(ProgramReport).where(ProgramReport.id == first_id).values(pdf=b"%PDF forged"),
            delete(ProgramReport).where(ProgramReport.id == first_id),
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(change)
            db.session.rollback()
        assert db.session.get(ProgramReport, first_id).pdf == first_pdf


@pytest.mark.parametrize(
    ("year", "rule"),
    [
        (2026, "must be a closed year from 2021 (the first entry) to 2025"),
        (2031, "must be a closed year from 2021 (the first entry) to 2025"),
        (2019, "must be a closed year from 2021 (the first entry) to 2025"),
    ],
)
def test_a_year_not_closed_or_before_the_first_entry_is_refused_naming_year(world, year, rule):
    app, _ = world
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            report.issue(year, COMMAND_LINE, NOW)
        assert refused.value.status == 422 and refused.value.errors == {"year": [rule]}


def test_only_administrators_issue(world):
    app, ids = world
    with app.app_context(), pytest.raises(Forbidden):
        report.issue(2025, load_actor(ids["M1"]), NOW)


def test_the_scheduler_issues_last_years_report_once_from_15_january(world):
    app, _ = world
    assert runner.run(app, "year_end_program_report", date(2026, 1, 14)).endswith("nothing to do yet")
    assert count(app, 2025) == 0
    said = runner.run(app, "year_end_program_report", date(2026, 1, 15))
    assert said.startswith("issued the 2025 program report, version 1"), said
    assert runner.run(app, "year_end_program_report", date(2026, 1, 15)).startswith("the 2025 report was issued on")
    assert runner.run(app, "year_end_program_report", date(2026, 6, 1)).startswith("the 2025 report was issued on")
    assert count(app, 2025, "scheduler") == 1


class Killed(BaseException):
    """The process dying part-way: nothing catches it."""


def test_a_run_killed_part_way_is_finished_once_by_the_next_run(world, monkeypatch):
    app, _ = world
    real = report_pdf.render

    def dying(document):
        raise Killed()

    monkeypatch.setattr(report_pdf, "render", dying)
    with pytest.raises(Killed):
        runner.run(app, "year_end_program_report", date(2023, 1, 15))
    assert count(app, 2022) == 0
    monkeypatch.setattr(report_pdf, "render", real)
    with app.app_context():
        duty = (DutyRun.job_id == "year_end_program_report", DutyRun.period == "2023-01-15")
        assert db.session.scalars(select(DutyRun.outcome).where(*duty)).one() == "incomplete"
        # kill -9 runs no handler: the row stays as the run began it. The daily catch-up finishes it.
        db.session.execute(update(DutyRun).where(*duty).values(outcome="running"))
        db.session.commit()
    summary = runner.run(app, "unfinished_duties", date(2023, 1, 16))
    assert "issued the 2022 program report, version 1" in summary, summary
    assert runner.run(app, "unfinished_duties", date(2023, 1, 17)) == "no duty left unfinished"
    runner.run(app, "year_end_program_report", date(2023, 1, 15))
    assert count(app, 2022) == 1


def test_the_command_line_issues_with_a_clear_message(world):
    app, _ = world
    cli = app.test_cli_runner()
    result = cli.invoke(args=["metrics", "report", "--year", "2023"])
    assert result.exit_code == 0, result.output
    assert "Issued the 2023 program report, version 1" in result.output
    refused = cli.invoke(args=["metrics", "report", "--year", "1999"])
    assert refused.exit_code == 1
    assert "year: must be a closed year from 2021" in refused.output


def test_two_issues_racing_for_one_version_store_one_and_refuse_the_other(world, monkeypatch):
    app, _ = world
    with app.app_context():
        monkeypatch.setattr(report, "versions", lambda year: [])  # both saw no report of 2021 yet
        first = report.issue(2021, COMMAND_LINE, NOW)
        with pytest.raises(Conflict) as refused:
            report.issue(2021, COMMAND_LINE, NOW)
        assert refused.value.status == 409
        db.session.commit()
        assert db.session.get(ProgramReport, first.id).version == 1
    assert count(app, 2021) == 1
