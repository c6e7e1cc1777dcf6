"""Year-end batch planning with the ledger grown to N entries: its time and peak memory,
for each person's own framework and for department points for everyone, against reading
the year's ledger rows bare (the least a planning that looks at every row of the year
would cost; planning reads only each person's until one activity earns in the year).

    python tests/benchmarks/bench_planning.py [--entries 2000000] [--out grown.sqlite3] [--database-url URL]

The database is grown with ``grow.py`` (a faculty of 5,000 over ten years); ``--out``
keeps the SQLite file for the next run (delete it when done: it is about 1 GiB at 2M).
Memory is tracemalloc's peak over one planning, after a warm one; time is the median of
three. The goal at 2M: under 5 s and 300 MiB.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from datetime import date
from pathlib import Path

from common import fresh_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--out", help="SQLite file to create or reuse")
    parser.add_argument("--database-url")
    args = parser.parse_args()

    url = args.database_url or (f"sqlite:///{Path(args.out).resolve()}" if args.out else None)
    app, url = fresh_app(url)
    from grow import grow  # the app is built from this checkout already: grow puts its own on the path
    from sqlalchemy import func, select

    from recognition.clock import today
    from recognition.credits import batch
    from recognition.extensions import db
    from recognition.ledger.models import LedgerEntry

    with app.app_context():
        grown = grow(args.entries, progress=False)
        db.session.commit()
        year = today().year - 1
        rows = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        print(f"{db.engine.dialect.name}: {rows:,} ledger entries (grown in {grown.seconds:.0f} s); year {year}")
        started = time.perf_counter()
        bare = db.session.execute(
            select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.occurred_on, LedgerEntry.minutes).where(
                LedgerEntry.occurred_on.between(date(year, 1, 1), date(year, 12, 31))
            )
        ).all()
        db.session.commit()
        print(f"  bare read of the year's {len(bare):,} rows: {time.perf_counter() - started:.2f} s")
        for label, framework in (("each person's own framework", None), ("department points", "department_points")):
            work = batch.plan(year, framework)  # warm
            times = []
            for _ in range(3):
                begun = time.perf_counter()
                batch.plan(year, framework)
                times.append(time.perf_counter() - begun)
            tracemalloc.start()
            batch.plan(year, framework)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"  {label}: {len(work.items):,} statements planned in {statistics.median(times):.2f} s "
                f"(median of 3), peak {peak / 2**20:.0f} MiB"
            )


if __name__ == "__main__":
    main()
