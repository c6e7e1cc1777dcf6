"""Award pages for administrators and committees: the awards, one award's settings and
past cycles, one cycle (phase, schedule, committee, nominations, suggestions, grants),
and the ranking with its downloads and the decision.

Every rule is the services': a handler reads the form, calls the service, commits and
redirects (Post/Redirect/Get), or re-renders the page with the refusal on its fields and
the refusal's status, having changed nothing. Anyone signed in reads awards and a cycle's
public facts; what more a page shows follows ``nominations.is_manager`` and committee
membership. An action on something the reader may see but not do is a 403.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from ...auth.current import page_actor
from ...auth.models import RoleGrant
from ...auth.service import Actor, require_admin
from ...clock import today, utcnow
from ...errors import DomainError, Forbidden
from ...extensions import db
from ...people.models import Division, DivisionDirector, Person
from ...people.service import find_by_email
from .. import managers
from ..announcement import service as announce
from ..committee import exports
from ..committee import service as committee
from ..cycles import service as cycles
from ..models import PHASES, Award, CommitteeMember, Cycle, Grant, GrantRevocation, Letter, Nomination, ScoreSet
from ..nominations import service as nominations
from . import service as definitions
from .forms import ActionForm, AdvanceForm, AwardForm, CycleForm, DecisionForm, MemberForm, MoveDateForm, ReasonForm

blp = Blueprint("awards", __name__)

PHASE_LABELS = {
    "scheduled": "Scheduled",
    "open": "Open for nominations",
    "closed": "Nominations closed",
    "review": "Committee review",
    "decided": "Decided",
    "announced": "Announced",
}
TIE_BREAK, NORMALISATION, COVERAGE = exports.TIE_BREAK, exports.NORMALISATION, exports.COVERAGE


@blp.app_template_global()
def phase_label(phase: str) -> str:
    return PHASE_LABELS.get(phase, phase)


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
        if cycles.is_nominating_open(c, day)
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
        "closed": ("Committee review starts", cycles.review_starts(cycle)),
        "review": ("Last day of scoring", cycle.review_ends_on),
        "decided": ("Announcement", cycle.announce_on),
    }.get(cycle.phase)


def member_work(cycle: Cycle, actor: Actor, day: date) -> dict:
    """A member's view of their cycle: the nominations they review (unrecused), how many
    they scored, and the nominees they are recused from (names only, once nominations close)."""
    work = {
        "cycle": cycle,
        "ready": cycle.phase not in ("scheduled", "open"),
        "to_review": [],
        "recused": [],
        "scored": set(),
        "scoring": cycles.is_scoring_open(cycle, day),
    }
    if not work["ready"]:
        return work
    conflicts = committee.recusal_map(cycle)
    for nomination in db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id).order_by(Nomination.id)
    ):
        if (nomination.id, actor.person_id) in conflicts:
            work["recused"].append(nomination.nominee.name)
        else:
            work["to_review"].append(nomination)
            if committee.own_scores(nomination.id, actor.person_id) is not None:
                work["scored"].add(nomination.id)
    return work


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


def _years(count: int) -> str:
    return f"{count} year{'s' * (count != 1)}"


# One cycle ---------------------------------------------------------------------------


@blp.get("/awards/cycles/<int:cycle_id>")
@login_required
def cycle(cycle_id: int):
    actor, found = page_actor(), cycles.get(cycle_id)
    if nominations.is_manager(actor, found) and committee.sync_recusals(found, utcnow()):
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
            transition = cycles.advance(
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
            nomination = nominations.nominate_suggestion(found, person_id, actor, today(), utcnow())
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
        "review_starts": cycles.review_starts(cycle),
        "problem": problem,
        "member": member_work(cycle, actor, day) if committee.is_member(cycle.id, actor.person_id) else None,
        "may_rank": committee.may_see_ranking(cycle, actor),
        "decision_open": decision_open(cycle, day),
        "nominating": cycles.is_nominating_open(cycle, day),
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
    excluded = committee.recorded_pairs(cycle.id)
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
    recorded = committee.recusals(cycle.id)
    members = committee.members(cycle.id)
    grants = db.session.scalars(select(Grant).where(Grant.cycle_id == cycle.id).order_by(Grant.id)).all()
    revocations = {g.id: announce.revocation_of(g.id) for g in grants}
    for grant in grants:
        if revocations[grant.id] is None and actor.is_admin and grant.id not in revoke_forms:
            revoke_forms[grant.id] = ReasonForm(prefix=f"revoke-{grant.id}", formdata=None)
    taken = {m.person_id for m in members}
    return {
        "history": cycles.history(cycle.id),
        "next_phase": cycles.next_phase(cycle.phase),
        "decided": cycles.latest_decision(cycle.id) is not None,
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
        "suggestions": nominations.suggestions(cycle, day) if cycles.is_nominating_open(cycle, day) else None,
        "weights": nominations.SUGGESTION_WEIGHTS,
        "suggestion_years": nominations.SUGGESTION_YEARS,
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


# The ranking and the decision --------------------------------------------------------


@blp.get("/awards/cycles/<int:cycle_id>/ranking")
@login_required
def ranking(cycle_id: int):
    actor = page_actor()
    return render_ranking(actor, cycles.get(cycle_id))


def decision_open(cycle: Cycle, day: date) -> bool:
    """Whether winners can be recorded now (``committee.decide``'s window)."""
    return cycle.phase == "decided" or (cycle.phase == "review" and day > cycle.review_ends_on)


def render_ranking(actor: Actor, cycle: Cycle, *, form: DecisionForm | None = None, status: int = 200):
    if status == 200 and committee.may_see_ranking(cycle, actor) and committee.sync_recusals(cycle, utcnow()):
        db.session.commit()  # a conflict found since the last run is recorded first, then ranked
    day = today()
    found = exports.sheet(cycle, actor, day)  # a 404 for anyone who may not see it
    manager = nominations.is_manager(actor, cycle)
    page = {
        "actor": actor,
        "cycle": cycle,
        "award": cycle.award,
        "sheet": found,
        "manager": manager,
        "tie_break": TIE_BREAK,
        "normalisation": NORMALISATION,
        "coverage": COVERAGE,
        "rubric": definitions.rubric_text(cycle),
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
            decisions=committee.decisions(cycle.id) if cycle.phase == "announced" else [],
        )
    elif manager:
        rows = committee.ranking_rows(cycle, actor)
        if form is None:
            form = _winner_choices(DecisionForm(prefix="decision", formdata=None), rows)
            latest = cycles.latest_decision(cycle.id)
            form.winners.data = [w.nomination_id for w in latest.winners] if latest else []
            form.reasons = {str(w.nomination_id): w.reason or "" for w in latest.winners} if latest else {}
        page.update(form=form, decisions=committee.decisions(cycle.id), rows=rows)
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
            decision = committee.decide(
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
