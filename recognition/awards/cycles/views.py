"""Cycle pages (the "awards" blueprint, shared with ``definitions.views`` through
``awards.pages``): one cycle with its phase, schedule, committee, nominations,
suggestions and grants, and its ranking with the downloads and the decision.

A handler reads the form, calls the service, commits and redirects, or re-renders the
page with the refusal on its fields; what a page shows follows ``managers.is_manager``
and committee membership. An action on something the reader may see but not do is a 403.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask import Response, flash, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from ...auth.current import page_actor
from ...auth.models import RoleGrant
from ...auth.service import Actor, require_admin
from ...clock import today, utcnow
from ...errors import DomainError, Forbidden
from ...extensions import db
from ...people.models import DivisionDirector, Person
from ...people.service import find_by_email
from .. import lifecycle, managers
from ..announcement import service as announce
from ..committee import chart, exports, recusal
from ..committee import service as committee
from ..definitions import service as definitions
from ..definitions.forms import (
    ActionForm,
    AdvanceForm,
    DecisionForm,
    MemberForm,
    MoveDateForm,
    ReasonForm,
)
from ..models import PHASES, CommitteeMember, Cycle, Grant, Letter, Nomination, ScoreSet
from ..nominations import service as nominations
from ..nominations import suggestions
from ..pages import blp, member_work, phase_label
from . import decision as decisions
from . import phases
from . import service as cycles

TIE_BREAK, NORMALISATION, COVERAGE = exports.TIE_BREAK, exports.NORMALISATION, exports.COVERAGE


@blp.get("/awards/cycles/<int:cycle_id>")
@login_required
def cycle(cycle_id: int):
    actor, found = page_actor(), cycles.get(cycle_id)
    if nominations.is_manager(actor, found) and recusal.sync_recusals(found, utcnow()):
        db.session.commit()  # a conflict found since the last daily run: on the list below
    return render_cycle(actor, found)


def _managed(cycle_id: int) -> tuple[Actor, Cycle]:
    """The cycle, for one of its managers; a 403 for anyone else (everyone sees the cycle)."""
    actor, found = page_actor(), cycles.get(cycle_id)
    if not nominations.is_manager(actor, found):
        raise Forbidden("Only the award's administrators manage its cycles.")
    return actor, found


def _done(message: str, cycle_id: int, anchor: str = "", endpoint: str = "awards.cycle"):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, cycle_id=cycle_id, _anchor=anchor or None))


@blp.post("/awards/cycles/<int:cycle_id>/advance")
@login_required
def advance(cycle_id: int):
    """Move the cycle into its next phase now, with a reason."""
    actor, found = _managed(cycle_id)
    form = AdvanceForm(prefix="advance")
    if form.validate_on_submit():
        try:
            transition = lifecycle.advance(
                found, actor, form.reason.data, today(), utcnow(), from_phase=form.from_phase.data
            )
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            return _done(f"The cycle is now {phase_label(transition.phase).lower()}.", cycle_id, "schedule")
    return render_cycle(actor, cycles.get(cycle_id), advance_form=form, status=form.refusal_status)


@blp.post("/awards/cycles/<int:cycle_id>/dates")
@login_required
def move_date(cycle_id: int):
    actor, found = _managed(cycle_id)
    form = _date_choices(MoveDateForm(prefix="move"), found)
    if form.validate_on_submit():
        try:
            change = cycles.move_date(
                found, form.field.data, form.date.data, actor, form.reason.data, today(), utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            return _done(
                f"Moved the day {cycles.DATE_LABELS[change.field]} from {change.old.isoformat()} to "
                f"{change.new.isoformat()}.",
                cycle_id,
                "schedule",
            )
    return render_cycle(actor, cycles.get(cycle_id), move_form=form, status=form.refusal_status)


def _date_choices(form: MoveDateForm, cycle: Cycle) -> MoveDateForm:
    form.field.choices = [
        SelectChoice(
            f, f"{cycles.DATE_LABELS[f][:1].upper()}{cycles.DATE_LABELS[f][1:]} (now {getattr(cycle, f).isoformat()})"
        )
        for f in cycles.MOVABLE[cycle.phase]
    ]
    return form


@blp.post("/awards/cycles/<int:cycle_id>/committee")
@login_required
def add_member(cycle_id: int):
    actor, found = _managed(cycle_id)
    form = MemberForm(prefix="member")
    if form.validate_on_submit():
        person = find_by_email(form.email.data)
        if person is None:
            form.email.errors.append("must be the email of someone on the roster")
        else:
            try:
                member = committee.add_member(found, person.id, actor, utcnow(), chair=form.chair.data)
            except DomainError as error:
                db.session.rollback()
                form.refused(error, MemberForm.ALIASES)
            else:
                return _done(
                    f"Added {member.person.name} to the committee{' as chair' if member.chair else ''}.",
                    cycle_id,
                    "committee",
                )
    return render_cycle(actor, cycles.get(cycle_id), member_form=form, status=form.refusal_status)


@blp.post("/awards/cycles/<int:cycle_id>/committee/<int:person_id>/remove")
@login_required
def remove_member(cycle_id: int, person_id: int):
    actor, found = _managed(cycle_id)
    form = ActionForm(prefix=f"remove-{person_id}")
    if form.validate_on_submit():
        person = db.session.get(Person, person_id)
        try:
            committee.remove_member(found, person_id, actor)
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            assert person is not None  # only a person is ever a member, and this one was
            return _done(f"Removed {person.name} from the committee.", cycle_id, "committee")
    return render_cycle(actor, cycles.get(cycle_id), problem=("committee", form), status=form.refusal_status)


@blp.post("/awards/cycles/<int:cycle_id>/suggestions/<int:person_id>")
@login_required
def nominate_suggestion(cycle_id: int, person_id: int):
    """Turn a suggested mentor into a nomination, in the administrator's name."""
    actor, found = _managed(cycle_id)
    form = ActionForm(prefix=f"suggest-{person_id}")
    if form.validate_on_submit():
        try:
            nomination = suggestions.nominate_suggestion(found, person_id, actor, today(), utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            return _done(
                f"Nominated {nomination.nominee.name} from the suggestions. The nomination says it came from "
                "the ledger; add letters on its page.",
                cycle_id,
                "nominations",
            )
    return render_cycle(actor, cycles.get(cycle_id), problem=("suggestions", form), status=form.refusal_status)


@blp.post("/awards/grants/<int:grant_id>/revoke")
@login_required
def revoke_grant(grant_id: int):
    actor = page_actor()
    grant = announce.get_grant(grant_id, actor)
    require_admin(actor)
    form = ReasonForm(prefix=f"revoke-{grant_id}")
    if form.validate_on_submit():
        try:
            announce.revoke(grant, form.reason.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            return _done(
                f"Revoked the award of {grant.person.name}. Its verification page now says so.",
                grant.cycle_id,
                "grants",
            )
    # Refused for a reason the form cannot show (revoked meanwhile): said at the top of the list.
    problem = None if form.reason.errors else ("grants", form)
    return render_cycle(
        actor, cycles.get(grant.cycle_id), revoke_forms={grant_id: form}, problem=problem, status=form.refusal_status
    )


def render_cycle(
    actor: Actor,
    cycle: Cycle,
    *,
    advance_form=None,
    move_form=None,
    member_form=None,
    problem=None,
    revoke_forms=None,
    status: int = 200,
):
    """The cycle page: public facts for everyone; the committee's view for members; the
    whole of it for its managers. The form arguments carry a refused submission."""
    day = today()
    manager = nominations.is_manager(actor, cycle)
    page = {
        "actor": actor,
        "cycle": cycle,
        "award": cycle.award,
        "manager": manager,
        "phases": PHASES,
        "day": day,
        "review_starts": phases.review_starts(cycle),
        "problem": problem,
        "member": member_work(cycle, actor, day) if recusal.is_member(cycle.id, actor.person_id) else None,
        "may_rank": committee.may_see_ranking(cycle, actor),
        "decision_open": decision_open(cycle, day),
        "nominating": phases.is_nominating_open(cycle, day),
    }
    if manager:
        page.update(_manager_view(actor, cycle, day, advance_form, move_form, member_form, revoke_forms or {}))
    return render_template("awards/cycle.html", **page), status


def _manager_view(actor: Actor, cycle: Cycle, day: date, advance_form, move_form, member_form, revoke_forms) -> dict:
    listed = nominations.visible_nominations(actor, cycle)
    ids = [n.id for n in listed]
    letters = (
        Counter(
            dict(
                db.session.execute(
                    select(Letter.nomination_id, func.count())
                    .where(Letter.nomination_id.in_(ids))
                    .group_by(Letter.nomination_id)
                ).all()
            )
        )
        if ids
        else Counter()
    )
    # Reviews that count: score sets with no recorded recusal (as the ranking counts them).
    excluded = recusal.recorded_pairs(cycle.id)
    reviews = (
        Counter(
            nid
            for nid, member in db.session.execute(
                select(ScoreSet.nomination_id, ScoreSet.member_id).where(ScoreSet.nomination_id.in_(ids))
            )
            if (nid, member) not in excluded
        )
        if ids
        else Counter()
    )
    mine = managers.conflicts_of(cycle, actor.person_id)
    every = {
        n.id: n.nominee.name for n in db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id))
    }
    recorded = recusal.recusals(cycle.id)
    members = recusal.members(cycle.id)
    grants = db.session.scalars(select(Grant).where(Grant.cycle_id == cycle.id).order_by(Grant.id)).all()
    revocations = {g.id: announce.revocation_of(g.id) for g in grants}
    for grant in grants:
        if revocations[grant.id] is None and actor.is_admin and grant.id not in revoke_forms:
            revoke_forms[grant.id] = ReasonForm(prefix=f"revoke-{grant.id}", formdata=None)
    taken = {m.person_id for m in members}
    return {
        "history": cycles.history(cycle.id),
        "next_phase": phases.next_phase(cycle.phase),
        "decided": phases.latest_decision(cycle.id) is not None,
        "advance_form": advance_form or AdvanceForm(prefix="advance", formdata=None),
        "move_form": move_form or _date_choices(MoveDateForm(prefix="move", formdata=None), cycle),
        "members": members,
        "removable": cycle.phase not in ("decided", "announced"),
        "member_form": member_form or MemberForm(prefix="member", formdata=None),
        "action_form": ActionForm,
        "people": [p for p in _committee_pool(cycle) if p.id not in taken],
        "nominations": [
            {"nomination": n, "nominators": len(n.statements), "letters": letters[n.id], "reviews": reviews[n.id]}
            for n in listed
        ],
        "recusals": [(r, every.get(r.nomination_id, "")) for r in recorded],
        "found_in_review": [(r, every.get(r.nomination_id, "")) for r in recorded if r.found_in == "review"],
        "my_conflicts": [(every.get(nid, ""), reasons) for nid, reasons in sorted(mine.items())],
        "free_managers": managers.free_managers(cycle) if mine else [],
        "withdrawals": nominations.withdrawals(cycle.id),
        "suggestions": suggestions.suggestions(cycle, day) if phases.is_nominating_open(cycle, day) else None,
        "weights": suggestions.SUGGESTION_WEIGHTS,
        "suggestion_years": suggestions.SUGGESTION_YEARS,
        "date_labels": cycles.DATE_LABELS,
        "grants": grants,
        "revocations": revocations,
        "revoke_forms": revoke_forms,
    }


def _committee_pool(cycle: Cycle) -> list[Person]:
    """The person picker's suggestions: holders of the award committee role, division
    directors, past members of this award's committees, and a division award's division.
    Anyone on the roster can still be named by email."""
    award = cycle.award
    chosen = (
        Person.id.in_(select(RoleGrant.person_id).where(RoleGrant.role == "award_committee"))
        | Person.id.in_(select(DivisionDirector.person_id))
        | Person.id.in_(
            select(CommitteeMember.person_id)
            .join(Cycle, Cycle.id == CommitteeMember.cycle_id)
            .where(Cycle.award_id == award.id)
        )
    )
    if award.level == "division":
        chosen = chosen | (Person.division_id == award.division_id)
    return list(db.session.scalars(select(Person).where(chosen).order_by(Person.name).limit(1000)))


@blp.get("/awards/cycles/<int:cycle_id>/ranking")
@login_required
def ranking(cycle_id: int):
    actor = page_actor()
    return render_ranking(actor, cycles.get(cycle_id))


PLOT_LABEL = "Each reviewer's score of each ranked nominee, raw and normalised, in ranking order."


def decision_open(cycle: Cycle, day: date) -> bool:
    """Whether winners can be recorded now (``decision.decide``'s window)."""
    return cycle.phase == "decided" or (cycle.phase == "review" and day > cycle.review_ends_on)


def render_ranking(actor: Actor, cycle: Cycle, *, form: DecisionForm | None = None, status: int = 200):
    if status == 200 and committee.may_see_ranking(cycle, actor) and recusal.sync_recusals(cycle, utcnow()):
        db.session.commit()  # a conflict found since the last run is recorded first, then ranked
    day = today()
    found = exports.sheet(cycle, actor, day)  # a 404 for anyone who may not see it
    manager = nominations.is_manager(actor, cycle)
    rubric = definitions.rubric_text(cycle)
    page: dict[str, object] = {
        "plot": chart.dot_plot(found.rows, rubric.low, rubric.high, PLOT_LABEL),
        "actor": actor,
        "cycle": cycle,
        "award": cycle.award,
        "sheet": found,
        "manager": manager,
        "tie_break": TIE_BREAK,
        "normalisation": NORMALISATION,
        "coverage": COVERAGE,
        "rubric": rubric,
        "decision_open": decision_open(cycle, day),
        "places": cycle.award.winners,
    }
    mine = managers.conflicts_of(cycle, actor.person_id) if manager else {}
    if mine:  # the decision is for a manager with no conflict; the result reaches them at the announcement
        page.update(
            conflicted=True,
            free_managers=managers.free_managers(cycle),
            decision_open=False,
            form=None,
            decisions=decisions.decisions(cycle.id) if cycle.phase == "announced" else [],
        )
    elif manager:
        rows = committee.ranking_rows(cycle, actor)
        if form is None:
            form = _winner_choices(DecisionForm(prefix="decision", formdata=None), rows)
            latest = phases.latest_decision(cycle.id)
            form.winners.data = [w.nomination_id for w in latest.winners] if latest else []
            form.reasons = {str(w.nomination_id): w.reason or "" for w in latest.winners} if latest else {}
        page.update(form=form, decisions=decisions.decisions(cycle.id), rows=rows)
    return render_template("awards/ranking.html", **page), status


def _winner_choices(form: DecisionForm, rows: list[committee.RankedRow]) -> DecisionForm:
    form.winners.choices = [SelectChoice(r.nomination.id, r.nomination.nominee.name) for r in rows]
    return form


@blp.post("/awards/cycles/<int:cycle_id>/decision")
@login_required
def decide(cycle_id: int):
    """Record the winners: up to the award's number, a reason for any outside the top places."""
    actor, found = _managed(cycle_id)
    rows = committee.ranking_rows(found, actor)
    form = _winner_choices(DecisionForm(prefix="decision"), rows)
    reasons = form.read_reasons([r.nomination.id for r in rows])
    if form.validate_on_submit():
        try:
            decision = decisions.decide(
                found, list(form.winners.data or []), reasons, form.note.data, actor, today(), utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            form.refused(error, names={str(r.nomination.id): r.nomination.nominee.name for r in rows})
        else:
            names = ", ".join(w.nomination.nominee.name for w in decision.winners)
            return _done(
                f"Recorded decision version {decision.version}: {names}.",
                cycle_id,
                "decision",
                endpoint="awards.ranking",
            )
    return render_ranking(actor, cycles.get(cycle_id), form=form, status=form.refusal_status)


@blp.get("/awards/cycles/<int:cycle_id>/ranking.csv")
@login_required
def ranking_csv(cycle_id: int):
    """The ranking for a spreadsheet (``exports.ranking_csv``)."""
    found = cycles.get(cycle_id)
    return _attachment(
        exports.ranking_csv(found, page_actor(), today()), "text/csv", exports.download_name(found, "csv")
    )


@blp.get("/awards/cycles/<int:cycle_id>/ranking.pdf")
@login_required
def ranking_pdf(cycle_id: int):
    found = cycles.get(cycle_id)
    pdf = exports.ranking_pdf(found, page_actor(), phase_label(found.phase), today())
    return _attachment(pdf, "application/pdf", exports.download_name(found, "pdf"))


def _attachment(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )
