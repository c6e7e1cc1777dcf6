"""Browser sessions that really end.

Flask's session cookie is signed but kept by the browser, so on its own a cookie copied
before sign-out would keep working until it expires. Every sign-in therefore records a
``LoginSession`` row and puts ``<person id>:<secret>`` in the cookie (Flask-Login's user
id); the user loader accepts the cookie only while that row is open and the account is
enabled. Ending the row ends every copy of the cookie.

``sign_in`` and ``sign_out`` are the only ways pages start and end a session; services
that must end someone's sessions (a password change, disabling an account) call
``end_sessions``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import cache
from typing import Any, cast

from flask import session
from flask_login import login_user, logout_user
from sqlalchemy import CursorResult, bindparam, select, update

from ..extensions import db
from ..people.models import Person
from ..plain import Plain
from .models import Account, LoginSession
from .service import Actor, actor_from, actor_query

SECRET_KEY = "_login_session"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def open_session(person_id: int, method: str, now: datetime) -> str:
    """Record a new session for ``person_id``; the cookie value for Flask-Login."""
    secret = secrets.token_urlsafe(24)
    db.session.add(LoginSession(person_id=person_id, secret_hash=_digest(secret), method=method, created_at=now))
    db.session.flush()
    return f"{person_id}:{secret}"


def person_for_cookie(cookie_id: str) -> int | None:
    """The person behind a session cookie's id while its session is open and their account
    enabled; None for anything else (an ended session, a forged or old-style id)."""
    parts = _parts(cookie_id)
    if parts is None:
        return None
    return db.session.scalar(
        select(LoginSession.person_id).join(Account, Account.person_id == LoginSession.person_id).where(*_open(*parts))
    )


def actor_for_cookie(cookie_id: str) -> Actor | None:
    """``person_for_cookie``'s person as an actor, read with their roles in one statement:
    every page asks it before anything else."""
    parts = _parts(cookie_id)
    if parts is None:
        return None
    secret_hash, person_id = parts
    # Plain columns, run on the driver (``Plain``): SQLAlchemy's execution costs several
    # times what the database does for this statement.
    return actor_from(
        _actor_by_cookie().rows(db.session.connection(), {"secret_hash": secret_hash, "person_id": person_id})
    )


@cache
def _actor_by_cookie() -> Plain:
    return Plain(
        actor_query()
        .join(LoginSession, LoginSession.person_id == Person.id)
        .join(Account, Account.person_id == Person.id)
        .where(*_open(bindparam("secret_hash"), bindparam("person_id")))
    )


def _parts(cookie_id: str) -> tuple[str, int] | None:
    """(the secret's digest, the person id) of a cookie id ``<person id>:<secret>``."""
    person_part, _, secret = cookie_id.partition(":")
    if not person_part.isdigit() or not secret:
        return None
    return _digest(secret), int(person_part)


def _open(secret_hash, person_id) -> tuple:
    return (
        LoginSession.secret_hash == secret_hash,
        LoginSession.person_id == person_id,
        LoginSession.ended_at.is_(None),
        Account.disabled.is_(False),
    )


def end_sessions(person_id: int, reason: str, now: datetime, keep: str | None = None) -> int:
    """End every open session of ``person_id`` (but the one whose cookie id is ``keep``);
    how many were ended. Flushes, never commits."""
    statement = (
        update(LoginSession)
        .where(LoginSession.person_id == person_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    if keep is not None:
        statement = statement.where(LoginSession.secret_hash != _digest(keep.partition(":")[2]))
    # An UPDATE answers with a CursorResult (its rowcount), which Session.execute's annotation does not say.
    return cast("CursorResult[Any]", db.session.execute(statement)).rowcount or 0


def current_cookie_id() -> str | None:
    """The signed-in browser's session id (Flask-Login keeps it in the Flask session)."""
    return session.get("_user_id")


def sign_in(user, method: str, now: datetime) -> None:
    """Start a browser session for ``user`` (a ``current.User``) and commit it: the row must
    exist before the cookie that names it is sent."""
    user.id = open_session(user.actor.person_id, method, now)
    db.session.commit()
    login_user(user)


def sign_out(now: datetime) -> None:
    """End this browser's session for every copy of its cookie, then forget it here."""
    cookie_id = current_cookie_id()
    person_part, _, secret = (cookie_id or "").partition(":")
    if person_part.isdigit() and secret:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.secret_hash == _digest(secret), LoginSession.ended_at.is_(None))
            .values(ended_at=now, ended_reason="signed out")
        )
        db.session.commit()
    logout_user()
