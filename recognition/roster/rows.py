"""What every file of a roster import reads its rows with: one row's operation in a
SAVEPOINT whose refusals become the row's problems, a cell read through its format, and
the directory of whom an email names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import DomainError, Forbidden
from ..extensions import db
from ..people.models import Person
from .formats import CellError
from .sheets import Row, Sheet

# Rules the services word for an API caller, reworded for someone fixing a spreadsheet.
REWORDED = {
    ("email", "must be unique"): "must be unique (someone on the roster already has this email)",
    ("institutional_id", "must be unique"): "must be unique (someone on the roster already has this institutional id)",
}


def attempt(sheet: Sheet, row: Row, operation: Callable[[], object], forbidden: tuple[str, str]):
    """Run one row's operation inside a SAVEPOINT; on refusal, note the problems against
    the row's columns and undo only this row. Returns the operation's result or None."""
    try:
        with db.session.begin_nested():
            return operation()
    except Forbidden:
        sheet.problem(row.number, *forbidden)
    except DomainError as error:
        if not error.errors:
            sheet.problem(row.number, None, error.message)
        for key, rules in error.errors.items():
            for rule in rules:
                sheet.problem(row.number, known(sheet, key), REWORDED.get((key, rule), rule))
    except IntegrityError:
        sheet.problem(row.number, None, "conflicts with a record already stored")
    return None


def known(sheet: Sheet, key: str) -> str | None:
    """The field if it is one of the file's columns; otherwise the problem is the row's."""
    return key if sheet.column_name(key) else None


def schema_problems(sheet: Sheet, row: Row, error: ValidationError) -> None:
    """marshmallow's messages ("Not a valid email address.") as rules ("not a valid email address")."""
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    for key, rules in messages.items():
        for rule in rules if isinstance(rules, list) else [str(rules)]:
            rule = rule.removesuffix(".")
            sheet.problem(row.number, known(sheet, key), rule[:1].lower() + rule[1:])


@dataclass
class Directory:
    """Whom an email names: the people stored (on the roster before the import, or created
    by it), and which row of the people file claimed each email. Loaded once, so rows
    that name people cost no query."""

    ids: dict[str, int]
    rows: dict[str, tuple[int, Person | None]] = field(default_factory=dict)
    # Institutional id -> the people-file row that first gave it.
    institutional_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Directory:
        return cls(dict(db.session.execute(select(Person.email, Person.id)).all()))

    def claim(self, email: str, row: int, person: Person | None) -> None:
        self.rows.setdefault(email, (row, person))
        if person is not None:
            self.ids[email] = person.id

    def unknown(self, email: str) -> str:
        """Why an email that names no one stored names no one."""
        if email in self.rows:
            return f"refers to {email} on row {self.rows[email][0]} of the people file, which has problems"
        return f"must be the email of someone on the roster or in the people file ({email} is neither)"


def read_cell(sheet: Sheet, row: Row, key: str, reader: Callable[[str], object]):
    """The cell read by ``reader``, or None with the broken rule noted against it."""
    try:
        return reader(row.cells.get(key, ""))
    except CellError as error:
        sheet.problem(row.number, key, error.rule)
        return None
