"""Credit pages: a person's credits, statements and MAINPORT export; one statement and
its downloads; the administrators' statement list, where statements are issued and
revoked. A statement is its owner's and the admins': to anyone else it does not exist."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from wtforms import SelectChoice

from .. import keyset
from ..auth.current import page_actor
from ..auth.service import Actor, require_admin
from ..clock import local_date, utcnow
from ..errors import DomainError
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.rules import LABELS
from ..people.models import Person
from ..people.service import find_by_email
from . import activities, canonical, export, glance, profiles, rules, service
from .forms import (
    EARLIEST_YEAR,
    YEAR,
    AdminIssueForm,
    ExportForm,
    IssueForm,
    PersonalWorkForm,
    ProfileForm,
    RevokeForm,
    StatementFilterForm,
    framework_choices,
)
from .models import Statement, StatementRevocation

blp = Blueprint("credits", __name__)
PAGE_SIZE = 50


# A person's own credits ------------------------------------------------------------------


@blp.get("/credits")
@login_required
def mine():
    """Cycle progress, credits by year, statements to issue and download, the export."""
    return render_mine(page_actor())


@blp.post("/credits/profile")
@login_required
def profile():
    actor = page_actor()
    form = _profile_form()
    if form.validate_on_submit():
        try:
            chosen = profiles.set_profile(own_id(actor), form.framework.data, form.cycle_start.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error, ProfileForm.ALIASES)
        else:
            db.session.commit()
            name = profiles.framework(chosen.framework_id).name
            since = f", cycle from {chosen.cycle_start.isoformat()}" if chosen.cycle_start else ""
            flash(f"Saved: you report to {name}{since}.", "success")
            return redirect(url_for("credits.mine"))
    return render_mine(actor, profile_form=form, status=form.refusal_status)


@blp.post("/credits/work")
@login_required
def work():
    """Log the person's own credit-earning work: mentor training or preparation."""
    actor = page_actor()
    form = PersonalWorkForm()
    if form.validate_on_submit():
        try:
            entry = ledger.record(form.data_for_service(), actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            flash(
                f"Logged: {entry.minutes} minutes of {_kind(entry.kind)} on {entry.occurred_on.isoformat()}, "
                f"ledger entry #{entry.seq}. Its credit is below.",
                "success",
            )
            return redirect(url_for("credits.mine"))
    return render_mine(actor, work_form=form, status=form.refusal_status)


@blp.post("/credits/statements")
@login_required
def issue():
    """The "Issue" and "Re-issue" buttons for the person's own statements."""
    actor = page_actor()
    form = IssueForm()
    if form.validate_on_submit():
        try:
            statement = service.issue(
                own_id(actor), form.framework.data, form.year.data, actor, utcnow(), reissue=form.replacing
            )
        except DomainError as error:
            db.session.rollback()
            form.refused(error, {"framework_id": "framework"})
        else:
            db.session.commit()
            flash(_issued(statement), "success")
            return redirect(url_for("credits.statement", statement_id=statement.id))
    return render_mine(actor, issue_form=form, status=form.refusal_status)


@blp.get("/credits/export.csv")
@login_required
def export_csv():
    """The MAINPORT export of one year, with the person's own reflection summaries."""
    actor = page_actor()
    year = request.args.get("year", "")
    if not year.isdigit() or not EARLIEST_YEAR <= int(year) <= utcnow().year:
        raise DomainError.field("year", f"{YEAR}, not after {utcnow().year}", "Choose the year to export.")
    framework_id = profiles.profile_of(own_id(actor)).framework_id
    rows = export.mainport_rows(own_id(actor), int(year), framework_id, include_private=True)
    return Response(
        export.to_csv(rows).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="mainport-{framework_id}-{year}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def render_mine(actor: Actor, *, profile_form=None, work_form=None, issue_form=None, status: int = 200):
    """The credits page; the form arguments carry a refused submission."""
    today = local_date(utcnow())
    summary = activities.summary(own_id(actor), today)
    chosen = summary.framework
    version = chosen.version_on(today) or chosen.versions[-1]
    this_year = rules.year_of(version, today)
    if profile_form is None:
        profile_form = _profile_form(
            formdata=None, framework=summary.profile.framework_id, cycle_start=summary.profile.cycle_start
        )
    statements = db.session.scalars(
        select(Statement)
        .where(Statement.person_id == actor.person_id)
        .order_by(Statement.year.desc(), Statement.framework_id, Statement.version.desc())
    ).all()
    states = service.statuses([s.id for s in statements])
    covered = {(s.framework_id, s.year) for s in statements}
    to_issue = [
        row
        for row in summary.years
        if (chosen.id, row["year"]) not in covered and activities.period_of(chosen, row["year"])[1] < today
    ]
    selector = ExportForm(formdata=request.args)
    export_year = summary.years[0]["year"] if summary.years else this_year
    if "year" in request.args:
        if selector.validate() and selector.year.data is not None:
            if EARLIEST_YEAR <= selector.year.data <= today.year:
                export_year = selector.year.data
            else:
                selector.year.errors.append(f"{YEAR}, not after {today.year}")
        if selector.year.errors:
            status = max(status, 422)
    selector.year.data = export_year
    return render_template(
        "credits/mine.html",
        actor=actor,
        overview=summary,
        framework=chosen,
        progress=summary.progress,
        bars=glance.bars(summary, today),
        deadline=glance.next_deadline(summary, today),
        years=_year_table(summary),
        earning=glance.earning_years(summary),
        uncredited=glance.uncredited(summary),
        statements=statements,
        states=states,
        labels={s.id: _period_label(s) for s in statements},
        frameworks=profiles.frameworks(),
        to_issue=to_issue,
        profile_form=profile_form,
        work_form=work_form or PersonalWorkForm(formdata=None),
        issue_form=issue_form,
        selector=selector,
        export_year=export_year,
        export_label=activities.period_of(chosen, export_year)[2],
        export_rows=export.mainport_rows(own_id(actor), export_year, chosen.id, include_private=True),
        columns=export.COLUMNS,
    ), status


def own_id(actor: Actor) -> int:
    """The signed-in person's id: a page's actor is always a person (only the command line
    acts as no one)."""
    assert actor.person_id is not None
    return actor.person_id


def _profile_form(**kwargs) -> ProfileForm:
    form = ProfileForm(**kwargs)
    form.framework.choices = framework_choices(profiles.frameworks())
    return form


def _year_table(summary: activities.Summary) -> dict:
    """Credits by year (rows) and section (columns); sections keep their framework order."""
    labels: list[str] = []
    for row in summary.years:
        for label, _ in row["sections"]:
            if label not in labels:
                labels.append(label)
    rows = [{"label": row["label"], "total": row["total"], "cells": dict(row["sections"])} for row in summary.years]
    return {"labels": labels, "rows": rows}


def _period_label(statement: Statement) -> str:
    """2025, or 2024-25 for a framework whose years start mid-year."""
    known = profiles.frameworks().get(statement.framework_id)
    return activities.period_of(known, statement.year)[2] if known else str(statement.year)


@blp.app_template_filter("credit_amount")
def credit_amount(value) -> str:
    """Credits as a CME portal shows them: two decimals."""
    return f"{Decimal(value):.2f}"


def _kind(kind: str | None) -> str:
    assert kind is not None  # a contribution always has a kind (a check constraint)
    return LABELS.get(kind, kind).lower()


def _issued(statement: Statement, whose: str = "") -> str:
    unit = profiles.framework(statement.framework_id).unit
    replaced = f", replacing version {statement.version - 1}" if statement.version > 1 else ""
    return (
        f"Issued {whose}statement {statement.number} ({statement.total} {unit}){replaced}. "
        "Download the certificate below; anyone can check it with its verification code."
    )


# One statement ---------------------------------------------------------------------------


@blp.get("/credits/statements/<int:statement_id>")
@login_required
def statement(statement_id: int):
    """Everything on a statement, its status and its neighbours among versions."""
    actor = page_actor()
    found = service.get_statement(statement_id, actor)
    return render_template(
        "credits/statement.html",
        actor=actor,
        statement=found,
        document=json.loads(found.document),
        status=service.status_of(found),
        revocation=service.revocation_of(found.id),
        successor=service.successor_of(found.id),
        issued_by=db.session.get(Person, found.issued_by_id) if found.issued_by_id else None,
        code=canonical.format_code(found.code),
    )


@blp.get("/credits/statements/<int:statement_id>.pdf")
@login_required
def statement_pdf(statement_id: int):
    """The certificate exactly as rendered at issue."""
    found = service.get_statement(statement_id, page_actor())
    return _attachment(found.pdf, "application/pdf", f"{found.number}.pdf")


@blp.get("/credits/statements/<int:statement_id>.json")
@login_required
def statement_json(statement_id: int):
    """The signed statement for checking offline. The document is embedded as the very
    bytes that were signed, so nothing is lost to re-encoding."""
    found = service.get_statement(statement_id, page_actor())
    signed = canonical.signed_json(found)
    parts = [f'"{key}":{json.dumps(signed[key])}' for key in ("algorithm", "content_hash", "key_id", "signature")]
    body = "{" + ",".join(parts) + ',"document":' + found.document + "}"
    return _attachment(body.encode("utf-8"), "application/json", f"{found.number}.json")


def _attachment(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# The administrators' list ------------------------------------------------------------------


@blp.route("/admin/statements", methods=["GET", "POST"])
@login_required
def admin_list():
    """Every statement, filtered and paged, each with a revoke form; and a form that
    issues a statement for anyone."""
    actor = page_actor()
    require_admin(actor)
    if request.method == "GET":
        return render_admin_list(actor)
    form = AdminIssueForm(prefix="new")
    form.framework.choices = framework_choices(profiles.frameworks())
    issued = _admin_issue(form, actor)
    if issued is not None:
        return issued
    return render_admin_list(actor, issue_form=form, status=form.refusal_status)


@blp.post("/admin/statements/<int:statement_id>/revocation")
@login_required
def revoke(statement_id: int):
    actor = page_actor()
    require_admin(actor)
    found = service.get_statement(statement_id, actor)
    form = RevokeForm.for_statement(statement_id)
    query = _list_query()
    if form.validate_on_submit():
        try:
            service.revoke(found, form.reason.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            if "reason" not in error.errors:  # already revoked: there is no form left to show it on
                flash(error.message, "error")
                return redirect(url_for("credits.admin_list", **query))
            form.refused(error)
        else:
            db.session.commit()
            flash(
                f"Revoked statement {found.number} of {found.person.name}. "
                "Its verification page now says so, with today's date.",
                "success",
            )
            return redirect(url_for("credits.admin_list", **query))
    return render_admin_list(actor, revoke_forms={statement_id: form}, status=form.refusal_status)


def _default_framework() -> str:
    return current_app.config["CREDIT_FRAMEWORK"]


def _admin_issue(form: AdminIssueForm, actor: Actor):
    if not form.validate_on_submit():
        return None
    person = find_by_email(form.email.data)
    if person is None:
        form.email.errors.append("must be the email of someone on the roster")
        return None
    try:
        issued = service.issue(
            person.id, form.framework.data, form.year.data, actor, utcnow(), reissue=form.reissue.data
        )
    except DomainError as error:
        db.session.rollback()
        form.refused(error, AdminIssueForm.ALIASES)
        return None
    db.session.commit()
    flash(_issued(issued, whose=f"{person.name}'s "), "success")
    return redirect(url_for("credits.statement", statement_id=issued.id))


def _list_query() -> dict:
    return keyset.query_of(request.args)


def render_admin_list(actor: Actor, *, issue_form=None, revoke_forms=None, status: int = 200):
    filters = StatementFilterForm(formdata=request.args)
    filters.framework.choices = [SelectChoice("", "Any framework")] + framework_choices(profiles.frameworks())
    if not filters.validate():
        status = max(status, 422)
    if issue_form is None:
        issue_form = AdminIssueForm(prefix="new", formdata=None, framework=_default_framework(), year=utcnow().year - 1)
        issue_form.framework.choices = framework_choices(profiles.frameworks())
    statement = _filtered(service.visible_statements(actor), filters)
    order = (Statement.issued_at.desc(), Statement.id.desc())
    page = keyset.browse(db.session, statement, order, per_page=PAGE_SIZE, args=request.args)
    if page["meta"].get("refused"):
        status = max(status, 422)
    ids = [s.id for s in page["items"]]
    states = service.statuses(ids)
    revocations = (
        {
            r.statement_id: r
            for r in db.session.scalars(select(StatementRevocation).where(StatementRevocation.statement_id.in_(ids)))
        }
        if ids
        else {}
    )
    revoke_forms = dict(revoke_forms or {})
    for statement_id in ids:
        if states[statement_id] != "revoked" and statement_id not in revoke_forms:
            revoke_forms[statement_id] = RevokeForm.for_statement(statement_id, formdata=None)
    return render_template(
        "credits/admin_list.html",
        filters=filters,
        issue_form=issue_form,
        page=page,
        states=states,
        labels={s.id: _period_label(s) for s in page["items"]},
        revocations=revocations,
        revoke_forms=revoke_forms,
        frameworks=profiles.frameworks(),
        query=_list_query(),
    ), status


def _filtered(statement, filters: StatementFilterForm):
    if filters.year.data is not None and not filters.year.errors:
        statement = statement.where(Statement.year == filters.year.data)
    if filters.framework.data and not filters.framework.errors:
        statement = statement.where(Statement.framework_id == filters.framework.data)
    if filters.status.data and not filters.status.errors:
        statement = service.where_status(statement, filters.status.data)
    if filters.q.data and filters.q.data.strip() and not filters.q.errors:
        named = select(Person.id).where(Person.name.ilike(f"%{filters.q.data.strip()}%"))
        statement = statement.where(Statement.person_id.in_(named))
    return statement
