"""The JSON a nomination and its parts take in the API (the nomination, its letters, score
sets), built for what the asking actor may see; the nominations and the cycles API both
answer with them."""

from __future__ import annotations

import json

from ...auth.service import Actor
from ...clock import today
from ..committee import service as committee
from ..models import Letter, Nomination, ScoreSet
from . import evidence, letters
from . import service as nominations


def person_ref(person) -> dict:
    return {"id": person.id, "name": person.name, "division": person.division.name if person.division else None}


def ref(person) -> dict:
    return {"id": person.id, "name": person.name}


def nomination_item(nomination: Nomination) -> dict:
    cycle = nomination.cycle
    here = f"/api/v1/nominations/{nomination.id}"
    return {
        "id": nomination.id,
        "cycle": {
            "id": cycle.id,
            "award": {"id": cycle.award.id, "name": cycle.award.name},
            "year": cycle.year,
            "phase": cycle.phase,
        },
        "nominee": person_ref(nomination.nominee),
        "suggested": nomination.suggested,
        "created_at": nomination.created_at,
        "links": {
            "self": here,
            "evidence": f"{here}/evidence",
            "letters": f"{here}/letters",
            "scores": f"{here}/scores",
        },
    }


def reading(actor: Actor, nomination: Nomination) -> tuple[set[str], bool]:
    """The actor's roles, and whether they read the committee's side of it (every
    statement, the score sets): a manager or an unrecused member (``role_in`` leaves a
    recused member out), and never the nominee, whatever else they are."""
    roles = nominations.role_in(actor, nomination)
    return roles, bool(roles & {"manager", "member"}) and "nominee" not in roles


def letter_view(letter: Letter) -> dict:
    return {
        "id": letter.id,
        "author": letter.author,
        "filename": letter.filename,
        "pages": letter.pages,
        "size": letter.size,
        "sha256": letter.sha256,
        "uploaded_by": ref(letter.uploaded_by),
        "uploaded_at": letter.uploaded_at,
        "links": {"pdf": f"/api/v1/nominations/{letter.nomination_id}/letters/{letter.id}/pdf"},
    }


def score_set_view(score_set: ScoreSet, actor: Actor) -> dict:
    return {
        "member": ref(score_set.member),
        "scores": json.loads(score_set.scores),
        "comment": score_set.comment,
        "revision": score_set.revision,
        "updated_at": score_set.updated_at,
        "yours": score_set.member_id == actor.person_id,
    }


def own_scores_view(score_set: ScoreSet, actor: Actor) -> dict:
    return {
        **score_set_view(score_set, actor),
        "revisions": [
            {"revision": r.revision, "scores": json.loads(r.scores), "comment": r.comment, "at": r.at}
            for r in committee.revisions(score_set.id)
        ],
    }


def nomination_view(nomination: Nomination, actor: Actor) -> dict:
    """The nomination as this reader may see it: parts they may not read are left out."""
    roles, committee_side = reading(actor, nomination)
    view = {
        **nomination_item(nomination),
        "roles": sorted(roles),
        "philosophy": nomination.philosophy,
        "philosophy_at": nomination.philosophy_at,
        "evidence_hash": nomination.evidence_hash,
        "evidence_frozen_at": nomination.evidence_frozen_at,
    }
    statements = [s for s in nomination.statements if committee_side or s.nominator_id == actor.person_id]
    if committee_side or "nominator" in roles:
        view["statements"] = [
            {
                "nominator": ref(s.nominator),
                "text": s.text,
                "created_at": s.created_at,
                "updated_at": s.updated_at,
                "yours": s.nominator_id == actor.person_id,
            }
            for s in statements
        ]
    if letters.may_read_letters(actor, nomination):
        view["letters"] = [letter_view(letter) for letter in letters.readable_letters(actor, nomination)]
    if evidence.may_read_evidence(actor, nomination):
        view["profile_philosophy"] = evidence.profile_philosophy(nomination)
    if committee_side:
        view["score_sets"] = [score_set_view(s, actor) for s in committee.score_sets(nomination, actor, today())]
        view["score_sets_withheld"] = committee.scores_withheld(nomination, actor, today())
    return view
