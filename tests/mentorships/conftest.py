"""The small test department, bearer headers per role, and a row counter."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recognition.extensions import db
from recognition.mentorships.models import Mentorship


@pytest.fixture
def mentorship_rows(app):
    """``mentorship_rows()``: how many mentorships are stored, ended ones included."""

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Mentorship))

    return count
