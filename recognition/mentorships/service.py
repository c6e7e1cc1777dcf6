"""Operations on mentorships: start one (checking who may mentor whom), end one."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from ..auth.service import Actor
from ..clock import local_date
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..people.models import DivisionDirector, Person
from ..people.reach import may_open_mentorship
from .models import KINDS, Mentorship
from .rules import backdate_problem, formal_mentor_refusal, is_backdated

MAX_BACKDATE_REASON = 2000


def backdate_days() -> int:
    return int(current_app.config["MENTORSHIP_BACKDATE_DAYS"])


Mentor = aliased(Person)
Mentee = aliased(Person)


def visible_mentorships(actor: Actor):
    """Mentors and mentees see their own; directors those touching their divisions."""
    statement = (
        select(Mentorship)
        .join(Mentor, Mentor.id == Mentorship.mentor_id)
        .join(Mentee, Mentee.id == Mentorship.mentee_id)
    )
    if actor.is_admin:
        return statement
    seen = [Mentorship.mentor_id == actor.person_id, Mentorship.mentee_id == actor.person_id]
    if actor.directed_division_ids:  # an empty IN is written out again on every run, to select nothing
        seen += [
            Mentee.division_id.in_(actor.directed_division_ids),
            Mentor.division_id.in_(actor.directed_division_ids),
        ]
    return statement.where(or_(*seen))


def get_mentorship(mentorship_id: int, actor: Actor) -> Mentorship:
    """The mentorship, if ``actor`` may see it (``visible_mentorships``' rule, asked of the
    one row: read by its key, with both people, it costs half the filtered statement)."""
    mentorship = db.session.get(Mentorship, mentorship_id)
    if mentorship is None or not may_see(actor, mentorship):
        raise NotFound(f"No mentorship {mentorship_id} that you can see.")
    return mentorship


def may_see(actor: Actor, mentorship: Mentorship) -> bool:
    """``visible_mentorships``' rule for one mentorship (the pages' rule, kept in one place)."""
    return may_open_mentorship(actor, mentorship)


def can_manage(actor: Actor, mentee: Person) -> bool:
    return actor.is_admin or actor.directs(mentee.division_id)


def start(data: dict, actor: Actor, now: datetime) -> Mentorship:
    """Start a mentorship. Refuses, with the reason, a formal mentor the mentee reports to,
    and a back-dated start (``rules.backdate_problem``) without a reason."""
    mentor = db.session.get(Person, data["mentor_id"])
    mentee = db.session.get(Person, data["mentee_id"])
    errors = {}
    if mentor is None:
        errors["mentor_id"] = ["must name an existing person"]
    if mentee is None:
        errors["mentee_id"] = ["must name an existing person"]
    if data["kind"] not in KINDS:
        errors["kind"] = [f"must be one of {', '.join(KINDS)}"]
    if errors:
        raise DomainError("The mentorship names someone or something unknown.", errors)
    assert mentor is not None and mentee is not None  # each None added an error above
    if not can_manage(actor, mentee):
        raise Forbidden("Only an administrator, or the director of the mentee's division, can start a mentorship.")
    if mentor.id == mentee.id:
        raise DomainError.field(
            "mentor_id", "a person cannot be their own mentor", "A person cannot be their own mentor."
        )
    if data["kind"] == "formal":
        directors = set(
            db.session.scalars(
                select(DivisionDirector.person_id).where(DivisionDirector.division_id == mentee.division_id)
            )
        )
        refusal = formal_mentor_refusal(mentor.id, mentee.id, mentee.supervisor_id, directors)
        if refusal:
            raise DomainError(
                f"{mentor.name} cannot be {mentee.name}'s formal mentor: {refusal}.", {"mentor_id": [refusal]}
            )
    open_same = db.session.scalar(
        select(Mentorship).where(
            Mentorship.mentor_id == mentor.id,
            Mentorship.mentee_id == mentee.id,
            Mentorship.kind == data["kind"],
            Mentorship.ended_on.is_(None),
        )
    )
    if open_same is not None:
        raise Conflict(
            f"{mentor.name} already mentors {mentee.name} ({data['kind']}, mentorship {open_same.id}).",
            {"mentee_id": ["an open mentorship of this kind already joins these two people"]},
        )
    started_on = data.get("started_on") or local_date(now)
    if started_on > local_date(now):
        raise DomainError.field("started_on", "must not be in the future")
    reason = (data.get("backdate_reason") or "").strip()
    problem = backdate_problem(started_on, local_date(now), backdate_days(), reason)
    if problem:
        raise DomainError(
            f"A mentorship starting on {started_on.isoformat()} is back-dated: say why it is recorded only now.",
            {"backdate_reason": [problem]},
        )
    if len(reason) > MAX_BACKDATE_REASON:
        raise DomainError.field("backdate_reason", f"must be at most {MAX_BACKDATE_REASON} characters")
    mentorship = Mentorship(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        kind=data["kind"],
        group_name=(data.get("group_name") or None),
        started_on=started_on,
        # Kept only for a back-dated start; fixed once written.
        backdate_reason=reason if is_backdated(started_on, local_date(now), backdate_days()) else None,
        created_by_id=actor.person_id,
        created_at=now,
    )
    db.session.add(mentorship)
    db.session.flush()
    return mentorship


def end(mentorship: Mentorship, ended_on: date | None, reason: str, actor: Actor, now: datetime) -> Mentorship:
    """End a mentorship. The row stays: history is kept."""
    if not can_manage(actor, mentorship.mentee):
        raise Forbidden("Only an administrator, or the director of the mentee's division, can end a mentorship.")
    if mentorship.ended_on is not None:
        raise Conflict(
            f"This mentorship already ended on {mentorship.ended_on.isoformat()}.", {"ended_on": ["already ended"]}
        )
    ended_on = ended_on or local_date(now)
    if ended_on < mentorship.started_on:
        raise DomainError.field("ended_on", "must not be before the mentorship started")
    if ended_on > local_date(now):
        raise DomainError.field("ended_on", "must not be in the future")
    mentorship.ended_on = ended_on
    mentorship.end_reason = reason.strip() or None
    db.session.flush()
    return mentorship


def filtered(statement, args: dict):
    if "person_id" in args:
        statement = statement.where(
            or_(Mentorship.mentor_id == args["person_id"], Mentorship.mentee_id == args["person_id"])
        )
    for key in ("mentor_id", "mentee_id", "kind"):
        if key in args:
            statement = statement.where(getattr(Mentorship, key) == args[key])
    if "division_id" in args:
        statement = statement.where(Mentee.division_id == args["division_id"])
    if "active_on" in args:
        day = args["active_on"]
        statement = statement.where(
            and_(Mentorship.started_on <= day, or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= day))
        )
    if "active" in args:
        condition = Mentorship.ended_on.is_(None)
        statement = statement.where(condition if args["active"] else ~condition)
    return statement
