"""The committee ranking as the downloads give it, for the pages and the API alike: CSV for
spreadsheets and a PDF ranking sheet. Rows the reader is recused from come last, with no
position and no numbers: where a row sits would give its place away."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from ..auth.service import Actor
from ..credits import service as credits
from ..credits.export import safe_cell
from . import certificate, committee, definitions
from .models import Cycle

TIE_BREAK = ("Nominees are ordered by their normalised mean, highest first. Where two are equal (to nine decimal "
             "places), the higher raw mean comes first; then the one with more reviews; then the earlier nomination "
             "(the lower nomination number), so every tie is settled the same way every time. Nominees with no "
             "reviews yet come last.")
NORMALISATION = ("Each score set counts as the weighted mean of its criterion scores (the rubric's weights). The raw "
                 "mean averages those. For the normalised mean, each reviewer's weighted scores are turned into "
                 "z-scores: how far each is above or below that reviewer's own average, in units of that reviewer's "
                 "standard deviation. A harsh reviewer and a lenient one then count the same: what matters is how each "
                 "placed the nominees against one another. A reviewer who scored one nominee only, or gave everyone "
                 "the same, adds 0. Spread is the standard deviation of a nominee's weighted scores: a large one means "
                 "the reviewers disagreed. Scores of members recused from a nominee are never counted.")
CSV_COLUMNS = ("Position", "Nominee", "Division", "Raw mean", "Normalised mean (z)", "Reviews", "Spread (sd)", "Recused")


def sheet_rows(cycle: Cycle, actor: Actor) -> list[dict]:
    """The rows the reader may see, in ranking order, then the rows hidden from them."""
    rows = committee.ranking_rows(cycle, actor)

    def division(ranked) -> str:
        found = ranked.nomination.nominee.division
        return found.name if found else ""

    shown = [{**snapshot, "division": division(r), "recused": False}
             for snapshot, r in zip(committee.ranking_snapshot(rows), [r for r in rows if r.row is not None])]
    hidden = [{"recused": True, "position": None, "nomination_id": r.nomination.id, "nominee": r.nomination.nominee.name,
               "division": division(r), "raw_mean": None, "normalised_mean": None, "reviews": None, "spread": None}
              for r in rows if r.row is None]
    return shown + hidden


def download_name(cycle: Cycle, extension: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", f"{cycle.award.slug}-{cycle.year}-ranking.{extension}")


def ranking_csv(cycle: Cycle, actor: Actor) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads the accents right); names are made safe
    from formulas, numbers (a z-score may start with "-") are ours and left as numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def number(value) -> str:
        return "" if value is None else f"{value:.6f}"

    for row in sheet_rows(cycle, actor):
        writer.writerow(["" if row["position"] is None else row["position"], safe_cell(row["nominee"]),
                         safe_cell(row["division"]), number(row["raw_mean"]), number(row["normalised_mean"]),
                         "" if row["reviews"] is None else row["reviews"], number(row["spread"]),
                         "yes" if row["recused"] else "no"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def ranking_pdf(cycle: Cycle, actor: Actor, phase: str, day: date) -> bytes:
    text = definitions.rubric_text(cycle)
    criteria = "; ".join(f"{c.name} (weight {c.weight:g})" for c in text.criteria)
    note = f"Rubric, each criterion scored {text.low} to {text.high}: {criteria}. {TIE_BREAK}"
    return certificate.ranking_sheet(f"{cycle.award.name} {cycle.year}: committee ranking",
                                     f"{phase} · printed for {actor.name} on {day.isoformat()}",
                                     sheet_rows(cycle, actor), note, credits.certificate_settings())
