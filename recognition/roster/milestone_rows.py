"""The milestones file of a roster import: each row through ``milestones.service.record``
(source ``imported``), so it obeys exactly what the API and the pages obey. A row may name
someone from the people file of the same import. A row that repeats one above it, or a
milestone already recorded, is refused by the service's duplicate check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from ..auth.service import Actor
from ..extensions import db
from ..milestones import service as milestones
from ..people.models import Person
from . import formats
from .rows import Directory, attempt, read_cell
from .sheets import Row, Sheet

NOT_YOURS_AT = (
    "person_id",
    "must be someone in a division you direct (a director imports milestones only for "
    "people in their own divisions, and never their own: those are self-reports)",
)
READERS: dict[str, Callable[[str], object]] = {
    "kind": formats.read_milestone_kind,
    "occurred_on": formats.read_date,
    "outcome": formats.read_outcome,
    "rank": formats.read_rank,
    "year": formats.read_year,
}
TEXT = ("title", "agency", "role", "note")


@dataclass
class MilestoneImport:
    sheet: Sheet
    actor: Actor
    now: datetime
    tick: Callable[[int], None]
    directory: Directory

    def run(self) -> int:
        created = 0
        for row in self.sheet.rows:
            values = self.read_row(row)
            if values is not None:
                stored = attempt(
                    self.sheet, row, partial(milestones.record, values, self.actor, self.now, "imported"), NOT_YOURS_AT
                )
                created += stored is not None
            self.tick(1)
        return created

    def read_row(self, row: Row) -> dict | None:
        """The row as the milestones service takes it, or None with its problems noted.
        Which fields a kind needs is the service's rule; here only what each cell is."""
        before = len(self.sheet.problems)
        cells = row.cells
        for key in ("person_id", "kind"):
            if not cells.get(key):
                self.sheet.problem(row.number, key, "is required")
        values: dict = {key: cells.get(key) or None for key in TEXT}
        for key, reader in READERS.items():
            values[key] = read_cell(self.sheet, row, key, reader) if cells.get(key) else None
        values["person_id"] = self.person(row) if cells.get("person_id") else None
        if len(self.sheet.problems) > before:
            return None
        return values

    def person(self, row: Row) -> int | None:
        named = read_cell(self.sheet, row, "person_id", formats.read_person)
        if named is None:
            return None
        if isinstance(named, int):
            if db.session.get(Person, named) is None:
                self.sheet.problem(
                    row.number, "person_id", f"must be the id of someone on the roster (no person {named})"
                )
                return None
            return named
        person_id = self.directory.ids.get(named)
        if person_id is None:
            self.sheet.problem(row.number, "person_id", self.directory.unknown(named))
        return person_id
