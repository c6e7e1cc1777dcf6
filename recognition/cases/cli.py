"""``recognition cases``: list cases and check proposed referees from the command line,
as an administrator (the same operations as the API and the pages)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..auth.service import COMMAND_LINE
from ..errors import DomainError
from ..extensions import db
from ..people.service import find_by_email
from . import referees
from .models import Case
from .visibility import visible_cases


@click.group("cases")
def cases_group():
    """CFAR and promotion cases, and the referee check."""


@cases_group.command("list")
@click.option("--state", type=click.Choice(["open", "closed", "all"]), default="open", show_default=True)
@with_appcontext
def list_command(state: str):
    """One line per case: id, state, kind, candidate, period and due date; open ones first."""
    statement = visible_cases(COMMAND_LINE)
    if state != "all":
        statement = statement.where(Case.closed_at.is_(None) if state == "open" else Case.closed_at.is_not(None))
    found = db.session.scalars(statement).unique().all()
    for case in found:
        target = f" to {case.target_rank}" if case.target_rank else ""
        click.echo(
            f"{case.id}\t{'open' if case.is_open else 'closed'}\t{case.kind}{target}\t{case.candidate.name} "
            f"<{case.candidate.email}>\t{case.period_start.isoformat()}..{case.period_end.isoformat()}\t"
            f"due {case.due_on.isoformat()}"
        )
    click.echo(f"{len(found)} case{'' if len(found) == 1 else 's'}.", err=True)


@cases_group.command("check-referees")
@click.argument("candidate_email")
@click.argument("referee_emails", nargs=-1, required=True)
@with_appcontext
def check_referees_command(candidate_email: str, referee_emails: tuple[str, ...]):
    """Whether each proposed referee is tied to the candidate, and why. Exits 1 if any is."""
    candidate = find_by_email(candidate_email)
    if candidate is None:
        raise click.ClickException(f"No one on the roster has the email {candidate_email}.")
    try:
        found = referees.check(candidate, referees.resolve([], list(referee_emails)))
    except DomainError as error:
        raise click.ClickException(
            error.message + " " + "; ".join(f"{field}: {', '.join(rules)}" for field, rules in error.errors.items())
        ) from None
    for result in found:
        verdict = "tied: " + "; ".join(result["reasons"]) if result["tied"] else "no tie"
        click.echo(f"{result['person'].email}\t{verdict}")
    if any(result["tied"] for result in found):
        raise SystemExit(1)
