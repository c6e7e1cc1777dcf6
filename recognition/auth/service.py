"""Who is asking: passwords, throttled logins, and the roles an actor holds (API tokens: ``tokens``)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import Select, bindparam, exists, select

from ..cases.models import CaseMember
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..mentorships.models import Mentorship
from ..people.models import DivisionDirector, Person
from . import throttle
from .models import GRANTED_ROLES, Account, RoleGrant
from .passwords import check_password_rules


@dataclass(frozen=True)
class Actor:
    """A signed-in person and what they may do. Built once per request. The command line
    acts as an administrator with no person (``COMMAND_LINE``)."""

    person_id: int | None
    name: str
    roles: frozenset[str]
    directed_division_ids: frozenset[int] = field(default_factory=frozenset)
    # Whether they sit (not removed) on any case's committee: every page's menu asks, so
    # the sign-in statement reads it (``actor_query``). Not a role: it grants nothing.
    on_committee: bool = False

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def directs(self, division_id: int | None) -> bool:
        return division_id is not None and division_id in self.directed_division_ids


COMMAND_LINE = Actor(person_id=None, name="command line", roles=frozenset({"admin"}))


def load_actor(person_id: int) -> Actor | None:
    return actor_from(db.session.execute(_actor_by_id(), {"person_id": person_id}).all())


@cache
def _actor_by_id() -> Select:
    return actor_query().where(Person.id == bindparam("person_id"))


def actor_query() -> Select:
    """Who a person is and what they may do, in one statement (every request asks it):
    a row per granted role and directed division, each saying whether they mentor or are
    mentored. Callers narrow it to one person (``where``, or a join such as a token's)."""
    return (
        select(
            Person.id,
            Person.name,
            RoleGrant.role,
            DivisionDirector.division_id,
            exists().where(Mentorship.mentor_id == Person.id).label("is_mentor"),
            exists().where(Mentorship.mentee_id == Person.id).label("is_mentee"),
            exists().where(CaseMember.person_id == Person.id, CaseMember.removed_at.is_(None)).label("on_committee"),
        )
        .select_from(Person)
        .outerjoin(RoleGrant, RoleGrant.person_id == Person.id)
        .outerjoin(DivisionDirector, DivisionDirector.person_id == Person.id)
    )


def actor_from(rows: Sequence[Sequence]) -> Actor | None:
    """The actor in the rows of one person's ``actor_query`` (rows or plain lists, read by
    position: id, name, role, division, mentors, is mentored, on a committee); None when
    there are none."""
    if not rows:
        return None
    roles = {row[2] for row in rows if row[2] is not None}
    divisions = frozenset(row[3] for row in rows if row[3] is not None)
    person_id, name, _, _, is_mentor, is_mentee, on_committee = rows[0][:7]
    if divisions:
        roles.add("division_director")
    if is_mentor:
        roles.add("mentor")
    if is_mentee:
        roles.add("mentee")
    return Actor(person_id, name, frozenset(roles), divisions, bool(on_committee))


# Passwords ---------------------------------------------------------------------------


def hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def set_password(person: Person, password: str, now: datetime, password_hash: str | None = None) -> Account:
    """Give a person an account (or a new password), under the password rules
    (``passwords``). ``password_hash`` lets bulk loads reuse one hash computation."""
    if password_hash is None:
        check_password_rules(password, person.name, person.email)
        password_hash = hash_password(password)
    account = db.session.get(Account, person.id)
    if account is None:
        account = Account(person_id=person.id, password_hash=password_hash, created_at=now)
        db.session.add(account)
    else:
        account.password_hash = password_hash
    db.session.flush()
    return account


def grant_role(person: Person, role: str) -> None:
    if role not in GRANTED_ROLES:
        raise DomainError.field("role", f"must be one of {', '.join(GRANTED_ROLES)}")
    if db.session.get(RoleGrant, (person.id, role)) is None:
        db.session.add(RoleGrant(person_id=person.id, role=role))
        db.session.flush()


class PasswordSignInOff(DomainError):
    status = 403


def authenticate(
    email: str, password: str, remote_addr: str, now: datetime, device_cookie: str | None = None
) -> Person:
    """The person with these credentials, or an error: 429 (``throttle.Throttled``) while
    too many recent failures hold this attempt back, 401 for anything else wrong. Known,
    unknown and disabled emails cost the same work and get the same answer, so neither the
    answer nor its timing says whether an email has an account. ``device_cookie`` is the
    browser's device cookie (``throttle.DEVICE_COOKIE``), if any."""
    if not current_app.config["PASSWORD_SIGN_IN"]:
        raise PasswordSignInOff(
            "Password sign-in is switched off here: sign in through your university instead.",
            {"password": ["password sign-in is switched off on this server (PASSWORD_SIGN_IN)"]},
        )
    attempt = throttle.attempt_for(email, remote_addr, device_cookie)
    throttle.check(attempt, now)
    dummy_hash()  # made by the first attempt whatever its email, so even that one does not tell
    account = db.session.scalar(select(Account).join(Person).where(Person.email == attempt.email))
    verified = _verify(account.password_hash if account is not None else None, password)
    if account is None or account.disabled or not verified:
        throttle.failed(attempt, now)
        raise DomainError(
            "The email or password is not right.",
            {"password": ["email and password do not match an account"]},
            status=401,
        )
    throttle.succeeded(attempt)
    if hasher().check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account.person


def dummy_hash() -> str:
    """A hash of no one's password, made with the app's current argon2 parameters (once per
    app and parameters), so verifying against it costs what verifying a real one does."""
    config = current_app.config
    key = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST_KIB"], config["ARGON2_PARALLELISM"])
    cache = current_app.extensions.setdefault("recognition.dummy_hashes", {})
    if key not in cache:
        cache[key] = hash_password(secrets.token_urlsafe(16))
    return cache[key]


def _verify(stored: str | None, password: str) -> bool:
    """Always spend one hash verification, so timing does not reveal unknown emails."""
    if stored is None:
        stored = dummy_hash()
        password = password + "\x00"  # never matches, even by chance
    try:
        return hasher().verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return False


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator can do this.")


def whose(actor: Actor, person_id: int | None) -> int:
    """The person a request is about: the caller by default; anyone else's only for an
    admin, and to everyone else they do not exist."""
    if person_id is None or person_id == actor.person_id:
        assert actor.person_id is not None  # asked by a signed-in person or a token's owner, never the command line
        return actor.person_id
    if not actor.is_admin or db.session.get(Person, person_id) is None:
        raise NotFound("No such person.", {"person_id": ["no such person (or not yours to see)"]})
    return person_id
