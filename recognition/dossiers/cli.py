"""``recognition dossiers``: export a person's draft dossier, or issue one, from the
command line. The command line acts as an administrator with no person: each export is
recorded in the person's access log as "the command line"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..auth.service import COMMAND_LINE
from ..clock import local_date, utcnow
from ..credits import canonical
from ..credits.service import certificate_settings
from ..errors import DomainError
from ..extensions import db
from ..people.service import find_by_email
from . import export, service

FORMATS = ("pdf", "csv", "json")


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("must be a date written as YYYY-MM-DD", param_hint=name) from None


def _person_id(email: str) -> int:
    person = find_by_email(email)
    if person is None:
        raise click.BadParameter(f"no one has the email {email}", param_hint="--person")
    return person.id


@click.group("dossiers")
def dossiers_group():
    """Export or issue a person's mentorship dossier."""


@dossiers_group.command("export")
@click.option("--person", "email", required=True, help="The person's email.")
@click.option("--start", help="First day, YYYY-MM-DD (default: last promotion, else appointment).")
@click.option("--end", help="Last day, YYYY-MM-DD, not in the future (default: today).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="pdf", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@with_appcontext
def export_command(email: str, start: str | None, end: str | None, fmt: str, output: Path):
    """Write a person's draft dossier for a period as PDF, CSV or JSON."""
    now = utcnow()
    try:
        access = service.resolve(
            COMMAND_LINE, _person_id(email), _day(start, "--start"), _day(end, "--end"), local_date(now)
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    document = service.draft(access)
    if fmt == "pdf":
        from .pdf import render  # noqa: PLC0415 - reportlab loads only when a PDF is made

        output.write_bytes(render(document, certificate_settings()))
    else:
        text = export.to_csv(document) if fmt == "csv" else export.to_json(document)
        output.write_text(text, encoding="utf-8")
    service.record(access, COMMAND_LINE, "download", fmt, now)
    db.session.commit()
    click.echo(f"Wrote the dossier of {access.person.name}, {access.start} to {access.end}, to {output}.")


@dossiers_group.command("issue")
@click.option("--person", "email", required=True, help="The person's email.")
@click.option("--start", help="First day, YYYY-MM-DD (default: last promotion, else appointment).")
@click.option("--end", help="Last day, YYYY-MM-DD, not in the future (default: today).")
@with_appcontext
def issue_command(email: str, start: str | None, end: str | None):
    """Issue a signed, verifiable dossier (a new version when one exists and anything changed)."""
    try:
        dossier = service.issue(_person_id(email), _day(start, "--start"), _day(end, "--end"), COMMAND_LINE, utcnow())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(
        f"Issued {dossier.number}: verification code {canonical.format_code(dossier.code)}, "
        f"{canonical.verify_url(dossier.code)}"
    )
