"""The program metrics dashboard at demo scale and on a grown department (5,000 faculty,
2M ledger entries): p95 latency as a multiple of ``/healthz`` p95 measured in the same run.

    python tests/benchmarks/bench_metrics.py [--database-url URL] [--grown URL [--baseline URL]] [--samples 20] [--budget 60] [--dashboards]

At demo scale a new database (SQLite, or the empty PostgreSQL one of ``--database-url``)
is filled with the demo department. ``--grown`` names a database ``grow.py`` grew before
(``sqlite:////tmp/x.sqlite3`` from ``grow.py --out``, or a PostgreSQL URL): it is
measured as it is, without growing it. Requests go through the Flask test client in
this process (routing, queries, rendering; no server, no network). Each row takes up to
``--samples`` requests after one warm-up, at least 3 and about ``--budget`` seconds a row.

With ``--baseline`` (the same faculty grown less far, e.g. to 10k entries), each row
takes one request of each database in turn, so both see the same load, and gives the
growth (the grown database's median and p95 over the baseline's).

Rows: the dashboard as an administrator (the department and every division), as the
director of one division, as an administrator choosing one division, the API's values
and its trends, and a table's CSV.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stderr

from common import fresh_app

sys.path.insert(0, os.path.dirname(__file__))


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(call: Callable[[], object], samples: int, budget: float) -> list[float]:
    begun = time.perf_counter()
    call()  # warm: templates compiled, definitions loaded (milliseconds) ...
    first = time.perf_counter() - begun
    found: list[float] = [first] if first > 5 else []  # ... so a request of seconds counts
    started = time.perf_counter()
    while len(found) < samples and (len(found) < 3 or time.perf_counter() - started < budget):
        begun = time.perf_counter()
        call()
        found.append(time.perf_counter() - begun)
    return found


def signed_in(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, (email, response.status_code)
    token = client.post("/api/v1/auth/tokens", json={"email": email, "password": password}).get_json()["token"]
    return client, {"Authorization": f"Bearer {token}"}


def rows_of(app, admin: tuple[str, str], director: tuple[str, str], dashboards: bool = False) -> list[tuple]:
    """(label, request) of each row, signed in as ``admin`` and ``director``."""
    from sqlalchemy import select

    from recognition.extensions import db
    from recognition.people.models import Division, DivisionDirector, Person

    with app.app_context():
        code, name = db.session.execute(
            select(Division.code, Division.name)
            .join(DivisionDirector, DivisionDirector.division_id == Division.id)
            .join(Person, Person.id == DivisionDirector.person_id)
            .where(Person.email == director[0])
        ).first()
    admin_client, admin_api = signed_in(app, *admin)
    director_client, _ = signed_in(app, *director)

    def get(client, path, headers=None):
        def request():
            response = client.get(path, headers=headers or {})
            assert response.status_code == 200, (path, response.status_code)

        return request

    rows = [
        ("GET /healthz (baseline)", get(admin_client, "/healthz")),
        ("/metrics, administrator (department + every division)", get(admin_client, "/metrics")),
        ("/metrics, director of the largest division", get(director_client, "/metrics")),
        (f"/metrics?division={code}, administrator", get(admin_client, f"/metrics?division={code}")),
        ("GET /api/v1/metrics, administrator", get(admin_client, "/api/v1/metrics", admin_api)),
        ("GET /api/v1/metrics/trends, administrator", get(admin_client, "/api/v1/metrics/trends", admin_api)),
        ("GET /api/v1/metrics/attention, administrator", get(admin_client, "/api/v1/metrics/attention", admin_api)),
        ("/metrics/entries_confirmed.csv, director", get(director_client, "/metrics/entries_confirmed.csv")),
    ]
    print(f"  the director's division: {name}", file=sys.stderr)
    return rows[:3] if dashboards else rows


def measure(
    app, admin: tuple[str, str], director: tuple[str, str], samples: int, budget: float, dashboards: bool = False
) -> list[tuple]:
    found = []
    for label, call in rows_of(app, admin, director, dashboards):
        samples_ = timed(call, samples, budget)
        found.append((label, samples_))
        print(f"  {label}: p95 {p95(samples_) * 1000:.1f} ms (n={len(samples_)})", file=sys.stderr, flush=True)
    return found


def report(title: str, rows: list[tuple]) -> None:
    base = p95(rows[0][1])
    print(f"\n{title}")
    print(f"{'request':58s} {'median':>10s} {'p95':>10s} {'p95 / healthz p95':>18s}")
    for label, samples in rows:
        median = sorted(samples)[len(samples) // 2]
        print(f"{label:58s} {median * 1000:8.1f}ms {p95(samples) * 1000:8.1f}ms {p95(samples) / base:17.0f}x")


def demo(args) -> None:
    from sqlalchemy import func, select

    from recognition.demo import builder
    from recognition.extensions import db
    from recognition.ledger.models import LedgerEntry
    from recognition.people.models import Person

    app, _ = fresh_app(args.database_url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        logins = {role: (email, password) for role, email, password in builder.load(2024)}
        people = db.session.scalar(select(func.count()).select_from(Person))
        entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        backend = db.engine.dialect.name
    rows = measure(app, logins["admin"], logins["division_director"], args.samples, args.budget, args.dashboards)
    report(f"{backend}, demo: {people:,} people, {entries:,} ledger entries", rows)


def opened(url: str):
    """The app on a grown database, a line describing it, and its administrator's and
    its largest division's director's sign-in."""
    from grow import PASSWORD
    from sqlalchemy import func, select

    from recognition.auth.models import RoleGrant
    from recognition.extensions import db
    from recognition.ledger.models import LedgerEntry
    from recognition.people.models import DivisionDirector, Person

    app, _ = fresh_app(url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        people = db.session.scalar(select(func.count()).select_from(Person))
        entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        backend = db.engine.dialect.name
        admin = db.session.scalar(
            select(Person.email).join(RoleGrant, RoleGrant.person_id == Person.id).where(RoleGrant.role == "admin")
        )
        # The director of the largest division.
        largest = (
            select(Person.division_id)
            .where(Person.division_id.is_not(None))
            .group_by(Person.division_id)
            .order_by(func.count().desc())
            .limit(1)
            .scalar_subquery()
        )
        director = db.session.scalar(
            select(Person.email)
            .join(DivisionDirector, DivisionDirector.person_id == Person.id)
            .where(DivisionDirector.division_id == largest)
            .limit(1)
        )
    return (
        app,
        f"{backend}, grown: {people:,} people, {entries:,} ledger entries",
        (admin, PASSWORD),
        (director, PASSWORD),
    )


def grown(args) -> None:
    app, title, admin, director = opened(args.grown)
    rows = measure(app, admin, director, args.samples, args.budget, args.dashboards)
    report(title, rows)


def side_by_side(args) -> None:
    """``--grown`` against ``--baseline`` (the same faculty grown less far), one request
    of each in turn, so both see the same load: the growth is measured in one run."""
    apps = [opened(url) for url in (args.baseline, args.grown)]
    calls = []
    for app, _, admin, director in apps:
        with redirect_stderr(io.StringIO()):
            calls.append(rows_of(app, admin, director, args.dashboards))
    print(f"\n{apps[0][1]}  vs  {apps[1][1]}")
    print(f"{'request':58s} {'median base/grown':>17s} {'p95 base/grown':>17s} {'growth (median, p95)':>21s}")
    for (label, small), (_, large) in zip(calls[0], calls[1], strict=True):
        small(), large()  # warm
        found: tuple[list[float], list[float]] = ([], [])
        started = time.perf_counter()
        while len(found[0]) < args.samples and (len(found[0]) < 3 or time.perf_counter() - started < args.budget):
            for call, samples in ((small, found[0]), (large, found[1])):
                begun = time.perf_counter()
                call()
                samples.append(time.perf_counter() - begun)
        medians = [sorted(samples)[len(samples) // 2] for samples in found]
        p95s = [p95(samples) for samples in found]
        print(
            f"{label:58s} {medians[0] * 1000:7.1f}/{medians[1] * 1000:7.1f}ms {p95s[0] * 1000:7.1f}/{p95s[1] * 1000:7.1f}ms"
            f" {medians[1] / medians[0]:9.2f}x {p95s[1] / p95s[0]:9.2f}x (n={len(found[0])})",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="PostgreSQL for the demo-scale run: an empty database")
    parser.add_argument("--grown", help="a database grow.py grew: measured instead of the demo")
    parser.add_argument("--samples", type=int, default=20, help="requests a row, at most")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds a row, about")
    parser.add_argument("--dashboards", action="store_true", help="only /healthz and the two dashboards")
    parser.add_argument("--baseline", help="with --grown: the same faculty grown less far, measured in turn with it")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    if args.grown and args.baseline:
        side_by_side(args)
    elif args.grown:
        grown(args)
    else:
        demo(args)


if __name__ == "__main__":
    main()
