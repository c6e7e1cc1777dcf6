"""``recognition roster import``: the same import as the page and the API, as an administrator."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..auth.service import COMMAND_LINE
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from . import importer
from .sheets import Problem


@click.group("roster")
def roster_group():
    """Import people and mentorships from spreadsheets (CSV)."""


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@roster_group.command("import")
@click.option("--people", type=FILE, help="People CSV.")
@click.option("--mentorships", type=FILE, help="Mentorships CSV (may name people from --people).")
@click.option("--milestones", type=FILE, help="Milestones CSV (may name people from --people).")
@click.option("--dry-run", is_flag=True, help="Check everything and report what would be created; store nothing.")
@with_appcontext
def import_command(people: Path | None, mentorships: Path | None, milestones: Path | None, dry_run: bool):
    """Import a roster, all or nothing. Exits 1, storing nothing, if any row has a problem."""
    if people is None and mentorships is None and milestones is None:
        raise click.UsageError("Give --people FILE, --mentorships FILE, --milestones FILE, or several of them.")
    limits = importer.Limits.from_config(current_app.config)
    try:
        loaded = importer.read(
            _read(people, limits), _read(mentorships, limits), limits, milestones_file=_read(milestones, limits)
        )
        total = sum(len(sheet.rows) for sheet in loaded)
        with click.progressbar(length=total, label="Checking rows", file=sys.stderr) as bar:
            outcome = importer.run(loaded, COMMAND_LINE, utcnow(), dry_run=dry_run, progress=bar.update)
    except importer.ImportRefused as refused:
        db.session.rollback()
        click.echo(table(refused.problems))
        click.echo(refused.message, err=True)
        sys.exit(1)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(outcome.summary())


def _read(path: Path | None, limits: importer.Limits) -> bytes | None:
    """At most one byte over the cap: enough to know the file is too large."""
    if path is None:
        return None
    with path.open("rb") as handle:
        return handle.read(limits.max_bytes + 1)


def table(problems: list[Problem]) -> str:
    rows = [("File", "Row", "Column", "Problem")] + [
        (p.file, "" if p.row is None else str(p.row), p.column or "", p.rule) for p in problems
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3]]).rstrip()
        for row in rows
    )
