"""The referee check: whether people proposed as referees for a candidate are tied to
them in the mentoring graph, by the rule committees use (``mentorships.ties``), said in
plain words. Nothing is stored: it is a question asked of the graph as it is now.
"""

from __future__ import annotations

from sqlalchemy import select

from ..auth.service import Actor
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..mentorships import ties as ties_rule
from ..people.models import Person
from . import rules
from .models import Case
from .visibility import MANAGERS, capacity, own_status

IS_CANDIDATE = "the referee is the candidate"
WORDED = {
    ties_rule.MENTORSHIP: "has been in a mentorship with the candidate (either way)",
    ties_rule.SHARED_MENTOR: "shares a mentor with the candidate",
    ties_rule.SHARED_MENTEE: "shares a mentee with the candidate",
}


def reasons(referee_id: int, candidate_id: int, ties) -> list[str]:
    if referee_id == candidate_id:
        return [IS_CANDIDATE]
    return [WORDED[kind] for kind in ties_rule.tie_kinds(referee_id, candidate_id, ties)]


def may_check_case(case: Case, actor: Actor) -> bool:
    """Managers of the case, and members of its open committee who are not recused."""
    seen_as = capacity(case, actor)
    return seen_as in MANAGERS or (seen_as == "member" and own_status(case, actor.person_id)["may_open_dossier"])


def may_check_standalone(candidate: Person, actor: Actor) -> bool:
    return actor.is_admin or actor.directs(candidate.division_id)


def resolve(referee_ids: list[int], referee_emails: list[str]) -> list[Person]:
    """The referees named by id and by email, in the order named, each once; a 422 naming
    the field for anyone not on the roster."""
    if not referee_ids and not referee_emails:
        raise DomainError(
            "Name at least one referee, by id or by email.",
            {"referee_ids": ["name at least one referee (here or in referee_emails)"]},
        )
    if len(referee_ids) + len(referee_emails) > rules.MAX_REFEREES:
        raise DomainError.field("referee_ids", f"name at most {rules.MAX_REFEREES} referees in all")
    by_id = (
        {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(referee_ids)))} if referee_ids else {}
    )
    wanted = [email.strip().lower() for email in referee_emails]
    by_email = (
        {p.email: p for p in db.session.scalars(select(Person).where(Person.email.in_(wanted)))} if wanted else {}
    )
    problems: dict[str, list[str]] = {}
    missing_ids = [str(i) for i in referee_ids if i not in by_id]
    if missing_ids:
        problems["referee_ids"] = [f"must name people on the roster (no person {', '.join(missing_ids)})"]
    missing_emails = [e for e in wanted if e not in by_email]
    if missing_emails:
        problems["referee_emails"] = [f"must be emails of people on the roster (not {', '.join(missing_emails)})"]
    if problems:
        raise DomainError("Some referees are not on the roster.", problems)
    found: dict[int, Person] = {}
    for person in [*(by_id[i] for i in referee_ids), *(by_email[e] for e in wanted)]:
        found.setdefault(person.id, person)
    return list(found.values())


def check(candidate: Person, referees: list[Person]) -> list[dict]:
    """For each referee: whether they are tied to the candidate, and why."""
    ties = ties_rule.ties_touching([candidate.id, *(p.id for p in referees)])
    return [
        {"person": p, "tied": bool(why), "reasons": why}
        for p in referees
        for why in [reasons(p.id, candidate.id, ties)]
    ]


def check_for_case(case: Case, referee_ids: list[int], referee_emails: list[str], actor: Actor) -> list[dict]:
    if not may_check_case(case, actor):
        raise Forbidden("Only the case's managers and its committee members who are not recused can check referees.")
    return check(case.candidate, resolve(referee_ids, referee_emails))


def check_standalone(
    candidate_id: int, referee_ids: list[int], referee_emails: list[str], actor: Actor
) -> tuple[Person, list[dict]]:
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can check referees outside a case.")
    candidate = db.session.get(Person, candidate_id)
    if candidate is None or not may_check_standalone(candidate, actor):
        # An unknown person and one outside the actor's divisions read the same: no probing.
        raise DomainError.field(
            "candidate_id",
            "must name someone in a division you direct (or anyone, for an administrator)",
            "No such candidate that you can check referees for.",
        )
    return candidate, check(candidate, resolve(referee_ids, referee_emails))
