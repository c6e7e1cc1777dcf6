"""Operations on divisions and people. Each flushes; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from ..auth.service import Actor
from ..cases import access as case_access
from ..cases.models import Case, CaseMember
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..mentorships.models import Mentorship
from .models import Division, DivisionDirector, Person
from .rules import aggregate

PERSON_FIELDS = (
    "name",
    "email",
    "institutional_id",
    "division_id",
    "rank",
    "position",
    "appointed_on",
    "trained_here",
    "supervisor_id",
    "gender",
    "race",
)


def text_matches(text: str, *columns):
    """A condition: any of ``columns`` contains ``text``, ignoring case. ``%`` and ``_``
    are matched as themselves, not as LIKE wildcards (a search for "_" finds only names
    with an underscore)."""
    needle = text.strip()
    return or_(*(column.icontains(needle, autoescape=True, escape="\\") for column in columns))


def visible_people(actor: Actor):
    """A select of the people this actor may see: admins everyone, directors their
    divisions, everyone else themselves and the people they are in a mentorship with; a
    case committee's members also the candidate, while the case is open and they are not
    recused."""
    statement = select(Person)
    if actor.is_admin:
        return statement
    counterparts = (
        select(Mentorship.mentee_id)
        .where(Mentorship.mentor_id == actor.person_id)
        .union(select(Mentorship.mentor_id).where(Mentorship.mentee_id == actor.person_id))
    )
    return statement.where(
        or_(
            Person.id == actor.person_id,
            Person.division_id.in_(actor.directed_division_ids),
            Person.id.in_(counterparts),
            Person.id.in_(committee_candidates(actor.person_id)),
        )
    )


def committee_candidates(person_id: int | None) -> list[int]:
    """The candidates of the open cases on whose committee ``person_id`` sits and is not
    recused: a member may look them up on the roster while the case is open."""
    if person_id is None:
        return []
    candidate_ids = db.session.scalars(
        select(Case.candidate_id)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(CaseMember.person_id == person_id, CaseMember.removed_at.is_(None), Case.closed_at.is_(None))
    ).all()
    return [cid for cid in sorted(set(candidate_ids)) if case_access.committee_case(person_id, cid) is not None]


def get_person(person_id: int, actor: Actor) -> Person:
    person = db.session.scalar(visible_people(actor).where(Person.id == person_id))
    if person is None:
        raise NotFound(f"No person {person_id} that you can see.")
    return person


def find_by_email(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == email.strip().lower()))


def find_by_institutional_id(institutional_id: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.institutional_id == institutional_id))


def can_manage_division(actor: Actor, division_id: int | None) -> bool:
    return actor.is_admin or actor.directs(division_id)


def create_person(data: dict, actor: Actor, now: datetime) -> Person:
    if not can_manage_division(actor, data.get("division_id")):
        raise Forbidden("Only an administrator, or the director of that division, can add people to it.")
    values = _checked(data, None)
    person = Person(created_at=now, **values)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(person: Person, data: dict, actor: Actor) -> Person:
    if not can_manage_division(actor, person.division_id):
        raise Forbidden("Only an administrator, or the director of this person's division, can change them.")
    if "division_id" in data and not can_manage_division(actor, data["division_id"]):
        raise Forbidden("You can only move people into a division you direct.")
    for key, value in _checked(data, person).items():
        setattr(person, key, value)
    db.session.flush()
    return person


def _checked(data: dict, person: Person | None) -> dict:
    """The fields to store, after the checks that need the database."""
    values = {key: data[key] for key in PERSON_FIELDS if key in data}
    if "email" in values:
        values["email"] = values["email"].strip().lower()
        existing = find_by_email(values["email"])
        if existing is not None and existing is not person:
            raise Conflict("Someone already has that email.", {"email": ["must be unique"]})
    if values.get("institutional_id") is not None:
        holder = find_by_institutional_id(values["institutional_id"])
        if holder is not None and holder is not person:
            raise Conflict("Someone already has that institutional id.", {"institutional_id": ["must be unique"]})
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise DomainError.field("name", "must not be blank")
    if values.get("division_id") is not None and db.session.get(Division, values["division_id"]) is None:
        raise DomainError.field("division_id", "must name an existing division", "There is no such division.")
    supervisor_id = values.get("supervisor_id")
    if supervisor_id is not None:
        if person is not None and supervisor_id == person.id:
            raise DomainError.field("supervisor_id", "a person cannot supervise themselves")
        if db.session.get(Person, supervisor_id) is None:
            raise DomainError.field("supervisor_id", "must name an existing person", "There is no such supervisor.")
    for key in ("gender", "race"):
        if key in values and isinstance(values[key], str):
            values[key] = values[key].strip() or None
    return values


def create_division(name: str, code: str, actor: Actor) -> Division:
    if not actor.is_admin:
        raise Forbidden("Only an administrator can add divisions.")
    # Check what will be stored: " Cardiology" must clash with "Cardiology", not reach
    # the unique constraint as a 500.
    name, code = name.strip(), code.strip()
    if not name:
        raise DomainError.field("name", "must not be blank")
    clashes = {
        field: ["must be unique"]
        for field, column, value in (("name", Division.name, name), ("code", Division.code, code))
        if db.session.scalar(select(Division.id).where(column == value)) is not None
    }
    if clashes:
        raise Conflict(f"A division with that {' and '.join(clashes)} exists.", clashes)
    division = Division(name=name, code=code)
    db.session.add(division)
    db.session.flush()
    return division


def managed_divisions(actor: Actor) -> list[Division]:
    """The divisions an actor manages: all for admins, their own for directors."""
    statement = select(Division).order_by(Division.name)
    if not actor.is_admin:
        statement = statement.where(Division.id.in_(actor.directed_division_ids))
    return list(db.session.scalars(statement))


def get_division(division_id: int) -> Division:
    division = db.session.get(Division, division_id)
    if division is None:
        raise NotFound(f"No division {division_id}.")
    return division


def appoint_director(division: Division, person_id: int, actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator can appoint division directors.")
    if db.session.get(Person, person_id) is None:
        raise DomainError.field("person_id", "must name an existing person")
    if db.session.get(DivisionDirector, (division.id, person_id)) is None:
        db.session.add(DivisionDirector(division_id=division.id, person_id=person_id))
        db.session.flush()
    db.session.expire(division, ["directors"])


def remove_director(division: Division, person_id: int, actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator can remove division directors.")
    row = db.session.get(DivisionDirector, (division.id, person_id))
    if row is None:
        raise NotFound("That person does not direct this division.")
    db.session.delete(row)
    db.session.flush()
    db.session.expire(division, ["directors"])


def identity_summary(actor: Actor, division_id: int | None = None) -> dict:
    """Self-identified gender and race of the people the actor may see (one division, or
    all of them), in aggregate only: no filter narrower than a division is offered, so
    two views cannot be subtracted to single someone out."""
    statement = select(Person.gender, Person.race).where(
        Person.id.in_(visible_people(actor).with_only_columns(Person.id))
    )
    if division_id is not None:
        statement = statement.where(Person.division_id == division_id)
    rows = db.session.execute(statement).all()
    return {"gender": aggregate(row.gender for row in rows), "race": aggregate(row.race for row in rows)}
