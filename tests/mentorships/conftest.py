"""The small test department, bearer headers per role, and a row counter."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recognition.extensions import db
from recognition.mentorships.models import Mentorship
from tests.support.department import Department


@pytest.fixture
def dept(app) -> Department:
    with app.app_context():
        return Department.build()


@pytest.fixture
def auth(client, dept):
    """``auth(role)``: bearer headers for that role; ``auth(None)`` sends no token."""
    cache: dict[str, dict[str, str]] = {}

    def headers(role: str | None) -> dict[str, str]:
        if role is None:
            return {}
        if role not in cache:
            cache[role] = dept.headers(client, role)
        return cache[role]

    return headers


@pytest.fixture
def mentorship_rows(app):
    """``mentorship_rows()``: how many mentorships are stored, ended ones included."""

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Mentorship))

    return count
