"""Ledger throughput: appends through the API vs bare SQL; verification vs bare hashlib.

python tests/benchmarks/bench_ledger.py [--entries 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from datetime import date

from common import fresh_app
from sqlalchemy import text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, _url = fresh_app(args.database_url)

    from recognition.extensions import db
    from recognition.ledger import chain, service
    from tests.support.department import Department

    with app.app_context():
        dept = Department.build()
        backend = db.engine.dialect.name
    client = app.test_client()
    headers = dept.headers(client, "mentor")
    body = {
        "kind": "meeting",
        "mentorship_id": dept.mentorship_id,
        "occurred_on": "2025-03-01",
        "minutes": 45,
        "note": "Discussed the academic plan and a grant resubmission.",
    }

    started = time.perf_counter()
    for _ in range(args.entries):
        response = client.post("/api/v1/contributions", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
    api_seconds = time.perf_counter() - started

    # The same row, inserted with bare SQL, one transaction each, no hashing or checks.
    with app.app_context():
        template = db.session.execute(text("SELECT * FROM ledger_entries ORDER BY seq DESC LIMIT 1")).mappings().first()
        columns = [c for c in template if c != "id"]
        insert = text(
            f"INSERT INTO ledger_entries ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
        )
        db.session.commit()
        seq = template["seq"]
        started = time.perf_counter()
        for _index in range(args.entries):
            row = dict(template)
            row.pop("id")
            seq += 1
            row.update(seq=seq, entry_hash=f"{seq:064x}")
            with db.engine.begin() as connection:
                connection.execute(insert, row)
        sql_seconds = time.perf_counter() - started

    print(f"backend: {backend}")
    print(f"append via API:  {args.entries / api_seconds:8.0f} entries/s")
    print(f"append bare SQL: {args.entries / sql_seconds:8.0f} entries/s")
    print(f"ratio API/bare:  {api_seconds / sql_seconds:8.1f}x the time")

    # Verification: the bare-SQL rows above would (rightly) fail, so verify a fresh chain
    # built through the service.
    app2, _ = fresh_app(args.database_url and _fresh_pg(args.database_url))
    with app2.app_context():
        from recognition.auth.service import load_actor
        from recognition.clock import utcnow

        dept2 = Department.build()
        actor = load_actor(dept2.ids["mentor"])
        data = {**body, "occurred_on": date(2025, 3, 1), "mentorship_id": dept2.mentorship_id}
        for _ in range(args.entries * 4):
            service.record(data, actor, utcnow())
        db.session.commit()
        rows = list(service.stored_chain())
        started = time.perf_counter()
        verdict = service.verify()
        verify_seconds = time.perf_counter() - started
        assert verdict.valid
        payloads = [chain.canonical(fields) for _, fields, _ in rows]
        started = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).hexdigest()
        hash_seconds = time.perf_counter() - started
    n = len(rows)
    print(f"verify chain:    {n / verify_seconds:8.0f} entries/s ({n} entries, reading from the database)")
    print(f"hashlib alone:   {n / hash_seconds:8.0f} entries/s (same bytes, already in memory)")
    print(f"ratio verify/hashlib: {verify_seconds / hash_seconds:5.1f}x the time")


def _fresh_pg(url: str) -> str:
    """A second database beside the first, for the verification run."""
    import psycopg

    base, _, name = url.rpartition("/")
    second = f"{name}_verify"
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {second}")
        connection.execute(f"CREATE DATABASE {second}")
    return f"{base}/{second}"


if __name__ == "__main__":
    main()
