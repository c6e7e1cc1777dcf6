"""HTML pages for people: the roster (admins and directors), one person's record, and
each person's own profile (My profile).

Self-identified gender and race are never shown for an individual, on any page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from .. import keyset
from ..auth.current import page_actor
from ..auth.invitations import service as invitations
from ..auth.invitations.rules import ACCOUNT_STATES
from ..auth.service import Actor
from ..clock import utcnow
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..mentorships.models import Mentorship
from ..mentorships.service import visible_mentorships
from . import profiles, reach, service
from .forms import POSITION_LABELS, RANK_LABELS, PersonForm, ProfileForm, RosterFilterForm
from .models import Division, DivisionDirector, Person

blp = Blueprint("people", __name__)
PAGE_SIZE = 50


@blp.app_template_global()
def person_link(person: Person, text: str | None = None) -> Markup:
    """The person's name, a link only when the viewer may open their page."""
    return reach.person_link(page_actor(), person, text)


@blp.app_template_global()
def mentorship_link(mentorship: Mentorship, text: str) -> Markup:
    """``text``, a link only when the viewer may open the mentorship's history."""
    return reach.mentorship_link(page_actor(), mentorship, text)


@blp.app_template_global()
def rank_label(rank: str) -> str:
    return RANK_LABELS.get(rank, rank)


@blp.app_template_global()
def position_label(position: str) -> str:
    return POSITION_LABELS.get(position, position)


@blp.route("/admin/people", methods=["GET", "POST"])
@login_required
def roster():
    """The roster, filtered and paged, with each person's current formal mentor, and the
    form that adds a person (admins anywhere; directors into their divisions)."""
    actor = page_actor()
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can see the roster.")
    divisions = service.managed_divisions(actor)
    filters = RosterFilterForm(formdata=request.args)
    filters.division.choices = [SelectChoice("", "All divisions" if actor.is_admin else "Your divisions")] + [
        SelectChoice(d.id, d.name) for d in divisions
    ]
    status = 200 if filters.validate() else 422
    form = PersonForm(prefix="new")  # its field names must not clash with the filters
    form.division_id.choices = ([SelectChoice("", "No division")] if actor.is_admin else []) + [
        SelectChoice(d.id, d.name) for d in divisions
    ]
    if request.method == "POST":
        added = _add(form, actor)
        if added is not None:
            return added
        status = form.refusal_status

    statement = select(Person).options(selectinload(Person.supervisor))
    if not actor.is_admin:
        statement = statement.where(Person.division_id.in_(actor.directed_division_ids))
    for key, field in (("division_id", filters.division), ("rank", filters.rank), ("position", filters.position)):
        if field.data and not field.errors:
            statement = statement.where(getattr(Person, key) == field.data)
    if filters.q.data and not filters.q.errors:
        statement = statement.where(service.text_matches(filters.q.data, Person.name, Person.email))
    now = utcnow()
    if filters.account.data and not filters.account.errors:
        statement = statement.where(invitations.account_state_clause(filters.account.data, now))
    page = keyset.browse(db.session, statement, (Person.name, Person.id), per_page=PAGE_SIZE, args=request.args)
    if page["meta"].get("refused"):
        status = 422
    return render_template(
        "people/roster.html",
        actor=actor,
        filters=filters,
        form=form,
        page=page,
        mentors=_formal_mentors([person.id for person in page["items"]]),
        accounts=invitations.account_states([person.id for person in page["items"]], now),
        account_labels=ACCOUNT_STATES,
        identity=service.identity_summary(
            actor, filters.division.data if filters.division.data and not filters.division.errors else None
        ),
        query=keyset.query_of(request.args),
    ), status


def _add(form: PersonForm, actor: Actor):
    if not form.validate_on_submit():
        return None
    data = {
        key: getattr(form, key).data
        for key in ("name", "email", "division_id", "rank", "position", "appointed_on", "trained_here")
    }
    data["institutional_id"] = form.institutional_id.data or None
    if form.supervisor_email.data:
        supervisor = service.find_by_email(form.supervisor_email.data)
        if supervisor is None:
            form.supervisor_email.errors.append("must be the email of someone on the roster")
            return None
        data["supervisor_id"] = supervisor.id
    try:
        person = service.create_person(data, actor, utcnow())
    except DomainError as error:
        db.session.rollback()
        form.refused(error, PersonForm.ALIASES)
        return None
    db.session.commit()
    flash(f"Added {person.name} to the roster. Start a mentorship for them from the Mentorships page.", "success")
    return redirect(url_for("people.detail", person_id=person.id))


def _formal_mentors(person_ids: list[int]) -> dict[int, list[Person]]:
    """Each person's current formal mentors, for a page of people in one query."""
    found: dict[int, list[Person]] = {}
    if not person_ids:
        return found
    rows = db.session.execute(
        select(Mentorship.mentee_id, Person)
        .join(Person, Person.id == Mentorship.mentor_id)
        .where(Mentorship.mentee_id.in_(person_ids), Mentorship.kind == "formal", Mentorship.ended_on.is_(None))
        .order_by(Person.name)
    )
    for mentee_id, mentor in rows:
        found.setdefault(mentee_id, []).append(mentor)
    return found


@blp.get("/people/<int:person_id>")
@login_required
def detail(person_id: int):
    """One person's roster record and the mentorships the viewer may see."""
    actor = page_actor()
    person = service.get_person(person_id, actor)
    mentorships = db.session.scalars(
        visible_mentorships(actor)
        .where(or_(Mentorship.mentor_id == person.id, Mentorship.mentee_id == person.id))
        .order_by(Mentorship.ended_on.is_not(None), Mentorship.started_on.desc(), Mentorship.id.desc())
    ).all()
    directs = db.session.scalars(
        select(Division)
        .join(DivisionDirector, DivisionDirector.division_id == Division.id)
        .where(DivisionDirector.person_id == person.id)
        .order_by(Division.name)
    ).all()
    return render_template(
        "people/detail.html",
        actor=actor,
        person=person,
        profile=profiles.read_profile(person.id, actor) if actor.is_admin or actor.person_id == person.id else None,
        directs=directs,
        as_mentor=[m for m in mentorships if m.mentor_id == person.id],
        as_mentee=[m for m in mentorships if m.mentee_id == person.id],
    )


@blp.route("/profile", methods=["GET", "POST"])
@login_required
def my_profile():
    """My profile: whether I may be named in other people's dossiers, and my mentoring
    philosophy. Only the person changes theirs."""
    actor = page_actor()
    person = db.session.get(Person, actor.person_id) if actor.person_id is not None else None
    if person is None:
        raise NotFound("Only a person on the roster has a profile.")
    if request.method == "POST":
        form = ProfileForm()
        if form.validate_on_submit():
            try:
                profiles.update_profile(
                    actor,
                    {"named_in_dossiers": form.named_in_dossiers.data, "philosophy": form.philosophy.data or ""},
                    utcnow(),
                )
            except DomainError as error:
                db.session.rollback()
                form.refused(error)
            else:
                db.session.commit()
                flash("Your profile is saved.", "success")
                return redirect(url_for("people.my_profile"))
        return _profile_page(actor, person, form), form.refusal_status
    profile = profiles.read_profile(person.id, actor)
    return _profile_page(
        actor,
        person,
        ProfileForm(formdata=None, named_in_dossiers=profile.named_in_dossiers, philosophy=profile.philosophy),
    )


def _profile_page(actor: Actor, person: Person, form: ProfileForm) -> str:
    unnamed = f"a mentee ({RANK_LABELS.get(person.rank, person.rank).lower()}" + (
        f", {person.division.name})" if person.division else ")"
    )
    return render_template(
        "people/profile.html",
        form=form,
        profile=profiles.read_profile(person.id, actor),
        limit=profiles.MAX_PHILOSOPHY,
        unnamed=unnamed,
    )
