"""Disable and enable accounts. Every change is an ``AccountEvent`` naming who, why and when.

Disabling ends the person's browser sessions, revokes their API tokens and gives their
calendar feed a new URL, all in the same transaction: nothing they held before works again,
and enabling the account later brings none of it back (they sign in afresh).

Only administrators disable or enable accounts. A division director may not: an account
is the person's way into every part of the app (committees, dossiers, their own record),
not only their division's, so the decision sits with the people who run the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ...awards.calendar import service as calendar
from ...errors import Conflict, DomainError, NotFound
from ...extensions import db
from ...people.models import Person
from .. import sessions, tokens
from ..models import Account, RoleGrant
from ..service import Actor, require_admin
from .models import MAX_REASON, AccountEvent


@dataclass(frozen=True)
class Change:
    """What a disable or enable did: the event, and what it ended."""

    event: AccountEvent
    sessions_ended: int = 0
    tokens_revoked: int = 0


def account_of(person_id: int, actor: Actor) -> tuple[Person, Account | None]:
    """The person and their account (None if they have none yet), for an administrator."""
    require_admin(actor)
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person.", {"person_id": ["no such person"]})
    return person, db.session.get(Account, person_id)


def history(person_id: int) -> list[AccountEvent]:
    """Every change to the person's account, newest first."""
    return list(
        db.session.scalars(
            select(AccountEvent)
            .where(AccountEvent.person_id == person_id)
            .order_by(AccountEvent.at.desc(), AccountEvent.id.desc())
        )
    )


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.field("reason", "is required: say why", "Say why the account is changed.")
    if len(reason) > MAX_REASON:
        raise DomainError.field("reason", f"must be at most {MAX_REASON} characters")
    return reason


def _account(person: Person, account: Account | None) -> Account:
    if account is None:
        raise Conflict(
            f"{person.name} has no account yet, so there is nothing to disable or enable.",
            {"account": ["this person has no account"]},
        )
    return account


def _record(person: Person, action: str, reason: str, actor: Actor, now: datetime) -> AccountEvent:
    event = AccountEvent(person_id=person.id, action=action, reason=reason, actor_id=actor.person_id, at=now)
    db.session.add(event)
    db.session.flush()
    return event


def enabled_admins() -> int:
    """How many administrators can sign in. The admins' account rows stay locked until the
    transaction ends (PostgreSQL; SQLite has one writer anyway), so two administrators
    disabling each other at the same moment cannot both pass the last-admin check."""
    return len(
        db.session.scalars(
            select(Account.person_id)
            .join(RoleGrant, RoleGrant.person_id == Account.person_id)
            .where(RoleGrant.role == "admin", Account.disabled.is_(False))
            .order_by(Account.person_id)
            .with_for_update(of=Account)
        ).all()
    )


def disable(person_id: int, reason: str | None, actor: Actor, now: datetime) -> Change:
    """Disable the person's account: refused for oneself and for the last enabled admin."""
    person, account = account_of(person_id, actor)
    reason = _reason(reason)
    account = _account(person, account)
    if person.id == actor.person_id:
        raise Conflict(
            "You cannot disable your own account; ask another administrator.",
            {"person_id": ["you cannot disable yourself"]},
        )
    if account.disabled:
        raise Conflict(f"{person.name}'s account is already disabled.", {"account": ["already disabled"]})
    is_admin = db.session.get(RoleGrant, (person.id, "admin")) is not None
    if is_admin and enabled_admins() <= 1:
        raise Conflict(
            f"{person.name} is the last administrator whose account is enabled; grant another person the "
            "admin role first.",
            {"person_id": ["the last enabled administrator cannot be disabled"]},
        )
    account.disabled = True
    event = _record(person, "disabled", reason, actor, now)
    ended = sessions.end_sessions(person.id, "account disabled", now)
    revoked = tokens.revoke_all(person.id, now)
    calendar.rotate(person.id, now)  # re-enabling must not revive a feed URL handed out before
    return Change(event, ended, revoked)


def enable(person_id: int, reason: str | None, actor: Actor, now: datetime) -> Change:
    """Enable a disabled account. The person signs in afresh: nothing ended comes back."""
    person, account = account_of(person_id, actor)
    reason = _reason(reason)
    account = _account(person, account)
    if not account.disabled:
        raise Conflict(f"{person.name}'s account is already enabled.", {"account": ["already enabled"]})
    account.disabled = False
    return Change(_record(person, "enabled", reason, actor, now))
