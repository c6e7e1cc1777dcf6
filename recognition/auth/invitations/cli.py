"""``recognition people invite``: invite one person, or everyone imported without an account."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ... import links
from ...clock import utcnow
from ...errors import DomainError
from ...extensions import db
from ...people.service import find_by_email
from ..service import COMMAND_LINE
from . import service


@click.command("invite")
@click.option("--all", "everyone", is_flag=True, help="Everyone without an account and without a pending invitation.")
@click.option("--email", help="The one person to invite.")
@with_appcontext
def invite_command(everyone: bool, email: str | None):
    """Email people a link to choose a password and make their account."""
    if everyone == bool(email):
        raise click.UsageError("Give either --email EMAIL (one person) or --all (everyone without an account).")
    warning = links.unconfigured_warning(current_app)
    if warning:
        click.echo(warning, err=True)
    now = utcnow()
    if email:
        person = find_by_email(email)
        if person is None:
            raise click.ClickException(f"No person with email {email}.")
        try:
            service.invite(person, COMMAND_LINE, now)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(
            f"Invited {person.name} <{person.email}>; the link works until {service.when(now + service.lifetime('invitation'))}."
        )
    else:
        people = service.uninvited(now)
        with click.progressbar(people, label="Inviting", file=sys.stderr) as bar:
            for person in bar:
                service.invite(person, COMMAND_LINE, now)
        db.session.commit()
        click.echo(f"Invited {len(people)} {'person' if len(people) == 1 else 'people'} without an account.")
    click.echo("The invitations are in the outbox; the scheduler sends them within 10 minutes.")
