"""Shared set-up for the ledger tests: a small department and quick ways into the ledger."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.ledger import service
from recognition.ledger.models import LedgerEntry

# A fixed clock: services take "now", so no test depends on the day it runs.
NOW = datetime(2025, 6, 15, 12, 0, 0, 250_000)


@pytest.fixture
def record(app, dept):
    """``record(role, **fields)``: a contribution appended through the service and committed;
    returns its id. Defaults to a meeting in the CARD mentorship; repeats are taken as
    separate activities unless ``confirm_duplicate=False`` (see test_duplicates.py)."""

    def append(role: str = "mentor", now: datetime = NOW, **fields) -> int:
        data = {
            "kind": "meeting",
            "mentorship_id": dept.mentorship_id,
            "occurred_on": date(2025, 3, 1),
            "minutes": 45,
            "note": "",
            "confirm_duplicate": True,
            **fields,
        }
        with app.app_context():
            entry = service.record(data, load_actor(dept.ids[role]), now)
            db.session.commit()
            return entry.id

    return append


def ledger_rows(app) -> list[dict]:
    """Every stored entry in chain order, as plain dicts (read in a fresh session)."""
    with app.app_context():
        return [
            {column.key: getattr(entry, column.key) for column in LedgerEntry.__table__.columns}
            for entry in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq))
        ]


def ledger_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LedgerEntry))
