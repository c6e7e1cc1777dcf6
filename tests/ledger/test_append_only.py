"""The database itself refuses to change or remove a ledger entry, and the code never tries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from recognition.extensions import db
from recognition.ledger.models import LedgerEntry

from .conftest import ledger_rows

# What an operator or a careless script might try, per backend. SQLite has no TRUNCATE:
# its "truncate optimisation" is a DELETE without WHERE, which triggers switch off.
COPY_FIRST = "INSERT INTO ledger_entries SELECT * FROM ledger_entries WHERE seq = 1 "
REFUSED = {
    "update every note": {"sqlite": ["UPDATE ledger_entries SET note = 'x'"]},
    "update one entry": {"sqlite": ["UPDATE ledger_entries SET minutes = minutes + 1 WHERE seq = 2"]},
    "delete everything": {"sqlite": ["DELETE FROM ledger_entries"]},
    "delete one entry": {"sqlite": ["DELETE FROM ledger_entries WHERE seq = 3"]},
    "truncate": {
        "sqlite": ["DELETE FROM ledger_entries"],
        "postgresql": [
            "TRUNCATE ledger_entries",
            "TRUNCATE ledger_entries CASCADE",
            # Emptying a table the ledger refers to cascades to the ledger.
            "TRUNCATE people CASCADE",
        ],
    },
    "replace a row": {
        # REPLACE deletes the old row; the delete trigger fires only with recursive_triggers.
        "sqlite": ["INSERT OR REPLACE INTO ledger_entries SELECT * FROM ledger_entries WHERE seq = 1"],
        "postgresql": [COPY_FIRST + "ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note || 'x'"],
    },
    "upsert": {"sqlite": [COPY_FIRST + "ON CONFLICT (id) DO UPDATE SET note = 'x'"]},
}


def statements_for(what: str, backend: str) -> list[str]:
    by_backend = REFUSED[what]
    return by_backend.get(backend, by_backend["sqlite"])


@pytest.fixture
def three_entries(app, record, dept):
    record("mentor", note="first")
    record("mentee", note="second")
    record("mentor", kind="mentor_training", mentorship_id=None, note="third")
    rows = ledger_rows(app)
    assert len(rows) == 3
    return rows


@pytest.mark.parametrize("what", REFUSED)
def test_raw_sql_cannot_change_or_remove_entries(app, backend, three_entries, what):
    for statement in statements_for(what, backend):
        with app.app_context():
            # A plain TRUNCATE on PostgreSQL is stopped even before the trigger: the
            # reflections table refers to the ledger.
            with pytest.raises(DBAPIError, match=r"append-only|referenced in a foreign key constraint"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert ledger_rows(app) == three_entries, statement


def test_the_orm_cannot_edit_a_loaded_entry(app, three_entries):
    with app.app_context():
        entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.seq == 2))
        entry.note = "edited"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
    assert ledger_rows(app) == three_entries


def test_the_orm_cannot_delete_a_loaded_entry(app, three_entries):
    with app.app_context():
        db.session.delete(db.session.scalar(select(LedgerEntry).where(LedgerEntry.seq == 3)))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
    assert ledger_rows(app) == three_entries


def test_recording_reversing_and_confirming_only_ever_insert(app, client, dept, headers):
    """Watch every statement the app sends while the ledger is used through the API:
    none updates or deletes a ledger row."""
    mentor, mentee = headers("mentor"), headers("mentee")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def watch(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        body = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": "2025-03-01", "minutes": 30}
        first = client.post("/api/v1/contributions", json=body, headers=mentor).get_json()["id"]
        second = client.post(
            "/api/v1/contributions", json={**body, "confirm_duplicate": True}, headers=mentor
        ).get_json()["id"]
        assert client.post(f"/api/v1/contributions/{first}/confirmation", headers=mentee).status_code == 201
        assert (
            client.post(
                f"/api/v1/contributions/{second}/reversal", json={"reason": "Twice."}, headers=mentor
            ).status_code
            == 201
        )
        assert client.get("/api/v1/contributions", headers=mentor).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", watch)

    touching = [s for s in statements if "ledger_entries" in s]
    assert any(s.lstrip().upper().startswith("INSERT INTO LEDGER_ENTRIES") for s in touching)
    writes = [
        s
        for s in touching
        if re.match(r"\s*(UPDATE|DELETE|TRUNCATE|REPLACE)\b", s, re.IGNORECASE)
        or re.search(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+ledger_entries\b", s, re.IGNORECASE)
        or re.search(r"\bOR\s+REPLACE\b", s, re.IGNORECASE)
        # An upsert of the ledger's own insert (on PostgreSQL the entry's insert may be the
        # WITH clause of the outbox's, whose ON CONFLICT is the outbox's).
        or re.search(
            r"INSERT\s+INTO\s+ledger_entries\b(?:(?!INSERT\s+INTO).)*\bON\s+CONFLICT\b", s, re.IGNORECASE | re.DOTALL
        )
    ]
    assert writes == []
    assert len(ledger_rows(app)) == 4
