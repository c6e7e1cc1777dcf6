"""/api/v1/awards: what each award is, and what its winners received.

Anyone signed in reads the awards (their rules are the department's, not secrets); only
administrators create or change them. A grant (the certificate and the signed Open Badges
3.0 credential a winner receives) is its winner's and the administrators': anyone else
gets a 404, as if it did not exist. The public checks a grant through /verify/<code>.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Response
from sqlalchemy import select

from ...apidoc import errors_for
from ...auth.current import api_actor
from ...auth.service import Actor, whose
from ...clock import utcnow
from ...credits import canonical
from ...errors import Forbidden
from ...extensions import db
from ...keyset import paginate
from ...parsing import Blueprint
from ..announcement import service as announce
from ..models import Award, Grant
from ..paging import page_of
from . import service as definitions
from .schemas import (
    AwardArgsSchema,
    AwardInSchema,
    AwardPageSchema,
    AwardSchema,
    AwardUpdateSchema,
    GrantArgsSchema,
    GrantPageSchema,
    GrantRevocationInSchema,
    GrantSchema,
)

URL = "/awards"
blp = Blueprint(
    "awards_api",
    __name__,
    description="Awards: what each award is, its eligibility, rubric and yearly "
    "schedule; and the awards winners received",
)

EXAMPLE = {
    "slug": "mentor-of-the-year",
    "name": "Mentor of the Year",
    "description": "For sustained, generous mentorship.",
    "level": "department",
    "winners": 1,
    "eligibility": {"min_years_mentoring": 3, "min_mentees": 2, "past_winner_exclusion_years": 5},
    "rubric": {
        "low": 1,
        "high": 5,
        "criteria": [
            {"id": "impact", "name": "Impact on mentees' careers", "description": "Milestones", "weight": 0.6},
            {"id": "commitment", "name": "Sustained commitment", "description": "Years and meetings", "weight": 0.4},
        ],
    },
    "opens": "02-01",
    "closes": "03-15",
    "review_ends": "04-15",
    "decision": "04-30",
    "announcement": "05-15",
}


def award_view(award: Award) -> dict:
    rules = definitions.eligibility(award)
    eligibility = {**asdict(rules), "ranks": list(rules.ranks) if rules.ranks is not None else None}
    rubric = definitions.rubric_text(award)
    return {
        "id": award.id,
        "slug": award.slug,
        "name": award.name,
        "description": award.description,
        "level": award.level,
        "division": {"id": award.division.id, "name": award.division.name} if award.division else None,
        "winners": award.winners,
        "min_reviews": award.min_reviews,
        "division_conflicts": award.division_conflicts,
        "active": award.active,
        "eligibility": eligibility,
        "rubric": {"low": rubric.low, "high": rubric.high, "criteria": [asdict(c) for c in rubric.criteria]},
        "schedule": definitions.schedule(award),
        "created_at": award.created_at,
        "links": {"self": f"/api/v1/awards/{award.id}", "cycles": f"/api/v1/cycles?award_id={award.id}"},
    }


def grant_view(grant: Grant) -> dict:
    revocation = announce.revocation_of(grant.id)
    cycle = grant.cycle
    here = f"/api/v1/awards/grants/{grant.id}"
    return {
        "id": grant.id,
        "award": {"id": cycle.award.id, "name": cycle.award.name},
        "year": cycle.year,
        "cycle_id": cycle.id,
        "nomination_id": grant.nomination_id,
        "person": {"id": grant.person.id, "name": grant.person.name},
        "awarded_on": grant.awarded_on,
        "issued_at": grant.issued_at,
        "status": "revoked" if revocation else "current",
        "revoked_at": revocation.revoked_at if revocation else None,
        "revocation_reason": revocation.reason if revocation else None,
        "code": canonical.format_code(grant.code),
        "verify_url": canonical.verify_url(grant.code),
        "content_hash": grant.content_hash,
        "key_id": grant.key_id,
        "pdf_sha256": grant.pdf_sha256,
        "links": {
            "self": here,
            "credential": f"{here}/credential",
            "pdf": f"{here}/pdf",
            "verify": canonical.verify_url(grant.code),
        },
    }


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only administrators create and change awards.", {"award": ["admins only"]})


# Awards --------------------------------------------------------------------------------


@blp.get("")
@blp.arguments(AwardArgsSchema, location="query")
@blp.response(200, AwardPageSchema)
@errors_for(401, 422)
def list_awards(args):
    """The awards, by name (filter by active, level or division)"""
    api_actor()
    statement = select(Award)
    for key in ("active", "level", "division_id"):
        if key in args:
            statement = statement.where(getattr(Award, key) == args[key])
    page = paginate(db.session, statement, args, (Award.name, Award.id))
    page["items"] = [award_view(award) for award in page["items"]]
    return page


@blp.post("")
@blp.arguments(AwardInSchema, example=EXAMPLE)
@blp.response(201, AwardSchema)
@errors_for(401, 403, 422)
def create_award(body):
    """Create an award: eligibility rules, rubric, number of winners and yearly schedule
    (admins). Its cycle for the year is made by the scheduler, or with POST /api/v1/cycles"""
    _admin(api_actor())
    award = definitions.create(body, utcnow())
    db.session.commit()
    return award_view(award)


@blp.get("/<int:award_id>")
@blp.response(200, AwardSchema)
@errors_for(401, 404)
def get_award(award_id):
    """One award and its rules"""
    api_actor()
    return award_view(definitions.get(award_id))


@blp.patch("/<int:award_id>")
@blp.arguments(AwardUpdateSchema, example={"winners": 2, "closes": "03-31"})
@blp.response(200, AwardSchema)
@errors_for(401, 403, 404, 422)
def update_award(body, award_id):
    """Change an award's settings (admins). The rubric cannot change while a cycle is
    being scored or decided; schedule changes apply to cycles created from then on"""
    actor = api_actor()
    award = definitions.get(award_id)
    _admin(actor)
    definitions.update(award, body)
    db.session.commit()
    return award_view(award)


# Grants --------------------------------------------------------------------------------


@blp.get("/grants")
@blp.arguments(GrantArgsSchema, location="query")
@blp.response(200, GrantPageSchema)
@errors_for(401, 404, 422)
def list_grants(args):
    """The awards you received, newest first (admins: anyone's, with person_id)"""
    person_id = whose(api_actor(), args.get("person_id"))
    return page_of([grant_view(grant) for grant in announce.grants_of(person_id)], args)


@blp.get("/grants/<int:grant_id>")
@blp.response(200, GrantSchema)
@errors_for(401, 404)
def get_grant(grant_id):
    """One award received: its status, verification code and hashes (its winner and admins)"""
    return grant_view(announce.get_grant(grant_id, api_actor()))


@blp.get("/grants/<int:grant_id>/credential")
@blp.response(
    200,
    {"type": "object"},
    description="The newest signed Open Badges 3.0 credential (a W3C verifiable credential with an "
    "eddsa-rdfc-2022 proof; those issued before it carry eddsa-jcs-2022), byte for byte as issued",
)
@errors_for(401, 404)
def download_credential(grant_id):
    """The signed Open Badges 3.0 credential, exactly as issued (the newest, when it was
    re-issued), to import into a badge wallet or check with the key its proof names"""
    grant = announce.get_grant(grant_id, api_actor())
    return Response(
        announce.current_credential(grant),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="award-{grant.id}-credential.json"'},
    )


@blp.post("/grants/<int:grant_id>/credential")
@blp.response(
    201,
    {"type": "object"},
    description="The new signed Open Badges 3.0 credential (eddsa-rdfc-2022)",
)
@errors_for(401, 404, 409)
def reissue_credential(grant_id):
    """Issue a fresh credential for an award (its winner or an admin): signed as credentials
    are signed today, with the same status entry. The earlier credential stays valid; a
    revoked award gets none (409)"""
    actor = api_actor()
    grant = announce.get_grant(grant_id, actor)
    fresh = announce.reissue(grant, actor, utcnow())
    db.session.commit()
    return Response(
        fresh.credential,
        status=201,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="award-{grant.id}-credential.json"'},
    )


@blp.get("/grants/<int:grant_id>/pdf")
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The award certificate, byte for byte as issued",
)
@errors_for(401, 404)
def download_certificate(grant_id):
    """The award certificate PDF, exactly as issued"""
    grant = announce.get_grant(grant_id, api_actor())
    return Response(
        grant.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="award-{grant.id}.pdf"'},
    )


@blp.post("/grants/<int:grant_id>/revocation")
@blp.arguments(GrantRevocationInSchema, example={"reason": "Granted on a miscounted ranking"})
@blp.response(201, GrantSchema)
@errors_for(401, 403, 404, 409, 422)
def revoke_grant(body, grant_id):
    """Revoke an award, saying why (admins). Verification reports it revoked from then on,
    and it no longer counts as a past win"""
    actor = api_actor()
    grant = announce.get_grant(grant_id, actor)
    announce.revoke(grant, body["reason"], actor, utcnow())
    db.session.commit()
    return grant_view(grant)
