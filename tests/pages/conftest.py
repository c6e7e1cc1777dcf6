"""Shared set-up for the page tests: the small test department, signing in as a role,
and counting ledger rows (a refused form must leave the ledger as it was)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from recognition import create_app
from recognition.auth.service import load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from tests.support.department import PASSWORD


@pytest.fixture
def login(dept):
    """``login(client, role)``: sign the client in as that role's person; returns the client."""

    def sign_in(client, role: str):
        response = client.post("/login", data={"email": dept.email(role), "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def ledger_rows(app):
    """``ledger_rows()``: how many entries the ledger holds now."""

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(LedgerEntry))

    return count


@pytest.fixture
def record(app, dept):
    """``record(role, **fields)``: a meeting appended through the service by that role's
    person, in the CARD mentorship unless told otherwise; returns the entry's id."""

    def append(role: str = "mentor", **fields) -> int:
        data = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": utcnow().date(),
                "minutes": 45, "note": "", **fields}
        with app.app_context():
            entry = ledger.record(data, load_actor(dept.ids[role]), utcnow())
            db.session.commit()
            return entry.id

    return append


@pytest.fixture
def csrf_client(app):
    """A client of a second app on the same database, with CSRF protection switched on."""
    settings = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "DATABASE_URL", "ARGON2_TIME_COST",
                                                 "ARGON2_MEMORY_COST_KIB", "ARGON2_PARALLELISM")}
    protected = create_app({**settings, "WTF_CSRF_ENABLED": True})
    yield protected.test_client()
    with protected.app_context():
        for engine in db.engines.values():
            engine.dispose()


def first_of_year() -> date:
    return date(utcnow().year, 1, 1)
