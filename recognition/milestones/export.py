"""A person's milestones as CSV: first the import file's columns, written as the import
reads them (so rows can be copied into an import file), then what the record says about
each (status, source, when, why)."""

from __future__ import annotations

import csv
import io

from ..credits.export import safe_cell
from ..people.forms import RANK_LABELS
from ..roster.formats import MILESTONE_COLUMNS
from .models import Milestone
from .rules import KIND_LABELS

RECORD_COLUMNS = ("Status", "Source", "Recorded at (UTC)", "Reason", "Milestone id", "Corrects")


def to_csv(milestones: list[Milestone]) -> str:
    """``milestones`` annotated (``service.annotate``), as CSV with a byte-order mark so
    Excel reads the UTF-8; cells a spreadsheet would run as formulas are defused."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.name for column in MILESTONE_COLUMNS] + list(RECORD_COLUMNS))
    for m in milestones:
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    m.person.email,
                    KIND_LABELS[m.kind],
                    m.occurred_on.isoformat(),
                    m.outcome or "",
                    RANK_LABELS.get(m.rank, "") if m.rank else "",
                    m.title or "",
                    m.agency or "",
                    m.role or "",
                    m.year or "",
                    m.note,
                    m.status.state,
                    m.source.replace("_", " "),
                    m.recorded_at.strftime("%Y-%m-%d %H:%M"),
                    m.status.reason or "",
                    m.id,
                    m.corrects_id or "",
                )
            ]
        )
    return "\ufeff" + out.getvalue()
