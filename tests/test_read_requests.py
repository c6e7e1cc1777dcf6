"""A safe request that only read ends its transaction with COMMIT on PostgreSQL (psycopg
forgets its prepared statements on every rollback, so pages were planned anew on each
visit); anything that wrote, failed or changed the session is rolled back as before."""

from __future__ import annotations

import pytest
from flask import Response
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from recognition.database import end_reads
from recognition.extensions import db
from recognition.people.models import Person
from tests.conftest import selected_backends

POSTGRESQL = [name for name in selected_backends() if name == "postgresql"]


def ended(app, method: str = "GET", status: int = 200, work=None) -> list[str]:
    """How the request's transaction ended: after ``work`` (a SELECT by default) in a
    request of ``method``, answered with ``status``, and the session's teardown."""
    seen: list[str] = []
    with app.test_request_context("/somewhere", method=method):
        engine = db.engine
        listeners = [("commit", lambda conn: seen.append("commit")), ("rollback", lambda conn: seen.append("rollback"))]
        for name, listener in listeners:
            event.listen(engine, name, listener)
        try:
            (work or (lambda: db.session.execute(select(Person.id).limit(1)).all()))()
            end_reads(Response(status=status))
            db.session.remove()  # the teardown
        finally:
            for name, listener in listeners:
                event.remove(engine, name, listener)
    return seen


@pytest.mark.parametrize("backend", POSTGRESQL, indirect=True)
def test_a_page_that_only_read_commits_and_keeps_its_prepared_statements(app, client, dept, login):
    assert ended(app) == ["commit"]
    login(client, "mentor")
    for _ in range(30):  # past psycopg's prepare threshold on each connection the pool hands out
        assert client.get("/mentoring").status_code == 200
    with app.app_context():
        prepared = db.session.connection().exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()
        db.session.rollback()
    assert prepared > 0


@pytest.mark.parametrize("backend", POSTGRESQL, indirect=True)
@pytest.mark.parametrize(
    ("method", "status", "work"),
    [
        ("POST", 200, None),  # an unsafe request ends as its view ends it
        ("GET", 404, None),  # an error answered
        ("GET", 200, lambda: db.session.execute(text("UPDATE people SET name = name WHERE id = -1"))),
        ("GET", 200, lambda: (db.session.execute(select(Person.id)), db.session.add(Person(name="Never Kept")))),
        ("GET", 200, lambda: db.session.begin_nested()),  # a savepoint is no SELECT
    ],
    ids=["post", "error", "wrote", "session change", "savepoint"],
)
def test_anything_but_a_clean_read_is_rolled_back_as_before(app, dept, method, status, work):
    assert ended(app, method, status, work) == ["rollback"]
    with app.app_context():
        assert db.session.scalar(select(Person.id).where(Person.name == "Never Kept")) is None


@pytest.mark.parametrize("backend", POSTGRESQL, indirect=True)
def test_a_transaction_scoped_setting_is_still_only_a_read(app, dept):
    """``SET LOCAL`` ends with the transaction, committed or rolled back (the metrics turn
    the planner's JIT off so)."""
    assert ended(
        app, work=lambda: (db.session.execute(text("SET LOCAL jit = off")), db.session.execute(select(Person.id)))
    ) == ["commit"]


@pytest.mark.parametrize("backend", POSTGRESQL, indirect=True)
def test_a_commit_that_fails_still_sends_the_page(app, client, dept, login, monkeypatch):
    """The page was answered: a server that went away at the end of its read costs the
    commit (rolled back instead), never the page."""
    login(client, "mentor")

    def gone(self):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", gone)
    response = client.get("/mentoring")
    assert response.status_code == 200 and "My mentoring" in response.get_data(as_text=True)


@pytest.mark.parametrize("backend", [name for name in selected_backends() if name == "sqlite"], indirect=True)
def test_sqlite_ends_a_read_as_it_did(app, dept):
    assert ended(app) == ["rollback"]
