"""One API append costs a few statements in one write transaction (issue 15).

The statements are counted, never timed: the token and its owner's roles in one (on
PostgreSQL it also takes the append lock; SQLite's transaction holds the write lock from
its start), the mentorship with the chain head, the next id and the duplicate check in
one (without a mentorship, the head alone; when the body names one, the token's
statement reads them too), and the insert. Work between two people also asks
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
    # The token, the head (with the mentorship, if any, read by the token's statement),
    # the insert; the outbox's insert, on PostgreSQL the same statement when one person
    # is asked (an admin asks both); someone else's person looked up.
    along = backend == "postgresql" and role != "admin"
    expected = 3 - read_with_head + (pair_work and not along) + ("person_id" in body(dept))
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
    assert not [statement for statement in seen["statements"] if "INSERT INTO" in statement]


def test_an_append_the_token_statement_read_ahead_of_is_recorded_after_it(app, client, dept, headers, monkeypatch):
    """On PostgreSQL the token's statement reads the chain head before it takes the lock:
    an append committed in between is missing from what it read. The insert is then
    refused by the ledger's unique position, and the append reads again under the lock:
    recorded once, after the one it missed, and the chain stays whole. (SQLite reads
    under its write lock, so it never misses one; handed a head one behind, it does the
    same.)"""
    from recognition.ledger import api as ledger_api
    from recognition.ledger import service

    sent = headers("mentor")
    first = client.post(URL, json=meeting(dept, minutes=30), headers=sent).get_json()
    handed: list = []

    def one_behind():
        ahead = read_ahead()
        handed.append(ahead)
        if ahead is None:
            return None
        # As read before ``first`` committed: its place, and the hash it links to.
        values = {**ahead.values, "seq": first["seq"] - 1, "hash": first["prev_hash"]}
        return type(ahead)(ahead.parameters, values)

    read_ahead = ledger_api.read_ahead
    monkeypatch.setattr(ledger_api, "read_ahead", one_behind)
    with counted(app) as seen:
        response = client.post(URL, json=meeting(dept), headers=sent)

    assert response.status_code == 201, response.get_json()
    assert handed != [None]
    entry = response.get_json()
    assert (entry["seq"], entry["prev_hash"]) == (first["seq"] + 1, first["entry_hash"])
    assert len(seen["committed"]) == 1
    assert client.get(f"{URL}/{entry['id']}", headers=sent).get_json() == entry
    with app.app_context():
        assert service.verify().valid
    # Read again under the lock, the duplicate check still sees the entry.
    again = client.post(URL, json=meeting(dept), headers=sent)
    assert again.status_code == 409, again.get_json()


def test_the_api_neither_reads_nor_answers_a_session_cookie(app, client, dept, headers):
    """The API authenticates by token alone: a browser's cookies sent along are not
    verified, and its replies set no session cookie."""
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "not-a-signed-session")

    response = client.post(URL, json=meeting(dept), headers=headers("mentor"))

    assert response.status_code == 201, response.get_json()
    assert not any(
        value.startswith(app.config["SESSION_COOKIE_NAME"] + "=") for value in response.headers.getlist("Set-Cookie")
    )
    assert "Cookie" not in response.headers.get("Vary", "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mentorship_id": 2**40}, "mentorship_id"),  # past PostgreSQL's integer
        ({"mentorship_id": 10**20}, "mentorship_id"),  # past SQLite's
        ({"minutes": 2**31}, "minutes"),
        ({"mentorship_id": 0}, "mentorship_id"),
        ({"kind": "not_a_kind"}, "kind"),
    ],
)
def test_a_body_the_token_statement_cannot_read_ahead_is_refused_as_before(app, client, dept, headers, changes, field):
    """The token's statement reads ahead only for values it can bind: a number past the
    database's integers is not sent with the token, so a bad token is a 401 and a bad body
    a 422 naming the field, never a 500."""
    body = meeting(dept, **changes)
    assert client.post(URL, json=body, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    refused = client.post(URL, json=body, headers=headers("mentor"))
    assert refused.status_code in (404, 422), refused.get_json()
    assert field in refused.get_json()["errors"]
