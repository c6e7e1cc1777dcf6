"""The ``people`` commands: give a person an account or a new password, grant a role."""

from __future__ import annotations

from typing import NoReturn

import click
from flask.cli import with_appcontext

from ..auth.service import grant_role, set_password
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
    try:
        set_password(person, password, utcnow())  # under the password rules (auth/passwords.py)
    except DomainError as error:
        db.session.rollback()
        _fail(f"Password: {'; '.join(error.errors.get('password', [error.message]))}.")
    db.session.commit()
    click.echo(f"{person.name} can now sign in as {person.email}.")


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
