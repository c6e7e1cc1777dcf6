"""Shared helpers for the scheduler tests: run a job for a date as the scheduler does,
read what it mailed, and give the test department the dates a test needs.

Mail goes to ``<instance>/outbox/`` as .eml files (no MAIL_SERVER in tests).
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from recognition.scheduler import runner
from recognition.scheduler.models import ScheduledNotice


@dataclass(frozen=True)
class Mail:
    to: frozenset[str]
    subject: str
    body: str


class Outbox:
    """The .eml files a test's jobs wrote; ``new()`` returns those not seen before."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._seen: set[str] = set()

    def all(self) -> list[Mail]:
        return [self._read(path) for path in sorted(self.folder.glob("*.eml"))] if self.folder.exists() else []

    def new(self) -> list[Mail]:
        paths = (
            sorted(path for path in self.folder.glob("*.eml") if path.name not in self._seen)
            if self.folder.exists()
            else []
        )
        self._seen.update(path.name for path in paths)
        return [self._read(path) for path in paths]

    @staticmethod
    def _read(path: Path) -> Mail:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        return Mail(
            frozenset(address.addr_spec for address in message["To"].addresses),
            str(message["Subject"]),
            message.get_content(),
        )


@pytest.fixture
def outbox(instance_path) -> Outbox:
    return Outbox(instance_path / "outbox")


@pytest.fixture
def run_job(app):
    """``run_job(job_id, day)``: run the job for ``day`` as the scheduler does; its summary."""

    def run(job_id: str, day: date) -> str:
        return runner.run(app, job_id, day)

    return run


def set_appointed(app, dept, dates: dict[str, date | None], everyone_else: date | None = None) -> None:
    """Give the named roles these appointment dates, and everyone else ``everyone_else``."""
    with app.app_context():
        db.session.execute(update(Person).values(appointed_on=everyone_else))
        for role, day in dates.items():
            db.session.execute(update(Person).where(Person.id == dept.ids[role]).values(appointed_on=day))
        db.session.commit()


def add_mentorship(
    app,
    dept,
    mentor: str,
    mentee: str,
    kind: str = "formal",
    started_on: date = date(2024, 1, 1),
    ended_on: date | None = None,
) -> int:
    with app.app_context():
        row = Mentorship(
            mentor_id=dept.ids[mentor],
            mentee_id=dept.ids[mentee],
            kind=kind,
            started_on=started_on,
            ended_on=ended_on,
            created_at=datetime(2024, 1, 1),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def end_mentorship(app, mentorship_id: int, ended_on: date) -> None:
    with app.app_context():
        db.session.execute(update(Mentorship).where(Mentorship.id == mentorship_id).values(ended_on=ended_on))
        db.session.commit()


def record_meeting(app, dept, mentorship_id: int, on: date, by: str = "mentor") -> int:
    """A meeting logged the day it happened; its ledger entry id."""
    with app.app_context():
        entry = ledger.record(
            {"kind": "meeting", "mentorship_id": mentorship_id, "occurred_on": on, "minutes": 45},
            load_actor(dept.ids[by]),
            datetime.combine(on, datetime.min.time()).replace(hour=18),
        )
        db.session.commit()
        return entry.id


def reverse(app, dept, entry_id: int, on: date, by: str = "mentor") -> None:
    with app.app_context():
        from recognition.ledger.models import LedgerEntry

        ledger.reverse(
            db.session.get(LedgerEntry, entry_id),
            "Logged in error.",
            load_actor(dept.ids[by]),
            datetime.combine(on, datetime.min.time()).replace(hour=19),
        )
        db.session.commit()


def notices(app) -> list[tuple[str, str, date]]:
    with app.app_context():
        return [
            (row.kind, row.subject_key, row.due_on)
            for row in db.session.scalars(select(ScheduledNotice).order_by(ScheduledNotice.id))
        ]
