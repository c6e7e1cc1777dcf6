"""Typed look-ups for the demo loaders. The demo stores the people it later acts as, so a
person or actor it names always exists; one that does not is a bug in the demo, and the
load stops there rather than carry a None along."""

from __future__ import annotations

from ..auth.service import Actor, load_actor
from ..extensions import db
from ..people.models import Person


def person(person_id: int) -> Person:
    found = db.session.get(Person, person_id)
    if found is None:
        raise LookupError(f"The demo names person {person_id}, who is not stored.")
    return found


def actor(person_id: int) -> Actor:
    found = load_actor(person_id)
    if found is None:
        raise LookupError(f"The demo acts as person {person_id}, who is not stored.")
    return found
