"""Shared set-up for the demo tests: a small demo department (a tenth of the real size,
the same shape), and a second fresh database for comparing two loads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recognition import create_app
from recognition.demo import builder
from recognition.extensions import db
from recognition.feedback.models import Answer, Comment, Instrument, Receipt, Release, Request, Response
from recognition.reflections.models import Reflection
from tests.conftest import app_config, dispose_engines, fresh_database

SEED = 7
SCALE = 0.1
# A fixed "today": the demo is deterministic given (seed, today), so tests do not depend
# on the day they run.
TODAY = date(2025, 6, 15)


def load(app, seed: int = SEED, today: date = TODAY) -> list[tuple[str, str, str]]:
    with app.app_context():
        return builder.load(seed, today=today, scale=SCALE)


FEEDBACK_TABLES = (Instrument, Request, Release, Response, Answer, Comment, Receipt, Reflection)


def feedback_snapshot(app) -> dict[str, list[tuple]]:
    """Every feedback and reflection row, sorted: table name -> rows."""
    with app.app_context():
        snapshot = {}
        for model in FEEDBACK_TABLES:
            table = model.__table__
            rows = [tuple(row) for row in db.session.execute(select(table))]
            snapshot[table.name] = sorted(rows, key=repr)
        return snapshot


def demo_source(request, backend: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The demo (``SEED``, ``TODAY``, ``SCALE``) loaded once per backend per worker into a
    database kept as a template (see ``seeded_templates``): its name and the logins."""
    templates = request.getfixturevalue("seeded_templates")
    return templates.get(request, backend, "demo", lambda: builder.load(SEED, today=TODAY, scale=SCALE))


@pytest.fixture
def database_url(backend, request, tmp_path):
    """As everywhere, a fresh database per test; a test asking for ``logins`` gets a copy of
    a database the demo was loaded into (loading it per test would cost seconds)."""
    source = demo_source(request, backend)[0] if "logins" in request.fixturenames else None
    with fresh_database(request, backend, tmp_path, source=source) as url:
        yield url


@pytest.fixture
def logins(app, backend, request) -> dict[str, tuple[str, str]]:
    """The demo loaded into ``app`` (``database_url`` copied it in): role -> (email, password)."""
    return {role: (email, password) for role, email, password in demo_source(request, backend)[1]}


@pytest.fixture
def other_app(backend, request, tmp_path, instance_path):
    """A second app on a second fresh, migrated database of the same backend."""
    with fresh_database(request, backend, tmp_path) as url:
        app = create_app(app_config(url))
        yield app
        dispose_engines(app)
