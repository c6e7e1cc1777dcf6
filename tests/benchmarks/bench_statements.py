"""The year-end statement batch on the demo department: statements per second on one
process and on two, and the speed-up.

    python tests/benchmarks/bench_statements.py [--scale 1] [--year 2023] [--database-url URL]

Each process count gets its own fresh database with the same demo department, so both
issue exactly the same statements: first each person's own framework (the Royal College
by default; only mentors with MOC credit that year), then department points for everyone
(every mentor with confirmed mentoring: a larger batch). The year defaults to three years
ago, which the demo itself issues no statements for.

The baseline, measured in the same run: plain Python arithmetic on one process and on
two. Its speed-up is the most two processes can give on this machine at this moment
(less than 2x when the cores are shared with other work).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

from common import fresh_app

SEED = 2024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int)
    parser.add_argument("--database-url", help="PostgreSQL: fresh databases are made beside this one")
    args = parser.parse_args()

    from recognition.clock import today

    year = args.year or today().year - 3
    runs: dict[int, list] = {}
    for workers in (1, 2):
        url = args.database_url and _fresh_pg(args.database_url, f"statements_{workers}")
        app, _ = fresh_app(url)
        runs[workers] = issue(app, year, workers, args.scale)

    backend = runs[1][0]
    print(
        f"\nbackend: {backend}, demo scale {args.scale}, year {year}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"baseline, plain Python on 2 processes: {cpu_speedup():.2f}x (the ceiling here and now)")
    for (label, one), (_, two) in zip(runs[1][1], runs[2][1]):
        assert one.issued == two.issued, "both databases hold the same department"
        print(f"{label}: {one.issued} statements")
        for workers, result, wall in ((1, one, runs[1][2][label]), (2, two, runs[2][2][label])):
            print(
                f"  {workers} {'process: ' if workers == 1 else 'processes:'} {result.per_second:6.1f} statements/s "
                f"({result.elapsed:.1f} s; {wall:.1f} s with planning)"
            )
        print(f"  speed-up: {two.per_second / one.per_second:.2f}x")


def issue(app, year: int, workers: int, scale: float):
    """Load the demo, then run the batch for ``year``: each person's framework, then
    department points for everyone."""
    from recognition.credits import batch
    from recognition.demo import builder
    from recognition.extensions import db

    results, walls = [], {}
    with app.app_context():
        builder.load(SEED, scale=scale)
        backend = db.engine.dialect.name
        for label, framework in (
            ("each person's own framework", None),
            ("department points for everyone", "department_points"),
        ):
            started = time.perf_counter()
            result = batch.issue_year(year, framework_id=framework, workers=workers)
            walls[label] = time.perf_counter() - started
            assert not result.failures, result.failures
            results.append((label, result))
        db.session.remove()
        db.engine.dispose()
    return backend, results, walls


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_speedup(n: int = 10_000_000) -> float:
    started = time.perf_counter()
    _spin(n)
    _spin(n)
    one = time.perf_counter() - started
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # started and warm before timing
        started = time.perf_counter()
        pool.map(_spin, [n, n])
        two = time.perf_counter() - started
    return one / two


def _fresh_pg(url: str, suffix: str) -> str:
    """A new database beside the one named, for one run."""
    import psycopg

    base, _, name = url.rpartition("/")
    fresh = f"{name}_{suffix}"
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {fresh}")
        connection.execute(f"CREATE DATABASE {fresh}")
    return f"{base}/{fresh}"


if __name__ == "__main__":
    main()
