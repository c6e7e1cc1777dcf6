"""HTML pages for feedback: the mentee's requests and answer form, the mentor's report,
and the division's aggregate view with the administrator's ask and remind buttons."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from wtforms import SelectChoice

from ..auth.current import page_actor
from ..auth.service import require_admin
from ..clock import local_date, today, utcnow
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..mentorships.history import kind_label
from ..people.models import Person
from ..people.service import managed_divisions
from . import charts, figures, periods, reports, service
from .forms import ActionForm, AnswerForm, DivisionFilterForm, PeriodForm

blp = Blueprint("feedback", __name__)
RECENT_PERIODS = 6


# The mentee's side ------------------------------------------------------------------


@blp.get("/feedback")
@login_required
def my_requests():
    """The mentee's requests: open ones to answer, answered ones, closed ones."""
    actor = page_actor()
    if "mentee" not in actor.roles:
        raise Forbidden("This page is for mentees: it lists the requests to give feedback on your mentors.")
    rows = service.requests_of(actor, today())
    return render_template(
        "feedback/my_requests.html",
        open_rows=[row for row in rows if row["open"] and not row["answered"]],
        answered_rows=[row for row in rows if row["answered"]],
        closed_rows=[row for row in rows if not row["open"] and not row["answered"]],
        k=service.k(),
    )


@blp.route("/feedback/requests/<int:request_id>", methods=["GET", "POST"])
@login_required
def answer(request_id: int):
    """The feedback form: one page, nothing stored until it is sent, then never again."""
    actor = page_actor()
    feedback_request = service.get_request(request_id, actor)  # 404 for anyone but its mentee
    mentor = db.session.get(Person, feedback_request.mentor_id)
    if service.answered(feedback_request):
        return _unavailable(feedback_request, mentor, "answered", 409 if request.method == "POST" else 200)
    deadline = service.answer_deadline(feedback_request.period)
    if today() > deadline:
        return _unavailable(feedback_request, mentor, "closed", 409 if request.method == "POST" else 200)
    used = service.instrument(feedback_request.instrument_key, feedback_request.instrument_version)
    form = AnswerForm.for_instrument(used)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.submit(feedback_request, form.answers(), form.comments(), actor, utcnow())
            except Conflict:
                db.session.rollback()
                return _unavailable(
                    feedback_request, mentor, "answered" if service.answered(feedback_request) else "closed", 409
                )
            except DomainError as error:
                db.session.rollback()
                form.refused(error, form.aliases)
            else:
                db.session.commit()
                return redirect(url_for("feedback.thanks", request_id=feedback_request.id))
        status = form.refusal_status
    return render_template(
        "feedback/answer.html",
        form=form,
        instrument=used,
        feedback_request=feedback_request,
        mentor=mentor,
        deadline=deadline,
        k=service.k(),
    ), status


@blp.get("/feedback/requests/<int:request_id>/thanks")
@login_required
def thanks(request_id: int):
    actor = page_actor()
    feedback_request = service.get_request(request_id, actor)
    if not service.answered(feedback_request):
        return redirect(url_for("feedback.answer", request_id=request_id))
    mentor = db.session.get(Person, feedback_request.mentor_id)
    still_open = [row for row in service.requests_of(actor, today()) if row["open"] and not row["answered"]]
    return render_template(
        "feedback/thanks.html", feedback_request=feedback_request, mentor=mentor, still_open=still_open, k=service.k()
    )


def _unavailable(feedback_request, mentor, reason: str, status: int):
    """Already answered (the mentee's own receipt), or the answer window has closed."""
    return render_template(
        "feedback/unavailable.html",
        reason=reason,
        feedback_request=feedback_request,
        mentor=mentor,
        deadline=service.answer_deadline(feedback_request.period),
    ), status


# The mentor's report ------------------------------------------------------------------


@blp.get("/feedback/report")
@login_required
def report():
    """A mentor's own report (with comments); administrators and directors pass
    ``mentor_id`` to see a mentor's aggregates, never the comments."""
    actor = page_actor()
    mentor_id = request.args.get("mentor_id", type=int)
    if mentor_id is None:
        if "mentor" not in actor.roles:
            raise Forbidden(
                "This page is for mentors. Administrators and division directors open a mentor's report "
                "from the division feedback page."
            )
        mentor_id = actor.person_id
    selector = _period_form(_latest_shown(lambda key: reports.mentor_report(mentor_id, key, actor)["shown"]))
    data = reports.mentor_report(mentor_id, selector.period.data, actor)
    return render_template(
        "feedback/report.html",
        report=data,
        selector=selector,
        figures=figures.of_report(data),
        mentor_id=None if mentor_id == actor.person_id else mentor_id,
    )


def _latest_shown(shows) -> str | None:
    """Without a period asked for, the newest recent period that has something to show
    (released blocks only), so a first visit does not land on an empty current period."""
    if request.args.get("period"):
        return None
    recent = periods.recent(today(), service.period_kind(), RECENT_PERIODS)
    return next((key for key in recent if shows(key)), None)


def _period_form(default: str | None = None) -> PeriodForm:
    today = local_date(utcnow())
    recent = periods.recent(today, service.period_kind(), RECENT_PERIODS)
    form = PeriodForm(formdata=request.args)
    chosen = form.period.data or default or recent[0]
    service.checked_period(chosen)  # a malformed period is refused, naming the field and its shape
    form.period.data = chosen
    keys = recent if chosen in recent else sorted({*recent, chosen}, reverse=True)
    form.period.choices = [SelectChoice(key, key + (" (current)" if key == recent[0] else "")) for key in keys]
    return form


# The division's view ------------------------------------------------------------------


@blp.get("/admin/feedback")
@login_required
def division():
    """A division's (or the department's) pooled feedback and its mentors with released
    feedback; never comments, never a mentor below k."""
    actor = page_actor()
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can see feedback across mentors.")
    today = local_date(utcnow())
    recent = periods.recent(today, service.period_kind(), RECENT_PERIODS)
    filters = DivisionFilterForm(formdata=request.args)
    divisions = managed_divisions(actor)
    filters.division.choices = ([SelectChoice("", "Whole department")] if actor.is_admin else []) + [
        SelectChoice(d.id, d.name) for d in divisions
    ]
    if filters.division.errors:
        raise DomainError.field("division", "must be a division id")
    division_id = filters.division.data
    if "division" not in request.args and not actor.is_admin:
        division_id = divisions[0].id
    filters.division.data = division_id
    period = (
        filters.period.data
        or _latest_shown(lambda key: bool(reports.division_view(division_id, key, actor)["mentors"]))
        or recent[0]
    )
    service.checked_period(period)
    filters.period.data = period
    filters.period.choices = [
        SelectChoice(key, key) for key in (recent if period in recent else sorted({*recent, period}, reverse=True))
    ]
    view = reports.division_view(division_id, period, actor)
    return render_template(
        "feedback/division.html",
        view=view,
        figures=_division_figures(view, division_id, recent, actor),
        filters=filters,
        actor=actor,
        current=recent[0],
        item_rows=list(zip(view["instrument"].items, view["summary"].items)) if view["summary"] else [],
        kinds=", ".join(kind_label(kind).lower() for kind in current_app.config["FEEDBACK_MENTORSHIP_KINDS"]),
        ask_form=ActionForm(formdata=None),
        remind_form=ActionForm(formdata=None),
        open_periods=_open_periods(today),
    )


def _division_figures(view: dict, division_id: int | None, recent: list[str], actor) -> dict | None:
    """The mentor report's charts for a division's view: each item's distribution, each
    mentor's overall beside the pooled one, and the pooled overall over the recent periods.
    Every number drawn is one the view itself shows (whole released blocks of at least k),
    so the charts withhold exactly what the tables withhold."""
    if not view["summary"]:
        return None
    used, summary = view["instrument"], view["summary"]
    low, high = used.scale_min, used.scale_max
    labels = [used.label(point) for point in range(low, high + 1)]
    where = view["division"].name if view["division"] else "Department"
    compared = [(f"{where} (pooled)", summary.overall)] + [
        (row["mentor"].name, row["overall"]) for row in view["mentors"]
    ]
    trend = []
    for key in reversed(recent):  # oldest first
        pooled = view if key == view["period"] else reports.division_view(division_id, key, actor)
        same_instrument = pooled["instrument"] is not None and pooled["instrument"].version == used.version
        trend.append((key, pooled["summary"].overall if pooled["summary"] and same_instrument else None))
    return {
        "labels": labels,
        "swatches": [charts.legend_swatch(index, len(labels)) for index in range(len(labels))],
        "bars": [
            charts.distribution_bar(row.distribution, labels, f"Item {number}, how many chose each answer")
            for number, row in enumerate(summary.items, start=1)
        ],
        "comparison_chart": charts.comparison_chart(compared, low, high, f"Overall score, {where} and each mentor"),
        "trend": trend,
        "trend_chart": charts.trend_chart(trend, low, high, f"Overall score of {where}, period by period")
        if sum(value is not None for _key, value in trend) > 1
        else None,
    }


def _open_periods(today) -> list[str]:
    """Periods whose requests can still be answered: the current one, and the one before
    until its answer window closes."""
    return [p for p in periods.recent(today, service.period_kind(), 2) if today <= service.answer_deadline(p)]


def _mail_destination(where: str) -> str:
    if where != "nothing to send":
        return where
    server = current_app.config.get("MAIL_SERVER")
    return f"SMTP {server}" if server else str(Path(current_app.instance_path) / "outbox")


@blp.post("/admin/feedback/requests")
@login_required
def ask():
    """Ask every mentee of an active mentorship for feedback for the current period."""
    actor = page_actor()
    require_admin(actor)
    if not ActionForm().validate_on_submit():
        raise DomainError("The form has expired; open the page again and press the button once more.")
    now = utcnow()
    period = service.current_period(local_date(now))
    try:
        created = service.request_feedback(period, now)
        where = service.send_requests(created, now)
    except DomainError as error:
        db.session.rollback()
        flash(f"No one was asked: {error.message}", "error")
        return redirect(url_for("feedback.division"))
    db.session.commit()
    if created:
        flash(
            f"Asked {len(created)} mentee{'s' if len(created) != 1 else ''} for feedback for {period}. "
            f"The messages went to {_mail_destination(where)}.",
            "success",
        )
    else:
        flash(f"Every mentee of an active mentorship has already been asked for {period}; nothing was sent.", "info")
    return redirect(url_for("feedback.division"))


@blp.post("/admin/feedback/reminders")
@login_required
def remind():
    """Remind mentees who have not answered, in every period still open for answers."""
    actor = page_actor()
    require_admin(actor)
    if not ActionForm().validate_on_submit():
        raise DomainError("The form has expired; open the page again and press the button once more.")
    now = utcnow()
    sent = {period: len(service.remind(period, now)) for period in _open_periods(local_date(now))}
    db.session.commit()
    total = sum(sent.values())
    by_period = ", ".join(f"{count} for {period}" for period, count in sent.items())
    if total:
        flash(
            f"Sent {total} reminder{'s' if total != 1 else ''} ({by_period}). "
            f"The messages went to {_mail_destination('nothing to send')}.",
            "success",
        )
    else:
        days = current_app.config["FEEDBACK_REMINDER_INTERVAL_DAYS"]
        flash(
            f"No reminders were due: everyone has answered or was asked or reminded less than {days} days ago.", "info"
        )
    return redirect(url_for("feedback.division"))
