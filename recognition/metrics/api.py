"""/api/v1/metrics: the program's metrics by level, year and division, and what needs
attention. Administrators see every division; a division director their own with the
department's totals; everyone else gets 403."""

from flask import Response

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import today, utcnow
from ..extensions import db
from ..parsing import Blueprint
from . import attention, report, service
from .models import FORMATS as REPORT_FORMATS
from .models import ProgramReport
from .schemas import (
    AttentionArgsSchema,
    AttentionListSchema,
    MetricArgsSchema,
    MetricDefinitionSchema,
    MetricResultListSchema,
    MetricTrendListSchema,
    ProgramReportFormatArgsSchema,
    ProgramReportIssueSchema,
    ProgramReportListSchema,
    ProgramReportSchema,
    TrendArgsSchema,
)

URL = "/metrics"
blp = Blueprint(
    "metrics_api",
    __name__,
    description="Program metrics at the study's three levels, with small cells withheld, and what needs attention",
)


@blp.get("/definitions")
@blp.response(200, MetricDefinitionSchema(many=True))
@errors_for(401, 403)
def definitions():
    """Every metric in force: level, component, definition, formula, unit, smallest cell"""
    service.visible_codes(api_actor())
    return list(service.definitions().values())


@blp.get("")
@blp.arguments(MetricArgsSchema, location="query")
@blp.response(200, MetricResultListSchema)
@errors_for(401, 403, 404, 422)
def values(args):
    """Every metric for a year: the department's row, then each division you may see (or
    the one asked for). Withheld cells are marked withheld, never given as zero"""
    codes, day = service.visible_codes(api_actor()), today()
    year = service.checked_year(args.get("year"), day)
    found = service.results(codes, year, day, service.checked_division(codes, args.get("division")))
    service.keep_snapshots()  # the snapshots of closed years computed for this answer
    return service.listing(year, day, found)


@blp.get("/trends")
@blp.arguments(TrendArgsSchema, location="query")
@blp.response(200, MetricTrendListSchema)
@errors_for(401, 403, 422)
def trends(args):
    """The department's value of every metric (its first series) for each of the five
    years to ``year``. A year before the department's first ledger entry, or before the
    first record the metric counts from, is ``no_data`` with a null value, never zero;
    a withheld year is ``withheld``"""
    service.visible_codes(api_actor())
    day = today()
    found = service.trend_listing(service.checked_year(args.get("year"), day), day)
    service.keep_snapshots()  # the snapshots of closed years computed for this answer
    return found


@blp.get("/attention")
@blp.arguments(AttentionArgsSchema, location="query")
@blp.response(200, AttentionListSchema)
@errors_for(401, 403, 404, 422)
def needs_attention(args):
    """What needs attention today in the divisions you manage (or the one asked for):
    mentorships with no meeting this year, entries unconfirmed after 60 days, overdue
    check-ins, new faculty without a formal mentor"""
    actor, day = api_actor(), today()
    division = service.checked_division(service.visible_codes(actor), args.get("division"))
    lists = attention.needs_attention(actor, day, division.id if division else None)
    service.keep_snapshots()  # the snapshots of closed years' counts computed for this answer
    return {"as_of": day, "lists": lists}


# The yearly program report -------------------------------------------------------------

REPORT_FILES = {
    "200": {
        "description": "What the report is (no format), or its file byte for byte as issued",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def report_view(found: ProgramReport, latest: bool) -> dict:
    here = f"/api/v1/metrics/reports/{found.id}"
    return {
        "id": found.id,
        "year": found.year,
        "version": found.version,
        "latest": latest,
        "issued_at": found.issued_at,
        "issuer": found.issuer,
        "issued_by": found.issued_by.name if found.issued_by else None,
        "pdf_sha256": found.pdf_sha256,
        "csv_sha256": found.csv_sha256,
        "json_sha256": found.json_sha256,
        "links": {fmt: f"{here}?format={fmt}" for fmt in REPORT_FORMATS},
    }


@blp.post("/reports")
@blp.arguments(ProgramReportIssueSchema, example={"year": 2025})
@blp.response(201, ProgramReportSchema)
@errors_for(401, 403, 409, 422)
def issue_report(body):
    """Issue the yearly program report for a closed year (administrators): the PDF, CSV
    and JSON for the faculty council, stored as issued. Issuing a year again makes its
    next version; the earlier ones stay"""
    issued = report.issue(body["year"], api_actor(), utcnow())
    db.session.commit()
    return report_view(issued, True)


@blp.get("/reports")
@blp.response(200, ProgramReportListSchema)
@errors_for(401, 403)
def reports():
    """Every issued program report, newest year and version first (administrators and
    division directors: the council's document, small cells withheld)"""
    found = report.listed(api_actor())
    latest = report.latest_versions(found)
    return {"items": [report_view(row, row.id in latest) for row in found]}


@blp.get("/reports/<int:report_id>")
@blp.arguments(ProgramReportFormatArgsSchema, location="query")
@blp.response(200, ProgramReportSchema)
@blp.doc(responses=REPORT_FILES)
@errors_for(401, 403, 404, 422)
def one_report(args, report_id):
    """One issued program report: what it is, or with format=pdf|csv|json its file,
    byte for byte as issued"""
    found = report.get(api_actor(), report_id)
    fmt = args.get("format")
    if fmt is None:
        return report_view(found, found.id in report.latest_versions(report.versions(found.year)))
    disposition = "inline" if fmt == "json" else "attachment"
    return Response(
        report.body(found, fmt),
        mimetype=report.MEDIA[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{report.filename(found, fmt)}"'},
    )
