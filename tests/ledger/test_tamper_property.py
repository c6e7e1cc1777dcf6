"""Whatever someone with full database access does to stored entries (behind the
append-only guards: ids swapped, entries deleted, the tail cut off or rewritten and
re-chained, one entry edited with or without a new hash, two positions exchanged),
``ledger verify`` with the recorded heads fails and names the first bad position.

One ledger per backend for the module; each example changes it inside a transaction
that is rolled back, so the examples never see each other's changes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from recognition import create_app
from recognition.auth.service import load_actor
from recognition.credits import signing
from recognition.extensions import db
from recognition.ledger import chain, checkpoints, service
from tests.conftest import app_config, clear_environment, dispose_engines, fresh_database, selected_backends
from tests.support.department import Department

from .conftest import NOW, ledger_rows

SIZE = 12
CHECKPOINTS_AT = (4, 9, 12)


@pytest.fixture(scope="module", params=selected_backends())
def ledger(request, tmp_path_factory):
    """(backend, app, rows, recorded head): twelve entries (meetings, one reversed, one
    confirmed) with checkpoints at positions 4, 9 and 12."""
    folder = tmp_path_factory.mktemp(f"tamper-{request.param}")
    with pytest.MonkeyPatch.context() as monkeypatch, fresh_database(request, request.param, folder) as url:
        clear_environment(monkeypatch)
        monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(folder))
        signing.ensure_key(folder)  # as `recognition init` makes it
        app = create_app(app_config(url))
        try:
            with app.app_context():
                dept = Department.build()
                mentor, mentee = load_actor(dept.ids["mentor"]), load_actor(dept.ids["mentee"])
                ids = []
                while len(ids) < SIZE:
                    seq = len(ids) + 1
                    if seq == 6:
                        entry = service.reverse(db.session.get(service.LedgerEntry, ids[1]), "Not held.", mentee, NOW)
                    elif seq == 8:
                        entry = service.confirm(db.session.get(service.LedgerEntry, ids[2]), mentee, NOW)
                    else:
                        entry = service.record(
                            {
                                "kind": "meeting",
                                "mentorship_id": dept.mentorship_id,
                                "minutes": 30 + seq,
                                "occurred_on": date(2025, 3, seq),
                                "note": f"meeting {seq}",
                                "confirm_duplicate": True,
                            },
                            mentor,
                            NOW,
                        )
                    ids.append(entry.id)
                    if seq in CHECKPOINTS_AT:
                        checkpoints.make(NOW)
                    db.session.commit()
                head = service.head()
            yield request.param, app, ledger_rows(app), chain.Anchor(head["seq"], head["hash"], "the head given")
        finally:  # also when building the ledger failed: no connection outlives the module
            dispose_engines(app)


def lift_guards(backend: str) -> None:
    if backend == "sqlite":
        for action in ("update", "delete"):
            db.session.execute(text(f"DROP TRIGGER ledger_entries_no_{action}"))
        db.session.execute(text("PRAGMA defer_foreign_keys = ON"))
    else:
        db.session.execute(text("SET LOCAL session_replication_role = replica"))


def run(sql: str, **params) -> None:
    db.session.execute(text(sql), params)


def rechain(rows: list[dict], start: int, change: dict) -> None:
    """Apply ``change`` to the entry at index ``start`` and re-chain from there on."""
    prev = rows[start - 1]["entry_hash"] if start else chain.GENESIS
    for index, row in enumerate(rows[start:], start=start):
        row = {**row, **(change if index == start else {}), "prev_hash": prev}
        prev = chain.entry_hash(chain.hashed(row))
        run(
            "UPDATE ledger_entries SET note = :note, minutes = :minutes, prev_hash = :prev_hash, entry_hash = :h "
            "WHERE id = :id",
            h=prev,
            **row,
        )


positions = st.integers(1, SIZE)
pairs = st.lists(positions, min_size=2, max_size=2, unique=True).map(sorted)
tampering = st.one_of(
    st.tuples(st.just("swap ids"), pairs),
    st.tuples(st.just("swap positions"), pairs),
    st.tuples(st.just("delete"), st.sets(positions, min_size=1)),
    st.tuples(st.just("truncate"), positions),
    st.tuples(st.just("rewrite tail"), positions),
    st.tuples(st.just("rehash one"), positions),
    st.tuples(st.just("edit one"), positions),
)


def tamper(rows: list[dict], action: str, argument) -> int:
    """Do it; return the first position that is no longer what was recorded."""
    by_seq = {row["seq"]: row for row in rows}
    if action in ("swap ids", "swap positions"):
        first, second = argument
        column = "id" if action == "swap ids" else "seq"
        a, b = by_seq[first][column], by_seq[second][column]
        run(f"UPDATE ledger_entries SET {column} = 1000000 WHERE {column} = :a", a=a)
        run(f"UPDATE ledger_entries SET {column} = :a WHERE {column} = :b", a=a, b=b)
        run(f"UPDATE ledger_entries SET {column} = :b WHERE {column} = 1000000", b=b)
        return first
    if action == "delete":
        run(f"DELETE FROM ledger_entries WHERE seq IN ({', '.join(map(str, sorted(argument)))})")
        return min(argument)
    if action == "truncate":
        run("DELETE FROM ledger_entries WHERE seq >= :seq", seq=argument)
        return argument
    if action == "rewrite tail":
        rechain(rows, argument - 1, {"note": "rewritten"})
        return argument
    row = by_seq[argument]
    minutes = row["minutes"] + 1
    if action == "rehash one":
        forged = chain.entry_hash(chain.hashed({**row, "minutes": minutes}))
        run(
            "UPDATE ledger_entries SET minutes = :m, entry_hash = :h WHERE seq = :seq",
            m=minutes,
            h=forged,
            seq=argument,
        )
    else:
        run("UPDATE ledger_entries SET minutes = :m WHERE seq = :seq", m=minutes, seq=argument)
    return argument


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(change=tampering)
def test_verify_with_the_recorded_heads_names_the_first_bad_position(ledger, change):
    backend, app, rows, head = ledger
    action, argument = change
    with app.app_context():
        try:
            lift_guards(backend)
            first_bad = tamper(rows, action, argument)
            verdict = service.verify(heads=[head])
        finally:
            db.session.rollback()

    assert not verdict.valid
    assert verdict.checked == verdict.head_seq == first_bad - 1
    assert verdict.head_hash == (rows[first_bad - 2]["entry_hash"] if first_bad > 1 else chain.GENESIS)
    if action == "delete" and set(range(min(argument), SIZE + 1)) - argument:
        # A gap: the entry after it is where the chain breaks, and the missing one is named.
        assert f"expected position {first_bad}, found " in verdict.problem
        assert f"recorded entry {rows[first_bad - 1]['id']} at position {first_bad}" in verdict.problem
    else:
        assert verdict.first_bad_seq == first_bad
        # Named by the id stored there now (after a swap, the other entry's).
        now_there = argument[1] if action.startswith("swap") else first_bad
        assert verdict.first_bad_id == rows[now_there - 1]["id"]
    with app.app_context():  # the rollback left the recorded history as it was
        assert service.verify(heads=[head]).valid
