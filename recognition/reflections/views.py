"""HTML pages for reflections: the form (from a feedback report, or on other feedback),
the author's list, and one reflection. The text is private: only its author sees it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..auth.current import page_actor
from ..auth.service import Actor
from ..clock import utcnow
from ..credits.activities import reflection_title
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..feedback import figures, reports
from ..feedback.models import Release
from ..ledger import service as ledger
from . import drafts, service
from .forms import STEPS, ReflectionForm

blp = Blueprint("reflections", __name__)


def _require_mentor(actor: Actor) -> None:
    if "mentor" not in actor.roles:
        raise Forbidden("Reflections on feedback are for mentors. You have no mentorship as a mentor.")


@blp.route("/reflections/new", methods=["GET", "POST"])
@login_required
def new():
    """Record a reflection: a ledger entry (Section 3 evidence) plus its private text."""
    actor = page_actor()
    _require_mentor(actor)
    form = ReflectionForm()
    if request.method == "GET":
        form.release_id.data = request.args.get("release_id", type=int)
        form.period.data = request.args.get("period", "")[:10]
        if form.release_id.data is not None:
            form.source.data = "report"
    release = _own_release(form.release_id.data, actor)
    if release is None:
        form.release_id.data = None
        form.period.data = ""
    report = _report_of(release, form, actor)
    if request.method == "GET" and report is not None:
        for name, text in drafts.draft(report).items():
            if not form[name].data:
                form[name].data = text
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                reflection = service.record(form.data_for_service(), actor, utcnow())
            except DomainError as error:
                db.session.rollback()
                form.refused(error, ReflectionForm.ALIASES)
            else:
                db.session.commit()
                flash(
                    f"Recorded: your reflection on {reflection.source_name}, {reflection.entry.minutes} minutes, "
                    f"is in the ledger as entry #{reflection.entry.seq}, Section 3 evidence of feedback received.",
                    "success",
                )
                return redirect(url_for("reflections.mine"))
        status = form.refusal_status
    return render_template(
        "reflections/new.html",
        form=form,
        release=release,
        steps=STEPS,
        report=report,
        figures=figures.of_report(report) if report is not None else None,
        title=reflection_title("report", form.period.data or _last_period(release), None) if release else None,
    ), status


def _last_period(release: Release) -> str:
    return release.periods.split(",")[-1]


def _report_of(release: Release | None, form: ReflectionForm, actor: Actor) -> dict | None:
    """The mentor's own report for the period reflected on, exactly as their report page
    shows it (released blocks only, comments to the mentor alone); None when it shows
    nothing for that period."""
    if release is None:
        return None
    try:
        report = reports.mentor_report(actor.person_id, form.period.data or _last_period(release), actor)
    except DomainError:  # a malformed period from the address: the form still works without the report
        return None
    return report if report["shown"] else None


def _own_release(release_id: int | None, actor: Actor) -> Release | None:
    """The report block the reflection starts from, if it is the actor's. Another mentor's
    block is refused as not found, like every other object the actor may not see."""
    if release_id is None:
        return None
    release = db.session.get(Release, release_id)
    if release is None or release.mentor_id != actor.person_id:
        raise NotFound("No feedback report of yours with that id. Open your report and use “Reflect on this feedback”.")
    return release


@blp.get("/reflections")
@login_required
def mine():
    actor = page_actor()
    reflections = service.reflections_of(actor)
    if not reflections:
        _require_mentor(actor)
    ledger.annotate([r.entry for r in reflections])
    return render_template("reflections/mine.html", reflections=reflections, steps=STEPS)


@blp.get("/reflections/<int:reflection_id>")
@login_required
def detail(reflection_id: int):
    """One reflection; to anyone but its author it does not exist (404), admins included."""
    reflection = service.get(reflection_id, page_actor())
    ledger.annotate([reflection.entry])
    return render_template(
        "reflections/detail.html", reflection=reflection, steps=STEPS, matches=service.text_matches(reflection)
    )
