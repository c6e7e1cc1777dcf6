"""Import people, mentorships and milestones from spreadsheets, all or nothing.

Every row is tried through the same services the API uses (``people.service.create_person``,
``mentorships.service.start``, ``milestones.service.record``), each inside its own SAVEPOINT, so one bad row does not
stop the others from being checked: the report lists every problem in both files. The
whole import runs inside an outer SAVEPOINT that is rolled back if anything was wrong
(or on a dry run), so either every row is stored or none is. Like every operation, this
flushes and never commits: the caller commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.service import Actor
from ..clock import local_date
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..mentorships import service as mentorships
from ..mentorships.schemas import MentorshipSchema
from ..people import service as people
from ..people.models import Division, Person
from ..people.schemas import PersonSchema
from . import formats, sheets
from .milestone_rows import MilestoneImport
from .rows import Directory, attempt, read_cell, schema_problems
from .sheets import Problem, Row, Sheet

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

NOT_YOUR_DIVISION = "must be a division you direct (a director imports people into their own divisions only)"
NOT_YOUR_MENTEE = (
    "must be someone in a division you direct (a director imports mentorships only for mentees in their own divisions)"
)
NOT_YOUR_DIVISION_AT = ("division_id", NOT_YOUR_DIVISION)
NOT_YOUR_MENTEE_AT = ("mentee_id", NOT_YOUR_MENTEE)
PERSON = PersonSchema()
MENTORSHIP = MentorshipSchema()


class ImportRefused(DomainError):
    """The import was refused and nothing was stored. ``problems`` is the full report;
    ``errors`` keys it as ``people``, ``people.row3`` or ``people.row3.Email``."""

    def __init__(self, problems: list[Problem], unchecked: Sequence[str] = ()):
        problems = sorted(problems, key=Problem.sort_key)
        counts = {name: sum(p.file == name for p in problems) for name in sheets.FILES}
        found = " and ".join(f"{n} in the {name} file" for name, n in counts.items() if n)
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.key, []).append(problem.keyed_rule)
        plural = "problem" if len(problems) == 1 else "problems"
        them = "it" if len(problems) == 1 else "them"
        message = f"Nothing was imported: {len(problems)} {plural} ({found}). Fix {them} and import again."
        if unchecked:
            files = " and ".join(f"the {name} file" for name in unchecked)
            message += f" The rows of {files} could not be checked until the problems with the file itself are fixed."
        super().__init__(message, errors)
        self.problems = problems
        self.unchecked = list(unchecked)


@dataclass
class Limits:
    max_rows: int = MAX_ROWS
    max_bytes: int = MAX_BYTES

    @classmethod
    def from_config(cls, config) -> Limits:
        """``ROSTER_IMPORT_MAX_ROWS`` and the app's upload cap, ``MAX_CONTENT_LENGTH``."""
        return cls(
            max_rows=int(config.get("ROSTER_IMPORT_MAX_ROWS") or MAX_ROWS),
            max_bytes=int(config.get("MAX_CONTENT_LENGTH") or MAX_BYTES),
        )


def uploaded(storage) -> bytes | None:
    """The bytes of an uploaded file, or None when none was chosen (browsers send an
    empty part with no file name for an empty file input)."""
    if storage is None:
        return None
    raw = storage.read()
    if not raw and not getattr(storage, "filename", None):
        return None
    return raw


@dataclass
class Outcome:
    people: int = 0
    mentorships: int = 0
    dry_run: bool = False
    # None when no milestones file was sent.
    milestones: int | None = None

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        people = plural(self.people, "person", "people")
        mentorships = plural(self.mentorships, "mentorship")
        if self.milestones is None:
            text = f"{verb} {people} and {mentorships}."
        elif self.people or self.mentorships:
            text = f"{verb} {people}, {mentorships} and {plural(self.milestones, 'milestone')}."
        else:
            text = f"{verb} {plural(self.milestones, 'milestone')}."
        return text + (" Dry run: nothing was stored." if self.dry_run else "")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def may_import(actor: Actor) -> bool:
    return actor.is_admin or bool(actor.directed_division_ids)


def read(
    people_file: bytes | None,
    mentorships_file: bytes | None,
    limits: Limits | None = None,
    milestones_file: bytes | None = None,
) -> list[Sheet]:
    """The uploaded files as sheets; structure problems (encoding, header, size) included."""
    limits = limits or Limits()
    if people_file is None and mentorships_file is None and milestones_file is None:
        raise DomainError(
            "Send a people file, a mentorships file, a milestones file, or several of them.",
            {"files": ["send people, mentorships, milestones, or several of them"]},
        )
    return [
        sheets.read(name, raw, max_rows=limits.max_rows, max_bytes=limits.max_bytes)
        for name, raw in (("people", people_file), ("mentorships", mentorships_file), ("milestones", milestones_file))
        if raw is not None
    ]


def run(
    loaded: list[Sheet],
    actor: Actor,
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Store every row of the sheets, or raise ``ImportRefused`` having stored none."""
    if not may_import(actor):
        raise Forbidden("Only an administrator or a division director can import a roster.")
    by_name = {sheet.name: sheet for sheet in loaded}
    # The rows of a file whose structure is wrong cannot be read reliably, and mentorship
    # rows cannot be checked without the people they may name from the people file.
    unreadable = [sheet.name for sheet in loaded if sheet.problems]
    if "people" in unreadable:
        raise ImportRefused(all_problems(loaded), list(by_name))
    tick = progress or (lambda n: None)
    outcome = Outcome(dry_run=dry_run)
    outer = db.session.begin_nested()
    try:
        directory = Directory.load()
        if "people" in by_name:
            outcome.people = PeopleImport(by_name["people"], actor, now, tick, directory).run()
        if "mentorships" in by_name and "mentorships" not in unreadable:
            outcome.mentorships = MentorshipImport(by_name["mentorships"], actor, now, tick, directory).run()
        if "milestones" in by_name:
            outcome.milestones = 0
            if "milestones" not in unreadable:
                outcome.milestones = MilestoneImport(by_name["milestones"], actor, now, tick, directory).run()
    except BaseException:
        outer.rollback()
        raise
    problems = all_problems(loaded)
    if problems or dry_run:
        outer.rollback()
    else:
        outer.commit()
    if problems:
        raise ImportRefused(problems, unreadable)
    return outcome


def all_problems(loaded: list[Sheet]) -> list[Problem]:
    return [problem for sheet in loaded for problem in sheet.problems]


@dataclass
class PeopleImport:
    """A supervisor already stored is set as the person is created; one further down the
    file is set in a second pass, once everyone exists."""

    sheet: Sheet
    actor: Actor
    now: datetime
    tick: Callable[[int], None]
    directory: Directory

    def run(self) -> int:
        divisions = division_lookup()
        later: list[tuple[Person, Row, str]] = []
        created = 0
        for row in self.sheet.rows:
            values, supervisor = self.read_row(row, divisions)
            person = None
            if values is not None:
                if supervisor:
                    values["supervisor_id"] = self.directory.ids.get(supervisor)
                person = attempt(
                    self.sheet, row, partial(people.create_person, values, self.actor, self.now), NOT_YOUR_DIVISION_AT
                )
            if person is not None:
                created += 1
                if supervisor and person.supervisor_id is None:
                    later.append((person, row, supervisor))
            email = row.cells.get("email", "").lower()
            if email:
                self.directory.claim(email, row.number, person)
            self.tick(1)
        self.link_supervisors(later)
        return created

    def read_row(self, row: Row, divisions: dict[str, Division]) -> tuple[dict | None, str | None]:
        """The row as the people service takes it, and its supervisor's email; or None
        with the problems noted."""
        before = len(self.sheet.problems)
        cells = row.cells
        values: dict = {"supervisor_id": None, "name": cells.get("name", ""), "division_id": None}
        for key in ("name", "email", "rank", "position"):
            if not cells.get(key):
                self.sheet.problem(row.number, key, "is required")
        readers = {
            "email": formats.read_email,
            "rank": formats.read_rank,
            "position": formats.read_position,
            "appointed_on": lambda text: formats.read_date(text).isoformat(),
            "trained_here": formats.read_yes_no,
            "institutional_id": formats.read_institutional_id,
        }
        for key, reader in readers.items():
            if cells.get(key) or key == "trained_here":
                values[key] = read_cell(self.sheet, row, key, reader)
        for key in ("gender", "race"):
            values[key] = cells.get(key) or None
        if cells.get("division_id"):
            division = divisions.get(cells["division_id"].lower())
            values["division_id"] = division.id if division else None
            if division is None:
                self.sheet.problem(row.number, "division_id", "must be the name or code of an existing division")
        email = values.get("email")
        if email and email in self.directory.rows:
            first = self.directory.rows[email][0]
            self.sheet.problem(row.number, "email", f"must be unique (already used by row {first})")
        institutional_id = values.get("institutional_id")
        if institutional_id:
            first_row = self.directory.institutional_ids.setdefault(institutional_id, row.number)
            if first_row != row.number:
                self.sheet.problem(row.number, "institutional_id", f"must be unique (already used by row {first_row})")
        supervisor = None
        if cells.get("supervisor_id"):
            supervisor = read_cell(self.sheet, row, "supervisor_id", formats.read_email)
            if supervisor and supervisor == email:
                self.sheet.problem(row.number, "supervisor_id", "a person cannot supervise themselves")
        if len(self.sheet.problems) > before:
            return None, None
        try:
            return PERSON.load(values), supervisor
        except ValidationError as error:
            schema_problems(self.sheet, row, error)
            return None, None

    def link_supervisors(self, later: list[tuple[Person, Row, str]]) -> None:
        """Set the supervisors named further down the file. Usually every link holds, so
        they are tried together under one SAVEPOINT; if one fails, they are tried again
        one by one to say which."""
        links = []
        for person, row, email in later:
            supervisor_id = self.directory.ids.get(email)
            if supervisor_id is None:
                self.sheet.problem(row.number, "supervisor_id", self.directory.unknown(email))
            else:
                links.append((person, row, supervisor_id))
        try:
            with db.session.begin_nested():
                for person, _, supervisor_id in links:
                    people.update_person(person, {"supervisor_id": supervisor_id}, self.actor)
            return
        except (DomainError, IntegrityError):
            pass
        for person, row, supervisor_id in links:
            attempt(
                self.sheet,
                row,
                partial(people.update_person, person, {"supervisor_id": supervisor_id}, self.actor),
                NOT_YOUR_DIVISION_AT,
            )


@dataclass
class MentorshipImport:
    sheet: Sheet
    actor: Actor
    now: datetime
    tick: Callable[[int], None]
    directory: Directory
    open_pairs: dict[tuple[int, int, str], int] = field(default_factory=dict)

    def run(self) -> int:
        created = 0
        for row in self.sheet.rows:
            values = self.read_row(row)
            if values is not None:
                ended_on = values.pop("ended_on")
                stored = attempt(self.sheet, row, partial(self.store, values, ended_on), NOT_YOUR_MENTEE_AT)
                created += stored is not None
            self.tick(1)
        return created

    def store(self, values: dict, ended_on: date | None):
        # An import records history: a start long past is expected, and says where it came from.
        values = {
            **values,
            "backdate_reason": f"imported from a roster file by {self.actor.name} on {local_date(self.now).isoformat()}",
        }
        mentorship = mentorships.start(values, self.actor, self.now)
        if ended_on is not None:
            mentorships.end(mentorship, ended_on, "", self.actor, self.now)
        return mentorship

    def read_row(self, row: Row) -> dict | None:
        before = len(self.sheet.problems)
        cells = row.cells
        for key in ("mentor_id", "mentee_id", "kind", "started_on"):
            if not cells.get(key):
                self.sheet.problem(row.number, key, "is required")
        ids = {key: self.person(row, key) for key in ("mentor_id", "mentee_id") if cells.get(key)}
        kind = read_cell(self.sheet, row, "kind", formats.read_kind) if cells.get("kind") else None
        started_on = read_cell(self.sheet, row, "started_on", formats.read_date) if cells.get("started_on") else None
        ended_on = read_cell(self.sheet, row, "ended_on", formats.read_date) if cells.get("ended_on") else None
        if started_on and ended_on and ended_on < started_on:
            self.sheet.problem(row.number, "ended_on", "must not be before the start date")
        mentor_id, mentee_id = ids.get("mentor_id"), ids.get("mentee_id")
        # A cell missing or unreadable has noted its problem: the None checks only name them.
        if (
            len(self.sheet.problems) > before
            or mentor_id is None
            or mentee_id is None
            or kind is None
            or started_on is None
        ):
            return None
        pair = (mentor_id, mentee_id, kind)
        if ended_on is None and pair in self.open_pairs:
            self.sheet.problem(
                row.number,
                "mentee_id",
                f"duplicates row {self.open_pairs[pair]}: an open mentorship of this kind already joins these two people",
            )
            return None
        if ended_on is None:
            self.open_pairs[pair] = row.number
        values = {
            **ids,
            "kind": kind,
            "group_name": cells.get("group_name") or None,
            "started_on": started_on.isoformat(),
        }
        try:
            return {**MENTORSHIP.load(values), "ended_on": ended_on}
        except ValidationError as error:
            schema_problems(self.sheet, row, error)
            return None

    def person(self, row: Row, key: str) -> int | None:
        email = read_cell(self.sheet, row, key, formats.read_email)
        if email is None:
            return None
        person_id = self.directory.ids.get(email)
        if person_id is None:
            self.sheet.problem(row.number, key, self.directory.unknown(email))
        return person_id


def division_lookup() -> dict[str, Division]:
    """Divisions by lower-cased name and by lower-cased code. Holding the objects keeps
    them in the session's identity map, so the service's checks need no query per row."""
    lookup: dict[str, Division] = {}
    for division in db.session.scalars(select(Division)):
        lookup[division.name.strip().lower()] = division
        lookup[division.code.strip().lower()] = division
    return lookup


def import_milestones(
    raw: bytes | None, actor: Actor, now: datetime, *, dry_run: bool = False, limits=None, progress=None
) -> int:
    """A milestones CSV on its own (``POST /api/v1/milestones/imports``), read as the
    milestones file of a roster import: every row ``record``ed as ``imported``, all or
    nothing (``ImportRefused`` names every problem by row and column). How many were (or,
    on a dry run, would be) stored."""
    loaded = read(None, None, limits, milestones_file=raw)
    return run(loaded, actor, now, dry_run=dry_run, progress=progress).milestones or 0
