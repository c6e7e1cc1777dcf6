"""The ``people`` commands: give a person an account or a new password, grant a role."""

from __future__ import annotations

from typing import NoReturn

import click
from flask.cli import with_appcontext

from ..auth.service import grant_role, set_password
from ..auth.sessions import end_sessions
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from .service import find_by_email


@click.group("people")
def people_group():
    """Accounts and roles."""


@people_group.command("set-password")
@click.argument("email")
@click.password_option()
@with_appcontext
def set_password_command(email, password):
    """Give a person an account, or a new password."""
    person = find_by_email(email) or _fail(f"No person with email {email}.")
    now = utcnow()
    try:
        set_password(person, password, now)  # under the password rules (auth/passwords.py)
    except DomainError as error:
        db.session.rollback()
        _fail(f"Password: {'; '.join(error.errors.get('password', [error.message]))}.")
    ended = end_sessions(person.id, "password set by an administrator", now)
    db.session.commit()
    signed_out = f" {ended} browser session(s) signed in as them ended." if ended else ""
    click.echo(f"{person.name} can now sign in as {person.email}.{signed_out}")


@people_group.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(["admin", "award_committee", "promotion_committee"]))
@with_appcontext
def grant_command(email, role):
    """Grant a role to a person."""
    person = find_by_email(email) or _fail(f"No person with email {email}.")
    grant_role(person, role)
    db.session.commit()
    click.echo(f"{person.name} is now {role}.")


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)
