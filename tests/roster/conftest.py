"""Shared set-up for the roster import tests: a small department, CSV builders, counts."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import func, select

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.extensions import db
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from recognition.roster import importer
from tests.support.department import PASSWORD

# A fixed clock: services take "now", so no test depends on the day it runs.
NOW = datetime(2025, 6, 15, 12, 0, 0)

PEOPLE_HEADER = [
    "Name",
    "Email",
    "Division",
    "Rank",
    "Position",
    "Appointment date",
    "Trained here",
    "Supervisor email",
]
MENTORSHIP_HEADER = ["Mentor email", "Mentee email", "Kind", "Start date", "Group name", "End date"]


def csv_bytes(header: list[str], rows: list[list[str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def person_row(n: int, division: str = "CARD", **changes) -> list[str]:
    """A good people row; ``changes`` replace cells by heading, e.g. ``Email=""``."""
    row = dict(
        zip(
            PEOPLE_HEADER,
            [
                f"New Person {n}",
                f"new{n}@test.example.org",
                division,
                "Assistant Professor",
                "Clinician Scientist",
                "2024-07-01",
                "no",
                "",
            ],
        )
    )
    row.update({key.replace("_", " "): value for key, value in changes.items()})
    return [row[heading] for heading in PEOPLE_HEADER]


def people_csv(*rows: list[str], **options) -> bytes:
    return csv_bytes(PEOPLE_HEADER, list(rows), **options)


def mentorships_csv(*rows: list[str], **options) -> bytes:
    return csv_bytes(MENTORSHIP_HEADER, list(rows), **options)


def counts(app) -> tuple[int, int]:
    """(people, mentorships) stored, read in a fresh session."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Person)),
            db.session.scalar(select(func.count()).select_from(Mentorship)),
        )


@pytest.fixture
def do_import(app, dept):
    """``do_import(people=..., mentorships=..., role="admin", dry_run=False)``: run the
    importer as the service layer's callers do (commit on success) and return the
    Outcome, or the ImportRefused it raised. ``role=None`` is the command line."""

    def run(
        people: bytes | None = None, mentorships: bytes | None = None, role: str | None = "admin", dry_run: bool = False
    ):
        with app.app_context():
            actor = COMMAND_LINE if role is None else load_actor(dept.ids[role])
            try:
                outcome = importer.run(importer.read(people, mentorships), actor, NOW, dry_run=dry_run)
            except importer.ImportRefused as refused:
                db.session.rollback()
                return refused
            db.session.commit()
            return outcome

    return run


@pytest.fixture
def login(client, dept):
    def sign_in(role: str) -> None:
        response = client.post("/login", data={"email": dept.email(role), "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)

    return sign_in


def problems_of(refused) -> list[tuple[str, int | None, str | None, str]]:
    assert isinstance(refused, importer.ImportRefused), refused
    return [(p.file, p.row, p.column, p.rule) for p in refused.problems]
