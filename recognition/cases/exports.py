"""The cases a manager sees, with their committees, as CSV for a spreadsheet: one row per
member (a case with no member has one row with the member's cells empty)."""

from __future__ import annotations

import csv
import io

from ..auth.service import Actor
from ..credits.export import safe_cell
from ..extensions import db
from .visibility import MANAGERS, capacity, committee, visible_cases

COLUMNS = (
    "case",
    "candidate",
    "candidate_email",
    "division",
    "kind",
    "target_rank",
    "period_start",
    "period_end",
    "due_on",
    "state",
    "member",
    "member_email",
    "standing",
    "flags",
    "override_reason",
)


def standing(item: dict) -> str:
    if item["removed"]:
        return "removed"
    if item["recused"]:
        return "recused"
    return "overridden" if item["override"] else "may open the dossier"


def rows(actor: Actor) -> list[dict]:
    """The cases ``actor`` manages (administrators: all; directors: their divisions')."""
    found = []
    for case in db.session.scalars(visible_cases(actor)).unique():
        if capacity(case, actor) not in MANAGERS:
            continue
        base = {
            "case": case.id,
            "candidate": case.candidate.name,
            "candidate_email": case.candidate.email,
            "division": case.candidate.division.name if case.candidate.division else "",
            "kind": case.kind,
            "target_rank": case.target_rank or "",
            "period_start": case.period_start.isoformat(),
            "period_end": case.period_end.isoformat(),
            "due_on": case.due_on.isoformat(),
            "state": "open" if case.is_open else "closed",
        }
        members = committee(case)
        for item in members:
            found.append(
                {
                    **base,
                    "member": item["person"].name,
                    "member_email": item["person"].email,
                    "standing": standing(item),
                    "flags": "; ".join(item["flags"]),
                    "override_reason": item["override"].reason if item["override"] else "",
                }
            )
        if not members:
            found.append(base)
    return found


def to_csv(found: list[dict]) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads accented names right); no cell runs as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in found:
        writer.writerow([safe_cell(row.get(column, "")) for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
