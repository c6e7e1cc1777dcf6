"""Changing stored history behind the application's back is detected, and named, by
``service.verify``, ``recognition ledger verify`` and ``GET /api/v1/ledger/verify``."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import text

from recognition.extensions import db
from recognition.ledger import chain, service
from tests.conftest import selected_backends

from .conftest import ledger_rows


@pytest.fixture
def five_entries(app, record, client, headers):
    """Five entries; the one at position 3 has nothing pointing at it."""
    first = record("mentor", note="first", minutes=45)
    record("mentee", note="second", minutes=30, occurred_on=date(2025, 3, 5))
    record("mentor", note="third", minutes=60, occurred_on=date(2025, 3, 9))
    assert client.post(f"/api/v1/contributions/{first}/confirmation", headers=headers("mentee")).status_code == 201
    record("mentor", kind="mentor_training", mentorship_id=None, note="fifth", minutes=90)
    rows = ledger_rows(app)
    assert [row["seq"] for row in rows] == [1, 2, 3, 4, 5]
    return rows


def disable_guard(backend: str, action: str) -> None:
    """What someone with direct database access would do first."""
    if backend == "sqlite":
        db.session.execute(text(f"DROP TRIGGER ledger_entries_no_{action}"))
    else:
        db.session.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only"))


def tamper(app, backend: str, statement: str, **params) -> None:
    with app.app_context():
        disable_guard(backend, "delete" if statement.startswith("DELETE") else "update")
        assert db.session.execute(text(statement), params).rowcount == 1
        db.session.commit()


def assert_detected(app, client, runner, headers, entry_id: int, seq: int, problem: str) -> None:
    with app.app_context():
        verdict = service.verify()
    assert not verdict.valid
    assert (verdict.first_bad_id, verdict.first_bad_seq) == (entry_id, seq)
    assert problem in verdict.problem

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {entry_id} " in result.stderr
    assert problem in result.stderr
    assert "OK" not in result.stdout

    body = client.get("/api/v1/ledger/verify", headers=headers("admin")).get_json()
    assert body["valid"] is False
    assert (body["first_bad_id"], body["first_bad_seq"]) == (entry_id, seq)
    assert problem in body["problem"]


CHANGES = [
    ("note", "UPDATE ledger_entries SET note = 'secons' WHERE seq = 2"),  # one byte
    ("minutes", "UPDATE ledger_entries SET minutes = 31 WHERE seq = 2"),
    ("occurred_on", "UPDATE ledger_entries SET occurred_on = :day WHERE seq = 2"),
]


@pytest.mark.parametrize(("field", "statement"), CHANGES, ids=[field for field, _ in CHANGES])
def test_a_changed_entry_is_named(app, client, runner, headers, backend, five_entries, field, statement):
    changed = five_entries[1]
    tamper(app, backend, statement, day=date(2025, 3, 4))
    rows = ledger_rows(app)
    assert rows[1][field] != changed[field]  # the change really landed
    assert [r for i, r in enumerate(rows) if i != 1] == [r for i, r in enumerate(five_entries) if i != 1]

    assert_detected(app, client, runner, headers, changed["id"], 2, "contents do not match")


# Only SQLite stores a day that is no day (PostgreSQL refuses it).
@pytest.mark.parametrize("backend", [name for name in selected_backends() if name == "sqlite"], indirect=True)
def test_a_time_on_no_real_day_is_named_not_a_traceback(app, client, runner, headers, backend, five_entries):
    """A value the app cannot read (SQLAlchemy refuses February 30th) has no canonical
    bytes: the entry is named as changed, by the command too (a message and exit 1)."""
    changed = five_entries[1]
    tamper(app, backend, "UPDATE ledger_entries SET recorded_at = '2025-02-30 10:00:00.000000' WHERE seq = 2")

    assert_detected(app, client, runner, headers, changed["id"], 2, "its stored values cannot be read")
    result = runner.invoke(args=["ledger", "verify"])
    assert "day is out of range for month" in result.stderr
    assert "Traceback" not in result.output


def test_a_change_with_a_recomputed_hash_names_the_changed_entry(app, client, runner, headers, backend, five_entries):
    """Re-hashing the edited entry is not enough: the entry after it still names the old
    hash, and verify names the edited entry, not the one after it."""
    target = five_entries[1]
    forged = chain.entry_hash(chain.hashed({**target, "minutes": 300}))
    tamper(app, backend, "UPDATE ledger_entries SET minutes = 300, entry_hash = :h WHERE seq = 2", h=forged)

    assert_detected(app, client, runner, headers, target["id"], 2, "its hash recomputed")


def test_a_deleted_middle_entry_is_a_missing_position(app, client, runner, headers, backend, five_entries):
    tamper(app, backend, "DELETE FROM ledger_entries WHERE seq = 3")
    assert len(ledger_rows(app)) == 4

    following = five_entries[3]
    assert_detected(app, client, runner, headers, following["id"], 4, "expected position 3, found 4")
    result = runner.invoke(args=["ledger", "verify"])
    assert "missing" in result.stderr
    assert "The 2 entries before it are intact." in result.stderr


def test_a_clean_chain_verifies_and_reports_its_head(app, client, runner, headers, five_entries):
    head = client.get("/api/v1/ledger/head", headers=headers("admin")).get_json()
    assert (head["seq"], head["hash"]) == (5, five_entries[-1]["entry_hash"])

    result = runner.invoke(args=["ledger", "verify"])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"OK: 5 entries, chain head 5 {head['hash']}"
    assert runner.invoke(args=["ledger", "head"]).stdout.strip() == f"5 {head['hash']}"
    assert client.get("/api/v1/ledger/verify", headers=headers("admin")).get_json()["valid"] is True


def test_an_empty_ledger_verifies_at_genesis(app, runner):
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"OK: 0 entries, chain head 0 {chain.GENESIS}"


@pytest.mark.parametrize("backend", [name for name in selected_backends() if name == "sqlite"], indirect=True)
@pytest.mark.parametrize(("column", "said"), [("note", "text that is not UTF-8"), ("occurred_on", "\\udcff")])
def test_text_that_is_not_utf8_is_named_not_a_traceback(
    app, client, runner, headers, backend, five_entries, column, said
):
    """Bytes someone stored as text that is not UTF-8 stop no reader: the entry is named
    as changed, the command says so in words it can print, and the API answers."""
    changed = five_entries[1]
    tamper(app, backend, f"UPDATE ledger_entries SET {column} = CAST(x'ff' AS TEXT) WHERE seq = 2")

    assert_detected(app, client, runner, headers, changed["id"], 2, "its stored values cannot be read")
    result = runner.invoke(args=["ledger", "verify"])
    assert said in result.stderr and result.exit_code == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("backend", [name for name in selected_backends() if name == "sqlite"], indirect=True)
def test_a_thorough_verify_names_an_entry_the_index_was_kept_from_listing(app, runner, backend, five_entries):
    """The index of entries SQLite would write otherwise than Python is kept by whoever
    writes. A writer whose own ``typeof`` calls every sum an integer stores a real number
    of minutes, hashed over the bytes SQLite writes, and the index leaves it out; the walk
    calls the entry changed (Python writes the number otherwise), and so does ``ledger
    verify --thorough``, which checks each entry as it reads it."""
    import sqlite3

    from recognition.ledger import payloads, runs

    last = five_entries[4]
    with app.app_context():
        path = db.engine.url.database
        db.engine.dispose()
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("DROP TRIGGER ledger_entries_no_update")
        writer.create_function("typeof", 1, lambda value: "integer", deterministic=True)
        writer.execute("UPDATE ledger_entries SET minutes = 0.1 + 0.2 WHERE seq = 5")  # 0.3 to SQLite
        written = writer.execute(f"SELECT {payloads.sql('sqlite', checked=False)} FROM ledger_entries WHERE seq = 5")
        digest = hashlib.sha256(written.fetchone()[0]).hexdigest()
        writer.execute("UPDATE ledger_entries SET entry_hash = ? WHERE seq = 5", (digest,))
    finally:
        writer.close()
    with app.app_context():
        assert runs.left_to_python(db.session.connection().connection.dbapi_connection) == []  # left out
        walked = chain.verify(service.stored_chain())
        assert (walked.valid, walked.first_bad_seq) == (False, 5)
        assert service.verify(thorough=True) == walked

    result = runner.invoke(args=["ledger", "verify", "--thorough"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {last['id']} " in result.stderr
    assert "contents do not match" in result.stderr
