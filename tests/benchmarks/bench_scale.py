"""Every page and API list a department uses, and the year-end batch planning, with the
ledger at 10,000 entries and at a much larger size, in the same department: the table of
issue 15.

    python tests/benchmarks/bench_scale.py [--large 2000000] [--people 5000] [--database-url URL]

``grow`` (grow.py) builds a faculty of about 5,000 people and 13,000 mentorships and
grows its ledger to 10k entries; every request is measured, then the same database is
grown to ``--large`` entries and measured again. The people signed in are the same at
both sizes: the featured mentor (about 150 entries), a mentee of theirs (with the
mentor, their whole history is written before the first measurement: the run says so,
or warns), their division's director and an administrator; each
route is asked as each of them who may open it (``ROUTES``; the grown department has no
award committees, so no committee member). Before the first measurement every row is
asked once and the run stops if any answers other than expected. Each row prints the
median and 95th percentile at both sizes, the growth (large / 10k median) and the growth
of the CPU time this process spent (see ``Row``: on a busy machine the steadier figure;
for SQLite it holds the queries too); rows above the issue's goal of 1.5x are flagged.
``/healthz`` is the baseline: the whole stack and no query. After each growth the
scheduler's nightly snapshot job runs once (``nightly``), as it would have every night,
and on PostgreSQL what autovacuum would have done (``settled``). The verification rate limit
is lifted for the run (it would refuse the public checkpoint lists after 30 requests).

Requests go through the Flask test client, in this process: the figures are the app's
own cost (routing, queries, rendering), without a server or the network. Each row takes
up to ``--samples`` requests after one warm-up, fewer when they take long (at least 3,
about ``--budget`` seconds a row; one when the warm-up alone takes the budget), so a 2M
run measures its 150 rows in about ten minutes a size on a quiet machine.

Batch planning is ``recognition.credits.batch.plan`` for last year: its time (median of
3 within the budget; one when a run takes longer) and how far the process's resident
memory rose while it ran.
"""

from __future__ import annotations

import argparse
import gc
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
    parser.add_argument("--samples", type=int, default=15, help="requests a row, at most")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds a row, about")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database (default: removed)")
    args = parser.parse_args()
    # The SQLite database gets a folder of its own, apart from the instance folder: a run
    # takes a quarter of an hour, and other benchmarks' clean-ups of their temporary
    # instance folders must not take it away meanwhile.
    own = None if args.database_url else Path(tempfile.mkdtemp(prefix="recognition-scale-"))
    app, url = fresh_app(
        args.database_url or f"sqlite:///{own / 'scale.sqlite3'}", WTF_CSRF_ENABLED=False, VERIFY_RATE_LIMIT=10**9
    )
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
        if grown.featured_entries > grown.entries:
            print(
                f"warning: the featured mentor's and mentee's history takes {grown.featured_entries:,} entries; "
                f"at {grown.entries:,} their pages show part of it, so their growth is not the ledger's alone"
            )
        else:
            print(f"the featured mentor's and mentee's whole history: the first {grown.featured_entries:,} entries")
    print(settled(app))
    print(nightly(app))
    print(frozen())
    session = Session(app, grown)
    print(session.describe())
    if wrong := session.check():
        sys.exit("answers other than expected:\n" + "\n".join(wrong))
    small = session.measure(args.samples, args.budget)
    with app.app_context():
        grown = grow(args.large, people=args.people)
        print(f"grown to {grown.entries:,} entries: {grown.added:,} added in {grown.seconds:.0f} s")
    print(settled(app))
    print(nightly(app))
    print(frozen())
    print(session.describe())
    large = session.measure(args.samples, args.budget)
    print(
        f"\n{backend}, Flask test client in-process, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; times are median (p95) of each row's samples\n"
    )
    label_small, label_large = f"{args.small // 1000:,}k", f"{args.large:,}"
    header = f"{'request or job':58s} {label_small:>22s} {label_large:>24s} {'growth':>8s} {'CPU growth':>12s}"
    print(header)
    print("-" * len(header))
    for name in small:
        a, b = small[name], large[name]
        growth = statistics.median(b.samples) / statistics.median(a.samples)
        flag = f"  above {GOAL}x" if growth > GOAL else ""
        cpu = (
            f"{statistics.median(b.cpu) / statistics.median(a.cpu):11.2f}x"
            if a.cpu and b.cpu and statistics.median(a.cpu)
            else ""
        )
        print(f"{name:58s} {a.figure():>22s} {b.figure():>24s} {growth:7.2f}x {cpu:>12s}{flag}")
        if a.memory is not None and b.memory is not None:
            print(
                f"{'  peak resident memory growth':58s} {a.memory / 2**20:>18.0f} MiB "
                f"{b.memory / 2**20:>20.0f} MiB "
                + (f"{b.memory / a.memory:7.2f}x" if a.memory else "  (none measurable at the small size)")
            )
            print(f"{'  statements to issue':58s} {a.note:>22s} {b.note:>24s}")


class Row:
    """A row's wall-clock samples; for requests also the CPU time this process spent on each
    (the app's own work, and SQLite's: on a machine shared with other work it moves less
    than wall-clock time, which waits for a CPU; PostgreSQL's server is not in it)."""

    def __init__(self, samples: list[float], memory: int | None = None, note: str = "", cpu: list[float] | None = None):
        self.samples, self.memory, self.note, self.cpu = samples, memory, note, cpu

    def figure(self) -> str:
        ordered = sorted(self.samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return f"{_ms(statistics.median(ordered))} ({_ms(p95)})"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


class Session:
    """The four people of the table, signed in once: a browser session each and an API token."""

    def __init__(self, app, grown):
        from sqlalchemy import func, select

        from recognition import clock
        from recognition.extensions import db
        from recognition.ledger.models import LedgerEntry
        from recognition.mentorships.models import Mentorship
        from recognition.people.models import Person
        from recognition.reflections.models import Reflection

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
            first = select(func.min(LedgerEntry.id))
            self.ids = {
                **ids,
                "mentorship": self.mentorship_id,
                "entry": db.session.scalar(first.where(LedgerEntry.mentorship_id == self.mentorship_id)),
                "reflection": db.session.scalar(
                    select(func.min(Reflection.id)).where(Reflection.person_id == grown.mentor_id)
                ),
                "division": db.session.scalar(select(Person.division_id).where(Person.id == grown.mentor_id)),
                "cursor": "",
                "year": clock.today().year - 1,
            }
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

    def get(self, role: str, path: str, api: bool = False, status: int = 200) -> Callable[[], object]:
        client = self.clients[role]
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if api else {}

        def request():
            response = client.get(path, headers=headers)
            assert response.status_code == status, (role, path, response.status_code)
            return response

        return request

    def routes(self) -> list[tuple[str, str, str, bool, int]]:
        """Every row: (name, role, path, api, status), from ``ROUTES`` with this department's
        ids, each path for each of its roles; the name shows the path before the ids go in."""
        ids = self.ids
        # A keyset page deep in the administrator's list: the one after page 150 at this size.
        deep = self.get("admin", "/api/v1/contributions?page=150", api=True)().get_json()["meta"]["next"]
        ids["cursor"] = deep or self.get("admin", "/api/v1/contributions", api=True)().get_json()["meta"]["next"]
        # The roster's and the mentorships list's page 50, by following Next from page 1.
        ids["roster_cursor"] = self.deep_page("/admin/people")
        ids["mentorships_cursor"] = self.deep_page("/admin/mentorships?status=all")
        found = []
        for roles, path, *status in ROUTES:
            if "{reflection}" in path and ids["reflection"] is None:
                continue  # the mentor wrote none
            api = path.startswith("/api/")
            for role in roles.split():
                code = status[0] if status else 200
                name = f"{'GET ' if api else ''}{path} as {role}" + (f" ({code})" if code != 200 else "")
                found.append((name, role, path.format(**ids), api, code))
        return found

    def deep_page(self, path: str, page: int = 50) -> str:
        """The cursor of a list page's page ``page`` (or its last, in a smaller department),
        by its Next links; empty for page 1."""
        import re

        cursor = ""
        for _ in range(page - 1):
            address = f"{path}{'&' if '?' in path else '?'}cursor={cursor}" if cursor else path
            body = self.get("admin", address)().get_data(as_text=True)
            following = re.search(r'<a href="[^"]*cursor=([^"&]+)[^"]*" rel="next">', body)
            if following is None:
                break
            cursor = following.group(1)
        return cursor

    def check(self) -> list[str]:
        """Every row asked once: the ones that do not answer as expected (before a long run)."""
        wrong = []
        for name, role, path, api, status in self.routes():
            headers = {"Authorization": f"Bearer {self.tokens[role]}"} if api else {}
            response = self.clients[role].get(path, headers=headers)
            if response.status_code != status:
                wrong.append(f"{name}: {response.status_code} {response.get_data(as_text=True)[:300]!r}")
        return wrong

    def measure(self, samples: int, budget: float) -> dict[str, Row]:
        from recognition.evidence.service import evidence_for

        grown = self.grown
        rows: list[tuple[str, Callable[[], object]]] = [("GET /healthz (baseline)", self.get("mentor", "/healthz"))]
        for name, role, path, api, status in self.routes():
            rows.append((name, self.get(role, path, api, status)))
        found: dict[str, Row] = {}
        for name, call in rows:
            found[name] = _timed(call, samples, budget)
            print(f"  {name}: {found[name].figure()}", file=sys.stderr, flush=True)
        with self.app.app_context():
            from recognition import clock
            from recognition.extensions import db

            today = clock.today()
            nominee = grown.mentor_id

            def evidence():
                db.session.expire_all()
                return evidence_for(nominee, today)

            found["nomination evidence (evidence_for, in-process)"] = _timed(evidence, samples, budget)
            found[f"year-end batch planning ({today.year - 1})"] = _planning(today.year - 1, budget)
        for name in list(found)[-2:]:
            print(f"  {name}: {found[name].figure()}", file=sys.stderr, flush=True)
        return found


# Every GET page and API list or record a department uses, with the roles that may see it
# (space-separated), and the status when it is not 200. Paths name the department's ids:
# mentor, mentee, director, admin (people), mentorship (theirs), entry (the mentor's first
# ledger entry), reflection (the mentor's first), division (the mentor's), cursor (the
# second page of the administrator's contributions list), roster_cursor and
# mentorships_cursor (page 50 of the roster and of every mentorship, by Next). Routes whose records the grown
# department does not have (awards, cycles, nominations, grants, cases, statements,
# milestones, feedback requests, issued dossiers and program reports, invitations) are
# measured only as their lists; their pages by id are left out. Forms that only post are
# measured where they are pages (the blank form).
ROUTES: list[tuple] = [
    # Pages
    ("admin director mentor mentee", "/", 302),
    ("admin director mentor mentee", "/contributions"),
    ("admin director mentor mentee", "/contributions/{entry}"),
    ("mentor mentee", "/credits"),
    ("mentor", "/credits/export.csv?year={year}"),
    ("admin", "/admin/statements"),
    ("mentor", "/dossier"),
    ("mentor", "/dossier/{mentor}/draft.json"),
    ("admin", "/people/{mentor}/dossier"),
    ("mentor", "/mentoring"),
    ("mentee", "/mentee"),
    ("admin director mentor mentee", "/mentorships/{mentorship}"),
    ("admin director", "/admin/mentorships"),
    ("admin", "/admin/mentorships?status=all&cursor={mentorships_cursor}"),
    ("admin director", "/admin/people"),
    ("admin", "/admin/people?cursor={roster_cursor}"),
    ("admin", "/admin/ledger"),
    ("admin", "/admin/import"),
    ("admin mentor mentee", "/people/{mentee}"),
    ("director", "/people/{mentor}"),
    ("admin", "/people/{mentor}/account"),
    ("admin director", "/people/{mentor}/milestones"),
    ("admin director mentor mentee", "/profile"),
    ("mentor", "/account/password"),
    ("mentor mentee", "/calendar"),
    ("mentor", "/calendar.ics"),
    ("admin director", "/admin/feedback"),
    ("mentee", "/feedback"),
    ("mentor", "/feedback/report"),
    ("mentor mentee", "/milestones"),
    ("admin director", "/milestones/to-confirm"),
    ("mentor", "/reflections"),
    ("mentor", "/reflections/{reflection}"),
    ("mentor", "/reflections/new"),
    ("admin mentor", "/awards"),
    ("admin", "/awards/new"),
    ("mentor", "/awards/mine"),
    ("mentor", "/awards/nominations"),
    ("mentor", "/recognition"),
    ("admin director", "/cases"),
    ("admin", "/cases/new"),
    ("admin", "/cases/referees"),
    ("admin", "/cases/export.csv"),
    ("admin director", "/metrics"),
    ("admin", "/metrics/entries_confirmed.csv"),
    ("admin director", "/metrics/reports"),
    ("mentor", "/verify"),
    ("mentor", "/issuer"),
    ("mentor", "/verify/keys.json"),
    ("mentor", "/ledger/checkpoints.json"),
    # API
    ("mentor", "/api/v1/auth/me"),
    ("mentor", "/api/v1/auth/tokens"),
    ("admin director mentor mentee", "/api/v1/contributions"),
    ("admin", "/api/v1/contributions?page=150"),
    ("admin", "/api/v1/contributions?cursor={cursor}"),
    ("admin", "/api/v1/contributions?with_total=true"),
    ("admin", "/api/v1/contributions?person_id={mentor}"),
    ("admin", "/api/v1/contributions?mentorship_id={mentorship}"),
    ("admin", "/api/v1/contributions?entry_type=confirmation"),
    ("director", "/api/v1/contributions?kind=academic_plan_review"),
    ("admin mentor", "/api/v1/contributions/{entry}"),
    ("admin", "/api/v1/ledger/head"),
    ("admin", "/api/v1/ledger/checkpoints"),
    ("admin director mentor mentee", "/api/v1/mentorships"),
    ("admin mentor", "/api/v1/mentorships/{mentorship}"),
    ("admin director mentor", "/api/v1/people"),
    ("admin mentor", "/api/v1/people/{mentee}"),
    ("admin", "/api/v1/people/{mentor}/profile"),
    ("mentor", "/api/v1/people/me/profile"),
    ("admin", "/api/v1/people/{mentor}/account"),
    ("admin", "/api/v1/people/{mentor}/invitations"),
    ("admin", "/api/v1/divisions"),
    ("admin director", "/api/v1/divisions/{division}"),
    ("mentor", "/api/v1/credits/summary"),
    ("mentor", "/api/v1/credits/profile"),
    ("mentor", "/api/v1/credits/frameworks"),
    ("mentor", "/api/v1/credits/export?year={year}"),
    ("admin mentor", "/api/v1/statements"),
    ("mentor", "/api/v1/dossiers"),
    ("admin", "/api/v1/dossiers/issued"),
    ("admin", "/api/v1/dossiers/access-log"),
    ("admin mentor", "/api/v1/reflections"),
    ("mentor", "/api/v1/reflections/{reflection}"),
    ("mentor mentee", "/api/v1/calendar/feed"),
    ("admin mentor", "/api/v1/milestones"),
    ("admin mentor", "/api/v1/awards"),
    ("admin mentor", "/api/v1/awards/grants"),
    ("admin mentor", "/api/v1/cycles"),
    ("admin mentor", "/api/v1/nominations"),
    ("admin director", "/api/v1/cases"),
    ("admin", "/api/v1/cases/export.csv"),
    ("admin", "/api/v1/feedback/department"),
    ("director", "/api/v1/feedback/divisions/{division}"),
    ("mentor", "/api/v1/feedback/instruments"),
    ("mentor", "/api/v1/feedback/requests"),
    ("mentor", "/api/v1/feedback/reports"),
    ("admin director", "/api/v1/metrics"),
    ("admin director", "/api/v1/metrics/attention"),
    ("admin", "/api/v1/metrics/definitions"),
    ("admin", "/api/v1/metrics/trends"),
    ("admin", "/api/v1/metrics/reports"),
    ("mentor", "/api/v1/verify/keys"),
]


def frozen() -> str:
    """What growing left in this process's heap, moved out of the cyclic collector's way
    (``gc.freeze``): without it every request after growing to 2M, ``/healthz`` too,
    paid for collections that walk those objects (1.5-1.8x at 2M on PostgreSQL), a cost of the
    benchmark's own process, not of the ledger's size."""
    gc.collect()
    gc.freeze()
    return f"{gc.get_freeze_count():,} objects of this process frozen before measuring"


def settled(app) -> str:
    """On PostgreSQL, ``VACUUM (ANALYZE)`` of the grown database: what autovacuum does on
    its own within minutes of a bulk load, and had done long before on a ledger that grew
    over years. Measured while it runs, every row (``/healthz`` too) slows by whatever it
    takes of the machine."""
    from recognition.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return "SQLite: nothing to settle"
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
        return f"VACUUM (ANALYZE), as autovacuum would have: {time.perf_counter() - started:.1f} s"


def nightly(app) -> str:
    """The scheduler's nightly job that builds the dashboard's snapshots of closed years
    and months, run once on the grown ledger as a deployment's scheduler runs it every
    night: the pages then read what it built, as they do any day (else the first view of
    the dashboard builds ten years of them: a cost of growing, not of the size)."""
    from recognition.clock import today
    from recognition.scheduler import runner

    started = time.perf_counter()
    summary = runner.run(app, "metric_snapshots", today())
    return f"the nightly metric_snapshots job: {summary}, in {time.perf_counter() - started:.1f} s"


def _timed(call: Callable[[], object], samples: int, budget: float) -> Row:
    """Wall-clock samples, and this process's CPU time for each (see ``Row``)."""
    begun, spent = time.perf_counter(), time.process_time()
    call()  # warm: templates compiled, caches filled
    if (took := time.perf_counter() - begun) > budget:
        return Row([took], cpu=[time.process_time() - spent])  # one request spends the budget
    found: list[float] = []
    cpu: list[float] = []
    started = time.perf_counter()
    while len(found) < samples and (len(found) < 3 or time.perf_counter() - started < budget):
        begun, spent = time.perf_counter(), time.process_time()
        call()
        found.append(time.perf_counter() - begun)
        cpu.append(time.process_time() - spent)
    return Row(found, cpu=cpu)


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
