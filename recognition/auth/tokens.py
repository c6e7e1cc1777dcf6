"""API tokens: issued for a password, kept only as a hash, refused once revoked or expired,
and rotated (the old one revoked, a new one with the same name and a fresh expiry).

A token lives ``API_TOKEN_DAYS`` (a request may ask for fewer days): a token copied into a
script and forgotten stops working on its own, and the owner replaces it by rotating it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Select, bindparam, select, true, update

from ..database import AheadOfLock, append_lock_column, holds_append_lock, took_append_lock
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..people.models import Person
from .models import Account, ApiToken
from .service import Actor, actor_from, actor_query

TOKEN_PREFIX = "rcg_"


class TokenExpired(DomainError):
    status = 401


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def lifetime(days: int | None) -> timedelta:
    """How long a new token lives: ``days`` if given (at most API_TOKEN_DAYS), else API_TOKEN_DAYS."""
    most = int(current_app.config["API_TOKEN_DAYS"])
    if days is None:
        return timedelta(days=most)
    if days < 1 or days > most:
        raise DomainError.field(
            "days", f"must be between 1 and {most}", f"A token lives at most {most} days; ask for {most} or fewer."
        )
    return timedelta(days=days)


def issue_token(person: Person, name: str, now: datetime, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``person``: the row, and the token itself (shown once, never stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        person_id=person.id,
        token_hash=digest(token),
        name=name or "API token",
        created_at=now,
        expires_at=now + lifetime(days),
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def person_for_token(token: str, now: datetime) -> int | None:
    """The owner of a token that is neither revoked nor expired, while their account is
    enabled; None for anything else. An expired token raises ``TokenExpired`` instead, so
    its holder learns why it stopped working."""
    row = db.session.execute(
        select(ApiToken.person_id, ApiToken.expires_at)
        .join(Account, Account.person_id == ApiToken.person_id)
        .where(*_usable(digest(token)))
    ).first()
    if row is None:
        return None
    _refuse_expired(row.expires_at, now)
    return row.person_id


def actor_for_token(token: str, now: datetime, append_lock: int | None = None) -> Actor | None:
    """``person_for_token``'s owner as an actor, read with the owner's roles in one
    statement: every API request asks it before anything else, so it goes to the
    session's connection as it is (through the session it would cost more than the
    database's own work). With ``append_lock`` (a view marked ``database.appends``), on
    PostgreSQL the same statement takes that lock once an unexpired token is found, if no
    other append holds it (it never waits there: ``database.append_lock_column``)."""
    return actor_for_append(token, now, append_lock)[0]


def actor_for_append(
    token: str,
    now: datetime,
    append_lock: int | None = None,
    reads: Callable[[bool], tuple[Select, dict] | None] | None = None,
) -> tuple[Actor | None, AheadOfLock | None]:
    """``actor_for_token``, and what its statement read besides for an append under
    ``append_lock`` (``reads``: given whether the database is PostgreSQL, a statement of
    one row or none and its parameters, or None; ``database.appends``) when that
    statement ran under the lock: on SQLite always (its transaction took the write lock
    as it began), on PostgreSQL when it took the lock (or held it already); else None."""
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    params: dict[str, Any] = {"token_hash": digest(token)}
    key = append_lock or 0
    # SQLite's transaction holds the write lock; on PostgreSQL it may have been taken already.
    locking = append_lock is not None and postgresql and not holds_append_lock(db.session, key)
    if locking:
        params["lock_key"], params["now"] = key, now
    read = reads(postgresql) if reads is not None and append_lock is not None else None
    if read is not None:
        params.update(read[1])
    rows = connection.execute(_actor_by_token(locking, read[0] if read is not None else None), params).all()
    ahead = None
    if rows:
        if locking and any(row.append_locked for row in rows):
            took_append_lock(db.session, key)
        if read is not None and (not postgresql or holds_append_lock(db.session, key)):
            values = {
                name.removeprefix(_AHEAD): value for name, value in rows[0]._mapping.items() if name.startswith(_AHEAD)
            }
            ahead = AheadOfLock(read[1], values)
        _refuse_expired(rows[0].expires_at, now)
    return actor_from(rows), ahead


_AHEAD = "ahead_"


@cache
def _actor_by_token(locking: bool = False, reads: Select | None = None) -> Select:
    statement = (
        actor_query()
        .add_columns(ApiToken.expires_at)
        .join(ApiToken, ApiToken.person_id == Person.id)
        .join(Account, Account.person_id == Person.id)
        .where(*_usable(bindparam("token_hash")))
    )
    if locking:
        statement = statement.add_columns(append_lock_column(when=ApiToken.expires_at > bindparam("now")))
    if reads is None:
        return statement
    # A WITH query that calls a volatile function (PostgreSQL's next id) is computed once,
    # whatever the join does with it; joined on true, none of its rows (no mentorship)
    # still leaves the token's rows.
    ahead = reads.cte("append_ahead")
    return statement.outerjoin(ahead, true()).add_columns(
        *(column.label(f"{_AHEAD}{column.key}") for column in ahead.c)
    )


def _usable(token_hash):
    return ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None), Account.disabled.is_(False)


def _refuse_expired(expires_at: datetime, now: datetime) -> None:
    if expires_at <= now:
        raise TokenExpired(
            f"The API token expired on {expires_at:%Y-%m-%d %H:%M} UTC. Sign in for a new one "
            "(POST /api/v1/auth/tokens), and rotate tokens before they expire.",
            {"Authorization": ["token expired"]},
        )


def tokens_of(actor: Actor) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.person_id == actor.person_id).order_by(ApiToken.id)))


def revoke_token(token_id: int, actor: Actor, now: datetime) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None or (row.person_id != actor.person_id and not actor.is_admin):
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at = now
        db.session.flush()
    return row


def rotate_token(token_id: int, actor: Actor, now: datetime) -> tuple[ApiToken, str]:
    """Replace one of the actor's own tokens: the old one is revoked now, and a new one with
    the same name lives a full API_TOKEN_DAYS. Only the owner rotates (an admin revokes
    other people's tokens, but a token made for someone else would be theirs to hold).
    A revoked token stays revoked; an expired one may be rotated with another valid token."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.person_id != actor.person_id:
        raise NotFound("No such token.", {"token_id": ["no such token of yours"]})
    if row.revoked_at is not None:
        raise Conflict(
            "That token was revoked; a revoked token cannot be rotated. Create a new one instead.",
            {"token_id": ["token revoked"]},
        )
    row.revoked_at = now
    person = db.session.get(Person, row.person_id)
    assert person is not None  # a token belongs to a person
    return issue_token(person, row.name, now)


def revoke_all(person_id: int, now: datetime) -> int:
    """Revoke every live token of ``person_id`` (disabling an account); how many. Flushes."""
    statement = (
        update(ApiToken)
        .where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    # An UPDATE answers with a CursorResult (its rowcount), which Session.execute's annotation does not say.
    return cast("CursorResult[Any]", db.session.execute(statement)).rowcount or 0
