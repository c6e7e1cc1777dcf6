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

Where the time goes (Linux): every worker's chunks are timed with the kernel's scheduler
accounting (``/proc/thread-self/schedstat``), split into running on a CPU, waiting for a
CPU (other work on the machine: on a shared machine, usually most of it) and asleep
(waiting for SQLite's write lock, the disk or PostgreSQL), with each worker's first start
and last end (an uneven partition or a slow start shows there). The same accounting of
the plain-Python runs gives a second ratio with the waits for a CPU taken out: how the
batch would scale with two CPUs to itself. The kernel shares CPU time between sessions
(``sched_autogroup``), not processes, so when other sessions keep both CPUs busy two
processes of one session get about the time one would, and the wall-clock ratios swing
with the other work; the second ratio does not.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

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
    ratios, steady = [], []
    batches = [("each person's own framework", None, year)]
    batches += [("department points for everyone", "department_points", year + 1 - n) for n in range(args.rounds)]
    for label, framework, year_ in batches:
        before, before_steady = cpu_speedup()
        runs = {}
        for workers in (1, 2):
            backend, runs[workers] = issue(apps[workers], year_, framework, workers)
        after, after_steady = cpu_speedup()
        ceiling = (before + after) / 2
        steady_ceiling = (before_steady + after_steady) / 2
        (one, one_wall, one_chunks), (two, two_wall, two_chunks) = runs[1], runs[2]
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
        for workers, chunks in ((1, one_chunks), (2, two_chunks)):
            for line in describe_workers(chunks):
                print(f"  {workers}: {line}")
        cpu_one, cpu_two = (1000 * on_a_cpu(chunks) / one.issued for chunks in (one_chunks, two_chunks))
        print(
            f"  on a CPU a statement: {cpu_one:.1f} ms on 1 process, {cpu_two:.1f} ms on 2 ({cpu_two / cpu_one - 1:+.0%})"
        )
        steady_speedup = not_waiting(one_chunks) / not_waiting(two_chunks)
        print(
            f"  without the waits for a CPU: the batch {steady_speedup:.2f}x, plain Python {steady_ceiling:.2f}x: "
            f"{steady_speedup / steady_ceiling:.2f} of the ceiling"
        )
        if framework:
            ratios.append(speedup / ceiling)
            steady.append(steady_speedup / steady_ceiling)
    print(
        f"\nbackend: {backend}, demo scale {args.scale}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"department points, median of {len(ratios)} rounds: {statistics.median(ratios):.2f} of the ceiling (goal 0.9); "
        f"without the waits for a CPU: {statistics.median(steady):.2f}"
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

    global _log, _issue_chunk
    _log = Path(tempfile.mkstemp(prefix="bench-chunks-", suffix=".jsonl")[1])
    _issue_chunk = batch.issue_chunk
    batch.issue_chunk = timed_chunk  # the workers fork with it
    try:
        with app.app_context():
            backend = db.engine.dialect.name
            started = time.perf_counter()
            result = batch.issue_year(year, framework_id=framework, workers=workers)
            wall = time.perf_counter() - started
            assert not result.failures, result.failures
            db.session.remove()
            db.engine.dispose()
    finally:
        batch.issue_chunk = _issue_chunk
    chunks = [{**json.loads(line), "started": started} for line in _log.read_text().splitlines()]
    _log.unlink()
    return backend, (result, wall, chunks)


def schedstat() -> tuple[float, float]:
    """Seconds this thread has run on a CPU and waited for one (Linux)."""
    running, waiting, _ = Path("/proc/thread-self/schedstat").read_text().split()
    return int(running) / 1e9, int(waiting) / 1e9


# The batch's own issue_chunk, and where timed_chunk writes (set before the workers fork).
_issue_chunk = None
_log = Path()


def timed_chunk(items, year, now):
    """The batch's ``issue_chunk``, appending to the log the chunk's process, start and
    end, and its time running on a CPU and waiting for one (module level: a worker is
    handed it by name)."""
    running, waiting = schedstat()
    begun = time.perf_counter()
    done = _issue_chunk(items, year, now)
    ended = time.perf_counter()
    running_after, waiting_after = schedstat()
    line = {
        "pid": os.getpid(),
        "items": len(items),
        "begun": begun,
        "ended": ended,
        "running": running_after - running,
        "waiting": waiting_after - waiting,
    }
    with _log.open("a") as out:
        out.write(json.dumps(line) + "\n")
    return done


def _by_worker(chunks: list[dict]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for chunk in chunks:
        found.setdefault(chunk["pid"], []).append(chunk)
    return found


def describe_workers(chunks: list[dict]) -> list[str]:
    lines = []
    for n, mine in enumerate(_by_worker(chunks).values(), 1):
        busy = sum(chunk["ended"] - chunk["begun"] for chunk in mine)
        running = sum(chunk["running"] for chunk in mine)
        waiting = sum(chunk["waiting"] for chunk in mine)
        started = mine[0]["started"]
        lines.append(
            f"worker {n}: {sum(chunk['items'] for chunk in mine)} statements in {len(mine)} chunks, "
            f"{min(chunk['begun'] for chunk in mine) - started:.2f} s to {max(chunk['ended'] for chunk in mine) - started:.2f} s; "
            f"busy {busy:.1f} s: on a CPU {running:.1f}, waiting for one {waiting:.1f}, asleep {busy - running - waiting:.1f}"
        )
    return lines


def on_a_cpu(chunks: list[dict]) -> float:
    """Seconds every worker ran on a CPU, together."""
    return sum(chunk["running"] for chunk in chunks)


def not_waiting(chunks: list[dict]) -> float:
    """How long the run would have taken had no worker waited for a CPU: the slowest
    worker's time issuing, less its waits for a CPU."""
    return max(
        sum(chunk["ended"] - chunk["begun"] - chunk["waiting"] for chunk in mine)
        for mine in _by_worker(chunks).values()
    )


def _spin(n: int) -> float:
    """Plain Python arithmetic; returns how long it took less its waits for a CPU."""
    _, waiting = schedstat()
    begun = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - begun - (schedstat()[1] - waiting)


def cpu_speedup(n: int = 5_000_000) -> tuple[float, float]:
    """Plain Python's speed-up on two processes, by the clock and without the waits for a CPU."""
    started = time.perf_counter()
    steady_one = _spin(n) + _spin(n)
    one = time.perf_counter() - started
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # started and warm before timing
        started = time.perf_counter()
        steady_two = max(pool.map(_spin, [n, n]))
        two = time.perf_counter() - started
    return one / two, steady_one / steady_two


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
