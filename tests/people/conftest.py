"""The small test department, bearer headers per role, and row counters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recognition.extensions import db
from recognition.people.models import Division, Person


@pytest.fixture
def rows(app):
    """``rows()``: how many people and divisions are stored, as a pair."""

    def count() -> tuple[int, int]:
        with app.app_context():
            return (
                db.session.scalar(select(func.count()).select_from(Person)),
                db.session.scalar(select(func.count()).select_from(Division)),
            )

    return count
