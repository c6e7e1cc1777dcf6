"""``recognition people disable EMAIL --reason ...`` and ``enable``: the operator's way to
change an account, recorded in its history as done by the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ...clock import utcnow
from ...errors import DomainError
from ...extensions import db
from ...people.service import find_by_email
from ..service import COMMAND_LINE
from . import service

REASON = click.option("--reason", required=True, help="Why; kept in the account's history.")


def _person_id(email: str) -> int:
    person = find_by_email(email)
    if person is None:
        raise click.ClickException(f"No person with email {email}.")
    return person.id


def _run(verb, email: str, reason: str):
    try:
        done = verb(_person_id(email), reason, COMMAND_LINE, utcnow())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    return done


@click.command("disable")
@click.argument("email")
@REASON
@with_appcontext
def disable_command(email, reason):
    """Disable a person's account: sign them out everywhere and revoke their API tokens."""
    done = _run(service.disable, email, reason)
    click.echo(
        f"Disabled the account of {email}: {done.sessions_ended} browser session(s) ended, "
        f"{done.tokens_revoked} API token(s) revoked."
    )


@click.command("enable")
@click.argument("email")
@REASON
@with_appcontext
def enable_command(email, reason):
    """Enable a disabled account; the person signs in again."""
    _run(service.enable, email, reason)
    click.echo(f"Enabled the account of {email}; they sign in again with their password.")
