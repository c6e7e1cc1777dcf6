"""``recognition dossiers export`` and ``issue``: the operator's door, on the record as the
command line."""

from __future__ import annotations

from sqlalchemy import select

from recognition.dossiers.models import Dossier, DossierAccess
from recognition.extensions import db


def test_export_writes_the_file_and_is_recorded_as_the_command_line(world, tmp_path):
    runner = world.app.test_cli_runner()
    target = tmp_path / "dossier.csv"
    result = runner.invoke(
        args=[
            "dossiers",
            "export",
            "--person",
            world.emails["mentor"],
            "--start",
            "2024-01-01",
            "--end",
            "2025-12-31",
            "--format",
            "csv",
            "--output",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "a mentee (assistant professor, Nephrology)" in target.read_text(encoding="utf-8")
    with world.app.app_context():
        last = db.session.scalars(select(DossierAccess).order_by(DossierAccess.id.desc())).first()
        assert (last.viewer_id, last.capacity, last.format) == (None, "admin", "csv")


def test_bad_input_is_refused_naming_the_option(world, tmp_path):
    runner = world.app.test_cli_runner()
    out = str(tmp_path / "x.pdf")
    bad_date = runner.invoke(
        args=["dossiers", "export", "--person", world.emails["mentor"], "--start", "1/2/2024", "--output", out]
    )
    assert bad_date.exit_code == 2 and "--start" in bad_date.output
    nobody = runner.invoke(args=["dossiers", "issue", "--person", "nobody@example.org"])
    assert nobody.exit_code == 2 and "--person" in nobody.output
    backwards = runner.invoke(
        args=["dossiers", "issue", "--person", world.emails["mentor"], "--start", "2025-01-01", "--end", "2024-01-01"]
    )
    assert backwards.exit_code == 1 and "end must be on or after the start" in backwards.output


def test_issue_prints_the_code_and_refuses_an_unchanged_reissue(world):
    runner = world.app.test_cli_runner()
    args = ["dossiers", "issue", "--person", world.emails["mentor"], "--start", "2024-02-01", "--end", "2025-12-31"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0 and "Issued DOS-" in first.output and "/verify/" in first.output
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "Nothing has changed" in again.output
    with world.app.app_context():
        assert db.session.scalars(select(Dossier).order_by(Dossier.id.desc())).first().issued_by_id is None
