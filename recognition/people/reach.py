"""Which person and mentorship pages the viewer may open, so a page links only those and
names the rest in plain text: a link that answers "not found" is a broken promise.

The rules are the ones the pages themselves apply (``service.visible_people`` and
``mentorships.service.visible_mentorships``), decided here without a query per link: the
viewer's counterparts and committee candidates are read once per request.
"""

from __future__ import annotations

from typing import Protocol

from flask import g, has_request_context, url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from ..auth.service import Actor
from ..extensions import db
from ..links import id_url
from ..mentorships.models import Mentorship
from .models import Person
from .service import committee_candidates


class Placed(Protocol):
    @property
    def division_id(self) -> int | None: ...


class Paired(Protocol):
    """What the rule reads of a mentorship: a ``Mentorship``, or a page's short row of one."""

    @property
    def id(self) -> int: ...
    @property
    def mentor_id(self) -> int: ...
    @property
    def mentee_id(self) -> int: ...
    @property
    def mentor(self) -> Placed: ...
    @property
    def mentee(self) -> Placed: ...


CACHE = "people_reach"


def may_open_person(actor: Actor, person: Person) -> bool:
    """``/people/<id>`` answers for ``actor``: the same rule as ``visible_people``."""
    if actor.is_admin or person.id == actor.person_id or actor.directs(person.division_id):
        return True
    return person.id in _reached(actor)


def may_open_mentorship(actor: Actor, mentorship: Paired) -> bool:
    """``/mentorships/<id>`` answers for ``actor``: the same rule as ``visible_mentorships``."""
    return (
        actor.is_admin
        or actor.person_id in (mentorship.mentor_id, mentorship.mentee_id)
        or actor.directs(mentorship.mentor.division_id)
        or actor.directs(mentorship.mentee.division_id)
    )


def _reached(actor: Actor) -> frozenset[int]:
    """The people ``actor`` sees beyond themselves and their divisions: everyone they are
    in a mentorship with, and the candidates of the cases they sit on."""
    cache = g.setdefault(CACHE, {}) if has_request_context() else {}
    if actor.person_id not in cache:
        counterparts = db.session.scalars(
            select(Mentorship.mentee_id)
            .where(Mentorship.mentor_id == actor.person_id)
            .union(select(Mentorship.mentor_id).where(Mentorship.mentee_id == actor.person_id))
        ).all()
        cache[actor.person_id] = frozenset(counterparts) | frozenset(committee_candidates(actor.person_id))
    return cache[actor.person_id]


def person_link(actor: Actor, person: Person, text: str | None = None) -> Markup:
    """The person's name, linked to their page when ``actor`` may open it."""
    label = escape(person.name if text is None else text)
    if not may_open_person(actor, person):
        return Markup(label)
    return _link(url_for("people.detail", person_id=person.id), label)


def mentorship_link(actor: Actor, mentorship: Paired, text: str) -> Markup:
    """``text``, linked to the mentorship's history when ``actor`` may open it."""
    if not may_open_mentorship(actor, mentorship):
        return Markup(escape(text))
    return _link(_mentorship_url(mentorship.id), text)


def _mentorship_url(mentorship_id: int) -> str:
    """The history page's address (a list names the same few mentorships row after row)."""
    return id_url("mentorships.detail", "mentorship_id", mentorship_id)


def _link(href: str, text: str) -> Markup:
    """``<a href="href">text</a>``, both escaped (``Markup.format`` would do the same, at
    several times the cost, and a list page draws a link per row)."""
    return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')
