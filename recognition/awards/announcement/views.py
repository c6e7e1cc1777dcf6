"""What winners and the public see of announced awards (the "nominations" blueprint, whose
endpoint names they keep): a person's own awards with their certificate and signed
credential, and the public recognition pages listing every unrevoked winner."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from ...auth.current import page_actor
from ...clock import utcnow
from ...errors import NotFound, payload
from ...extensions import db
from ..definitions import service as definitions
from ..models import Award
from ..nominations.pages import blp, eligibility_words
from . import emblem
from . import service as announce


@blp.get("/awards/mine")
@login_required
def my_awards():
    actor = page_actor()
    grants = announce.grants_of(actor.person_id) if actor.person_id is not None else []
    rows = [{"grant": g, "award": g.cycle.award, "revocation": announce.revocation_of(g.id)} for g in grants]
    return render_template("nominations/my_awards.html", actor=actor, rows=rows)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@blp.get("/awards/mine/<int:grant_id>/certificate.pdf")
@login_required
def grant_pdf(grant_id: int):
    grant = announce.get_grant(grant_id, page_actor())
    return _download(grant.pdf, "application/pdf", f"{grant.cycle.award.slug}-{grant.cycle.year}.pdf")


@blp.get("/awards/mine/<int:grant_id>/credential.json")
@login_required
def grant_credential(grant_id: int):
    """The signed Open Badges credential byte for byte as issued: re-encoding would break
    nothing in the proof (it is over canonical JSON), but a holder can compare hashes."""
    grant = announce.get_grant(grant_id, page_actor())
    return _download(
        announce.current_credential(grant).encode("utf-8"),
        "application/json",
        f"{grant.cycle.award.slug}-{grant.cycle.year}-credential.json",
    )


def _by_year(winners: list[dict]) -> list[dict]:
    """[{year, awards: [{name, slug, winners}]}] in the order ``public_winners`` gives."""
    years: list[dict] = []
    for winner in winners:
        if not years or years[-1]["year"] != winner["year"]:
            years.append({"year": winner["year"], "awards": []})
        awards = years[-1]["awards"]
        if not awards or awards[-1]["slug"] != winner["slug"]:
            awards.append({"name": winner["award"], "slug": winner["slug"], "winners": []})
        awards[-1]["winners"].append(winner)
    return years


@blp.get("/recognition")
def recognition():
    """Every announced, unrevoked award winner, by year and award. Public: no sign-in."""
    return render_template("recognition/index.html", years=_by_year(announce.public_winners()))


@blp.get("/recognition/<slug>")
def recognition_award(slug: str):
    """One award and its winners by year: the achievement its Open Badges credentials name."""
    award = db.session.scalar(select(Award).where(Award.slug == slug.lower()[:60]))
    if award is None:
        return render_template("recognition/unknown.html"), 404
    winners = [w for w in announce.public_winners() if w["slug"] == award.slug]
    return render_template(
        "recognition/award.html",
        award=award,
        years=_by_year(winners),
        rules=eligibility_words(award),
        rubric=definitions.rubric_text(award),
        criteria=announce.criteria_text(award),
    )


def _json(data: dict, status: int = 200, media: str = "application/ld+json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=1), status=status, mimetype=media)


@blp.get("/issuer")
def issuer_profile():
    """The issuer named by every credential: JSON-LD for verifiers (``Accept:
    application/json`` or ``application/ld+json``), a page for browsers. Public."""
    profile = announce.issuer_profile()
    wanted = request.accept_mimetypes.best_match(["application/ld+json", "application/json", "text/html"])
    if wanted == "text/html":
        return render_template("recognition/issuer.html", profile=profile)
    response = _json(profile, media=wanted or "application/ld+json")
    response.headers["Vary"] = "Accept"
    return response


@blp.get("/badges/status/<int:number>")
def status_list(number: int):
    """A Bitstring Status List credential, signed when asked: a grant's bit is set while it
    stands revoked. Public; never cached for long, a revocation shows at the next fetch."""
    try:
        signed = announce.status_list_credential(number, utcnow())
    except NotFound as error:
        return _json(payload(404, error.message, error.errors), 404, "application/json")
    response = _json(signed)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blp.get("/recognition/<slug>/emblem.png")
def award_emblem(slug: str):
    """The award's emblem, the image its credentials name. Public."""
    award = db.session.scalar(select(Award).where(Award.slug == slug.lower()[:60]))
    if award is None:
        return render_template("recognition/unknown.html"), 404
    return Response(emblem.emblem(award.slug), mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})


@blp.get("/awards/mine/<int:grant_id>/badge.png")
@login_required
def grant_badge(grant_id: int):
    """The emblem with the current credential baked in (Open Badges 3.0 baking)."""
    grant = announce.get_grant(grant_id, page_actor())
    award = grant.cycle.award
    baked = emblem.bake(emblem.emblem(award.slug), announce.current_credential(grant))
    return _download(baked, "image/png", f"{award.slug}-{grant.cycle.year}-badge.png")


def linkedin_url(grant, award, issued: dict) -> str:
    """LinkedIn's "add a certification" form, filled in."""
    awarded = grant.awarded_on
    return "https://www.linkedin.com/profile/add?" + urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": f"{award.name} {grant.cycle.year}",
            "organizationName": issued["issuer"]["name"],
            "issueYear": awarded.year,
            "issueMonth": awarded.month,
            "certUrl": issued["id"],
            "certId": grant.code,
        }
    )


@blp.get("/awards/mine/<int:grant_id>/share")
@login_required
def share_grant(grant_id: int):
    """What a winner shares: the credential and the baked image to download, the
    verification link to copy, LinkedIn's certification form filled in. Only the winner
    and administrators open it; the credential's facts are public at its verification page."""
    actor = page_actor()
    grant = announce.get_grant(grant_id, actor)
    award = grant.cycle.award
    issued = json.loads(announce.current_credential(grant))
    return render_template(
        "nominations/share.html",
        grant=grant,
        award=award,
        credential=issued,
        revocation=announce.revocation_of(grant.id),
        verify_url=issued["id"],
        linkedin=linkedin_url(grant, award, issued),
        suite=issued.get("proof", {}).get("cryptosuite"),
    )


@blp.post("/awards/mine/<int:grant_id>/reissue")
@login_required
def reissue_grant(grant_id: int):
    """A fresh credential, signed as credentials are signed today; the earlier one stays valid."""
    actor = page_actor()
    grant = announce.get_grant(grant_id, actor)
    announce.reissue(grant, actor, utcnow())
    db.session.commit()
    flash("A new credential was issued. The one you had stays valid.", "success")
    return redirect(url_for("nominations.share_grant", grant_id=grant.id))
