"""/metrics/reports: the yearly program reports, listed and downloaded as issued by
administrators and division directors, issued by administrators; and the dashboard's
"Yearly reports" section (``yearly_reports()`` in its template)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import login_required

from ...auth.current import page_actor
from ...clock import today, utcnow
from ...errors import DomainError
from ...extensions import db
from .. import report
from ..forms import ReportIssueForm

blp = Blueprint("metric_reports", __name__)


@blp.app_context_processor
def _yearly_reports():
    """``yearly_reports()`` for the dashboard: the latest version of each year's report,
    newest first. Called only by a page that the reader may see reports on."""

    def latest() -> list:
        found = report.listed(page_actor())
        newest = report.latest_versions(found)
        return [row for row in found if row.id in newest]

    return {"yearly_reports": latest}


def _page(form: ReportIssueForm, status: int = 200):
    actor = page_actor()
    found = report.listed(actor)
    return render_template(
        "metrics/reports.html",
        reports=found,
        latest=report.latest_versions(found),
        form=form if actor.is_admin else None,
        last_year=today().year - 1,
    ), status


@blp.get("/metrics/reports")
@login_required
def reports():
    """Every issued program report, each version downloadable as issued; the issue form."""
    return _page(ReportIssueForm(formdata=None, data={"year": today().year - 1}))


@blp.post("/metrics/reports")
@login_required
def issue_report():
    """Issue a closed year's report (administrators), then show it at the top of the list."""
    actor = page_actor()
    report.may_issue(actor)
    form = ReportIssueForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        issued = report.issue(form.year.data, actor, utcnow())
    except DomainError as error:
        db.session.rollback()
        form.refused(error)
        return _page(form, form.refusal_status)
    db.session.commit()
    flash(f"Issued the {issued.year} program report, version {issued.version}.", "success")
    return redirect(url_for("metric_reports.reports"))


@blp.get("/metrics/reports/<int:report_id>.<any(pdf, csv, json):fmt>")
@login_required
def report_file(report_id: int, fmt: str):
    """One report's file, byte for byte as issued."""
    found = report.get(page_actor(), report_id)
    return Response(
        report.body(found, fmt),
        mimetype=report.MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{report.filename(found, fmt)}"'},
    )
