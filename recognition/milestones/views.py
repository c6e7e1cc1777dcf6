"""HTML pages for milestones: yours (and your self-reports), a person's (for the people who
manage them, and read-only for a case committee), one milestone with its history, and
the self-reports waiting for your confirmation."""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import login_required

from ..auth.current import page_actor
from ..auth.service import Actor
from ..clock import utcnow
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..people.forms import RANK_LABELS
from ..people.models import Person
from . import export, queries, rules, service
from .forms import CorrectionForm, MilestoneForm, ReasonForm
from .models import Milestone

blp = Blueprint("milestones", __name__)


@blp.app_template_global()
def milestone_label(milestone: Milestone) -> str:
    return rules.describe(
        milestone.kind, {name: getattr(milestone, name) for name in rules.OPTIONAL_FIELDS}, RANK_LABELS
    )


@blp.app_template_global()
def milestone_kind_label(kind: str) -> str:
    return rules.KIND_LABELS.get(kind, kind)


def _derived(person: Person, milestones: list[Milestone]) -> dict:
    """What is worked out, never recorded: when they became a mentor, when a CFAR is due."""
    standing = [m for m in milestones if m.status.state == "standing"]
    appointed = queries.appointed_on(person.appointed_on, standing)
    return {
        "became_mentor_on": queries.became_mentor_on([person.id]).get(person.id),
        "cfar_due_on": queries.cfar_due_for(appointed, standing),
        "appointed_on": appointed,
    }


@blp.route("/milestones", methods=["GET", "POST"])
@login_required
def mine():
    """Your milestones, what is derived from your record, and the form to report one."""
    actor = page_actor()
    person = db.session.get_one(Person, actor.person_id)  # a signed-in page actor is a person
    form = MilestoneForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                milestone = service.self_report(form.data_for_service(), actor, utcnow())
            except DomainError as error:
                db.session.rollback()
                form.refused(error)
            else:
                db.session.commit()
                flash(
                    f"Reported: {milestone_label(milestone)} on {milestone.occurred_on.isoformat()}. It counts as "
                    "evidence once an administrator or your division director confirms it.",
                    "success",
                )
                return redirect(url_for("milestones.mine"))
        status = form.refusal_status
    milestones = service.for_person(person.id, actor)
    return render_template(
        "milestones/mine.html",
        actor=actor,
        person=person,
        milestones=milestones,
        form=form,
        **_derived(person, milestones),
    ), status


@blp.route("/people/<int:person_id>/milestones", methods=["GET", "POST"])
@login_required
def person(person_id: int):
    """A person's milestones: recorded and corrected by an administrator or their director,
    read (standing ones only) by a committee member of an open case about them."""
    actor = page_actor()
    if person_id == actor.person_id:
        return redirect(url_for("milestones.mine"))
    found, everything = service.person_for(person_id, actor)
    form = MilestoneForm()
    status = 200
    if form.is_submitted():
        if not service.manages(actor, found):
            raise Forbidden("Only an administrator, or the director of their division, records someone's milestones.")
        if form.validate():
            try:
                milestone = service.record({**form.data_for_service(), "person_id": found.id}, actor, utcnow())
            except DomainError as error:
                db.session.rollback()
                form.refused(error)
            else:
                db.session.commit()
                flash(
                    f"Recorded: {milestone_label(milestone)} on {milestone.occurred_on.isoformat()} for {found.name}.",
                    "success",
                )
                return redirect(url_for("milestones.person", person_id=found.id))
        status = form.refusal_status
    milestones = service.for_person(found.id, actor)
    return render_template(
        "milestones/person.html",
        actor=actor,
        person=found,
        milestones=milestones,
        form=form if service.manages(actor, found) else None,
        everything=everything,
        **_derived(found, milestones),
    ), status


@blp.get("/people/<int:person_id>/milestones.csv")
@login_required
def person_csv(person_id: int):
    """The milestones the viewer sees on the person's page (their own included), as CSV."""
    actor = page_actor()
    milestones = service.for_person(person_id, actor)
    found = db.session.get_one(Person, person_id)  # for_person refused a person who does not exist
    name = re.sub(r"[^a-z0-9]+", "-", found.name.lower()).strip("-") or "person"
    return Response(
        export.to_csv(milestones).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="milestones-{name}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@blp.get("/milestones/to-confirm")
@login_required
def to_confirm():
    """Self-reports from the people you manage, oldest first."""
    actor = _manager(page_actor())
    return render_template("milestones/to_confirm.html", actor=actor, milestones=service.pending(actor))


def _manager(actor: Actor) -> Actor:
    if not actor.is_admin and not actor.directed_division_ids:
        raise Forbidden("Only administrators and division directors confirm milestones.")
    return actor


@blp.get("/milestones/<int:milestone_id>")
@login_required
def detail(milestone_id: int):
    actor = page_actor()
    return _detail(service.get(milestone_id, actor), actor)


def _detail(milestone: Milestone, actor: Actor, withdraw_form: ReasonForm | None = None, status: int = 200):
    return render_template(
        "milestones/milestone.html",
        actor=actor,
        milestone=milestone,
        history=service.history(milestone),
        may_confirm=service.may_confirm(milestone, actor),
        may_change=service.may_change(milestone, actor),
        withdraw_form=withdraw_form or ReasonForm(formdata=None, prefix="withdraw"),
    ), status


@blp.post("/milestones/<int:milestone_id>/confirmation")
@login_required
def confirm(milestone_id: int):
    actor = page_actor()
    milestone = service.get(milestone_id, actor)
    service.confirm(milestone, actor, utcnow())  # a refusal renders the error page
    db.session.commit()
    flash(
        f"Confirmed: {milestone_label(milestone)} on {milestone.occurred_on.isoformat()} for "
        f"{milestone.person.name}. It is now evidence.",
        "success",
    )
    return redirect(
        url_for("milestones.to_confirm")
        if service.pending(actor)
        else url_for("milestones.detail", milestone_id=milestone.id)
    )


@blp.post("/milestones/<int:milestone_id>/withdrawal")
@login_required
def withdraw(milestone_id: int):
    actor = page_actor()
    milestone = service.get(milestone_id, actor)
    form = ReasonForm(prefix="withdraw")
    if not form.validate():
        return _detail(milestone, actor, form, 422)
    try:
        service.withdraw(milestone, form.reason.data, actor, utcnow())
    except DomainError as error:
        db.session.rollback()
        form.refused(error)
        return _detail(milestone, actor, form, form.refusal_status)
    db.session.commit()
    flash(
        f"Withdrawn: {milestone_label(milestone)} on {milestone.occurred_on.isoformat()}. The record keeps it, "
        "with your reason.",
        "success",
    )
    return redirect(url_for("milestones.detail", milestone_id=milestone.id))


@blp.route("/milestones/<int:milestone_id>/correction", methods=["GET", "POST"])
@login_required
def correct(milestone_id: int):
    actor = page_actor()
    milestone = service.get(milestone_id, actor)
    if not service.may_change(milestone, actor):
        raise Forbidden(
            "You cannot correct this milestone: only an administrator or the person's division director "
            "can (the person, for a self-report not yet confirmed), and only while it stands or waits."
        )
    form = CorrectionForm()
    status = 200
    if not form.is_submitted():
        form.fill_from(milestone)
    elif form.validate():
        data = form.data_for_service()
        try:
            corrected = service.correct(milestone, data, form.reason.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(
                f"Corrected: the record now says {milestone_label(corrected)} on "
                f"{corrected.occurred_on.isoformat()}; the earlier version is kept, marked corrected.",
                "success",
            )
            return redirect(url_for("milestones.detail", milestone_id=corrected.id))
        status = form.refusal_status
    else:
        status = 422
    return render_template("milestones/correct.html", actor=actor, milestone=milestone, form=form), status
