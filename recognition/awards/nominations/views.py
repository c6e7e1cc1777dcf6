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

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
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
from ..announcement import service as announce
from ..committee import service as committee
from ..cycles import service as cycles
from ..definitions import service as definitions
from ..models import Award, CommitteeMember, Cycle, Nomination, NominationStatement
from . import package
from . import service as nominations
from .forms import (
    ActionForm,
    ConflictForm,
    FindColleagueForm,
    LetterForm,
    NominateForm,
    PhilosophyForm,
    ScoreForm,
    StatementForm,
    score_field,
)

blp = Blueprint("nominations", __name__)
SEARCH_LIMIT = 20
PHASE_LABELS = {
    "scheduled": "scheduled: nominations are not open yet",
    "open": "open for nominations",
    "closed": "nominations closed",
    "review": "committee review",
    "decided": "decided",
    "announced": "announced",
}


def _years(count: int) -> str:
    return f"{count} year" if count == 1 else f"{count} years"


def eligibility_words(award: Award) -> list[str]:
    """The award's eligibility rules as a nominator reads them, before choosing anyone."""
    rules = definitions.eligibility(award)
    words = ["A colleague nominates: nobody nominates themself."]
    if award.level == "division" and award.division is not None:
        words.append(f"Open only to members of {award.division.name}.")
    if rules.ranks is not None:
        words.append("Open only to these ranks: " + ", ".join(RANK_LABELS.get(r, r) for r in rules.ranks) + ".")
    if rules.max_years_on_faculty is not None:
        words.append(
            f"Early career: at most {_years(rules.max_years_on_faculty)} on faculty, counted from the appointment date."
        )
    if rules.min_years_mentoring is not None:
        words.append(
            f"At least {_years(rules.min_years_mentoring)} of mentoring, counted from their first mentorship "
            "as a mentor in the record."
        )
    if rules.min_mentees is not None:
        words.append(f"At least {rules.min_mentees} mentee{'s' * (rules.min_mentees != 1)} in the record.")
    exclusion = rules.past_winner_exclusion_years
    if exclusion is None:
        words.append("Past winners of this award are not eligible again.")
    elif exclusion == 0:
        words.append("Past winners of this award may be nominated again.")
    else:
        words.append(f"Past winners of this award are eligible again {_years(exclusion)} after they won.")
    return words


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
        open=cycles.is_nominating_open(cycle, today()),
        phase=PHASE_LABELS.get(cycle.phase, cycle.phase),
        today=today(),
        rules=eligibility_words(cycle.award),
        finder=finder,
        form=form,
        searched=bool(query),
        found=len(found),
        more=len(found) > SEARCH_LIMIT,
        limit=SEARCH_LIMIT,
        mine=mine,
        max_letters=nominations.MAX_LETTERS,
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
        f"{nominations.MAX_LETTERS} supporting letters until nominations close on {closes}."
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
        item = {
            "cycle": cycle,
            "rows": [],
            "recused": 0,
            "scoring_open": cycles.is_scoring_open(cycle, day),
            "review_starts": cycles.review_starts(cycle),
            "criteria": definitions.rubric_text(cycle).criteria,
        }
        if cycle.phase not in ("scheduled", "open"):
            conflicts = committee.recusal_map(cycle, member_ids=[me])
            for nomination in db.session.scalars(
                select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id)
            ):
                if (nomination.id, me) in conflicts:
                    item["recused"] += 1
                else:
                    own = committee.own_scores(nomination.id, me)
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


def standing(actor: Actor, nomination: Nomination) -> dict[str, bool]:
    """What the reader is to this nomination, for choosing the sections: a recused member
    counts as no member (``role_in``), and a nominee reads nothing confidential whatever
    else they are."""
    roles = nominations.role_in(actor, nomination)
    nominee = "nominee" in roles
    member = "member" in roles
    manager = "manager" in roles
    nominator = "nominator" in roles
    insider = (manager or member) and not nominee
    return {
        "manager": manager,
        "member": member,
        "nominator": nominator,
        "nominee": nominee,
        "insider": insider,  # reads every statement and the score sets
        "letters": not nominee and (insider or nominator) and nominations.may_read_letters(actor, nomination),
        # the evidence: the committee, the managers and the nominee; not a nominator
        "evidence": insider or nominee,
    }


def render_detail(
    nomination: Nomination,
    actor: Actor,
    *,
    statement_form=None,
    philosophy_form=None,
    letter_form=None,
    conflict_form=None,
    score_form=None,
    action_form=None,
    status: int = 200,
):
    """The nomination page; a form argument carries a refused submission."""
    day = today()
    cycle = nomination.cycle
    award = cycle.award
    who = standing(actor, nomination)
    is_open = cycles.is_nominating_open(cycle, day)
    statements = list(nomination.statements)
    own_statement = next((s for s in statements if s.nominator_id == actor.person_id), None)
    if not who["insider"]:
        statements = [own_statement] if own_statement is not None and not who["nominee"] else []
    shown = {
        "statement": is_open and own_statement is not None,
        "philosophy": is_open and who["nominee"],
        "letter": is_open and who["letters"] and (who["nominator"] or who["manager"]),
        "conflict": who["member"] and cycle.phase not in ("decided", "announced"),
        "score": who["member"] and cycles.is_scoring_open(cycle, day),
    }
    if shown["statement"] and statement_form is None:
        statement_form = StatementForm(formdata=None, statement=own_statement.text)
    if shown["philosophy"] and philosophy_form is None:
        philosophy_form = PhilosophyForm(formdata=None, philosophy=nomination.philosophy or "")
    if shown["letter"] and letter_form is None:
        letter_form = LetterForm(formdata=None)
    if shown["conflict"] and conflict_form is None:
        conflict_form = ConflictForm(formdata=None)
    text = definitions.rubric_text(award)
    own = committee.own_scores(nomination.id, actor.person_id) if who["member"] else None
    if shown["score"] and score_form is None:
        data = {score_field(key): str(value) for key, value in json.loads(own.scores).items()} if own else {}
        score_form = ScoreForm.for_rubric(text, formdata=None, data={**data, "comment": own.comment if own else ""})
    # A refused form whose section is not on the page (the phase moved on, the role does
    # not allow it) still says why at the top.
    submitted = {
        "statement": statement_form,
        "philosophy": philosophy_form,
        "letter": letter_form,
        "conflict": conflict_form,
        "score": score_form,
    }
    orphans = [form for name, form in submitted.items() if form is not None and not shown[name]]
    if action_form is not None:
        orphans.append(action_form)
    table, digest = nominations.evidence(nomination, day) if who["evidence"] else (None, None)
    sets = committee.score_sets(nomination, actor, day) if who["insider"] else []
    return render_template(
        "nominations/detail.html",
        actor=actor,
        nomination=nomination,
        cycle=cycle,
        award=award,
        who=who,
        phase=PHASE_LABELS.get(cycle.phase, cycle.phase),
        is_open=is_open,
        scoring_open=shown["score"],
        review_starts=cycles.review_starts(cycle),
        shown=shown,
        statements=statements,
        own_statement=own_statement,
        statement_form=statement_form,
        philosophy_form=philosophy_form,
        letter_form=letter_form,
        conflict_form=conflict_form,
        score_form=score_form,
        orphans=orphans,
        letters=nominations.readable_letters(actor, nomination) if who["letters"] else [],
        max_letters=nominations.MAX_LETTERS,
        letter_limits={
            "kb": int(current_app.config["AWARD_LETTER_MAX_BYTES"]) // 1024,
            "pages": int(current_app.config["AWARD_LETTER_MAX_PAGES"]),
        },
        evidence=table,
        digest=digest,
        profile_philosophy=(table.get("philosophy") or "") if table is not None else None,
        rubric=text,
        criteria={c.id: c.name for c in text.criteria},
        own=own,
        history=committee.revisions(own.id) if own else [],
        score_sets=[{"set": s, "scores": json.loads(s.scores)} for s in sets],
        scores_withheld=who["insider"] and committee.scores_withheld(nomination, actor, day),
        loads=json.loads,
    ), status


def _nomination_or_404(nomination_id: int) -> tuple[Actor, Nomination]:
    actor = page_actor()
    return actor, nominations.get_nomination(nomination_id, actor)


def _back(nomination: Nomination, anchor: str):
    return redirect(url_for("nominations.detail", nomination_id=nomination.id, _anchor=anchor))


@blp.post("/awards/nominations/<int:nomination_id>/statement")
@login_required
def edit_statement(nomination_id: int):
    actor, nomination = _nomination_or_404(nomination_id)
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
            return _back(nomination, "statements")
    return render_detail(nomination, actor, statement_form=form, status=form.refusal_status)


@blp.post("/awards/nominations/<int:nomination_id>/withdraw")
@login_required
def withdraw(nomination_id: int):
    actor, nomination = _nomination_or_404(nomination_id)
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
    actor, nomination = _nomination_or_404(nomination_id)
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
            return _back(nomination, "philosophy")
    return render_detail(nomination, actor, philosophy_form=form, status=form.refusal_status)


# Letters ------------------------------------------------------------------------------------


@blp.post("/awards/nominations/<int:nomination_id>/letters")
@login_required
def upload_letter(nomination_id: int):
    actor, nomination = _nomination_or_404(nomination_id)
    form = LetterForm()
    if form.validate_on_submit():
        upload = form.letter.data
        try:
            letter = nominations.add_letter(
                nomination, upload.read(), upload.filename or "", form.author.data, actor, today(), utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(f"Letter from {letter.author} added ({letter.pages} page{'s' * (letter.pages != 1)}).", "success")
            return _back(nomination, "letters")
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
        actor, nomination = _nomination_or_404(request.view_args["nomination_id"])
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
    actor, nomination = _nomination_or_404(nomination_id)
    if not standing(actor, nomination)["letters"]:
        raise NotFound("No letter with that id that you may read.", {"letter_id": ["no such letter"]})
    found = nominations.readable_letter(actor, nomination, letter_id)
    response = send_file(
        io.BytesIO(found.pdf), mimetype="application/pdf", as_attachment=True, download_name=found.filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.get("/awards/nominations/<int:nomination_id>/package.pdf")
@login_required
def package_pdf(nomination_id: int):
    """The whole nomination as one PDF (``package``), for the committee and the award's administrators."""
    actor, nomination = _nomination_or_404(nomination_id)
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
    actor, nomination = _nomination_or_404(nomination_id)
    if not standing(actor, nomination)["letters"]:
        raise NotFound("No letter with that id that you may read.", {"letter_id": ["no such letter"]})
    found = nominations.readable_letter(actor, nomination, letter_id)
    form = ActionForm()
    if form.validate_on_submit():
        author = found.author
        try:
            nominations.remove_letter(nomination, found, actor, today())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(f"The letter from {author} is removed.", "success")
            return _back(nomination, "letters")
    return render_detail(nomination, actor, action_form=form, status=form.refusal_status)


# The committee ---------------------------------------------------------------------------


@blp.post("/awards/nominations/<int:nomination_id>/conflict")
@login_required
def declare(nomination_id: int):
    actor, nomination = _nomination_or_404(nomination_id)
    form = ConflictForm()
    if form.validate_on_submit():
        name = nomination.nominee.name
        try:
            committee.declare(nomination, actor, form.reason.data, utcnow())
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
    actor, nomination = _nomination_or_404(nomination_id)
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
            return _back(nomination, "scoring")
    return render_detail(nomination, actor, score_form=form, status=form.refusal_status)


# My awards ---------------------------------------------------------------------------------


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


# The public recognition page ----------------------------------------------------------------


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
