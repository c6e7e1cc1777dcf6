"""What winners and the public see of announced awards (the "nominations" blueprint, whose
endpoint names they keep): a person's own awards with their certificate and signed
credential, and the public recognition pages listing every unrevoked winner."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import login_required
from sqlalchemy import select

from ...auth.current import page_actor
from ...extensions import db
from ..definitions import service as definitions
from ..models import Award
from ..nominations.pages import blp, eligibility_words
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
        grant.credential.encode("utf-8"),
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
