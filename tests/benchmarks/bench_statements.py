"""The year-end statement batch on the demo department: statements per second on one
process and on two, and the speed-up.

    python tests/benchmarks/bench_statements.py [--scale 1] [--year 2023] [--rounds 3] [--database-url URL]

Each process count gets its own fresh database with the same demo department, so both
issue exactly the same statements: first each person's own framework (the Royal College
by default; only mentors with MOC credit that year), then department points for everyone
(every mentor with confirmed mentoring: a larger batch) for ``--rounds`` years from the
year after it back (the busiest years). The year defaults to three years ago: the demo
itself issues statements only under each person's own framework, and only for later years.

The baseline, measured in the same run: plain Python arithmetic on one process and on
two, forked as the batch forks its workers, right before and right after each pair of
batches (their mean). Its speed-up is the most two processes can give on this machine
at this moment (less than 2x when the cores are shared with other work); the goal is the
app's speed-up at 0.9x that ceiling or better. Both databases are loaded before anything
is timed, so the pairs run back to back.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

from common import fresh_app

SEED = 2024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int)
    parser.add_argument("--rounds", type=int, default=3, help="department-points batches, a year each")
    parser.add_argument("--database-url", help="PostgreSQL: fresh databases are made beside this one")
    args = parser.parse_args()

    from recognition.clock import today

    year = args.year or today().year - 3
    apps = {}
    for workers in (1, 2):
        url = args.database_url and _fresh_pg(args.database_url, f"statements_{workers}")
        apps[workers], _ = fresh_app(url)
        load(apps[workers], args.scale)

    backend = ""
    print()
    # Rounds, each a year of its own (a batch issues a year once): the ceiling is measured
    # right before and right after each pair, and the median round is what counts.
    ratios = []
    batches = [("each person's own framework", None, year)]
    batches += [("department points for everyone", "department_points", year + 1 - n) for n in range(args.rounds)]
    for label, framework, year_ in batches:
        before = cpu_speedup()
        runs = {}
        for workers in (1, 2):
            backend, runs[workers] = issue(apps[workers], year_, framework, workers)
        after = cpu_speedup()
        ceiling = (before + after) / 2
        (one, one_wall), (two, two_wall) = runs[1], runs[2]
        assert one.issued == two.issued, "both databases hold the same department"
        speedup = two.per_second / one.per_second
        print(f"{label}, {year_}: {one.issued} statements")
        for workers, result, wall in ((1, one, one_wall), (2, two, two_wall)):
            print(
                f"  {workers} {'process: ' if workers == 1 else 'processes:'} {result.per_second:6.1f} statements/s "
                f"({result.elapsed:.1f} s; {wall:.1f} s with planning)"
            )
        print(f"  plain Python on 2 processes (the ceiling): {ceiling:.2f}x (before {before:.2f}x, after {after:.2f}x)")
        print(f"  the batch on 2 processes: {speedup:.2f}x, {speedup / ceiling:.2f} of the ceiling")
        if framework:
            ratios.append(speedup / ceiling)
    print(
        f"\nbackend: {backend}, demo scale {args.scale}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"department points, median of {len(ratios)} rounds: {statistics.median(ratios):.2f} of the ceiling (goal 0.9)"
    )


def load(app, scale: float) -> None:
    from recognition.demo import builder
    from recognition.extensions import db

    with app.app_context():
        builder.load(SEED, scale=scale)
        db.session.commit()  # the loader leaves its last transaction open; the batch runs its own
        db.session.remove()
        db.engine.dispose()


def issue(app, year: int, framework: str | None, workers: int):
    """Run the batch for ``year`` (each person's framework, or ``framework`` for everyone)."""
    from recognition.credits import batch
    from recognition.extensions import db

    with app.app_context():
        backend = db.engine.dialect.name
        started = time.perf_counter()
        result = batch.issue_year(year, framework_id=framework, workers=workers)
        wall = time.perf_counter() - started
        assert not result.failures, result.failures
        db.session.remove()
        db.engine.dispose()
    return backend, (result, wall)


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_speedup(n: int = 5_000_000) -> float:
    started = time.perf_counter()
    _spin(n)
    _spin(n)
    one = time.perf_counter() - started
    with multiprocessing.get_context("fork").Pool(2) as pool:
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
