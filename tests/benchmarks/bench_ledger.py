"""Ledger throughput: appends through the API vs a bare committed insert; verification vs
bare hashlib.

python tests/benchmarks/bench_ledger.py [--entries 500] [--rounds 10] [--verify-entries 10000] [--database-url URL]
python tests/benchmarks/bench_ledger.py --grown URL [--verify-rounds 2]   # verification only, on a database grow.py grew (left unchanged)

- API append: ``POST /api/v1/contributions`` as a mentor (each body a new meeting, so the
  duplicate check runs and passes), against a bare Flask app whose one view inserts the
  same hash-chained row through the bare driver (sqlite3 with the app's pragmas, or
  psycopg) and commits: the least any hash-chained append over HTTP does. The two take
  turns in rounds, each on a database of its own. Also the SQL statements and
  transactions of one API append.
- Verify: ``ledger.service.verify()`` over a chain built through the service (or the
  grown one), against hashlib alone over the same canonical bytes, already in memory;
  also the chain walk alone (``service.verify_chain``, without the anchors and the other
  domains' references that ``verify`` also checks), and the walk as ``ledger verify
  --thorough`` makes it (each entry's values checked as it is read, on SQLite, instead of
  the index of those SQLite would write otherwise). The baseline is the least any verify
  does: ``hashlib.sha256(payload).hexdigest()`` for each entry's canonical bytes, in this
  one process and thread, nothing read. Verify reads in a second thread (PostgreSQL
  encodes in a server process of its own, SQLite in that thread outside the
  interpreter's lock), so with a core to spare its wall-clock time is below its CPU
  time; on PostgreSQL the CPU time counts this process only, on SQLite all of the work.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path

from common import fresh_app
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10, help="API and bare appends take turns, this many each")
    parser.add_argument("--verify-entries", type=int, default=10000)
    parser.add_argument("--verify-rounds", type=int, default=5, help="best of this many verifications")
    parser.add_argument("--database-url")
    parser.add_argument("--grown", metavar="URL", help="verify this database (grown by grow.py) and nothing else")
    args = parser.parse_args()
    if args.grown:
        _verify_grown(args.grown, args.verify_rounds)
        return
    app, _ = fresh_app(args.database_url)

    from recognition.extensions import db
    from tests.support.department import Department

    with app.app_context():
        dept = Department.build()
        backend = db.engine.dialect.name
    client = app.test_client()
    headers = dept.headers(client, "mentor")

    def body(index: int) -> dict:
        return {
            "kind": "meeting",
            "mentorship_id": dept.mentorship_id,
            "occurred_on": (date(2024, 1, 1) + timedelta(days=index % 500)).isoformat(),
            "minutes": 10 + index // 500,
            "note": "Discussed the academic plan and a grant resubmission.",
        }

    for index in range(20):  # warm up: compiled statements, the first connections
        assert client.post("/api/v1/contributions", json=body(index), headers=headers).status_code == 201
    statements, transactions = _count(app, lambda: client.post("/api/v1/contributions", json=body(20), headers=headers))
    with app.app_context():
        template = dict(
            db.session.execute(text("SELECT * FROM ledger_entries ORDER BY seq DESC LIMIT 1")).mappings().one()
        )
        db.session.commit()

    # The bare app appends to a database of its own, made the same way, so the two can
    # take turns: on a shared machine the load changes from one second to the next, and
    # rounds that alternate see the same load.
    bare_app, bare_url = fresh_app(args.database_url and _fresh_pg(args.database_url, "bare"))
    with bare_app.app_context():
        Department.build()
        db.engine.dispose()
    bare = _bare_app(bare_url, template)
    bare_client = bare.test_client()
    for index in range(20):
        assert bare_client.post("/append", json=body(index)).status_code == 201

    def api_round(indexes: range) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        for index in indexes:
            response = client.post("/api/v1/contributions", json=body(index), headers=headers)
            assert response.status_code == 201, response.get_json()
        return time.perf_counter() - started, time.process_time() - cpu

    def bare_round(indexes: range) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        for index in indexes:
            assert bare_client.post("/append", json=body(index)).status_code == 201
        return time.perf_counter() - started, time.process_time() - cpu

    size = max(1, args.entries // args.rounds)
    api_seconds = bare_seconds = api_cpu = bare_cpu = 0.0
    for first in range(21, 21 + size * args.rounds, size):
        wall, cpu = api_round(range(first, first + size))
        api_seconds, api_cpu = api_seconds + wall, api_cpu + cpu
        wall, cpu = bare_round(range(first, first + size))
        bare_seconds, bare_cpu = bare_seconds + wall, bare_cpu + cpu
    appended = size * args.rounds
    bare.extensions["bare_connection"].close()
    with app.app_context():
        db.engine.dispose()

    print(f"backend: {backend}")
    print(
        f"append via API:       {appended / api_seconds:8.0f} entries/s ({api_seconds / appended * 1000:.2f} ms each)"
    )
    print(
        f"append bare Flask+SQL:{appended / bare_seconds:8.0f} entries/s ({bare_seconds / appended * 1000:.2f} ms each)"
    )
    print(f"ratio API/bare:       {api_seconds / bare_seconds:8.2f}x the time ({args.rounds} alternating rounds each)")
    print(
        f"  in CPU time:        {api_cpu / bare_cpu:8.2f}x ({api_cpu / appended * 1000:.2f} ms against "
        f"{bare_cpu / appended * 1000:.2f} ms of this process; on PostgreSQL the server's work is not in it)"
    )
    print(
        f"one API append:       {statements} SQL statements (besides opening the transaction), {transactions} transaction"
    )

    _verify(args, body)
    _clean(app)
    _clean(bare_app)


def _clean(app) -> None:
    """Remove this run's folders (its SQLite databases): the disk is shared."""
    for folder in (app.instance_path, os.environ.get("RECOGNITION_INSTANCE_PATH", "")):
        if Path(folder).name.startswith("recognition-bench-"):
            shutil.rmtree(folder, ignore_errors=True)


def _count(app, request) -> tuple[int, int]:
    from recognition.extensions import db

    with app.app_context():
        engine = db.engine
    seen = {"statements": 0, "transactions": 0}
    opening = ("BEGIN", "PRAGMA busy_timeout", "SELECT set_config('lock_timeout'")

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(opening):
            seen["statements"] += 1

    def on_begin(conn):
        seen["transactions"] += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "begin", on_begin)
    try:
        assert request().status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "begin", on_begin)
    return seen["statements"], seen["transactions"]


def _bare_app(url: str, template: dict):
    """A bare Flask app whose one view appends the same hash-chained row: the body read,
    the row linked to the previous hash and hashed, inserted and committed through the
    driver, and the row answered as JSON."""
    from flask import Flask, jsonify, request

    from recognition.clock import utcnow
    from recognition.ledger import chain

    bare = Flask("bare")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database, isolation_level=None, check_same_thread=False)
        for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL"):  # as the app's
            connection.execute(f"PRAGMA {pragma}")
        begin, mark = "BEGIN IMMEDIATE", "?"
    else:
        import psycopg

        connection = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
        begin, mark = None, "%s"
    bare.extensions["bare_connection"] = connection
    columns = [column for column in template if column != "id"]
    insert = f"INSERT INTO ledger_entries ({', '.join(columns)}) VALUES ({', '.join(mark for _ in columns)})"
    state = {"seq": template["seq"], "hash": template["entry_hash"]}

    @bare.post("/append")
    def append():
        sent = request.get_json()
        state["seq"] += 1
        row = {**template, **sent, "seq": state["seq"], "prev_hash": state["hash"], "chain_version": None}
        row["occurred_on"] = date.fromisoformat(sent["occurred_on"])
        row["recorded_at"] = utcnow()
        row["entry_hash"] = hashlib.sha256(chain.canonical(chain.hashed(row))).hexdigest()
        state["hash"] = row["entry_hash"]
        values = [row[column] for column in columns]
        if begin:
            connection.execute(begin)
            connection.execute(insert, values)
            connection.execute("COMMIT")
        else:
            connection.execute(insert, values)
            connection.commit()
        return jsonify(
            {**row, "occurred_on": row["occurred_on"].isoformat(), "recorded_at": str(row["recorded_at"])}
        ), 201

    return bare


def _verify(args, body) -> None:
    """Verification: the bare rows above would (rightly) fail, so verify a fresh chain
    built through the service."""
    app, _ = fresh_app(args.database_url and _fresh_pg(args.database_url, "verify"))

    from recognition.auth.service import load_actor
    from recognition.clock import utcnow
    from recognition.extensions import db
    from recognition.ledger import service
    from tests.support.department import Department

    with app.app_context():
        dept = Department.build()
        actor = load_actor(dept.ids["mentor"])
        for index in range(args.verify_entries):
            data = {**body(index), "occurred_on": date.fromisoformat(body(index)["occurred_on"])}
            service.record({**data, "mentorship_id": dept.mentorship_id, "confirm_duplicate": True}, actor, utcnow())
            if index % 1000 == 999:
                db.session.commit()
                db.session.expunge_all()
        db.session.commit()
        n, timings = _measure(args.verify_rounds)
    _clean(app)
    _report(n, timings, args.verify_rounds)


def _verify_grown(url: str, rounds: int) -> None:
    """Only verification, on a database grown before (read, never written)."""
    from recognition import create_app

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        n, timings = _measure(rounds)
    _report(n, timings, rounds)


def _measure(rounds: int = 5) -> tuple[int, dict[str, tuple[float, float]]]:
    """Best of ``rounds`` (wall clock and this process's CPU time), taken in turns:
    ``verify()``, the chain walk alone (and ``--thorough``), and hashlib over the same
    bytes (each entry encoded the reference way, in Python, and checked against what the
    database writes for it)."""
    from recognition.extensions import db
    from recognition.ledger import chain, service
    from recognition.ledger.models import LedgerEntry

    def valid(verdict) -> None:
        assert verdict.valid, verdict

    db.session.rollback()
    payloads = [fields.payload for _, fields, _ in service.stored_chain()]
    written = [
        payload
        for run in service.stored_runs()
        for payload in (
            (run.payloads.split(b"\n") if run.size else ()) if isinstance(run, chain.Packed) else run.payloads
        )
    ]
    assert [p if isinstance(p, bytes) else p.encode() for p in written] == payloads
    del written
    db.session.rollback()
    if len(payloads) <= 100_000:  # the reference encoding of the ORM objects too: the same bytes
        assert payloads == [
            chain.canonical(entry.hashed_fields())
            for entry in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq))
        ]
        db.session.expunge_all()

    def hash_all() -> None:
        for payload in payloads:
            hashlib.sha256(payload).hexdigest()

    # Each round runs every measurement once, in turns, so that a busy spell on a shared
    # machine falls on all of them alike; the best round of each is kept.
    runs = {
        "verify": (service.verify, valid),
        "walk": (lambda: service.verify_chain([]), valid),
        "thorough": (lambda: service.verify_chain([], thorough=True), valid),
        "hashlib": (hash_all, None),
    }
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (run, check) in runs.items():
            db.session.rollback()
            wall, cpu = time.perf_counter(), time.process_time()
            result = run()
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
            if check is not None:
                check(result)
    timings = {name: (min(walls[name]), min(cpus[name])) for name in runs}
    return len(payloads), timings


def _report(n: int, timings: dict[str, tuple[float, float]], rounds: int) -> None:
    (hashed, hashed_cpu), (verify, verify_cpu), (walk, walk_cpu) = (
        timings[name] for name in ("hashlib", "verify", "walk")
    )
    print(f"verify chain:    {n / verify:8.0f} entries/s ({n} entries, reading from the database)")
    print(f"  the walk alone:{n / walk:8.0f} entries/s (without anchors and references)")
    print(f"hashlib alone:   {n / hashed:8.0f} entries/s (same bytes, already in memory)")
    print(f"ratio verify/hashlib: {verify / hashed:5.2f}x the time (best of {rounds} runs each)")
    print(f"ratio walk/hashlib:   {walk / hashed:5.2f}x the time")
    thorough, thorough_cpu = timings["thorough"]
    print(
        f"ratio walk --thorough/hashlib: {thorough / hashed:5.2f}x the time, {thorough_cpu / hashed_cpu:5.2f}x in CPU "
        "(SQLite: each entry's values checked as read, not the index of those it would write otherwise; "
        "on PostgreSQL the walk itself)"
    )
    print(
        f"in CPU time of this process: verify {verify_cpu / hashed_cpu:5.2f}x, walk {walk_cpu / hashed_cpu:5.2f}x "
        "(steadier on a busy machine; on PostgreSQL the server's share is not in it)"
    )


def _fresh_pg(url: str, purpose: str) -> str:
    """A second database beside the first, for the bare app or the verification run."""
    import psycopg

    parsed = make_url(url)  # the database's name, wherever the address keeps its host (a socket's folder too)
    second = f"{parsed.database}_{purpose}"
    with psycopg.connect(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {second}")
        connection.execute(f"CREATE DATABASE {second}")
    return parsed.set(database=second).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
