"""The yearly program report for the department's faculty council: issue, list, read.

The numbers are the dashboard's (``service.compute``: every enabled metric, the
department's row and one per division, small cells withheld across all divisions), for a
closed calendar year, with each metric's department trend over the years before it. One
report is three files made from those numbers at issue (the JSON, a CSV with one row per
cell and the PDF), stored as issued (``ProgramReport``). Issuing a year again makes the next
version; no stored report is ever rendered again.

Who reads it: the faculty council, so the report is one document whoever downloads it.
Administrators issue; administrators and division directors (who sit on the council) list
and download. A director therefore reads every division's row of a report, as the council
does: the rows were withheld for small cells across all divisions before they were stored.

Deterministic: the same data and the same moment of issue give the same bytes (no random
id, the PDF's creation date is the issue's), which the tests check on both databases.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..auth.service import Actor
from ..clock import local_date
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..ledger.models import LedgerEntry
from .definitions import LEVELS, UNITS
from .measures import first_years
from .models import ADMIN, COMMAND_LINE, SCHEDULER, ProgramReport
from .rules import WITHHELD
from .schemas import MetricResultListSchema
from .service import compute, definitions, listing, trend

MEDIA = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}
# The scheduler issues a year's report on this day of the next January: the weeks after
# the year ends are when late December meetings are logged and confirmed.
YEAR_END_DAY = (1, 15)
CSV_COLUMNS = (
    "year",
    "level",
    "metric",
    "title",
    "unit",
    "group",
    "label",
    "series",
    "series_label",
    "state",
    "value",
    "people",
    "suppressed",
)


# Who may -----------------------------------------------------------------------------


def may_read(actor: Actor) -> None:
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Program reports are for administrators and division directors.")


def may_issue(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only administrators issue the program report.")


# Which years -------------------------------------------------------------------------


def first_year() -> int | None:
    """The year of the department's first ledger entry (None: it has none yet)."""
    first = db.session.scalar(select(func.min(LedgerEntry.occurred_on)))
    return first.year if first else None


def checked_year(year: int, today: date) -> int:
    """A closed year the department has entries for. The year under way is on the
    dashboard, counted to today; the council's report is of a finished year."""
    first, last = first_year(), today.year - 1
    if first is None:
        raise DomainError.field("year", "must be a year the ledger has entries for; it has none yet")
    if not first <= year <= last:
        rule = (
            f"must be a closed year from {first} (the first entry) to {last}"
            if first <= last
            else f"must be a closed year: the first entry is from {first}, which is not over"
        )
        raise DomainError.field("year", rule)
    return year


# The numbers and the files -------------------------------------------------------------


def numbers(year: int, now: datetime, version: int, issued_by: str) -> dict:
    """The report's JSON: what it is, then the API's metric values for ``year`` (every
    division, small cells withheld), each result with the department's trend."""
    today = local_date(now)
    found = [compute(metric, year, today) for metric in definitions().values()]
    body = MetricResultListSchema().dump(listing(year, today, found))
    firsts = first_years()
    for result, dumped in zip(found, body["results"], strict=True):
        key = result.series[0].key
        # The dashboard's trend: a year before the records begin has no data, never zero.
        dumped["trend"] = [_cell(y, key, cell) for y, cell in trend(result.metric, year, today, result, firsts).first()]
    return {
        "report": {
            "title": f"Mentoring program report {year}",
            "department": current_app.config["DEPARTMENT_NAME"],
            "year": year,
            "version": version,
            "issued_at": now.replace(microsecond=0).isoformat(),
            "issued_by": issued_by,
        },
        **body,
    }


def _cell(year: int, series: str, cell) -> dict:
    return {
        "year": year,
        "series": series,
        "state": cell.state,
        "value": None if cell.value is None else float(cell.value),
        "people": cell.people,
    }


def to_json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def to_csv(document: dict) -> bytes:
    """One row per metric per cell; a withheld cell has no value and ``suppressed`` true."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in document["results"]:
        metric, labels = result["metric"], {s["key"]: s["label"] for s in result["series"]}
        for row in result["rows"]:
            for cell in row["cells"]:
                writer.writerow(
                    [
                        document["year"],
                        LEVELS[metric["level"]],
                        metric["id"],
                        metric["title"],
                        UNITS[metric["unit"]] or metric["unit"],
                        row["group"],
                        row["label"],
                        cell["series"],
                        labels[cell["series"]],
                        cell["state"],
                        "" if cell["value"] is None else f"{cell['value']:g}",
                        "" if cell["people"] is None else cell["people"],
                        "true" if cell["state"] == WITHHELD else "false",
                    ]
                )
    return out.getvalue().encode("utf-8")


def files(document: dict) -> dict[str, bytes]:
    from .report_pdf import render  # noqa: PLC0415 - reportlab loads only when a report is made

    return {"json": to_json(document), "csv": to_csv(document), "pdf": render(document)}


# Issuing -------------------------------------------------------------------------------


def _issuer(actor: Actor | None) -> tuple[str, int | None, str]:
    if actor is None:
        return SCHEDULER, None, "the scheduler, after the year's end"
    if actor.person_id is None:
        return COMMAND_LINE, None, "an administrator at the command line"
    return ADMIN, actor.person_id, actor.name


def versions(year: int) -> list[ProgramReport]:
    return list(
        db.session.scalars(select(ProgramReport).where(ProgramReport.year == year).order_by(ProgramReport.version))
    )


def issue(year: int, actor: Actor | None, now: datetime) -> ProgramReport:
    """Issue ``year``'s report as ``actor`` (None: the scheduler): the next version, the
    earlier ones left as they are. Flushes; the caller commits."""
    if actor is not None:
        may_issue(actor)
    checked_year(year, local_date(now))
    issuer, person_id, named = _issuer(actor)
    version = len(versions(year)) + 1
    document = numbers(year, now, version, named)
    made = files(document)
    report = ProgramReport(
        year=year,
        version=version,
        issued_at=now.replace(microsecond=0),
        issuer=issuer,
        issued_by_id=person_id,
        payload=made["json"].decode("utf-8"),
        json_sha256=_sha(made["json"]),
        csv=made["csv"],
        csv_sha256=_sha(made["csv"]),
        pdf=made["pdf"],
        pdf_sha256=_sha(made["pdf"]),
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:  # another issue of the year took this version meanwhile
        raise Conflict(
            f"Another issue of the {year} report was stored meanwhile as version {version}; issue again for the next."
        ) from None
    return report


def year_end(day: date, now: datetime) -> str:
    """The scheduler's: from 15 January, issue last year's report unless the scheduler
    already has (an administrator's earlier one does not count: the year-end report is
    the one issued once the late entries are in). A one-line summary."""
    year = day.year - 1
    if day < date(day.year, *YEAR_END_DAY):
        return f"the {year} report is issued from {date(day.year, *YEAR_END_DAY).isoformat()}; nothing to do yet"
    done = [r for r in versions(year) if r.issuer == SCHEDULER]
    if done:
        return f"the {year} report was issued on {done[0].issued_at.date().isoformat()} (version {done[0].version})"
    first = first_year()
    if first is None or first > year:
        return f"no {year} report: the ledger has no entries from {year} or before"
    report = issue(year, None, now)
    return f"issued the {year} program report, version {report.version} (sha256 {report.pdf_sha256[:12]})"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Reading -------------------------------------------------------------------------------


def listed(actor: Actor) -> list[ProgramReport]:
    """Every issued report, newest year and version first."""
    may_read(actor)
    return list(
        db.session.scalars(select(ProgramReport).order_by(ProgramReport.year.desc(), ProgramReport.version.desc()))
    )


def get(actor: Actor, report_id: int) -> ProgramReport:
    may_read(actor)
    report = db.session.get(ProgramReport, report_id)
    if report is None:
        raise NotFound(f"There is no program report {report_id}.")
    return report


def body(report: ProgramReport, fmt: str) -> bytes:
    """The file as issued, byte for byte."""
    if fmt == "pdf":
        return report.pdf
    if fmt == "csv":
        return report.csv
    return report.payload.encode("utf-8")


def filename(report: ProgramReport, fmt: str) -> str:
    return f"program-report-{report.year}-v{report.version}.{fmt}"


def latest_versions(reports: list[ProgramReport]) -> set[int]:
    """The ids of the newest version of each year."""
    newest: dict[int, ProgramReport] = {}
    for report in reports:
        if report.year not in newest or report.version > newest[report.year].version:
            newest[report.year] = report
    return {report.id for report in newest.values()}
