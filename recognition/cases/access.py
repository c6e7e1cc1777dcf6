"""Who on a case's committee is conflicted, and whether a person may read a candidate's
dossier as a member of a case about them.

The conflict rule is the award committees' (``mentorships.ties``): a member who has ever
been in a mentorship with the candidate (either way, any kind), or shares a mentor or a
mentee with them, is flagged; so is the candidate themself. A flagged member is recused
unless an administrator overrode the flag with a recorded reason. Flags are worked out
from the graph each time, so a tie recorded after the case opened counts at once.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..mentorships import ties as ties_rule
from .models import Case, CaseMember, CaseOverride

IS_CANDIDATE = "the member is the candidate"
WORDED = {
    ties_rule.MENTORSHIP: "the member has been in a mentorship with the candidate",
    ties_rule.SHARED_MENTOR: "the member and the candidate share a mentor",
    ties_rule.SHARED_MENTEE: "the member and the candidate share a mentee",
}


def tie_flags(person_id: int, candidate_id: int, ties) -> list[str]:
    """Why ``person_id`` may not sit on (or referee for) a case about ``candidate_id``."""
    if person_id == candidate_id:
        return [IS_CANDIDATE]
    return [WORDED[kind] for kind in ties_rule.tie_kinds(person_id, candidate_id, ties)]


def active_members(case_id: int) -> list[CaseMember]:
    return list(
        db.session.scalars(
            select(CaseMember)
            .where(CaseMember.case_id == case_id, CaseMember.removed_at.is_(None))
            .order_by(CaseMember.id)
        )
    )


def flags(case: Case, member_ids: list[int]) -> dict[int, list[str]]:
    """{member_id: conflict flags} for those of ``member_ids`` that have any."""
    ties = ties_rule.ties_touching([case.candidate_id, *member_ids])
    found = {}
    for member_id in member_ids:
        reasons = tie_flags(member_id, case.candidate_id, ties)
        if reasons:
            found[member_id] = reasons
    return found


def overridden(case_id: int) -> dict[int, CaseOverride]:
    return {o.member_id: o for o in db.session.scalars(select(CaseOverride).where(CaseOverride.case_id == case_id))}


def recused(case: Case, member_id: int) -> list[str]:
    """Why ``member_id`` is recused from ``case`` now: their flags, unless an administrator
    overrode them (the candidate themself can never be overridden back in)."""
    reasons = flags(case, [member_id]).get(member_id, [])
    if not reasons or (IS_CANDIDATE not in reasons and member_id in overridden(case.id)):
        return []
    return reasons


def committee_case(person_id: int | None, candidate_id: int) -> Case | None:
    """An open case about ``candidate_id`` on whose committee ``person_id`` sits now and is
    not recused (the earliest such case), or None. Closed cases give no access."""
    if person_id is None:
        return None
    cases = db.session.scalars(
        select(Case)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(
            Case.candidate_id == candidate_id,
            Case.closed_at.is_(None),
            CaseMember.person_id == person_id,
            CaseMember.removed_at.is_(None),
        )
        .order_by(Case.id)
    ).all()
    return next((case for case in cases if not recused(case, person_id)), None)
