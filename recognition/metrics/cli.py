"""The ``metrics`` commands: issue the yearly program report by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..auth.service import COMMAND_LINE
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from . import report


@click.group("metrics")
def metrics_group():
    """The program's metrics: the yearly report for the faculty council."""


@metrics_group.command("report")
@click.option("--year", type=int, required=True, help="A closed year, e.g. last year.")
@with_appcontext
def report_command(year: int):
    """Issue YEAR's program report (PDF, CSV and JSON), stored as issued. Issuing a year
    again makes its next version; the earlier ones stay downloadable."""
    try:
        issued = report.issue(year, COMMAND_LINE, utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(
        f"Issued the {year} program report, version {issued.version} (id {issued.id}; PDF sha256 "
        f"{issued.pdf_sha256}). Download it from /metrics/reports or /api/v1/metrics/reports/{issued.id}?format=pdf."
    )
