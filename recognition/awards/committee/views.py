"""The committee's actions on a nomination's page (the "nominations" blueprint): declaring a
conflict of interest and stepping aside, and scoring on the award's rubric. A refusal
re-renders the nomination page (``nominations.pages.render_detail``) with the reason on
its fields."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import login_required

from ...clock import today, utcnow
from ...errors import DomainError
from ...extensions import db
from ..definitions import service as definitions
from ..nominations.forms import (
    ConflictForm,
    ScoreForm,
)
from ..nominations.pages import back_to, blp, nomination_or_404, render_detail
from . import recusal
from . import service as committee


@blp.post("/awards/nominations/<int:nomination_id>/conflict")
@login_required
def declare(nomination_id: int):
    actor, nomination = nomination_or_404(nomination_id)
    form = ConflictForm()
    if form.validate_on_submit():
        name = nomination.nominee.name
        try:
            recusal.declare(nomination, actor, form.reason.data, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(
                f"You declared a conflict with {name}'s nomination and step aside from it: it is hidden from you, "
                "and any scores you gave it no longer count. The declaration is kept on the record.",
                "success",
            )
            return redirect(url_for("nominations.mine"))
    return render_detail(nomination, actor, conflict_form=form, status=form.refusal_status)


@blp.post("/awards/nominations/<int:nomination_id>/scores")
@login_required
def scores(nomination_id: int):
    actor, nomination = nomination_or_404(nomination_id)
    form = ScoreForm.for_rubric(definitions.rubric_text(nomination.cycle))
    if form.validate_on_submit():
        try:
            saved = committee.score(nomination, actor, form.values(), form.comment.data, today(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error, form.aliases)
        else:
            db.session.commit()
            cycle = nomination.cycle
            flash(
                f"Your scores for {nomination.nominee.name} are saved (revision {saved.revision}). You can change them "
                f"until the review ends on {cycle.review_ends_on.day} {cycle.review_ends_on:%B %Y}.",
                "success",
            )
            return back_to(nomination, "scoring")
    return render_detail(nomination, actor, score_form=form, status=form.refusal_status)
