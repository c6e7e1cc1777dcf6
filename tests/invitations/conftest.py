"""People without an account, the mail the outbox holds, and the links in it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from recognition.clock import utcnow
from recognition.extensions import db
from recognition.outbox import OutboxMessage
from recognition.people.models import Person

LINK = re.compile(r"https?://[^/\s]+(/password/set/\S+)")


@pytest.fixture
def make_app(database_url, app_on):
    """``make_app(**config)``: another app on the test's database, with other settings."""
    return lambda **overrides: app_on(database_url, **overrides)


@pytest.fixture
def newcomer(app, dept):
    """``newcomer(division="CARD", name=..., email=...)``: a person on the roster without an
    account (as the roster importer leaves them); returns their id."""

    def make(division: str = "CARD", name: str = "Nadia Newcomer", email: str = "nadia@test.example.org") -> int:
        with app.app_context():
            person = Person(
                name=name,
                email=email,
                division_id=dept.divisions[division],
                rank="assistant",
                position="clinician_teacher",
                appointed_on=date(2025, 7, 1),
                created_at=utcnow(),
            )
            db.session.add(person)
            db.session.commit()
            return person.id

    return make


@pytest.fixture
def mail(app):
    """``mail()``: every queued message as (recipient, subject, body), oldest first."""

    def read() -> list[tuple[str, str, str]]:
        with app.app_context():
            rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            return [(row.recipient, row.subject, row.body) for row in rows]

    return read


def link_in(body: str) -> str:
    """The path of the password link in a message."""
    found = LINK.search(body)
    assert found, body
    return found.group(1)
