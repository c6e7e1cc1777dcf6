"""Operations on cases: open one, add and remove committee members, override a member's
conflict flag, close it. Each flushes; the caller commits.

Administrators open cases about anyone; the director of the candidate's division about
their division's people. Both manage the committee and close the case; only an
administrator overrides a flag, with a reason, and never for the candidate themself.
A closed case changes no more.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from ..auth.service import Actor
from ..clock import local_date
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..milestones import queries as milestones
from ..people.models import Person
from . import access, rules
from .models import CASE_KINDS, Case, CaseMember, CaseOverride
from .visibility import ADMIN, MANAGERS, capacity, membership


def may_open_for(actor: Actor, candidate: Person) -> bool:
    return actor.person_id != candidate.id and (actor.is_admin or actor.directs(candidate.division_id))


def roster_person(person_id: int | None, email: str | None, field: str = "person_id") -> Person:
    """The person named by id or by email; a 422 naming the field when there is none."""
    if (person_id is None) == (email is None):
        raise DomainError(
            "Name the person by id or by email (one of the two).", {field: ["name one person: an id or an email"]}
        )
    if person_id is not None:
        person = db.session.get(Person, person_id)
        if person is None:
            raise DomainError.field(field, "must name someone on the roster", f"No person {person_id} on the roster.")
        return person
    assert email is not None  # exactly one of the two, checked above
    person = db.session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if person is None:
        raise DomainError.field(
            "email",
            "must be the email of someone on the roster",
            f"No one on the roster has the email {email.strip()}.",
        )
    return person


def rank_now(candidate: Person, standing: list | None = None) -> str:
    """The candidate's rank: the roster's, or a higher one a standing recorded promotion reached."""
    if standing is None:
        standing = milestones.standing([candidate.id]).get(candidate.id, [])
    return rules.current_rank(
        candidate.rank, [m.rank for m in standing if m.kind == "promotion" and m.rank is not None]
    )


def open_case(data: dict, actor: Actor, now: datetime) -> Case:
    """Open a CFAR or promotion case with its committee (``data["member_ids"]``)."""
    candidate = db.session.get(Person, data["candidate_id"])
    if candidate is None:
        raise DomainError.field("candidate_id", "must name someone on the roster", "No such candidate on the roster.")
    if actor.person_id == candidate.id:
        raise Forbidden("No one can open a case about themself.", {"candidate_id": ["must not be you"]})
    if not may_open_for(actor, candidate):
        raise Forbidden(
            "Only an administrator, or the director of the candidate's division, can open a case about them."
        )
    problems: dict[str, list[str]] = {}
    kind = data["kind"]
    standing = milestones.standing([candidate.id]).get(candidate.id, [])
    if kind not in CASE_KINDS:
        problems["kind"] = [f"must be one of {', '.join(CASE_KINDS)}"]
    else:
        problem = rules.target_rank_problem(kind, rank_now(candidate, standing), data.get("target_rank"))
        if problem:
            problems["target_rank"] = [problem]
    due_on = data.get("due_on")
    problem = rules.due_problem(due_on, local_date(now))
    if problem:
        problems["due_on"] = [problem]
    if due_on is None:
        raise DomainError(_sentence(problems), problems)
    start, end, period_problems, _ = rules.period(
        data.get("period_start"),
        data.get("period_end"),
        due_on,
        milestones.last_promotion_on(standing),
        candidate.appointed_on,
    )
    problems.update(period_problems)
    member_ids = list(data.get("member_ids") or [])
    problems.update(_member_problems(member_ids, candidate.id))
    if problems:
        raise DomainError(_sentence(problems), problems)
    already = db.session.scalar(
        select(Case.id).where(Case.candidate_id == candidate.id, Case.kind == kind, Case.closed_at.is_(None))
    )
    if already is not None:
        raise Conflict(
            f"{candidate.name} already has an open {kind} case (case {already}); close it first.",
            {"candidate_id": [f"already has an open {kind} case"]},
        )
    case = Case(
        candidate_id=candidate.id,
        kind=kind,
        target_rank=data.get("target_rank") if kind == "promotion" else None,
        period_start=start,
        period_end=end,
        due_on=due_on,
        opened_by_id=actor.person_id,
        opened_at=now,
    )
    db.session.add(case)
    db.session.flush()
    for person_id in member_ids:
        db.session.add(CaseMember(case_id=case.id, person_id=person_id, added_by_id=actor.person_id, added_at=now))
    db.session.flush()
    return case


def _member_problems(member_ids: list[int], candidate_id: int) -> dict[str, list[str]]:
    rules_broken: list[str] = []
    if len(member_ids) > rules.MAX_MEMBERS:
        rules_broken.append(f"must name at most {rules.MAX_MEMBERS} people")
    if len(set(member_ids)) != len(member_ids):
        rules_broken.append("must not name anyone twice")
    if candidate_id in member_ids:
        rules_broken.append("must not include the candidate")
    known = set(db.session.scalars(select(Person.id).where(Person.id.in_(member_ids)))) if member_ids else set()
    unknown = [str(i) for i in member_ids if i not in known]
    if unknown:
        rules_broken.append(f"must name people on the roster (no person {', '.join(unknown)})")
    return {"member_ids": rules_broken} if rules_broken else {}


def _sentence(problems: dict[str, list[str]]) -> str:
    return "The case was not opened: " + "; ".join(f"{field} {rules_[0]}" for field, rules_ in problems.items()) + "."


def _managed(case: Case, actor: Actor, doing: str) -> None:
    if capacity(case, actor) not in MANAGERS:
        raise Forbidden(f"Only an administrator, or the director of the candidate's division, can {doing}.")
    if not case.is_open:
        raise Conflict(f"Case {case.id} is closed; it changes no more.", {"case": ["is closed"]})


def add_member(case: Case, person: Person, actor: Actor, now: datetime) -> CaseMember:
    """Put ``person`` on the committee (back on it, if they were removed). A member tied to
    the candidate is added, flagged and recused until an administrator overrides the flag."""
    _managed(case, actor, "change a case's committee")
    if person.id == case.candidate_id:
        raise DomainError.field(
            "person_id",
            "must not be the candidate",
            f"{person.name} is the candidate and cannot sit on their own committee.",
        )
    row = membership(case.id, person.id, removed_too=True)
    if row is not None and row.removed_at is None:
        raise Conflict(f"{person.name} is already on this committee.", {"person_id": ["is already a member"]})
    if row is None:
        row = CaseMember(case_id=case.id, person_id=person.id, added_by_id=actor.person_id, added_at=now)
        db.session.add(row)
    else:  # reinstated: the row says when they were (re)added; an override made earlier still stands
        row.removed_at, row.added_at, row.added_by_id = None, now, actor.person_id
    db.session.flush()
    return row


def remove_member(case: Case, person_id: int, actor: Actor, now: datetime) -> CaseMember:
    """Take a member off the committee. The row stays, with when they were removed."""
    _managed(case, actor, "change a case's committee")
    row = membership(case.id, person_id)
    if row is None:
        raise DomainError.field(
            "person_id",
            "must name a current member of this committee",
            f"Person {person_id} is not on this case's committee.",
        )
    row.removed_at = now
    db.session.flush()
    return row


def override(case: Case, member_id: int, reason: str, actor: Actor, now: datetime) -> CaseOverride:
    """An administrator lifts a member's conflict flag, saying why. Recorded once, with the
    flags as they read now, and never changed."""
    if capacity(case, actor) != ADMIN:
        raise Forbidden("Only an administrator can override a committee member's conflict flag.")
    if not case.is_open:
        raise Conflict(f"Case {case.id} is closed; it changes no more.", {"case": ["is closed"]})
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.field(
            "reason", "is required: say why the member may sit despite the flag", "An override needs a reason."
        )
    if len(reason) > rules.MAX_NOTE:
        raise DomainError.field("reason", f"must be at most {rules.MAX_NOTE} characters")
    if member_id == case.candidate_id:
        raise DomainError.field("member_id", "the candidate can never be overridden onto their own committee")
    if membership(case.id, member_id) is None:
        raise DomainError.field("member_id", "must name a current member of this committee")
    flags = access.flags(case, [member_id]).get(member_id, [])
    if not flags:
        raise Conflict("This member has no conflict flag to override.", {"member_id": ["has no conflict flag"]})
    if member_id in access.overridden(case.id):
        raise Conflict("This member's flag is already overridden.", {"member_id": ["is already overridden"]})
    row = CaseOverride(
        case_id=case.id, member_id=member_id, flags=json.dumps(flags), reason=reason, by_id=actor.person_id, at=now
    )
    db.session.add(row)
    db.session.flush()
    return row


def close(case: Case, note: str, actor: Actor, now: datetime) -> Case:
    """Close the case with a note. Its committee then has no access to the dossier."""
    _managed(case, actor, "close a case")
    note = (note or "").strip()
    if not note:
        raise DomainError.field("note", "is required: say how the case ended", "Closing a case needs a note.")
    if len(note) > rules.MAX_NOTE:
        raise DomainError.field("note", f"must be at most {rules.MAX_NOTE} characters")
    case.closed_at, case.closed_by_id, case.closing_note = now, actor.person_id, note
    db.session.flush()
    return case
