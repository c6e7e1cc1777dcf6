"""HTML pages for cases: the Cases list ("My cases" for committee members), a case's page
with its committee, the forms that open a case, change its committee, override a flag and
close it, and the referee check."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..auth.current import page_actor
from ..auth.models import RoleGrant
from ..auth.service import Actor
from ..clock import utcnow
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..people.models import Person
from ..people.service import find_by_email
from . import exports, referees, service
from .forms import (
    KIND_LABELS,
    RANK_LABELS,
    AddMemberForm,
    CloseForm,
    OpenCaseForm,
    OverrideForm,
    RefereeForm,
    RemoveForm,
    emails_in,
)
from .models import Case, CaseMember
from .visibility import (
    ADMIN,
    CANDIDATE,
    MANAGERS,
    MEMBER,
    capacity,
    committee,
    dossier_path,
    get_case,
    membership,
    own_status,
    visible_cases,
)

blp = Blueprint("cases", __name__)


@blp.app_template_global()
def shows_cases_menu() -> bool:
    """The Cases menu item: for administrators, directors, and anyone on a committee."""
    if not current_user.is_authenticated:
        return False
    actor = current_user.actor
    return actor.is_admin or bool(actor.directed_division_ids) or actor.on_committee


@blp.app_template_filter()
def as_you(flag: str) -> str:
    """A member's conflict flag, said to the member."""
    return (
        flag.replace("the member has been", "you have been")
        .replace("the member and", "you and")
        .replace("the member is", "you are")
    )


@blp.app_template_global()
def case_kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@blp.app_template_global()
def rank_title(rank: str | None) -> str:
    return RANK_LABELS.get(rank, rank) if rank else ""


@blp.get("/cases")
@login_required
def index():
    """My cases (committee memberships, open first), the cases about the signed-in person,
    and for managers the cases they manage."""
    actor = page_actor()
    cases = db.session.scalars(visible_cases(actor)).unique().all()
    member_of = (
        set(
            db.session.scalars(
                select(CaseMember.case_id).where(
                    CaseMember.person_id == actor.person_id, CaseMember.removed_at.is_(None)
                )
            )
        )
        if actor.person_id
        else set()
    )
    mine, managed, about_me = [], [], []
    for case in cases:
        seen_as = capacity(case, actor)
        if seen_as == CANDIDATE:
            about_me.append(case)
            continue
        if seen_as in MANAGERS:
            managed.append(case)
        if case.id in member_of:
            mine.append((case, own_status(case, actor.person_id)))
    if not (mine or managed or about_me or actor.is_admin or actor.directed_division_ids):
        raise Forbidden(
            "This page is for case committees, division directors and administrators. You sit on no case committee."
        )
    return render_template(
        "cases/index.html",
        actor=actor,
        mine=mine,
        managed=managed,
        about_me=about_me,
        may_open=actor.is_admin or bool(actor.directed_division_ids),
        dossier_path=dossier_path,
    )


@blp.get("/cases/export.csv")
@login_required
def export_csv():
    """The cases the signed-in manager manages, with their committees, for a spreadsheet."""
    actor = page_actor()
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can export cases.")
    return Response(
        exports.to_csv(exports.rows(actor)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"', "Cache-Control": "private, no-store"},
    )


# Opening a case ------------------------------------------------------------------------


@blp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    actor = page_actor()
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can open a case.")
    form = OpenCaseForm()
    status = 200
    if request.method == "POST":
        opened = _open(form, actor)
        if opened is not None:
            return opened
        status = form.refusal_status
    return render_template("cases/new.html", form=form, suggestions=suggestions(actor.directed_division_ids)), status


def _open(form: OpenCaseForm, actor: Actor):
    if not form.validate_on_submit():
        return None
    candidate = find_by_email(form.candidate_email.data)
    if candidate is None:
        form.candidate_email.errors.append("must be the email of someone on the roster")
    members, unknown = _people(emails_in(form.member_emails.data))
    if unknown:
        form.member_emails.errors.append(f"must be emails of people on the roster (not {', '.join(unknown)})")
    if candidate is None or unknown:
        form.refusal_status = 422
        return None
    data = {
        "candidate_id": candidate.id,
        "kind": form.kind.data,
        "target_rank": form.target_rank.data or None,
        "due_on": form.due_on.data,
        "period_start": form.period_start.data,
        "period_end": form.period_end.data,
        "member_ids": [p.id for p in members],
    }
    try:
        case = service.open_case(data, actor, utcnow())
    except DomainError as error:
        db.session.rollback()
        form.refused(error, OpenCaseForm.ALIASES)
        return None
    db.session.commit()
    flash(
        f"Opened: {case_kind_label(case.kind)} case for {candidate.name}, due {case.due_on.isoformat()}, "
        f"covering {case.period_start.isoformat()} to {case.period_end.isoformat()}. "
        "Check the committee's conflict flags below.",
        "success",
    )
    return redirect(url_for("cases.detail", case_id=case.id))


def suggestions(division_ids, leave_out=()) -> list[tuple[str, str]]:
    """Emails for a form's datalist: the promotion committee's people and those of the given
    divisions (never the whole department), but not ``leave_out``."""
    pool = select(RoleGrant.person_id).where(RoleGrant.role == "promotion_committee")
    rows = db.session.execute(
        select(Person.email, Person.name)
        .where(or_(Person.id.in_(pool), Person.division_id.in_(list(division_ids))), Person.id.not_in(list(leave_out)))
        .order_by(Person.name)
        .limit(1000)
    )
    return [(email, name) for email, name in rows]


def _people(emails: list[str]) -> tuple[list[Person], list[str]]:
    if not emails:
        return [], []
    found = {p.email: p for p in db.session.scalars(select(Person).where(Person.email.in_(emails)))}
    people, seen = [], set()
    for email in emails:
        if email in found and email not in seen:
            people.append(found[email])
            seen.add(email)
    return people, [e for e in emails if e not in found]


# One case ------------------------------------------------------------------------------


@blp.get("/cases/<int:case_id>")
@login_required
def detail(case_id: int):
    actor = page_actor()
    case, seen_as = get_case(case_id, actor)
    return render_case(case, seen_as, actor)


def render_case(
    case: Case, seen_as: str, actor: Actor, *, add_form=None, override_forms=None, close_form=None, status: int = 200
):
    manages = seen_as in MANAGERS
    members = committee(case) if manages else []
    override_forms = dict(override_forms or {})
    if manages and case.is_open and seen_as == ADMIN:
        for item in members:
            if item["recused"] and not item["removed"] and item["person"].id not in override_forms:
                form = OverrideForm(formdata=None, prefix=f"override-{item['person'].id}")
                form.member_id.data = item["person"].id
                override_forms[item["person"].id] = form
    names = (
        [
            row.person
            for row in db.session.scalars(
                select(CaseMember)
                .where(CaseMember.case_id == case.id, CaseMember.removed_at.is_(None))
                .order_by(CaseMember.id)
            )
        ]
        if seen_as == MEMBER
        else []
    )
    return render_template(
        "cases/case.html",
        actor=actor,
        case=case,
        seen_as=seen_as,
        manages=manages,
        members=members,
        names=names,
        you=own_status(case, actor.person_id) if seen_as == MEMBER else None,
        add_form=add_form or (AddMemberForm(formdata=None) if manages and case.is_open else None),
        override_forms=override_forms,
        remove_form=RemoveForm(formdata=None),
        close_form=close_form or (CloseForm(formdata=None) if manages and case.is_open else None),
        opened_by=db.session.get(Person, case.opened_by_id) if case.opened_by_id else None,
        closed_by=db.session.get(Person, case.closed_by_id) if case.closed_by_id else None,
        dossier_path=dossier_path(case.id),
        may_check_referees=referees.may_check_case(case, actor),
        suggestions=suggestions(
            [case.candidate.division_id] if case.candidate.division_id else [],
            [case.candidate_id, *(i["person"].id for i in members if not i["removed"])],
        )
        if manages and case.is_open
        else [],
    ), status


@blp.post("/cases/<int:case_id>/members")
@login_required
def add_member(case_id: int):
    actor = page_actor()
    case, seen_as = get_case(case_id, actor)
    if seen_as not in MANAGERS:
        raise Forbidden(
            "Only an administrator, or the director of the candidate's division, can change a case's committee."
        )
    form = AddMemberForm()
    if form.validate_on_submit():
        person = find_by_email(form.email.data)
        if person is None:
            form.email.errors.append("must be the email of someone on the roster")
            return render_case(case, seen_as, actor, add_form=form, status=422)
        try:
            service.add_member(case, person, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error, AddMemberForm.ALIASES)
            return render_case(case, seen_as, actor, add_form=form, status=error.status)
        db.session.commit()
        flash(f"{person.name} is on the committee.", "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, seen_as, actor, add_form=form, status=422)


@blp.post("/cases/<int:case_id>/members/<int:person_id>/removal")
@login_required
def remove_member(case_id: int, person_id: int):
    actor = page_actor()
    case, seen_as = get_case(case_id, actor)
    if seen_as not in MANAGERS:
        raise Forbidden(
            "Only an administrator, or the director of the candidate's division, can change a case's committee."
        )
    if not RemoveForm().validate_on_submit():
        raise DomainError("The form expired; open the case again and retry.", {"csrf_token": ["is missing or expired"]})
    row = service.remove_member(case, person_id, actor, utcnow())
    db.session.commit()
    flash(f"{row.person.name} is off the committee. They stay listed as removed.", "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@blp.post("/cases/<int:case_id>/overrides/<int:member_id>")
@login_required
def override(case_id: int, member_id: int):
    actor = page_actor()
    case, seen_as = get_case(case_id, actor)
    if seen_as != ADMIN:
        raise Forbidden("Only an administrator can override a committee member's conflict flag.")
    form = OverrideForm(prefix=f"override-{member_id}")
    form.member_id.data = member_id
    if form.validate_on_submit():
        try:
            service.override(case, member_id, form.reason.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            if membership(case.id, member_id) is None:  # no row of the committee to show the form on
                raise
            form.refused(error)
            return render_case(case, seen_as, actor, override_forms={member_id: form}, status=error.status)
        db.session.commit()
        flash("The flag is overridden, with your reason; the member may now open the dossier.", "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, seen_as, actor, override_forms={member_id: form}, status=422)


@blp.post("/cases/<int:case_id>/closure")
@login_required
def close(case_id: int):
    actor = page_actor()
    case, seen_as = get_case(case_id, actor)
    if seen_as not in MANAGERS:
        raise Forbidden("Only an administrator, or the director of the candidate's division, can close a case.")
    form = CloseForm()
    if form.validate_on_submit():
        try:
            service.close(case, form.note.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
            return render_case(case, seen_as, actor, close_form=form, status=error.status)
        db.session.commit()
        flash("The case is closed. Its committee can no longer open the dossier.", "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_case(case, seen_as, actor, close_form=form, status=422)


# Referee check -------------------------------------------------------------------------


@blp.route("/cases/<int:case_id>/referees", methods=["GET", "POST"])
@login_required
def case_referees(case_id: int):
    actor = page_actor()
    case, _seen_as = get_case(case_id, actor)
    if not referees.may_check_case(case, actor):
        raise Forbidden("Only the case's managers and its committee members who are not recused can check referees.")
    form = RefereeForm()
    return _referee_page(
        form,
        case.candidate,
        case,
        lambda: referees.check_for_case(case, [], emails_in(form.referee_emails.data), actor),
    )


@blp.route("/cases/referees", methods=["GET", "POST"])
@login_required
def standalone_referees():
    actor = page_actor()
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can check referees outside a case.")
    form = RefereeForm()
    candidate = find_by_email(form.candidate_email.data) if form.candidate_email.data else None

    def run():
        if not (form.candidate_email.data or "").strip():
            raise DomainError.field("candidate_id", "is required", "Name the candidate.")
        if candidate is None:
            raise DomainError.field("candidate_id", "must be the email of someone on the roster")
        return referees.check_standalone(candidate.id, [], emails_in(form.referee_emails.data), actor)[1]

    return _referee_page(form, candidate, None, run)


def _referee_page(form: RefereeForm, candidate: Person | None, case: Case | None, run):
    results, status = None, 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                results, status = run(), 200
            except DomainError as error:
                form.refused(error, RefereeForm.ALIASES)
                status = error.status
    return render_template("cases/referees.html", form=form, candidate=candidate, case=case, results=results), status
