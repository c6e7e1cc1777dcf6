"""The ``ledger`` commands: verify the hash chain against every recorded head, sign a
checkpoint, print the head to record outside the database."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from . import anchors, checkpoints, service
from .models import LedgerEntry

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@click.group("ledger")
def ledger_group():
    """The contribution ledger."""


@ledger_group.command("verify")
@click.option(
    "--head",
    "heads",
    multiple=True,
    metavar="SEQ:HASH",
    help="A chain head recorded earlier (as `ledger head` prints it); repeatable.",
)
@click.option(
    "--checkpoints",
    "copy",
    type=click.File("r", encoding="utf-8"),
    metavar="FILE",
    help="A copy of /ledger/checkpoints.json downloaded earlier.",
)
@click.option(
    "--thorough",
    is_flag=True,
    help="Check every entry's stored values as it is read (SQLite; slower), instead of the index "
    "of entries SQLite would write otherwise than Python, which a writer to the database could get around.",
)
@with_appcontext
def ledger_verify_command(heads, copy, thorough):
    """Check the whole hash chain against every recorded head (checkpoints, issued
    statements, and the heads given); exit 1 naming the anchor and the first bad entry."""
    try:
        given = [anchors.parse_head(text) for text in heads]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--head") from None
    try:
        copies = anchors.parse_copy(copy.read()) if copy is not None else []
    except ValueError as error:
        raise click.BadParameter(f"{copy.name}: {error}", param_hint="--checkpoints") from None
    total = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    bar: ProgressBar[int]
    with click.progressbar(length=total, label="Verifying the ledger", file=sys.stderr) as bar:
        verdict = service.verify(given, copies, bar.update, thorough)
    for note in verdict.notes:
        click.echo(f"Note: {note}", err=True)
    if verdict.valid:
        click.echo(anchors.describe(verdict))
        if verdict.anchors_checked:
            click.echo(
                f"It agrees with all {verdict.anchors_checked} recorded heads (checkpoints, issued statements "
                "and heads given)."
            )
        return
    if verdict.anchor:
        click.echo(f"Failed against {verdict.anchor}.", err=True)
    click.echo(anchors.describe(verdict), err=True)
    sys.exit(1)


@ledger_group.command("checkpoint")
@with_appcontext
def ledger_checkpoint_command():
    """Sign the chain head as a checkpoint (published at /ledger/checkpoints.json)."""
    try:
        checkpoint, made = checkpoints.make(utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    state = "Made" if made else "Nothing new since"
    click.echo(f"{state} checkpoint {checkpoint.id}: position {checkpoint.seq}, head {checkpoint.head_hash}")


@ledger_group.command("head")
@with_appcontext
def ledger_head_command():
    """Print the chain head, to record outside the database."""
    head = service.head()
    click.echo(f"{head['seq']} {head['hash']}")
