"""Dossier pages: "My dossier", the committee's viewer of a case's candidate, and the
administrators' view of anyone's. Each view and download is recorded, and the person
sees who looked. To anyone without access the dossier does not exist (404)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..auth.current import page_actor
from ..auth.service import Actor
from ..clock import local_date, today, utcnow
from ..credits import canonical
from ..errors import DomainError, NotFound
from ..extensions import db
from ..people.service import find_by_email
from . import downloads, export, service
from .forms import IssueForm, LookupForm, PeriodForm
from .models import Dossier, DossierAccess

blp = Blueprint("dossiers", __name__)
FORMATS = ("pdf", "csv", "json")
LOG_SIZE = 50


def _show(actor: Actor, person_id: int | None, endpoint: str, route: dict):
    """The page of a person's draft dossier for the period asked for (or the default)."""
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        return _page(actor, None, form, endpoint, route, status=422)
    now = utcnow()
    try:
        access = service.resolve(actor, person_id, form.start.data, form.end.data, local_date(now))
    except DomainError as error:
        if error.status == 404:
            raise
        db.session.rollback()
        form.refused(error)
        return _page(actor, None, form, endpoint, route, status=error.status)
    return _render(actor, access, form, endpoint, route, now)


def _render(actor, access, form, endpoint, route, now, issue_form=None, status=200):
    document = service.draft(access)
    service.record(access, actor, "view", "html", now)
    db.session.commit()
    form.start.data, form.end.data = access.start, access.end
    return _page(actor, access, form, endpoint, route, document, issue_form, status)


def _page(actor, access, form, endpoint, route, document=None, issue_form=None, status=200):
    person = access.person if access else None
    may_issue = access is not None and access.capacity in ("self", "admin")
    if access is not None and may_issue and issue_form is None:
        issue_form = IssueForm(formdata=None, start=access.start, end=access.end, person_id=access.person.id)
    issued: list[Dossier] = []
    log: list[DossierAccess] = []
    if access is not None:
        person_id = access.person.id
        issued = service.issued(actor, person_id) if service.may_read_issued(actor, person_id) else []
        if access.capacity in ("self", "admin"):
            log = list(db.session.scalars(service.access_log(actor, person_id).limit(LOG_SIZE)))
    states = service.statuses([row.id for row in issued])
    downloads = {}
    if access is not None:
        query = {"start": access.start.isoformat(), "end": access.end.isoformat()}
        if access.case is not None and endpoint == "dossiers.case_dossier":
            downloads = {fmt: url_for("dossiers.case_download", case_id=access.case.id, fmt=fmt) for fmt in FORMATS}
        else:
            downloads = {
                fmt: url_for("dossiers.download", person_id=access.person.id, fmt=fmt, **query) for fmt in FORMATS
            }
    lookup = LookupForm(formdata=None) if actor.is_admin else None
    return render_template(
        "dossiers/dossier.html",
        access=access,
        person=person,
        document=document,
        form=form,
        lookup=lookup,
        form_action=url_for(endpoint, **route),
        issue_form=issue_form,
        issued=issued,
        states=states,
        log=log,
        downloads=downloads,
        may_issue=may_issue,
        verify_url=canonical.verify_url,
        format_code=canonical.format_code,
    ), status


@blp.get("/dossier")
@login_required
def mine():
    """My dossier: the period picker, the preview, downloads, issuing, issued versions, who looked."""
    actor = page_actor()
    return _show(actor, actor.person_id, "dossiers.mine", {})


@blp.get("/people/<int:person_id>/dossier")
@login_required
def person_dossier(person_id: int):
    """Anyone's dossier, for an administrator (or their own, for the person); a committee
    member of an open case about them reads it through the case."""
    actor = page_actor()
    if not actor.is_admin and actor.person_id != person_id:
        raise NotFound("No such dossier that you can see.")
    return _show(actor, person_id, "dossiers.person_dossier", {"person_id": person_id})


@blp.get("/people/dossier")
@login_required
def lookup():
    """An administrator opens anyone's dossier by email."""
    actor = page_actor()
    if not actor.is_admin:
        raise NotFound("No such page.")
    form = LookupForm(formdata=request.args)
    if form.validate():
        person = find_by_email(form.email.data)
        if person is not None:
            return redirect(url_for("dossiers.person_dossier", person_id=person.id))
        form.email.errors = [*form.email.errors, "must be the email of someone on the roster"]
    return render_template("dossiers/lookup.html", lookup=form), 422


@blp.get("/cases/<int:case_id>/dossier")
@login_required
def case_dossier(case_id: int):
    """The candidate's dossier for the case's period, for the case's committee."""
    actor = page_actor()
    access = service.resolve_case(actor, case_id)
    form = PeriodForm(formdata=None)
    return _render(actor, access, form, "dossiers.case_dossier", {"case_id": case_id}, utcnow())


@blp.get("/cases/<int:case_id>/dossier.<fmt>")
@login_required
def case_download(case_id: int, fmt: str):
    if fmt not in FORMATS:
        raise NotFound("No such download.")
    actor = page_actor()
    access = service.resolve_case(actor, case_id)
    return _download(actor, access, fmt)


@blp.get("/dossier/<int:person_id>/draft.<fmt>")
@login_required
def download(person_id: int, fmt: str):
    """A draft dossier as PDF, CSV or JSON, for the period in the query."""
    if fmt not in FORMATS:
        raise NotFound("No such download.")
    actor = page_actor()
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        problems = dict(form.errors)
        raise DomainError("The period is not one a dossier can cover.", problems)
    access = service.resolve(actor, person_id, form.start.data, form.end.data, today())
    return _download(actor, access, fmt)


def _download(actor: Actor, access: service.Access, fmt: str) -> Response:
    document = service.draft(access)
    service.record(access, actor, "download", fmt, utcnow())
    db.session.commit()
    return downloads.download(document, fmt)


@blp.get("/dossier/issued/<int:dossier_id>.<fmt>")
@login_required
def issued_download(dossier_id: int, fmt: str):
    """An issued dossier: the PDF byte for byte as issued, or its document as CSV or JSON."""
    if fmt not in FORMATS:
        raise NotFound("No such download.")
    actor = page_actor()
    dossier, access = service.get_issued(dossier_id, actor)
    service.record(access, actor, "download", fmt, utcnow(), dossier)
    db.session.commit()
    if fmt == "json":
        return Response(
            export.to_json(service.signed_json(dossier)),
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="dossier-{dossier.number}.json"'},
        )
    document = service.signed_json(dossier)["document"]
    return downloads.download(document, fmt, dossier.pdf if fmt == "pdf" else None)


@blp.post("/dossier/issue")
@login_required
def issue():
    """Issue the dossier for the period shown: the person their own, an administrator anyone's."""
    actor = page_actor()
    form = IssueForm()
    person_id = int(form.person_id.data) if (form.person_id.data or "").isdigit() else actor.person_id
    route: dict[str, Any] = {} if person_id == actor.person_id else {"person_id": person_id}
    endpoint = "dossiers.mine" if person_id == actor.person_id else "dossiers.person_dossier"
    now = utcnow()
    if form.validate_on_submit():
        try:
            dossier = service.issue(person_id, form.start.data, form.end.data, actor, now)
        except DomainError as error:
            db.session.rollback()
            if error.status in (403, 404):  # nothing on the form to correct
                raise
            form.refused(error, {"period": "end"})
        else:
            db.session.commit()
            flash(
                f"Issued dossier {dossier.number}, verification code {canonical.format_code(dossier.code)}.",
                "success",
            )
            return redirect(
                url_for(endpoint, start=dossier.period_start.isoformat(), end=dossier.period_end.isoformat(), **route)
            )
    period = PeriodForm(formdata=None)
    try:
        access = service.resolve(actor, person_id, form.start.data, form.end.data, local_date(now))
    except DomainError as error:
        if error.status == 404:
            raise
        db.session.rollback()
        return _page(actor, None, period, endpoint, route, issue_form=form, status=422)
    return _render(actor, access, period, endpoint, route, now, issue_form=form, status=form.refusal_status)
