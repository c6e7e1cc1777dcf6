"""Each person's own profile: whether they may be named in other people's promotion
dossiers (as a mentee), and their mentoring philosophy. Only the person changes theirs;
administrators may read anyone's. Other domains read it through ``profile_of``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..auth.service import Actor
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from .models import Person, Profile

MAX_PHILOSOPHY = 4000
# A person who never saved a profile is named, with no philosophy.
DEFAULT = (True, "")


@dataclass(frozen=True)
class ProfileView:
    person_id: int
    name: str
    named_in_dossiers: bool
    philosophy: str
    updated_at: datetime | None


def profile_of(person_id: int) -> tuple[bool, str]:
    """(may be named in other people's dossiers, mentoring philosophy) for one person."""
    row = db.session.get(Profile, person_id)
    return DEFAULT if row is None else (row.named_in_dossiers, row.philosophy)


def profiles_of(person_ids: Iterable[int]) -> dict[int, tuple[bool, str]]:
    """``profile_of`` for many people in one query; everyone asked for is in the answer."""
    ids = sorted(set(person_ids))
    found = dict.fromkeys(ids, DEFAULT)
    for first in range(0, len(ids), 500):
        for row in db.session.scalars(select(Profile).where(Profile.person_id.in_(ids[first : first + 500]))):
            found[row.person_id] = (row.named_in_dossiers, row.philosophy)
    return found


def read_profile(person_id: int, actor: Actor) -> ProfileView:
    """A person's profile as they (or an administrator) see it. Anyone else is told it is
    not theirs to read, without learning whether the person exists."""
    if not (actor.is_admin or actor.person_id == person_id):
        raise NotFound(f"No profile of person {person_id} that you can read.", {"person_id": ["yours only"]})
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.", {"person_id": ["no such person"]})
    row = db.session.get(Profile, person_id)
    named, philosophy = DEFAULT if row is None else (row.named_in_dossiers, row.philosophy)
    return ProfileView(person.id, person.name, named, philosophy, row.updated_at if row else None)


def clean_philosophy(text: str) -> str:
    """Line endings as one character (a browser sends CRLF), no surrounding blank space;
    the limit counts what is stored."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_PHILOSOPHY:
        raise DomainError.field(
            "philosophy",
            f"must be at most {MAX_PHILOSOPHY} characters",
            f"Your mentoring philosophy is {len(text)} characters; the limit is {MAX_PHILOSOPHY}.",
        )
    return text


def update_profile(actor: Actor, data: dict, now: datetime) -> ProfileView:
    """Change the actor's own profile: ``named_in_dossiers`` and/or ``philosophy`` (what is
    not given stays). Nobody changes someone else's, administrators included: it is the
    person's own word about themself."""
    if actor.person_id is None:
        raise Forbidden("Only a person changes their own profile.", {"person_id": ["yours only"]})
    values: dict[str, Any] = {}
    if "philosophy" in data:
        values["philosophy"] = clean_philosophy(data["philosophy"])
    if "named_in_dossiers" in data:
        if not isinstance(data["named_in_dossiers"], bool):
            raise DomainError.field("named_in_dossiers", "must be true or false")
        values["named_in_dossiers"] = data["named_in_dossiers"]
    row = db.session.get(Profile, actor.person_id)
    if row is None:
        named, philosophy = DEFAULT
        row = Profile(person_id=actor.person_id, named_in_dossiers=named, philosophy=philosophy, updated_at=now)
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    db.session.flush()
    return read_profile(actor.person_id, actor)
