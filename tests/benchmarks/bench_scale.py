"""Pages, API lists and the year-end batch planning with the ledger at 10,000 entries and
at a much larger size, in the same department: the table of issue 15.

    python tests/benchmarks/bench_scale.py [--large 2000000] [--people 5000] [--database-url URL]

``grow`` (grow.py) builds a faculty of about 5,000 people and 13,000 mentorships and
grows its ledger to 10k entries; every request is measured, then the same database is
grown to ``--large`` entries and measured again. The people signed in are the same at
both sizes: the featured mentor (about 150 entries, all written before the first
measurement), a mentee of theirs, their division's director and an administrator. Each
row prints the median and 95th percentile at both sizes and the growth (large / 10k
median); rows above the issue's goal of 1.5x are flagged. ``/healthz`` is the baseline:
the whole stack and no query.

Requests go through the Flask test client, in this process: the figures are the app's
own cost (routing, queries, rendering), without a server or the network. Each row takes
up to ``--samples`` requests after one warm-up, fewer when they take long (at least 3,
about ``--budget`` seconds a row), so a 2M run finishes in about 15 minutes.

Batch planning is ``recognition.credits.batch.plan`` for last year: its time (median of
3 within the budget; one when a run takes longer) and how far the process's resident
memory rose while it ran.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from common import fresh_app
from grow import grow

GOAL = 1.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000, help="ledger size of the first measurement")
    parser.add_argument("--large", type=int, default=2_000_000, help="ledger size of the second measurement")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--database-url", help="PostgreSQL: an empty database (it is migrated and filled)")
    parser.add_argument("--samples", type=int, default=20, help="requests a row, at most")
    parser.add_argument("--budget", type=float, default=15.0, help="seconds a row, about")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database (default: removed)")
    args = parser.parse_args()
    # The SQLite database gets a folder of its own, apart from the instance folder: a run
    # takes a quarter of an hour, and other benchmarks' clean-ups of their temporary
    # instance folders must not take it away meanwhile.
    own = None if args.database_url else Path(tempfile.mkdtemp(prefix="recognition-scale-"))
    app, url = fresh_app(args.database_url or f"sqlite:///{own / 'scale.sqlite3'}", WTF_CSRF_ENABLED=False)
    folders = [Path(os.environ["RECOGNITION_INSTANCE_PATH"]), *([own] if own else [])]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a stopped run still removes its database
    try:
        run(app, args)
    finally:
        if not args.keep:
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {url}")


def run(app, args) -> None:
    from recognition.extensions import db

    with app.app_context():
        grown = grow(args.small, people=args.people)
        backend = db.engine.dialect.name
        print(
            f"{backend}: department of {args.people} people grown to {grown.entries:,} entries in {grown.seconds:.0f} s"
        )
    session = Session(app, grown)
    print(session.describe())
    small = session.measure(args.samples, args.budget)
    with app.app_context():
        grown = grow(args.large, people=args.people)
        print(f"grown to {grown.entries:,} entries: {grown.added:,} added in {grown.seconds:.0f} s")
    print(session.describe())
    large = session.measure(args.samples, args.budget)
    print(
        f"\n{backend}, Flask test client in-process, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; times are median (p95) of each row's samples\n"
    )
    label_small, label_large = f"{args.small // 1000:,}k", f"{args.large:,}"
    header = f"{'request or job':58s} {label_small:>22s} {label_large:>24s} {'growth':>8s}"
    print(header)
    print("-" * len(header))
    for name in small:
        a, b = small[name], large[name]
        growth = statistics.median(b.samples) / statistics.median(a.samples)
        flag = f"  above {GOAL}x" if growth > GOAL else ""
        print(f"{name:58s} {a.figure():>22s} {b.figure():>24s} {growth:7.2f}x{flag}")
        if a.memory is not None and b.memory is not None:
            print(
                f"{'  peak resident memory growth':58s} {a.memory / 2**20:>18.0f} MiB "
                f"{b.memory / 2**20:>20.0f} MiB "
                + (f"{b.memory / a.memory:7.2f}x" if a.memory else "  (none measurable at the small size)")
            )
            print(f"{'  statements to issue':58s} {a.note:>22s} {b.note:>24s}")


class Row:
    def __init__(self, samples: list[float], memory: int | None = None, note: str = ""):
        self.samples, self.memory, self.note = samples, memory, note

    def figure(self) -> str:
        ordered = sorted(self.samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return f"{_ms(statistics.median(ordered))} ({_ms(p95)})"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


class Session:
    """The four people of the table, signed in once: a browser session each and an API token."""

    def __init__(self, app, grown):
        from sqlalchemy import select

        from recognition.extensions import db
        from recognition.mentorships.models import Mentorship
        from recognition.people.models import Person

        self.app, self.grown = app, grown
        with app.app_context():
            ids = {
                "mentor": grown.mentor_id,
                "mentee": grown.mentee_id,
                "director": grown.director_id,
                "admin": grown.admin_id,
            }
            emails = dict(db.session.execute(select(Person.id, Person.email).where(Person.id.in_(ids.values()))).all())
            self.mentorship_id = db.session.scalar(
                select(Mentorship.id).where(
                    Mentorship.mentor_id == grown.mentor_id, Mentorship.mentee_id == grown.mentee_id
                )
            )
        self.clients, self.tokens = {}, {}
        for role, person_id in ids.items():
            client = app.test_client()
            credentials = {"email": emails[person_id], "password": grown.password}
            response = client.post("/login", data=credentials)
            assert response.status_code == 302, (role, response.status_code)
            self.clients[role] = client
            self.tokens[role] = client.post("/api/v1/auth/tokens", json=credentials).get_json()["token"]

    def describe(self) -> str:
        from sqlalchemy import func, select

        from recognition.extensions import db
        from recognition.ledger.models import LedgerEntry

        with self.app.app_context():
            total = db.session.scalar(select(func.count()).select_from(LedgerEntry))
            own = db.session.scalar(
                select(func.count()).select_from(LedgerEntry).where(LedgerEntry.person_id == self.grown.mentor_id)
            )
        return f"ledger {total:,} entries; the mentor measured has {own} of them"

    def get(self, role: str, path: str, api: bool = False) -> Callable[[], object]:
        client = self.clients[role]
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if api else {}

        def request():
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (role, path, response.status_code)
            return response

        return request

    def measure(self, samples: int, budget: float) -> dict[str, Row]:
        from recognition.evidence.service import evidence_for

        grown = self.grown
        rows: list[tuple[str, Callable[[], object]]] = [
            ("GET /healthz (baseline)", self.get("mentor", "/healthz")),
            ("/mentoring (the mentor)", self.get("mentor", "/mentoring")),
            ("/mentee (their mentee)", self.get("mentee", "/mentee")),
            ("/contributions page (the mentor)", self.get("mentor", "/contributions")),
            ("GET /api/v1/contributions as the mentor", self.get("mentor", "/api/v1/contributions", api=True)),
            ("GET /api/v1/contributions as their director", self.get("director", "/api/v1/contributions", api=True)),
            ("GET /api/v1/contributions as admin, first page", self.get("admin", "/api/v1/contributions", api=True)),
            (
                "GET /api/v1/contributions as admin, page 150 of 50",
                self.get("admin", "/api/v1/contributions?page=150", api=True),
            ),
            ("/credits (the mentor)", self.get("mentor", "/credits")),
            (
                f"/mentorships/{self.mentorship_id} history page",
                self.get("mentor", f"/mentorships/{self.mentorship_id}"),
            ),
            ("/dossier (the mentor's own)", self.get("mentor", "/dossier")),
        ]
        found: dict[str, Row] = {}
        for name, call in rows:
            found[name] = Row(_timed(call, samples, budget))
            print(f"  {name}: {found[name].figure()}", file=sys.stderr, flush=True)
        with self.app.app_context():
            from recognition import clock
            from recognition.extensions import db

            today = clock.today()
            nominee = grown.mentor_id

            def evidence():
                db.session.expire_all()
                return evidence_for(nominee, today)

            found["nomination evidence (evidence_for, in-process)"] = Row(_timed(evidence, samples, budget))
            found[f"year-end batch planning ({today.year - 1})"] = _planning(today.year - 1, budget)
        for name in list(found)[-2:]:
            print(f"  {name}: {found[name].figure()}", file=sys.stderr, flush=True)
        return found


def _timed(call: Callable[[], object], samples: int, budget: float) -> list[float]:
    call()  # warm: templates compiled, caches filled
    found: list[float] = []
    started = time.perf_counter()
    while len(found) < samples and (len(found) < 3 or time.perf_counter() - started < budget):
        begun = time.perf_counter()
        call()
        found.append(time.perf_counter() - begun)
    return found


def _planning(year: int, budget: float) -> Row:
    """One run, and up to two more within the budget (a run at 2M can take minutes); the
    first is taken as a sample only when it alone spends the budget."""
    from flask import current_app

    from recognition.credits import batch, signing
    from recognition.extensions import db

    db.session.commit()
    # Planning checks the signing key is there; a clean-up of /tmp may have removed the
    # instance folder that holds it. Planning signs nothing, so a new key will do.
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    signing.ensure_key(Path(current_app.instance_path))
    with RssPeak() as first:
        begun = time.perf_counter()
        work = batch.plan(year)
        took = time.perf_counter() - begun
    samples, peaks = ([took], [first.growth]) if took > budget / 3 else ([], [])
    started = time.perf_counter()
    while not samples or (len(samples) < 3 and time.perf_counter() - started < budget):
        with RssPeak() as peak:
            begun = time.perf_counter()
            batch.plan(year)
            samples.append(time.perf_counter() - begun)
        peaks.append(peak.growth)
    return Row(samples, max(peaks), f"{len(work.items)}")


class RssPeak:
    """How far the process's resident memory rose above where it started, sampled every
    10 ms on a thread (Linux): what the operation needed, without tracemalloc's slowdown."""

    def __enter__(self) -> RssPeak:
        self.start = self.peak = _rss()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        return self

    def _watch(self) -> None:
        while not self.done.wait(0.01):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *_) -> None:
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":
    main()
