"""/api/v1/nominations: nominating, statements, letters, the nominee's philosophy, the
evidence table, the committee's scores and declared conflicts.

Who sees a nomination at all is ``nominations.get_nomination``'s to say (anyone else, a
recused committee member included, gets a 404). Within it, what each reader gets:

    managers and unrecused members   everything: all statements, letters, score sets
    a nominator                      their own statement and the letters they uploaded;
                                     never the evidence, other statements or scores
    the nominee                      that it exists, the evidence table, their philosophy;
                                     never statements, letters or scores

The philosophy of the nominee's profile (``profile_philosophy``) goes with the evidence:
the managers, unrecused members and the nominee read it, live until nominations close and
then as frozen with the evidence; a nominator does not.

Reading a part one may not read (the nominee asking for the letters) or doing what one
may not do (a nominator scoring) on a nomination one can see is a 403.
"""

from __future__ import annotations

import re

from flask import Response, current_app, request

from ...apidoc import errors_for
from ...auth.current import api_actor
from ...auth.service import Actor
from ...clock import today, utcnow
from ...errors import DomainError, Forbidden, respond
from ...extensions import db
from ...parsing import Blueprint
from ...roster.sheets import size
from ..committee import recusal as recusals
from ..committee import service as committee
from ..cycles import phases
from ..cycles.schemas import RecusalSchema
from ..definitions import service as definitions
from ..models import Cycle, Nomination, Recusal
from ..paging import page_of
from . import evidence, letters, package
from . import service as nominations
from .schemas import (
    ConflictInSchema,
    EvidenceSchema,
    LetterSchema,
    LetterUploadSchema,
    NominationArgsSchema,
    NominationInSchema,
    NominationPageSchema,
    NominationSchema,
    NominationStatementInSchema,
    OwnScoresSchema,
    PhilosophyInSchema,
    ScoresInSchema,
    ScoresSchema,
)
from .shapes import letter_view, nomination_item, nomination_view, own_scores_view, reading, ref, score_set_view

URL = "/nominations"
blp = Blueprint(
    "nominations_api", __name__, description="Nominations: statements, letters, philosophy, evidence, scores, conflicts"
)


def _letters_for(nomination_id: int, actor: Actor) -> Nomination:
    nomination = nominations.get_nomination(nomination_id, actor)
    if not letters.may_read_letters(actor, nomination):
        raise Forbidden(
            "Letters are confidential: the committee and the award's administrators read them, a "
            "nominator the letters they uploaded; the nominee does not.",
            {"letter": ["not yours to read"]},
        )
    return nomination


# Nominations -----------------------------------------------------------------------------


@blp.get("")
@blp.arguments(NominationArgsSchema, location="query")
@blp.response(200, NominationPageSchema)
@errors_for(401, 422)
def list_nominations(args):
    """The nominations you may open: all of an award you manage, your committee's (once
    nominations close, except those you are recused from), and those you made or received"""
    actor = api_actor()
    cycle = None
    if "cycle_id" in args:
        cycle = db.session.get(Cycle, args["cycle_id"])
        if cycle is None:
            return page_of([], args)
    return page_of([nomination_item(n) for n in nominations.visible_nominations(actor, cycle)], args)


@blp.post("")
@blp.arguments(
    NominationInSchema,
    example={"cycle_id": 3, "nominee_id": 42, "statement": "She has mentored eleven junior faculty since 2015 ..."},
)
@blp.response(201, NominationSchema)
@errors_for(401, 403, 409, 422)
def nominate(body):
    """Nominate an eligible colleague while nominations are open, with a statement. A
    colleague someone else nominated already gets your statement added to their
    nomination; a second statement of yours for the same nominee is refused (409)"""
    actor = api_actor()
    cycle = db.session.get(Cycle, body["cycle_id"])
    if cycle is None:
        raise DomainError.field("cycle_id", "must name an award cycle")
    nomination = nominations.nominate(cycle, body["nominee_id"], body["statement"], actor, today(), utcnow())
    db.session.commit()
    return nomination_view(nomination, actor)


@blp.get("/<int:nomination_id>")
@blp.response(200, NominationSchema)
@errors_for(401, 404)
def get_nomination(nomination_id):
    """One nomination, with what you may read of it"""
    actor = api_actor()
    return nomination_view(nominations.get_nomination(nomination_id, actor), actor)


@blp.put("/<int:nomination_id>/statement")
@blp.arguments(NominationStatementInSchema, example={"statement": "She has mentored eleven junior faculty ..."})
@blp.response(200, NominationSchema)
@errors_for(401, 403, 404, 409, 422)
def edit_statement(body, nomination_id):
    """Change your statement, while nominations are open (its nominator)"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    nominations.edit_statement(nomination, body["statement"], actor, today(), utcnow())
    db.session.commit()
    return nomination_view(nomination, actor)


@blp.delete("/<int:nomination_id>/statement")
@blp.response(204)
@errors_for(401, 403, 404, 409)
def withdraw(nomination_id):
    """Withdraw your statement while nominations are open; the nomination goes too when
    no statement is left. The withdrawal is kept for the award's managers"""
    actor = api_actor()
    nominations.withdraw(nominations.get_nomination(nomination_id, actor), actor, today(), utcnow())
    db.session.commit()


@blp.put("/<int:nomination_id>/philosophy")
@blp.arguments(PhilosophyInSchema, example={"philosophy": "I mentor by asking, not telling ..."})
@blp.response(200, NominationSchema)
@errors_for(401, 403, 404, 409, 422)
def set_philosophy(body, nomination_id):
    """Write or change your mentoring philosophy, while nominations are open (the nominee)"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    nominations.set_philosophy(nomination, body["philosophy"], actor, today(), utcnow())
    db.session.commit()
    return nomination_view(nomination, actor)


@blp.get("/<int:nomination_id>/evidence")
@blp.response(200, EvidenceSchema)
@errors_for(401, 403, 404)
def get_evidence(nomination_id):
    """The nominee's ledger evidence: live while nominations are open, then frozen as of
    the closing date, with its SHA-256 and whether it still matches (the committee, the
    award's managers and the nominee; not the nominators)"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    if not evidence.may_read_evidence(actor, nomination):
        raise Forbidden(
            "The evidence is for the committee, the award's administrators and the nominee; a nominator "
            "reads what they wrote.",
            {"evidence": ["committee, managers and the nominee only"]},
        )
    table, digest = evidence.evidence(nomination, today())
    return {
        "nomination_id": nomination.id,
        "table": table,
        "hash": digest,
        "frozen_at": nomination.evidence_frozen_at,
        "intact": evidence.evidence_intact(nomination),
    }


# Letters ---------------------------------------------------------------------------------


@blp.get("/<int:nomination_id>/letters")
@blp.response(200, LetterSchema(many=True))
@errors_for(401, 403, 404)
def list_letters(nomination_id):
    """The supporting letters (not for the nominee)"""
    actor = api_actor()
    nomination = _letters_for(nomination_id, actor)
    return [letter_view(letter) for letter in letters.readable_letters(actor, nomination)]


@blp.post("/<int:nomination_id>/letters")
@blp.arguments(LetterUploadSchema, location="files")
@blp.response(201, LetterSchema)
@errors_for(401, 403, 404, 409, 413, 422)
def add_letter(files, nomination_id):
    """Upload a supporting letter while nominations are open (a nominator or the award's
    administrators): multipart/form-data with the PDF in `letter` and the writer's name
    in the form field `author`. At most 5 letters; each a real PDF within the size and
    page limits"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    upload = files["letter"]
    letter = letters.add_letter(
        nomination, upload.read(), upload.filename or "", request.form.get("author"), actor, today(), utcnow()
    )
    db.session.commit()
    return letter_view(letter)


@blp.get("/<int:nomination_id>/letters/<int:letter_id>/pdf")
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The letter as stored: re-written on upload into a plain copy of its pages",
)
@errors_for(401, 403, 404)
def download_letter(nomination_id, letter_id):
    """A supporting letter's PDF, as stored (not for the nominee)"""
    actor = api_actor()
    letter = letters.readable_letter(actor, _letters_for(nomination_id, actor), letter_id)
    name = re.sub(r"[^A-Za-z0-9_. -]", "_", letter.filename) or "letter.pdf"
    return Response(
        letter.pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@blp.get("/<int:nomination_id>/package")
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="Cover pages (statements, philosophy, evidence) followed by every letter; a letter "
    "that cannot be read is replaced by a page saying so",
)
@errors_for(401, 403, 404)
def download_package(nomination_id):
    """The whole nomination as one PDF (the committee and the award's administrators)"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    if not package.may_read(actor, nomination):
        raise Forbidden(
            "The nomination package is for the committee and the award's administrators.",
            {"nomination_id": ["committee and administrators only"]},
        )
    return Response(
        package.render(nomination, today()),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{package.download_name(nomination)}"'},
    )


@blp.delete("/<int:nomination_id>/letters/<int:letter_id>")
@blp.response(204)
@errors_for(401, 403, 404, 409)
def remove_letter(nomination_id, letter_id):
    """Remove a letter while nominations are open (whoever uploaded it, or the award's
    administrators)"""
    actor = api_actor()
    nomination = _letters_for(nomination_id, actor)
    letters.remove_letter(nomination, letters.get_letter(nomination, letter_id), actor, today())
    db.session.commit()


@blp.errorhandler(413)
def too_large(error):
    limit = size(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    return respond(
        413,
        f"The upload is larger than {limit}; a letter must be far smaller.",
        {"letter": [f"must be at most {size(current_app.config['AWARD_LETTER_MAX_BYTES'])}"]},
    )


# Scores and conflicts ----------------------------------------------------------------------


def _scores_for(nomination: Nomination, actor: Actor) -> dict:
    own = recusals.own_scores(nomination.id, actor.person_id)
    rubric = definitions.rubric_text(nomination.cycle)
    return {
        "nomination_id": nomination.id,
        "scoring_open": recusals.is_member(nomination.cycle_id, actor.person_id)
        and phases.is_scoring_open(nomination.cycle, today()),
        "rubric": {
            "low": rubric.low,
            "high": rubric.high,
            "criteria": [
                {"id": c.id, "name": c.name, "description": c.description, "weight": c.weight} for c in rubric.criteria
            ],
        },
        "score_sets": [score_set_view(s, actor) for s in committee.score_sets(nomination, actor, today())],
        "score_sets_withheld": committee.scores_withheld(nomination, actor, today()),
        "own": own_scores_view(own, actor) if own is not None else None,
    }


@blp.get("/<int:nomination_id>/scores")
@blp.response(200, ScoresSchema)
@errors_for(401, 403, 404)
def get_scores(nomination_id):
    """The score sets counted for this nomination and your own with its history (the
    award's managers and unrecused committee members)"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    _, committee_side = reading(actor, nomination)
    if not committee_side:
        raise Forbidden(
            "Scores are the committee's: only its members and the award's administrators read them.",
            {"scores": ["committee only"]},
        )
    return _scores_for(nomination, actor)


@blp.put("/<int:nomination_id>/scores")
@blp.arguments(
    ScoresInSchema,
    example={
        "scores": {"impact": 4, "commitment": 5, "quality": 4, "citizenship": 3},
        "comment": "Strong letters; evidence of sustained meetings.",
    },
)
@blp.response(200, OwnScoresSchema)
@errors_for(401, 403, 404, 409, 422)
def score(body, nomination_id):
    """Save your scores (a whole number per criterion of the rubric) and a comment
    (committee members, during the review). Each change is kept as a revision"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    saved = committee.score(nomination, actor, body["scores"], body["comment"], today(), utcnow())
    db.session.commit()
    return own_scores_view(saved, actor)


@blp.post("/<int:nomination_id>/conflicts")
@blp.arguments(ConflictInSchema, example={"reason": "We co-supervise a fellow."})
@blp.response(201, RecusalSchema)
@errors_for(401, 403, 404, 409, 422)
def declare_conflict(body, nomination_id):
    """Declare a conflict of interest with this nominee (committee members): it is kept on
    the record, and you step aside from the nomination at once"""
    actor = api_actor()
    nomination = nominations.get_nomination(nomination_id, actor)
    recusal: Recusal = recusals.declare(nomination, actor, body["reason"], utcnow())
    db.session.commit()
    return {
        "id": recusal.id,
        "nomination_id": nomination.id,
        "nominee": ref(nomination.nominee),
        "member": {"id": actor.person_id, "name": actor.name},
        "source": recusal.source,
        "reason": recusal.reason,
        "at": recusal.at,
    }
