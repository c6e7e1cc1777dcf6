"""The committee ranking as the downloads give it, for the pages and the API alike: CSV for
spreadsheets and a PDF ranking sheet, all from ``sheet``. Rows the reader is recused from
come last, by nomination id, with no position and no numbers, and the ranking they see is computed
without them (``committee.ranking_rows``): nothing in it moves with the hidden scores."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from ...auth.service import Actor
from ...credits import service as credits
from ...credits.export import safe_cell
from ...errors import Conflict
from ..announcement import certificate
from ..definitions import service as definitions
from ..models import Cycle, Nomination
from . import service as committee

TIE_BREAK = (
    "Nominees are ordered by their normalised mean, highest first. Where two are equal (to nine decimal "
    "places), the higher raw mean comes first; then the one with more reviews; then the earlier nomination "
    "(the lower nomination number), so every tie is settled the same way every time. Nominees with no "
    "reviews yet come last."
)
NORMALISATION = (
    "Each score set counts as the weighted mean of its criterion scores (the rubric's weights). The raw "
    "mean averages those. For the normalised mean, each reviewer's weighted scores are turned into "
    "z-scores: how far each is above or below that reviewer's own average, in units of that reviewer's "
    "standard deviation. A harsh reviewer and a lenient one then count the same: what matters is how each "
    "placed the nominees against one another. A reviewer who scored one nominee only, or gave everyone "
    "the same, adds 0. Spread is the standard deviation of a nominee's weighted scores: a large one means "
    "the reviewers disagreed. Scores of members recused from a nominee are never counted."
)
CSV_COLUMNS = (
    "Position",
    "Nominee",
    "Division",
    "Raw mean",
    "Normalised mean (z)",
    "Reviews",
    "Could review",
    "Spread (sd)",
    "Recused",
    "Status",
)
COVERAGE = (
    "Reviews is how many members scored a nominee; could review, how many members are not recused from them. "
    "A nominee with fewer reviews than the award asks for is listed as not yet ranked, with no place."
)


@dataclass(frozen=True)
class Sheet:
    """The ranking as one reader may see it: the same for the page, the API, the CSV and the PDF."""

    rows: list[dict]  # ranked, then not yet ranked, then hidden from the reader
    warnings: list[str]
    min_reviews: int
    to_score: list[Nomination]  # while not empty, the ranking is withheld: the reader scores these first

    @property
    def withheld(self) -> bool:
        return bool(self.to_score)


def _division(nomination: Nomination) -> str:
    return nomination.nominee.division.name if nomination.nominee.division else ""


def _status(ranked: committee.RankedRow, minimum: int) -> str:
    if ranked.row is None:
        return "recused"
    if ranked.row.position is None:
        return f"not yet ranked ({ranked.row.reviews} of {minimum} reviews needed)"
    return "ranked"


def _row(ranked: committee.RankedRow, minimum: int) -> dict:
    n, row = ranked.nomination, ranked.row
    numbers = row is not None and row.position is not None  # no numbers for hidden or unranked rows
    shown = row if numbers else None
    return {
        "position": row.position if row is not None else None,
        "nomination_id": n.id,
        "nominee": n.nominee.name,
        "person": n.nominee,
        "division": _division(n),
        "recused": row is None,
        "recusal_reasons": list(ranked.recused),
        "status": _status(ranked, minimum),
        "raw_mean": shown.raw_mean if shown is not None else None,
        "normalised_mean": shown.normalised_mean if shown is not None else None,
        "reviews": row.reviews if row is not None else None,
        "reviewers": ranked.reviewers,
        "spread": shown.spread if shown is not None else None,
        "points": [list(point) for point in ranked.points] if shown is not None else [],
    }


def sheet(cycle: Cycle, actor: Actor, day: date) -> Sheet:
    """What ``actor`` may see of the ranking on ``day`` (a 404 for anyone who may not see it).
    A member still scoring sees no rows until they have scored every nominee they review."""
    rows = committee.ranking_rows(cycle, actor)
    minimum = cycle.award.min_reviews
    to_score = committee.unscored(cycle, actor, day)
    if to_score:
        return Sheet([], [], minimum, to_score)
    return Sheet([_row(r, minimum) for r in rows], committee.coverage_warnings(rows, minimum), minimum, [])


def withheld_error(found: Sheet) -> Conflict:
    left = len(found.to_score)
    return Conflict(
        f"The ranking is shown once you have scored every nominee you review: {left} left to score "
        f"({', '.join(n.nominee.name for n in found.to_score)}).",
        {"ranking": [f"withheld until you have scored every nominee you review ({left} left)"]},
    )


def sheet_rows(cycle: Cycle, actor: Actor, day: date) -> list[dict]:
    """The rows the reader may see (see ``sheet``); refused while the ranking is withheld."""
    found = sheet(cycle, actor, day)
    if found.withheld:
        raise withheld_error(found)
    return found.rows


def download_name(cycle: Cycle, extension: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", f"{cycle.award.slug}-{cycle.year}-ranking.{extension}")


def ranking_csv(cycle: Cycle, actor: Actor, day: date) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads the accents right); names are made safe
    from formulas, numbers (a z-score may start with "-") are ours and left as numbers.
    Warnings follow the table, after a blank line."""
    found = sheet(cycle, actor, day)
    if found.withheld:
        raise withheld_error(found)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def number(value) -> str:
        return "" if value is None else f"{value:.6f}"

    def count(value) -> str:
        return "" if value is None else str(value)

    for row in found.rows:
        writer.writerow(
            [
                count(row["position"]),
                safe_cell(row["nominee"]),
                safe_cell(row["division"]),
                number(row["raw_mean"]),
                number(row["normalised_mean"]),
                count(row["reviews"]),
                count(row["reviewers"]),
                number(row["spread"]),
                "yes" if row["recused"] else "no",
                row["status"],
            ]
        )
    if found.warnings:
        writer.writerow([])
        for warning in found.warnings:
            writer.writerow(["Warning", safe_cell(warning)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def ranking_pdf(cycle: Cycle, actor: Actor, phase: str, day: date) -> bytes:
    found = sheet(cycle, actor, day)
    if found.withheld:
        raise withheld_error(found)
    text = definitions.rubric_text(cycle)
    criteria = "; ".join(f"{c.name} (weight {c.weight:g})" for c in text.criteria)
    minimum = found.min_reviews
    note = (
        f"Rubric, each criterion scored {text.low} to {text.high}: {criteria}. {TIE_BREAK} {COVERAGE} This award "
        f"asks for {minimum} review{'s' * (minimum != 1)}."
    )
    return certificate.ranking_sheet(
        f"{cycle.award.name} {cycle.year}: committee ranking",
        f"{phase} · printed for {actor.name} on {day.isoformat()}",
        found.rows,
        note,
        credits.certificate_settings(),
        found.warnings,
    )
