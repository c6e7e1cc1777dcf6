"""Award pages (the "awards" blueprint, shared with ``cycles.views`` through
``awards.pages``): the awards, a new award, one award's settings and past cycles, and
starting a cycle of it.

Every rule is the services': a handler reads the form, calls the service, commits and
redirects (Post/Redirect/Get), or re-renders the page with the refusal on its fields and
the refusal's status, having changed nothing. Anyone signed in reads awards; changing one
is for its administrators.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from wtforms import SelectChoice

from ...auth.current import page_actor
from ...auth.service import Actor, require_admin
from ...clock import today, utcnow
from ...errors import DomainError
from ...extensions import db
from ...people.models import Division, Person
from ..cycles import phases
from ..cycles import service as cycles
from ..models import Award, CommitteeMember, Cycle, Grant, GrantRevocation
from ..pages import blp, member_work
from . import service as definitions
from .forms import AwardForm, CycleForm

# The awards --------------------------------------------------------------------------


@blp.get("/awards")
@login_required
def index():
    """Every award with its current cycle; what is open for nominations; the reader's committee work."""
    actor, day = page_actor(), today()
    query = select(Award).order_by(Award.level, Award.name)
    if not actor.is_admin:
        query = query.where(Award.active.is_(True))
    awards = db.session.scalars(query).all()
    latest: dict[int, Cycle] = {}
    for cycle in db.session.scalars(select(Cycle).order_by(Cycle.year)):
        latest[cycle.award_id] = cycle
    open_now = [
        c
        for c in db.session.scalars(select(Cycle).where(Cycle.phase == "open").order_by(Cycle.closes_on))
        if phases.is_nominating_open(c, day)
    ]
    member_of = db.session.scalars(
        select(Cycle)
        .join(CommitteeMember, CommitteeMember.cycle_id == Cycle.id)
        .where(CommitteeMember.person_id == actor.person_id)
        .order_by(Cycle.year.desc(), Cycle.id)
    ).all()
    return render_template(
        "awards/index.html",
        actor=actor,
        rows=[{"award": a, "cycle": latest.get(a.id), "next": next_date(latest.get(a.id), day)} for a in awards],
        open_now=open_now,
        work=[member_work(c, actor, day) for c in member_of],
    )


def next_date(cycle: Cycle | None, day: date) -> tuple[str, date] | None:
    """What the cycle waits for next, and when."""
    if cycle is None:
        return None
    if cycle.phase == "review" and day > cycle.review_ends_on:
        return "Decision", cycle.decision_on
    return {
        "scheduled": ("Nominations open", cycle.opens_on),
        "open": ("Last day for nominations", cycle.closes_on),
        "closed": ("Committee review starts", phases.review_starts(cycle)),
        "review": ("Last day of scoring", cycle.review_ends_on),
        "decided": ("Announcement", cycle.announce_on),
    }.get(cycle.phase)


@blp.route("/awards/new", methods=["GET", "POST"])
@login_required
def new():
    actor = page_actor()
    require_admin(actor)
    if request.method == "GET":
        return _render_new(AwardForm.for_award(None))
    form = _with_divisions(AwardForm())
    if form.validate_on_submit():
        try:
            award = definitions.create(form.settings(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(
                f"Created {award.name}. Add its first cycle below; after that the scheduler creates one every year.",
                "success",
            )
            return redirect(url_for("awards.detail", award_id=award.id))
    return _render_new(form, form.refusal_status)


def _render_new(form: AwardForm, status: int = 200):
    return render_template("awards/new.html", form=_with_divisions(form)), status


def _with_divisions(form: AwardForm) -> AwardForm:
    divisions = db.session.scalars(select(Division).order_by(Division.name)).all()
    form.division_id.choices = [SelectChoice("", "None (department award)")] + [
        SelectChoice(d.id, d.name) for d in divisions
    ]
    return form


@blp.route("/awards/<int:award_id>", methods=["GET", "POST"])
@login_required
def detail(award_id: int):
    """The award as everyone reads it; its administrators also edit it here."""
    actor = page_actor()
    award = definitions.get(award_id)
    if request.method == "GET":
        return render_award(actor, award)
    require_admin(actor)
    form = _with_divisions(AwardForm())
    if form.validate_on_submit():
        try:
            definitions.update(award, form.settings())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(f"Saved the settings of {award.name}.", "success")
            return redirect(url_for("awards.detail", award_id=award.id))
    award = definitions.get(award_id)  # as stored, not as the refused form left it
    return render_award(actor, award, form=form, status=form.refusal_status)


@blp.post("/awards/<int:award_id>/cycles")
@login_required
def create_cycle(award_id: int):
    actor = page_actor()
    award = definitions.get(award_id)
    require_admin(actor)
    form = CycleForm(prefix="cycle")
    if form.validate_on_submit():
        try:
            cycle = cycles.create_cycle(award, form.year.data, utcnow(), dates=form.dates())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(
                f"Created the {award.name} {cycle.year} cycle. It opens for nominations on "
                f"{cycle.opens_on.isoformat()}; choose its committee now.",
                "success",
            )
            return redirect(url_for("awards.cycle", cycle_id=cycle.id))
    return render_award(actor, award, cycle_form=form, status=form.refusal_status)


def render_award(actor: Actor, award: Award, *, form=None, cycle_form=None, status: int = 200):
    past = db.session.scalars(select(Cycle).where(Cycle.award_id == award.id).order_by(Cycle.year.desc())).all()
    winners: dict[int, list[Person]] = {}
    for grant in db.session.scalars(
        select(Grant)
        .outerjoin(GrantRevocation, GrantRevocation.grant_id == Grant.id)
        .where(Grant.cycle_id.in_([c.id for c in past]), GrantRevocation.grant_id.is_(None))
        .order_by(Grant.id)
    ):
        if grant.cycle.phase == "announced":
            winners.setdefault(grant.cycle_id, []).append(grant.person)
    text = definitions.rubric_text(award)
    total = sum(c.weight for c in text.criteria)
    if actor.is_admin:
        form = form or _with_divisions(AwardForm.for_award(award))
        cycle_form = cycle_form or CycleForm(
            prefix="cycle", formdata=None, year=max((c.year for c in past), default=today().year - 1) + 1
        )
    return render_template(
        "awards/award.html",
        actor=actor,
        award=award,
        rules=eligibility_words(award),
        rubric=text,
        shares={c.id: c.weight / total for c in text.criteria},
        schedule=[
            (definitions.SCHEDULE_LABELS[f], f"{day.day} {day:%B}")
            for f, day in ((f, definitions.month_day(getattr(award, f), 2024)) for f in definitions.SCHEDULE)
        ],
        past=past,
        winners=winners,
        form=form,
        cycle_form=cycle_form,
    ), status


def eligibility_words(award: Award) -> list[str]:
    """The award's eligibility rules as sentences."""
    rules = definitions.eligibility(award)
    words = []
    if award.level == "division" and award.division is not None:
        words.append(f"Open only to members of {award.division.name}.")
    if rules.min_years_mentoring is not None:
        words.append(f"At least {_years(rules.min_years_mentoring)} of mentoring.")
    if rules.min_mentees is not None:
        words.append(f"At least {rules.min_mentees} mentee{'s' * (rules.min_mentees != 1)}.")
    if rules.max_years_on_faculty is not None:
        words.append(f"At most {_years(rules.max_years_on_faculty)} on faculty (an early-career award).")
    if rules.ranks is not None:
        words.append("Open to these ranks only: " + ", ".join(rules.ranks) + ".")
    exclusion = rules.past_winner_exclusion_years
    words.append(
        "Past winners of this award are not eligible again."
        if exclusion is None
        else "Past winners may win it again."
        if exclusion == 0
        else f"Past winners are not eligible for {_years(exclusion)} after winning."
    )
    words.append("Nobody may nominate themself.")
    return words


# One cycle ---------------------------------------------------------------------------


# The ranking and the decision --------------------------------------------------------


def _years(count: int) -> str:
    return f"{count} year{'s' * (count != 1)}"
