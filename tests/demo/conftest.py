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


@pytest.fixture
def logins(app) -> dict[str, tuple[str, str]]:
    """The demo loaded into ``app``: role -> (email, password)."""
    return {role: (email, password) for role, email, password in load(app)}


@pytest.fixture
def other_app(backend, request, tmp_path, instance_path):
    """A second app on a second fresh, migrated database of the same backend."""
    with fresh_database(request, backend, tmp_path) as url:
        app = create_app(app_config(url))
        yield app
        dispose_engines(app)
