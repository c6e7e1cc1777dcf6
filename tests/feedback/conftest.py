"""Shared set-up for the feedback tests: a fixed clock, more mentors and mentees, and
quick ways to ask, answer and read reports through the services.

Helpers open their own app context and commit, as a view or command would, and return
plain ids so nothing detached leaks out of a session.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from recognition import create_app
from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.extensions import db
from recognition.feedback import reports, service
from recognition.feedback.models import Request
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.conftest import app_config, clear_environment, dispose_engines, fresh_database
from tests.support.department import Department

# A fixed clock: inside calendar period 2026 and before its answer deadline (1 March 2027).
NOW = datetime(2026, 11, 20, 12, 0)


def autumn(year: int) -> datetime:
    """A moment inside calendar period ``year`` when its requests are open."""
    return datetime(year, 11, 20, 12, 0)


def every_item(instrument, value: int | None = 5) -> dict:
    """An answer to every item of ``instrument``, all the same value."""
    return {item.id: value for item in instrument.items}


class FeedbackKit:
    """People, requests and answers for one test's app and department."""

    def __init__(self, app, dept: Department):
        self.app, self.dept = app, dept
        self._made = 0

    def person(self, name: str, division: str = "CARD") -> int:
        with self.app.app_context():
            self._made += 1
            slug = name.lower().replace(" ", ".")
            person = Person(
                name=name,
                email=f"{slug}.{self._made}@feedback.example.org",
                division_id=self.dept.divisions[division],
                rank="assistant",
                position="clinician_teacher",
                appointed_on=date(2023, 7, 1),
                created_at=NOW,
            )
            db.session.add(person)
            db.session.commit()
            return person.id

    def mentorship(
        self,
        mentor_id: int,
        mentee_id: int,
        kind: str = "formal",
        started_on: date = date(2024, 1, 1),
        ended_on: date | None = None,
    ) -> int:
        with self.app.app_context():
            row = Mentorship(
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                kind=kind,
                started_on=started_on,
                ended_on=ended_on,
                created_at=NOW,
            )
            db.session.add(row)
            db.session.commit()
            return row.id

    def mentees(
        self, count: int, mentor: str | int = "mentor", division: str = "CARD", prefix: str = "Mentee"
    ) -> list[int]:
        """``count`` new people, each a formal mentee (since 2024) of ``mentor``."""
        mentor_id = self.dept.ids[mentor] if isinstance(mentor, str) else mentor
        made = [self.person(f"{prefix} {n + 1}", division) for n in range(count)]
        for mentee_id in made:
            self.mentorship(mentor_id, mentee_id)
        return made

    def ask(self, period: str, now: datetime = NOW) -> list[int]:
        """Create the period's requests; the ids of those created by this call."""
        with self.app.app_context():
            created = service.request_feedback(period, now)
            db.session.commit()
            return [r.id for r in created]

    def request_id(self, mentor_id: int, mentee_id: int, period: str) -> int:
        with self.app.app_context():
            return db.session.scalar(
                select(Request.id).where(
                    Request.mentor_id == mentor_id, Request.mentee_id == mentee_id, Request.period == period
                )
            )

    def answer(
        self,
        request_id: int,
        value: int | None = 5,
        comments: dict | None = None,
        now: datetime = NOW,
        answers: dict | None = None,
        as_person: int | None = None,
    ) -> None:
        """Submit as the request's mentee (or ``as_person``) and commit."""
        with self.app.app_context():
            request = db.session.get(Request, request_id)
            actor = load_actor(as_person if as_person is not None else request.mentee_id)
            used = service.instrument(request.instrument_key, request.instrument_version)
            service.submit(request, every_item(used, value) if answers is None else answers, comments or {}, actor, now)
            db.session.commit()

    def report(self, mentor_id: int, period: str, reader: int | None = None) -> dict:
        """The mentor's report for the period, as the mentor (or ``reader``) sees it."""
        with self.app.app_context():
            return reports.mentor_report(mentor_id, period, load_actor(reader or mentor_id))

    def division_view(self, division: str | None, period: str) -> dict:
        """A division's view (``None``: the whole department) as an administrator sees it."""
        with self.app.app_context():
            division_id = None if division is None else self.dept.divisions[division]
            return reports.division_view(division_id, period, COMMAND_LINE)


@pytest.fixture
def feedback_kit(app, dept) -> FeedbackKit:
    return FeedbackKit(app, dept)


@contextmanager
def fresh_app(request: pytest.FixtureRequest, backend: str, **config):
    """A new app on a new, migrated, empty database of ``backend``, for tests that need
    one per hypothesis example (function-scoped fixtures are built once per test)."""
    folder = Path(tempfile.mkdtemp(prefix="feedback-example-"))
    try:
        with fresh_database(request, backend, folder) as url, pytest.MonkeyPatch.context() as monkeypatch:
            clear_environment(monkeypatch)
            (folder / "instance").mkdir()
            monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(folder / "instance"))
            app = create_app(app_config(url, **config))
            try:
                yield app
            finally:
                dispose_engines(app)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
