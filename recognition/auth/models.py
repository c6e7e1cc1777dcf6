"""Accounts, role grants, API tokens and the failed-login record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..people.models import Person

# Roles granted explicitly. "division_director", "mentor" and "mentee" follow from
# the division_directors table and from mentorships, so they can never disagree with them.
GRANTED_ROLES = ("admin", "award_committee", "promotion_committee")
ROLES = ("admin", "division_director", "mentor", "mentee", "award_committee", "promotion_committee")


class Account(Model):
    __tablename__ = "accounts"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    disabled: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship(lazy="joined")


class RoleGrant(Model):
    __tablename__ = "role_grants"
    __table_args__ = (CheckConstraint(f"role IN {GRANTED_ROLES!r}", name="role_known"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # Only a SHA-256 of the token is kept: a database leak does not leak tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Refused from this moment on (API_TOKEN_DAYS after it was issued, or fewer if asked).
    expires_at: Mapped[datetime]


class LoginFailure(Model):
    """One failed login. Kept in the database so throttling holds across worker processes
    (see ``auth/throttle.py``); pruned once too old to count, and per email and address
    by a successful sign-in."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "at"),
        Index("ix_login_failures_remote_addr_at", "remote_addr", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    remote_addr: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    # The nonce of the device cookie the browser sent for this email, if it sent a valid one:
    # such failures count against the cookie, not the address.
    device: Mapped[str | None] = mapped_column(String(32), index=True)


class LoginSession(Model):
    """One browser sign-in. The cookie carries a random secret whose SHA-256 is kept here,
    so ending the row (sign-out, a password change, a disabled account) ends the session
    for every copy of the cookie at once."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # How the person proved who they are: "password", "oidc", "invitation", "reset".
    method: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # "signed out", "password changed", "account disabled", ...
    ended_reason: Mapped[str | None] = mapped_column(String(40))
