"""``recognition feedback``: ask mentees for feedback, remind them, list the instruments.
The same operations as the API; the scheduler calls them too. One commit per command."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..clock import today, utcnow
from ..errors import DomainError
from ..extensions import db
from . import service
from .models import Request

# Requests are emailed in batches: one SMTP connection per batch, and a progress bar
# that moves on a large department.
BATCH = 50

PERIOD = click.option(
    "--period", help="The feedback period, e.g. 2025 (or 2025-26 for academic years). Default: the current one."
)


@click.group("feedback")
def feedback_group():
    """Ask mentees for feedback on their mentors, and remind them."""


@feedback_group.command("request")
@PERIOD
@with_appcontext
def request_command(period: str | None):
    """Create the period's feedback requests and email every one not sent yet."""
    period = period or service.current_period(today())
    now = utcnow()
    try:
        created = service.request_feedback(period, now)
        unsent = db.session.scalars(
            select(Request).where(Request.period == period, Request.sent_at.is_(None)).order_by(Request.id)
        ).all()
        where = "nothing to send"
        with click.progressbar(length=len(unsent), label="Sending requests", file=sys.stderr) as bar:
            for start in range(0, len(unsent), BATCH):
                batch = unsent[start : start + BATCH]
                where = service.send_requests(batch, now)
                bar.update(len(batch))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(_message(error)) from None
    db.session.commit()
    click.echo(f"{period}: created {_count(len(created), 'request')}, sent {len(unsent)} ({where}).")


@feedback_group.command("remind")
@PERIOD
@with_appcontext
def remind_command(period: str | None):
    """Remind mentees who have not answered, at most once per reminder interval."""
    period = period or service.current_period(today())
    try:
        reminded = service.remind(period, utcnow())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(_message(error)) from None
    db.session.commit()
    where = (
        "SMTP " + current_app.config["MAIL_SERVER"]
        if current_app.config.get("MAIL_SERVER")
        else (f"{current_app.instance_path}/outbox")
    )
    click.echo(f"{period}: reminded {_count(len(reminded), 'mentee')}" + (f" ({where})." if reminded else "."))


@feedback_group.command("instruments")
@with_appcontext
def instruments_command():
    """List the available instruments; * marks the one new requests use."""
    found = service.available_instruments()
    chosen = current_app.config["FEEDBACK_INSTRUMENT"]
    newest = max((version for key, version in found if key == chosen), default=None)
    rows = [("", "Key", "Version", "Items", "Title")] + [
        ("*" if (key, version) == (chosen, newest) else "", key, str(version), str(len(inst.items)), inst.title)
        for (key, version), inst in sorted(found.items())
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo(
            "  ".join(
                [
                    row[0].ljust(widths[0]),
                    row[1].ljust(widths[1]),
                    row[2].rjust(widths[2]),
                    row[3].rjust(widths[3]),
                    row[4],
                ]
            ).rstrip()
        )


def _message(error: DomainError) -> str:
    fields = "; ".join(f"{field} {', '.join(rules)}" for field, rules in error.errors.items())
    return fields or error.message


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
