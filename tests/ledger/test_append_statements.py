"""One API append costs a few statements in one write transaction (issue 15).

The statements are counted, never timed: the token and its owner's roles in one (on
PostgreSQL it also takes the append lock; SQLite's transaction holds the write lock from
its start), the mentorship with the chain head, the next id and the duplicate check in
one (without a mentorship, the head alone), and the insert. Work between two people also asks
the other person to confirm it (issue 17) within the five: one insert into the outbox,
which reads the person's address and name as it writes (on PostgreSQL the same statement
as the entry's insert, when one person is asked). Nothing reads the row back after
the commit."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from recognition.extensions import db

URL = "/api/v1/contributions"
# What opens a transaction (``database._on_begin``): not work of the request's own.
OPENING = re.compile(r"^(BEGIN|PRAGMA busy_timeout|SELECT set_config\('lock_timeout')")
MOST = 5


@contextmanager
def counted(app):
    """The statements sent, and the transactions begun and committed, inside the block."""
    seen: dict[str, list] = {"statements": [], "opening": [], "begun": [], "committed": []}
    with app.app_context():
        engine = db.engine

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        seen["opening" if OPENING.match(statement) else "statements"].append(" ".join(statement.split()))

    listeners = (
        ("before_cursor_execute", on_statement),
        ("begin", lambda conn: seen["begun"].append(conn)),
        ("commit", lambda conn: seen["committed"].append(conn)),
    )
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def meeting(dept, **changes) -> dict:
    return {
        "kind": "meeting",
        "mentorship_id": dept.mentorship_id,
        "occurred_on": "2025-03-01",
        "minutes": 45,
        "note": "Went through the grant's aims — “quotes”, a \\ and an emoji 🎓",
        **changes,
    }


@pytest.mark.parametrize(
    ("role", "body"),
    [
        ("mentor", lambda dept: meeting(dept)),  # checked for a duplicate
        ("mentee", lambda dept: meeting(dept, confirm_duplicate=True)),
        ("admin", lambda dept: meeting(dept, confirm_duplicate=True)),  # both people are asked
        ("mentor", lambda dept: {"kind": "mentor_training", "occurred_on": "2025-03-02", "minutes": 90}),
        ("admin", lambda dept: {"kind": "other", "occurred_on": "2025-03-03", "person_id": dept.ids["mentee"]}),
    ],
    ids=["meeting", "confirmed-repeat", "admin-for-the-pair", "own-training", "admin-for-someone"],
)
def test_an_api_append_is_a_few_statements_in_one_transaction(app, backend, client, dept, headers, role, body):
    client.post(URL, json=meeting(dept, minutes=30), headers=headers(role))  # the head is not empty
    sent = headers(role)

    with counted(app) as seen:
        response = client.post(URL, json=body(dept), headers=sent)

    assert response.status_code == 201, response.get_json()
    pair_work = body(dept)["kind"] == "meeting"
    read_with_head = body(dept).get("mentorship_id") is not None
    assert len(seen["statements"]) <= MOST - read_with_head, "\n".join(seen["statements"])
    locking = [index for index, statement in enumerate(seen["statements"]) if "pg_try_advisory_xact_lock" in statement]
    assert locking == ([0] if backend == "postgresql" else []), (
        "the token's statement, the first, takes the lock when it is free"
    )
    assert any("INSERT INTO outbox" in statement for statement in seen["statements"]) == pair_work
    # The token, the head (with the mentorship, if any), the insert; the outbox's insert, on
    # PostgreSQL the same statement when one person is asked (an admin asks both);
    # someone else's person looked up.
    along = backend == "postgresql" and role != "admin"
    expected = 3 + (pair_work and not along) + ("person_id" in body(dept))
    assert len(seen["statements"]) == expected, "\n".join(seen["statements"])
    assert len(seen["begun"]) == len(seen["committed"]) == 1
    assert len(seen["opening"]) <= 2, seen["opening"]  # SQLite's BEGIN IMMEDIATE; PostgreSQL's timeouts
    # The reply is the entry as stored (it was not read back after the commit).
    stored = client.get(f"{URL}/{response.get_json()['id']}", headers=sent).get_json()
    assert response.get_json() == stored


def test_a_refused_duplicate_writes_nothing_and_still_names_the_first(app, client, dept, headers):
    first = client.post(URL, json=meeting(dept), headers=headers("mentor")).get_json()

    with counted(app) as seen:
        response = client.post(URL, json=meeting(dept), headers=headers("mentor"))

    assert response.status_code == 409
    assert f"#{first['seq']}" in response.get_json()["message"]
    assert not seen["committed"]
    assert not [statement for statement in seen["statements"] if statement.startswith(("INSERT", "WITH"))]
