"""The small test department, bearer headers per role, and row counters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recognition.extensions import db
from recognition.people.models import Division, Person
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
def rows(app):
    """``rows()``: how many people and divisions are stored, as a pair."""

    def count() -> tuple[int, int]:
        with app.app_context():
            return (
                db.session.scalar(select(func.count()).select_from(Person)),
                db.session.scalar(select(func.count()).select_from(Division)),
            )

    return count
