"""HTML pages for mentorships: a mentor's page, a mentee's page, one mentorship's ledger
history, and the admin list where mentorships are started."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from wtforms import SelectChoice

from .. import keyset
from ..auth.current import page_actor
from ..auth.service import Actor
from ..clock import local_date, utcnow
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..ledger import confirmations
from ..ledger import service as ledger
from ..ledger.rules import CONFIRMABLE
from ..people import reach
from ..people.models import Person
from ..people.service import find_by_email, managed_divisions, text_matches
from . import desk, rows, service
from .forms import PAIR_WORK_CHOICES, EndMentorshipForm, LogWorkForm, MentorshipFilterForm, StartMentorshipForm
from .history import expectation, expectation_status, kind_label, render_detail, utc_minute
from .models import Mentorship

blp = Blueprint("mentorships", __name__)
PAGE_SIZE = 50


blp.add_app_template_global(kind_label)
blp.add_app_template_global(utc_minute)
for draw in (rows.recent_rows, rows.awaiting_items, rows.relationship_rows, rows.history_items):
    blp.add_app_template_global(draw)


@blp.app_template_global()
def is_confirmable(kind: str | None) -> bool:
    return kind in CONFIRMABLE


# A mentor's and a mentee's own pages ---------------------------------------------------


@blp.route("/mentoring", methods=["GET", "POST"])
@login_required
def my_mentoring():
    """The mentor's desk: their mentees against the meeting expectation, a form to log a
    meeting, what awaits their confirmation, and their recent entries."""
    actor = page_actor()
    if "mentor" not in actor.roles:
        raise Forbidden("This page is for mentors. You have no mentorship as a mentor.")
    return _own_page(actor, "mentorships/my_mentoring.html", counterpart="mentee")


@blp.route("/mentee", methods=["GET", "POST"])
@login_required
def my_mentors():
    """The mentee's desk: their mentors, meetings to confirm, and a form to log one."""
    actor = page_actor()
    if "mentee" not in actor.roles:
        raise Forbidden("This page is for mentees. You have no mentorship as a mentee.")
    return _own_page(actor, "mentorships/my_mentors.html", counterpart="mentor")


def _own_page(actor: Actor, template: str, counterpart: str):
    assert actor.person_id is not None  # the page requires a person who mentors or is mentored
    today = local_date(utcnow())
    found = desk.mentorships_of(actor.person_id, today)
    everyone = found.mentorships
    as_mentor = counterpart == "mentee"
    active = [
        m for m in everyone if m.ended_on is None and (m.mentor_id if as_mentor else m.mentee_id) == actor.person_id
    ]
    choices = [SelectChoice(m.id, f"{getattr(m, counterpart).name} ({kind_label(m.kind).lower()})") for m in active]
    # A visit draws the blank form as plain markup (``log_form`` in _entries.html); only a
    # submission builds the form, to read it and to draw it again with what was refused.
    form = None
    status = 200
    if request.method == "POST":
        form = LogWorkForm()
        form.mentorship_id.label.text = counterpart.title()
        form.mentorship_id.choices = choices
        logged = _log_work(form, actor)
        if logged is not None:
            return logged
        status = form.refusal_status
        found = desk.mentorships_of(actor.person_id, today)  # a refused entry rolled the session back
        everyone = found.mentorships
    page = desk.read(actor.person_id, as_mentor, today, found)
    # Each mentorship by its counterpart's name, linked once here for every list that names it.
    links = {m.id: reach.mentorship_link(actor, m, getattr(m, counterpart).name) for m in everyone}
    return render_template(
        template,
        actor=actor,
        form=form,
        log_choices=choices,
        log_label=counterpart.title(),
        work_kinds=PAIR_WORK_CHOICES,
        today=today,
        links=links,
        rows=[
            {
                "mentorship": m,
                "person": getattr(m, counterpart),
                "meetings": page.meetings[m.id],
                "status": expectation_status(m, page.meetings[m.id]["count"], today),
            }
            for m in page.active
        ],
        past=page.past,
        expected=expectation(),
        year=today.year,
        to_confirm=page.to_confirm,
        awaiting_other=page.awaiting_other,
        recent=page.recent,
        more_to_confirm=page.more_to_confirm,
        more_awaiting=page.more_awaiting,
    ), status


def _log_work(form: LogWorkForm, actor: Actor):
    """Record the submitted work; a redirect on success, None to re-render with errors."""
    if not form.validate_on_submit():
        return None
    data = {
        "kind": form.kind.data,
        "mentorship_id": form.mentorship_id.data,
        "occurred_on": form.occurred_on.data,
        "minutes": form.minutes.data,
        "note": form.note.data or "",
        "confirm_duplicate": bool(form.confirm_duplicate.data),
    }
    try:
        now = utcnow()
        entry = ledger.record(data, actor, now)
    except DomainError as error:
        db.session.rollback()
        form.refused(error)
        return None
    confirmations.ask(entry, actor, now)
    db.session.commit()
    assert entry.mentorship is not None  # pair work names its mentorship; the form requires one
    other = entry.mentorship.counterpart_of(actor.person_id)
    other_person = db.session.get(Person, other) if other else None
    other_name = other_person.name if other_person else "The other person"
    flash(
        f"Logged: {kind_label(entry.kind).lower()} on {entry.occurred_on.isoformat()}. "
        f"{other_name} is emailed a link to confirm it.",
        "success",
    )
    assert request.endpoint is not None  # set for every routed request
    return redirect(url_for(request.endpoint))


# One mentorship ------------------------------------------------------------------------


@blp.get("/mentorships/<int:mentorship_id>")
@login_required
def detail(mentorship_id: int):
    """A mentorship's ledger history in chain order, with reversals and confirmations."""
    actor = page_actor()
    return render_detail(service.get_mentorship(mentorship_id, actor), actor)


@blp.post("/mentorships/<int:mentorship_id>/end")
@login_required
def end(mentorship_id: int):
    actor = page_actor()
    mentorship = service.get_mentorship(mentorship_id, actor)
    form = EndMentorshipForm()
    if form.validate_on_submit():
        try:
            service.end(mentorship, form.ended_on.data, form.reason.data or "", actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
            return render_detail(mentorship, actor, end_form=form, status=error.status)
        db.session.commit()
        assert mentorship.ended_on is not None  # service.end sets it
        flash(f"The mentorship ended on {mentorship.ended_on.isoformat()}. Its history is kept.", "success")
        return redirect(url_for("mentorships.detail", mentorship_id=mentorship.id))
    return render_detail(mentorship, actor, end_form=form, status=422)


# Admin list ----------------------------------------------------------------------------


@blp.route("/admin/mentorships", methods=["GET", "POST"])
@login_required
def admin_list():
    """Every mentorship an admin or director may see, filtered and paged, and the form that
    starts a new one (refusing, with the reason, a formal mentor the mentee reports to)."""
    actor = page_actor()
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can list and start mentorships.")
    divisions = managed_divisions(actor)
    filters = MentorshipFilterForm(formdata=request.args)
    filters.division.choices = [SelectChoice("", "All divisions" if actor.is_admin else "Your divisions")] + [
        SelectChoice(d.id, d.name) for d in divisions
    ]
    status = 200 if filters.validate() else 422
    form = StartMentorshipForm(prefix="new")  # its field names must not clash with the filters
    if request.method == "POST":
        started = _start(form, actor)
        if started is not None:
            return started
        status = form.refusal_status

    args = {
        key: field.data
        for key, field in (("division_id", filters.division), ("kind", filters.kind))
        if field.data and not field.errors
    }
    if filters.status.data in ("active", "ended") and not filters.status.errors:
        args["active"] = filters.status.data == "active"
    statement = service.filtered(service.visible_mentorships(actor), args)
    if filters.q.data and not filters.q.errors:
        statement = statement.where(
            text_matches(
                filters.q.data,
                service.Mentor.name,
                service.Mentor.email,
                service.Mentee.name,
                service.Mentee.email,
            )
        )
    order = (Mentorship.started_on.desc(), Mentorship.id.desc())
    page = keyset.browse(db.session, statement, order, per_page=PAGE_SIZE, args=request.args)
    if page["meta"].get("refused"):
        status = 422
    today = local_date(utcnow())
    meetings = ledger.meetings_in([m.id for m in page["items"]], date(today.year, 1, 1), today)
    return render_template(
        "mentorships/admin_list.html",
        actor=actor,
        filters=filters,
        form=form,
        page=page,
        meetings=meetings,
        year=today.year,
        suggestions=_email_suggestions(actor, filters.division.data if not filters.division.errors else None),
        query=keyset.query_of(request.args),
    ), status


def _start(form: StartMentorshipForm, actor: Actor):
    if not form.validate_on_submit():
        return None
    mentor, mentee = find_by_email(form.mentor_email.data), find_by_email(form.mentee_email.data)
    if mentor is None:
        form.mentor_email.errors.append("must be the email of someone on the roster")
    if mentee is None:
        form.mentee_email.errors.append("must be the email of someone on the roster")
    if mentor is None or mentee is None:
        return None
    data = {
        "mentor_id": mentor.id,
        "mentee_id": mentee.id,
        "kind": form.kind.data,
        "started_on": form.started_on.data,
        "group_name": form.group_name.data or None,
        "backdate_reason": form.backdate_reason.data or None,
    }
    try:
        mentorship = service.start(data, actor, utcnow())
    except DomainError as error:
        db.session.rollback()
        form.refused(error, StartMentorshipForm.ALIASES)
        return None
    db.session.commit()
    flash(
        f"Started: {mentorship.mentor.name} mentors {mentorship.mentee.name} "
        f"({kind_label(mentorship.kind).lower()}, from {mentorship.started_on.isoformat()}). "
        "Either of them can now log meetings.",
        "success",
    )
    return redirect(url_for("mentorships.detail", mentorship_id=mentorship.id))


def _email_suggestions(actor: Actor, division_id: int | None) -> list[tuple[str, str]]:
    """Emails for the start form's datalist: one division's people (a director's own
    divisions), never the whole department."""
    if division_id is not None:
        divisions = [division_id]
    elif not actor.is_admin:
        divisions = list(actor.directed_division_ids)
    else:
        return []
    rows = db.session.execute(
        select(Person.email, Person.name).where(Person.division_id.in_(divisions)).order_by(Person.name).limit(1000)
    )
    return [(email, name) for email, name in rows]
