"""Shared set-up for the page tests (signing in, counting ledger rows and the CSRF client
are in tests/conftest.py, shared with the feedback pages)."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger


@pytest.fixture
def record(app, dept):
    """``record(role, **fields)``: a meeting appended through the service by that role's
    person, in the CARD mentorship unless told otherwise; returns the entry's id. Repeats
    are taken as separate activities (the ledger would otherwise ask, with a 409)."""

    def append(role: str = "mentor", **fields) -> int:
        data = {
            "kind": "meeting",
            "mentorship_id": dept.mentorship_id,
            "occurred_on": today(),
            "minutes": 45,
            "note": "",
            "confirm_duplicate": True,
            **fields,
        }
        with app.app_context():
            entry = ledger.record(data, load_actor(dept.ids[role]), utcnow())
            db.session.commit()
            return entry.id

    return append


def first_of_year() -> date:
    return date(utcnow().year, 1, 1)
