"""Who sees which case, and what each of them sees of it.

- an administrator: every case, with the committee's conflict flags, recusals and overrides;
- the director of the candidate's division: the same for their division's cases;
- a member of the committee (not removed): the case, the committee's names and their own
  status (flagged, recused and why, overridden); the dossier only while the case is open
  and they are not recused (``access.committee_case``);
- the candidate: that the case exists, its kind, target rank, period, due date and state,
  never who sits on the committee (even if they are an administrator or a director);
- anyone else: nothing (a 404, as if there were no case).
"""

from __future__ import annotations

import json

from flask import url_for
from sqlalchemy import exists, or_, select
from werkzeug.routing import BuildError

from ..auth.service import Actor
from ..errors import NotFound
from ..extensions import db
from ..links import url
from ..people.models import Person
from . import access
from .models import Case, CaseMember

ADMIN, DIRECTOR, MEMBER, CANDIDATE = "admin", "director", "member", "candidate"
MANAGERS = (ADMIN, DIRECTOR)


def _member_now(person_id: int | None):
    return exists().where(
        CaseMember.case_id == Case.id, CaseMember.person_id == person_id, CaseMember.removed_at.is_(None)
    )


# Open cases first, soonest due first; the last key unique (a list pages by it: ``keyset``).
OPEN_FIRST = (Case.closed_at.is_not(None), Case.due_on, Case.id)


def visible_cases(actor: Actor):
    """A select of the cases ``actor`` may see, open ones first, soonest due first."""
    statement = select(Case).join(Person, Person.id == Case.candidate_id)
    if not actor.is_admin:
        statement = statement.where(
            or_(
                Person.division_id.in_(actor.directed_division_ids),
                Case.candidate_id == actor.person_id,
                _member_now(actor.person_id),
            )
        )
    return statement.order_by(*OPEN_FIRST)


def capacity(case: Case, actor: Actor) -> str | None:
    """In what capacity ``actor`` sees ``case``; None when they may not see it."""
    if actor.person_id is not None and actor.person_id == case.candidate_id:
        return CANDIDATE
    if actor.is_admin:
        return ADMIN
    if actor.directs(case.candidate.division_id):
        return DIRECTOR
    if actor.person_id is not None and membership(case.id, actor.person_id) is not None:
        return MEMBER
    return None


def known_capacity(case: Case, actor: Actor) -> str:
    """The capacity of an actor the caller found able to see ``case`` (it is listed for
    them, or they just opened it); a 404 should that not hold."""
    found = capacity(case, actor)
    if found is None:
        raise NotFound(f"No case {case.id} that you can see.")
    return found


def membership(case_id: int, person_id: int, removed_too: bool = False) -> CaseMember | None:
    query = select(CaseMember).where(CaseMember.case_id == case_id, CaseMember.person_id == person_id)
    if not removed_too:
        query = query.where(CaseMember.removed_at.is_(None))
    return db.session.scalar(query)


def get_case(case_id: int, actor: Actor) -> tuple[Case, str]:
    """The case and the actor's capacity, or a 404 for a case they may not see."""
    case = db.session.get(Case, case_id)
    seen_as = capacity(case, actor) if case is not None else None
    if case is None or seen_as is None:
        raise NotFound(f"No case {case_id} that you can see.")
    return case, seen_as


def committee(case: Case, removed_too: bool = True) -> list[dict]:
    """Every member (removed ones last) with their flags, recusal and any override."""
    rows = list(
        db.session.scalars(
            select(CaseMember)
            .where(CaseMember.case_id == case.id)
            .order_by(CaseMember.removed_at.is_not(None), CaseMember.id)
        )
    )
    if not removed_too:
        rows = [row for row in rows if row.removed_at is None]
    flagged = access.flags(case, [row.person_id for row in rows])
    overrides = access.overridden(case.id)
    found = []
    for row in rows:
        flags = flagged.get(row.person_id, [])
        override = overrides.get(row.person_id)
        lifted = override is not None and access.IS_CANDIDATE not in flags
        found.append(
            {
                "member": row,
                "person": row.person,
                "flags": flags,
                "override": override,
                "override_flags": json.loads(override.flags) if override else [],
                "recused": bool(flags) and not lifted,
                "removed": row.removed_at is not None,
            }
        )
    return found


def own_status(case: Case, person_id: int | None) -> dict:
    """A member's own standing on the committee, and whether they may open the dossier
    (an actor who is no person, the command line, is no member)."""
    row = membership(case.id, person_id) if person_id is not None else None
    if row is None or person_id is None:
        return {
            "member": False,
            "removed": person_id is not None and membership(case.id, person_id, removed_too=True) is not None,
            "flags": [],
            "recused": False,
            "recused_because": [],
            "overridden": False,
            "may_open_dossier": False,
        }
    flags = access.flags(case, [person_id]).get(person_id, [])
    reasons = access.recused(case, person_id)
    return {
        "member": True,
        "removed": False,
        "flags": flags,
        "recused": bool(reasons),
        "recused_because": reasons,
        "overridden": bool(flags) and not reasons,
        "may_open_dossier": case.is_open and not reasons,
    }


def has_open_work(person_id: int | None) -> bool:
    """Whether ``person_id`` sits on an open case they are not recused from: the committee
    member's home page is then their cases."""
    if person_id is None:
        return False
    cases = db.session.scalars(
        select(Case)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(CaseMember.person_id == person_id, CaseMember.removed_at.is_(None), Case.closed_at.is_(None))
    )
    return any(not access.recused(case, person_id) for case in cases)


def dossier_path(case_id: int) -> str:
    """Where a committee member opens the candidate's dossier for this case."""
    try:
        return url_for("dossiers.case_dossier", case_id=case_id)
    except BuildError:  # the dossier pages are not in this build
        return f"/cases/{case_id}/dossier"


def _ref(person: Person | None) -> dict | None:
    return {"id": person.id, "name": person.name} if person is not None else None


def describe(case: Case, seen_as: str, actor: Actor, full: bool = True) -> dict:
    """The case as ``actor`` may see it (``full``: with the committee)."""
    found = {
        "id": case.id,
        "capacity": seen_as,
        "candidate": _ref(case.candidate),
        "kind": case.kind,
        "target_rank": case.target_rank,
        "period_start": case.period_start,
        "period_end": case.period_end,
        "due_on": case.due_on,
        "state": "open" if case.is_open else "closed",
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "dossier_url": None,
    }
    if seen_as == CANDIDATE:
        return found
    found.update(
        opened_by=_ref(db.session.get(Person, case.opened_by_id)) if case.opened_by_id else None,
        closed_by=_ref(db.session.get(Person, case.closed_by_id)) if case.closed_by_id else None,
        closing_note=case.closing_note,
    )
    if seen_as == MEMBER:
        you = own_status(case, actor.person_id)
        found["you"] = {
            key: you[key] for key in ("member", "flags", "recused", "recused_because", "overridden", "may_open_dossier")
        }
        if you["may_open_dossier"]:
            found["dossier_url"] = url(dossier_path(case.id))
        if full:
            found["committee"] = [{"person": _ref(row.person)} for row in access.active_members(case.id)]
        return found
    if case.is_open and seen_as == ADMIN:
        found["dossier_url"] = url(dossier_path(case.id))
    if full:
        found["committee"] = [
            {
                "person": _ref(item["person"]),
                "added_at": item["member"].added_at,
                "removed_at": item["member"].removed_at,
                "flags": item["flags"],
                "recused": item["recused"],
                "override": {
                    "reason": item["override"].reason,
                    "flags": item["override_flags"],
                    "by": _ref(db.session.get(Person, item["override"].by_id)) if item["override"].by_id else None,
                    "at": item["override"].at,
                }
                if item["override"]
                else None,
            }
            for item in committee(case)
        ]
    return found
