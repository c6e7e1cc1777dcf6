"""Nomination pages: nominate, a nomination with its letters, philosophy, evidence and scores;
my awards; the public recognition page.

Who sees what is the services' to say (``nominations.get_nomination``, ``role_in``,
``may_read_letters``, ``committee.score_sets``, ``announce.get_grant``); a page only picks
the sections the reader's roles allow. A nominee never sees statements, letters or scores,
even when they also hold another role. A refusal re-renders the page with the service's
message on the field it names and the service's status; success flashes and redirects.
"""

from __future__ import annotations

import io
import json
from typing import Any

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from ... import errors
from ...auth.current import page_actor
from ...auth.service import Actor
from ...clock import today, utcnow
from ...errors import DomainError, NotFound
from ...extensions import db
from ...people.forms import RANK_LABELS
from ...people.models import Person
from ..committee import recusal
from ..cycles import phases
from ..cycles import service as cycles
from ..definitions import service as definitions
from ..models import CommitteeMember, Cycle, Nomination, NominationStatement
from . import letters, package
from . import service as nominations
from .forms import (
    ActionForm,
    FindColleagueForm,
    LetterForm,
    NominateForm,
    PhilosophyForm,
    StatementForm,
)
from .pages import PHASE_LABELS, back_to, blp, eligibility_words, nomination_or_404, render_detail, standing

SEARCH_LIMIT = 20


def _person_label(person: Person) -> str:
    parts = [person.division.name if person.division else None, RANK_LABELS.get(person.rank, person.rank)]
    return f"{person.name} ({', '.join(p for p in parts if p)})"


# Nominating -----------------------------------------------------------------------------


@blp.route("/awards/cycles/<int:cycle_id>/nominate", methods=["GET", "POST"])
@login_required
def new(cycle_id: int):
    """Find a colleague and nominate them with a statement, while nominations are open."""
    actor = page_actor()
    cycle = cycles.get(cycle_id)
    finder = FindColleagueForm(formdata=request.args)
    form = NominateForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                nomination = nominations.nominate(
                    cycle, form.nominee_id.data, form.statement.data, actor, today(), utcnow()
                )
            except DomainError as error:
                db.session.rollback()
                form.refused(error)
            else:
                db.session.commit()
                flash(_nominated(nomination), "success")
                return redirect(url_for("nominations.detail", nomination_id=nomination.id))
        status = form.refusal_status
        finder.q.data = form.q.data
    elif finder.q.data and not finder.validate():
        status = 422
    query = finder.q.data if not finder.q.errors else None
    form.q.data = query
    found = _colleagues(cycle, actor, query)
    chosen = list(found[:SEARCH_LIMIT])
    if isinstance(form.nominee_id.data, int) and form.nominee_id.data not in {p.id for p in chosen}:
        person = db.session.get(Person, form.nominee_id.data)
        if person is not None:
            chosen.insert(0, person)
    form.nominee_id.choices = [SelectChoice(p.id, _person_label(p)) for p in chosen]
    mine = (
        db.session.scalars(
            select(Nomination)
            .join(NominationStatement, NominationStatement.nomination_id == Nomination.id)
            .where(Nomination.cycle_id == cycle.id, NominationStatement.nominator_id == actor.person_id)
            .order_by(Nomination.id)
        ).all()
        if actor.person_id is not None
        else []
    )
    return render_template(
        "nominations/new.html",
        cycle=cycle,
        award=cycle.award,
        open=phases.is_nominating_open(cycle, today()),
        phase=PHASE_LABELS.get(cycle.phase, cycle.phase),
        today=today(),
        rules=eligibility_words(cycle.award),
        finder=finder,
        form=form,
        searched=bool(query),
        yourself=_matches_self(actor, query),
        found=len(found),
        more=len(found) > SEARCH_LIMIT,
        limit=SEARCH_LIMIT,
        mine=mine,
        max_letters=letters.MAX_LETTERS,
    ), status


def _colleagues(cycle: Cycle, actor: Actor, query: str | None) -> list[Person]:
    """People whose name or email holds ``query`` (one more than shown, to say there are
    more); a division award's search stays in its division. Never the searcher."""
    text = (query or "").strip().lower()
    if len(text) < 2:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    statement = select(Person).where(
        or_(Person.name.ilike(pattern, escape="\\"), Person.email.ilike(pattern, escape="\\"))
    )
    if actor.person_id is not None:
        statement = statement.where(Person.id != actor.person_id)
    if cycle.award.level == "division":
        statement = statement.where(Person.division_id == cycle.award.division_id)
    return list(db.session.scalars(statement.order_by(Person.name, Person.id).limit(SEARCH_LIMIT + 1)))


def _matches_self(actor: Actor, query: str | None) -> bool:
    """Whether the searcher's own name or email holds ``query``: the search never lists
    them, and "nobody matches" would hide why."""
    text = (query or "").strip().lower()
    me = db.session.get(Person, actor.person_id) if actor.person_id is not None else None
    return len(text) >= 2 and me is not None and (text in me.name.lower() or text in me.email.lower())


def _nominated(nomination: Nomination) -> str:
    cycle = nomination.cycle
    name = nomination.nominee.name
    closes = f"{cycle.closes_on.day} {cycle.closes_on:%B %Y}"
    if len(nominations.nominator_ids(nomination.id)) > 1:
        return (
            f"A colleague had already nominated {name} for {cycle.award.name} {cycle.year}: your statement is added "
            f"to the same nomination. You can add supporting letters until nominations close on {closes}."
        )
    return (
        f"You nominated {name} for {cycle.award.name} {cycle.year}. You can change your statement and add up to "
        f"{letters.MAX_LETTERS} supporting letters until nominations close on {closes}."
    )


# My nominations ---------------------------------------------------------------------------


@blp.get("/awards/nominations")
@login_required
def mine():
    """The reader's nominations as nominator and as nominee, and per cycle of their
    committees the nominations to review with what they have scored."""
    actor = page_actor()
    me = actor.person_id
    as_nominator = db.session.scalars(
        select(Nomination)
        .join(NominationStatement, NominationStatement.nomination_id == Nomination.id)
        .where(NominationStatement.nominator_id == me)
        .order_by(Nomination.cycle_id.desc(), Nomination.id)
    ).all()
    as_nominee = db.session.scalars(
        select(Nomination).where(Nomination.nominee_id == me).order_by(Nomination.cycle_id.desc())
    ).all()
    day = today()
    reviews = []
    committees = db.session.scalars(
        select(Cycle)
        .join(CommitteeMember, CommitteeMember.cycle_id == Cycle.id)
        .where(CommitteeMember.person_id == me)
        .order_by(Cycle.year.desc(), Cycle.id.desc())
    ).all()
    for cycle in committees:
        item: dict[str, Any] = {
            "cycle": cycle,
            "rows": [],
            "recused": 0,
            "scoring_open": phases.is_scoring_open(cycle, day),
            "review_starts": phases.review_starts(cycle),
            "criteria": definitions.rubric_text(cycle).criteria,
        }
        if cycle.phase not in ("scheduled", "open") and me is not None:  # a member is a person
            conflicts = recusal.recusal_map(cycle, member_ids=[me])
            for nomination in db.session.scalars(
                select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id)
            ):
                if (nomination.id, me) in conflicts:
                    item["recused"] += 1
                else:
                    own = recusal.own_scores(nomination.id, me)
                    item["rows"].append(
                        {"nomination": nomination, "scores": own, "given": json.loads(own.scores) if own else {}}
                    )
        reviews.append(item)
    return render_template(
        "nominations/mine.html",
        actor=actor,
        as_nominator=as_nominator,
        as_nominee=as_nominee,
        reviews=reviews,
        phases=PHASE_LABELS,
    )


# One nomination ---------------------------------------------------------------------------


@blp.get("/awards/nominations/<int:nomination_id>")
@login_required
def detail(nomination_id: int):
    actor = page_actor()
    return render_detail(nominations.get_nomination(nomination_id, actor), actor)


@blp.post("/awards/nominations/<int:nomination_id>/statement")
@login_required
def edit_statement(nomination_id: int):
    actor, nomination = nomination_or_404(nomination_id)
    form = StatementForm()
    if form.validate_on_submit():
        try:
            nominations.edit_statement(nomination, form.statement.data, actor, today(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash("Your statement is saved.", "success")
            return back_to(nomination, "statements")
    return render_detail(nomination, actor, statement_form=form, status=form.refusal_status)


@blp.post("/awards/nominations/<int:nomination_id>/withdraw")
@login_required
def withdraw(nomination_id: int):
    actor, nomination = nomination_or_404(nomination_id)
    form = ActionForm()
    if form.validate_on_submit():
        name = nomination.nominee.name
        try:
            removed = nominations.withdraw(nomination, actor, today(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(
                f"You withdrew your nomination of {name}. "
                + (
                    "No other colleague had nominated them, so the nomination and its letters are removed."
                    if removed
                    else "Other colleagues' statements keep the nomination standing."
                ),
                "success",
            )
            return redirect(url_for("nominations.mine"))
    return render_detail(nomination, actor, action_form=form, status=form.refusal_status)


@blp.post("/awards/nominations/<int:nomination_id>/philosophy")
@login_required
def philosophy(nomination_id: int):
    actor, nomination = nomination_or_404(nomination_id)
    form = PhilosophyForm()
    if form.validate_on_submit():
        try:
            nominations.set_philosophy(nomination, form.philosophy.data, actor, today(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash("Your mentoring philosophy is saved; the committee reads it with your nomination.", "success")
            return back_to(nomination, "philosophy")
    return render_detail(nomination, actor, philosophy_form=form, status=form.refusal_status)


# Letters ------------------------------------------------------------------------------------


@blp.post("/awards/nominations/<int:nomination_id>/letters")
@login_required
def upload_letter(nomination_id: int):
    actor, nomination = nomination_or_404(nomination_id)
    form = LetterForm()
    if form.validate_on_submit():
        upload = form.letter.data
        try:
            letter = letters.add_letter(
                nomination, upload.read(), upload.filename or "", form.author.data, actor, today(), utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(f"Letter from {letter.author} added ({letter.pages} page{'s' * (letter.pages != 1)}).", "success")
            return back_to(nomination, "letters")
    return render_detail(nomination, actor, letter_form=form, status=form.refusal_status)


@blp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """An upload over the app's MAX_CONTENT_LENGTH never reaches the service: say so next
    to the file field all the same."""
    config = current_app.config
    message = f"The upload is too large: at most {_size(config['MAX_CONTENT_LENGTH'])} is accepted."
    if request.endpoint != "nominations.upload_letter" or not current_user.is_authenticated:
        return errors.respond(413, message)
    try:
        actor, nomination = nomination_or_404((request.view_args or {})["nomination_id"])
    except DomainError as refused:
        return errors.respond(refused.status, refused.message, refused.errors)
    form = LetterForm(formdata=None)
    rule = f"must be at most {int(config['AWARD_LETTER_MAX_BYTES']) // 1024} KB (this file is larger than the upload limit)"
    form.refused(DomainError(message, {"letter": [rule]}, status=413))
    return render_detail(nomination, actor, letter_form=form, status=413)


def _size(count) -> str:
    count = int(count or 0)
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"


@blp.get("/awards/nominations/<int:nomination_id>/letters/<int:letter_id>")
@login_required
def letter(nomination_id: int, letter_id: int):
    """The letter as stored, to those who may read it; to anyone else it does not exist."""
    actor, nomination = nomination_or_404(nomination_id)
    if not standing(actor, nomination)["letters"]:
        raise NotFound("No letter with that id that you may read.", {"letter_id": ["no such letter"]})
    found = letters.readable_letter(actor, nomination, letter_id)
    response = send_file(
        io.BytesIO(found.pdf), mimetype="application/pdf", as_attachment=True, download_name=found.filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.get("/awards/nominations/<int:nomination_id>/package.pdf")
@login_required
def package_pdf(nomination_id: int):
    """The whole nomination as one PDF (``package``), for the committee and the award's administrators."""
    actor, nomination = nomination_or_404(nomination_id)
    if not package.may_read(actor, nomination):
        raise NotFound("No nomination package that you may read.", {"nomination_id": ["not for you"]})
    response = send_file(
        io.BytesIO(package.render(nomination, today())),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=package.download_name(nomination),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.post("/awards/nominations/<int:nomination_id>/letters/<int:letter_id>/remove")
@login_required
def remove_letter(nomination_id: int, letter_id: int):
    actor, nomination = nomination_or_404(nomination_id)
    if not standing(actor, nomination)["letters"]:
        raise NotFound("No letter with that id that you may read.", {"letter_id": ["no such letter"]})
    found = letters.readable_letter(actor, nomination, letter_id)
    form = ActionForm()
    if form.validate_on_submit():
        author = found.author
        try:
            letters.remove_letter(nomination, found, actor, today())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(f"The letter from {author} is removed.", "success")
            return back_to(nomination, "letters")
    return render_detail(nomination, actor, action_form=form, status=form.refusal_status)


# The committee ---------------------------------------------------------------------------


# My awards ---------------------------------------------------------------------------------


# The public recognition page ----------------------------------------------------------------
