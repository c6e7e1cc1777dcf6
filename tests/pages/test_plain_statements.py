"""The statements every own page runs (the signed-in person, a mentor's mentorships and
history) go to the driver as their SQL (``plain.Plain``): they must read exactly what
SQLAlchemy's execution of the same statement reads, value for value and type for type,
and stay visible to listeners and to the database error handling (a lock is a 503)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import column, event, select, table
from sqlalchemy.exc import DBAPIError

from recognition import plain as plain_module
from recognition.auth import sessions
from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships import desk
from recognition.plain import Plain


@pytest.fixture(params=[True, False], ids=["direct", "public"])
def way(request, monkeypatch):
    """Both ways ``Plain`` runs SQL: on the cursor, through SQLAlchemy's own two calls, and
    through ``exec_driver_sql`` (for a SQLAlchemy without them): the same rows, listeners
    and errors."""
    monkeypatch.setattr(plain_module, "DIRECT", request.param)
    return request.param


def typed(rows) -> list[list[tuple[type, object]]]:
    """Each value with its type: ``True == 1``, a date is not its text."""
    return [[(type(value), value) for value in row] for row in rows]


def test_the_own_pages_statements_read_what_sqlalchemy_reads(app, dept, record, way):
    kept = record("mentor", occurred_on=today() - timedelta(days=3), note="Grant “draft”")
    record("mentee", occurred_on=date(2024, 5, 1))
    record("mentor", kind="mentor_training", mentorship_id=None, minutes=90)
    with app.app_context():
        entry, mentee = db.session.get(LedgerEntry, kept), load_actor(dept.ids["mentee"])
        assert entry is not None and mentee is not None
        ledger.confirm(entry, mentee, utcnow())
        cookie = sessions.open_session(dept.ids["mentor"], "password", utcnow())
        db.session.commit()

        mentor = dept.ids["mentor"]
        found = desk.mentorships_of(mentor, today())
        ids = [m.id for m in found.mentorships]
        assert isinstance(found.last_meeting[dept.mentorship_id], date)  # read as text on SQLite, converted
        history = {"me": mentor, "since": date.min, **dict(zip(desk._ids(len(ids)), ids, strict=True))}
        parts = sessions._parts(cookie)
        assert parts is not None
        secret_hash, person_id = parts
        for plain, values, least in (
            (desk._mentorships(), {"me": mentor, "today": today()}, 1),
            (desk._history_statement(True, len(ids)), history, 4),  # a confirmation and own work among them
            (desk._history_statement(False, len(ids)), history, 3),
            (desk._history_statement(True, 0), {"me": mentor, "since": date.min}, 1),  # only their own work
            (sessions._actor_by_cookie(), {"secret_hash": secret_hash, "person_id": person_id}, 1),
        ):
            connection = db.session.connection()
            expected = connection.execute(plain.statement, values).all()
            assert len(expected) >= least
            assert typed(plain.rows(connection, values)) == typed(expected)
        actor = sessions.actor_for_cookie(cookie)
        assert actor is not None and actor.person_id == mentor and "mentor" in actor.roles


def test_a_statement_on_the_driver_meets_listeners_and_error_handling(app, way):
    """A listener sees it as it sees every statement; a driver's error comes back as
    SQLAlchemy's, through the engine's error handling (which turns a lock into a 503)."""
    missing = Plain(select(column("x")).select_from(table("no_such_table")).where(column("x") == 1))
    seen, handled = [], []
    with app.app_context():
        engine = db.engine

        def listen(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        def handle(context):
            handled.append(context.original_exception)

        event.listen(engine, "before_cursor_execute", listen)
        event.listen(engine, "handle_error", handle)
        try:
            with pytest.raises(DBAPIError):
                missing.rows(db.session.connection(), {})
        finally:
            event.remove(engine, "before_cursor_execute", listen)
            event.remove(engine, "handle_error", handle)
    assert any("no_such_table" in statement for statement in seen)
    assert len(handled) == 1


def test_a_statement_with_nothing_to_bind(app):
    with app.app_context():
        assert Plain(select(LedgerEntry.id).where(LedgerEntry.id.is_(None))).rows(db.session.connection(), {}) == []


def test_a_list_parameter_is_refused(app):
    """SQLAlchemy writes a list parameter into the SQL at each run: ``Plain`` cannot."""
    listed = Plain(select(LedgerEntry.id).where(LedgerEntry.mentorship_id.in_([1, 2])))
    with app.app_context(), pytest.raises(ValueError, match="plain named parameters"):
        listed.rows(db.session.connection(), {})
