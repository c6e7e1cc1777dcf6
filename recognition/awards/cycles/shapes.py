"""The JSON a cycle and its parts take in the API, built for what the asking actor may see:
the cycle with its counts and the reader's own standing, its committee members, recusals,
ranking and decisions."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from ...auth.service import Actor
from ...clock import today
from ...extensions import db
from ...mentorships.models import Mentorship
from ...people.models import Person
from .. import managers
from ..committee import exports, recusal
from ..committee import service as committee
from ..models import CommitteeMember, Cycle, Decision, Nomination, Recusal, ScoreSet
from ..nominations import service as nominations
from . import phases


def person_ref(person: Person) -> dict:
    return {"id": person.id, "name": person.name, "division": person.division.name if person.division else None}


def cycle_view(cycle: Cycle, actor: Actor, counted: bool = True) -> dict:
    """The public facts, what the reader may do, and (for managers) how far the work is."""
    day = today()
    award = cycle.award
    manager = nominations.is_manager(actor, cycle)
    view: dict[str, Any] = {
        "id": cycle.id,
        "award": {
            "id": award.id,
            "name": award.name,
            "slug": award.slug,
            "level": award.level,
            "division": {"id": award.division.id, "name": award.division.name} if award.division else None,
        },
        "year": cycle.year,
        "phase": cycle.phase,
        "opens_on": cycle.opens_on,
        "closes_on": cycle.closes_on,
        "review_starts_on": phases.review_starts(cycle),
        "review_ends_on": cycle.review_ends_on,
        "decision_on": cycle.decision_on,
        "announce_on": cycle.announce_on,
        "nominating_open": phases.is_nominating_open(cycle, day),
        "scoring_open": phases.is_scoring_open(cycle, day),
        "you": {
            "manager": manager,
            "committee_member": recusal.is_member(cycle.id, actor.person_id),
            "may_see_ranking": committee.may_see_ranking(cycle, actor),
        },
        "links": {
            "self": f"/api/v1/cycles/{cycle.id}",
            "nominations": f"/api/v1/nominations?cycle_id={cycle.id}",
            "ranking": f"/api/v1/cycles/{cycle.id}/ranking",
        },
    }
    if manager:
        # A manager with a conflict with a nomination reads it as a recused member does,
        # and leaves the cycle's actions to a manager with none.
        conflicts = managers.conflicts_of(cycle, actor.person_id)
        view["you"]["conflicts"] = [
            {"nomination_id": nid, "reasons": reasons} for nid, reasons in sorted(conflicts.items())
        ]
        view["you"]["may_act"] = not conflicts
        if conflicts:
            view["you"]["free_managers"] = [{"id": p.id, "name": p.name} for p in managers.free_managers(cycle)]
    if manager and counted:

        def count(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        view["counts"] = {
            "nominations": count(Nomination, Nomination.cycle_id == cycle.id),
            "committee": count(CommitteeMember, CommitteeMember.cycle_id == cycle.id),
            "recusals": count(Recusal, Recusal.cycle_id == cycle.id),
            "score_sets": db.session.scalar(
                select(func.count()).select_from(ScoreSet).join(Nomination).where(Nomination.cycle_id == cycle.id)
            ),
            "decisions": count(Decision, Decision.cycle_id == cycle.id),
        }
    return view


def decision_view(decision: Decision, cycle: Cycle) -> dict:
    return {
        "id": decision.id,
        "cycle_id": decision.cycle_id,
        "version": decision.version,
        "note": decision.note,
        "decided_at": decision.decided_at,
        "decided_by": {"id": decision.decided_by.id, "name": decision.decided_by.name} if decision.decided_by else None,
        "winners": [
            {
                "nomination_id": w.nomination_id,
                "nominee": {"id": w.nomination.nominee.id, "name": w.nomination.nominee.name},
                "position": w.position,
                "ranked_position": w.ranked_position,
                "reason": w.reason,
            }
            for w in decision.winners
        ],
        "ranking": json.loads(decision.ranking),
        "phase": cycle.phase,
    }


def ranking_view(cycle: Cycle, actor: Actor) -> dict:
    """The ranking as the actor may see it (``exports.sheet``, as the page and downloads):
    rows they are recused from show the nominee but no position and no numbers, last, by
    nomination id; a member still scoring gets no rows and the nominations left to score."""
    found = exports.sheet(cycle, actor, today())
    return {
        "cycle_id": cycle.id,
        "tie_break": exports.TIE_BREAK,
        "min_reviews": found.min_reviews,
        "warnings": found.warnings,
        "withheld": found.withheld,
        "to_score": [{"nomination_id": n.id, "nominee": person_ref(n.nominee)} for n in found.to_score],
        "rows": [
            {
                **{key: value for key, value in row.items() if key not in ("person", "division")},
                "nominee": person_ref(row["person"]),
            }
            for row in found.rows
        ],
    }


def member_view(member: CommitteeMember) -> dict:
    return {"person": person_ref(member.person), "chair": member.chair, "added_at": member.added_at}


def recusal_view(recusal: Recusal, nominee: Person) -> dict:
    mentorship = db.session.get(Mentorship, recusal.mentorship_id) if recusal.mentorship_id else None
    return {
        "id": recusal.id,
        "nomination_id": recusal.nomination_id,
        "nominee": {"id": nominee.id, "name": nominee.name},
        "member": {"id": recusal.member.id, "name": recusal.member.name},
        "source": recusal.source,
        "reason": recusal.reason,
        "at": recusal.at,
        "found_during_review": recusal.found_in == "review",
        "mentorship": None
        if mentorship is None
        else {
            "id": mentorship.id,
            "kind": mentorship.kind,
            "mentor": {"id": mentorship.mentor.id, "name": mentorship.mentor.name},
            "mentee": {"id": mentorship.mentee.id, "name": mentorship.mentee.name},
            "started_on": mentorship.started_on,
            "created_at": mentorship.created_at,
            "created_by": (
                {"id": mentorship.created_by.id, "name": mentorship.created_by.name} if mentorship.created_by else None
            ),
            "backdated": mentorship.backdated,
            "backdate_reason": mentorship.backdate_reason,
        },
    }
