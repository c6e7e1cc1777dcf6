"""The administrator's long lists on a grown faculty: the roster (5,000 people) and the
mentorships list (12,000), page 1 and page 50, reached by a page number (an offset) and
by following Next fifty times (a keyset cursor), as pages and on the API.

    python tests/benchmarks/bench_lists.py --grown URL [--baseline URL] [--samples 15] [--budget 5]

``--grown`` is a database ``grow.py`` grew (it is migrated to the code's head: give a copy
of your own). With ``--baseline`` (the same faculty grown less far, e.g. to 10k entries)
both are measured, one request of each in turn, and each row shows the growth. Each row
prints the median and 95th percentile wall-clock time and the median CPU time this
process spent (the steadier figure on a busy machine; for SQLite it holds the queries),
and, beside each list's page 50, its time over that list's page 1. Code from before
cursors pages by number only: its cursor rows are left out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from common import fresh_app

DEEP = 50


def opened(url: str):
    """The app on a grown database, a line describing it, and its administrator signed in
    (a browser session and an API token)."""
    from grow import PASSWORD
    from sqlalchemy import func, select

    from recognition.auth.models import RoleGrant
    from recognition.extensions import db
    from recognition.ledger.models import LedgerEntry
    from recognition.mentorships.models import Mentorship
    from recognition.people.models import Person

    app, _ = fresh_app(url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        counts = [db.session.scalar(select(func.count()).select_from(t)) for t in (Person, Mentorship, LedgerEntry)]
        backend = db.engine.dialect.name
        admin = db.session.scalar(
            select(Person.email).join(RoleGrant, RoleGrant.person_id == Person.id).where(RoleGrant.role == "admin")
        )
    client = app.test_client()
    credentials = {"email": admin, "password": PASSWORD}
    assert client.post("/login", data=credentials).status_code == 302
    token = client.post("/api/v1/auth/tokens", json=credentials).get_json()["token"]
    title = f"{backend}: {counts[0]:,} people, {counts[1]:,} mentorships, {counts[2]:,} ledger entries"
    return client, {"Authorization": f"Bearer {token}"}, title


def deep_cursor(client, path: str, headers: dict | None = None) -> str | None:
    """The cursor of page ``DEEP``, by following Next from page 1 (None: no cursors)."""
    import re

    address = path
    for _ in range(DEEP - 1):
        response = client.get(address, headers=headers or {})
        assert response.status_code == 200, (address, response.status_code)
        if headers:
            following = response.get_json()["meta"].get("next")
            if following is None:
                return None
            address = f"{path}{'&' if '?' in path else '?'}cursor={following}"
            continue
        found = re.search(r'<a href="([^"]+)" rel="next">', response.get_data(as_text=True))
        if found is None or "cursor=" not in found.group(1):
            return None
        address = found.group(1).replace("&amp;", "&")
    return address


def rows_of(client, headers: dict) -> list[tuple[str, Callable[[], object]]]:
    def get(path: str, api: bool = False):
        def call():
            response = client.get(path, headers=headers if api else {})
            assert response.status_code == 200, (path, response.status_code)
            return response

        return call

    found = [("GET /healthz (baseline)", get("/healthz"))]
    for path, api in (
        ("/admin/people", False),
        ("/admin/mentorships?status=all", False),
        ("/api/v1/mentorships?per_page=50", True),
        ("/api/v1/people?per_page=50", True),
    ):
        name = f"{'GET ' if api else ''}{path}"
        found.append((f"{name} page 1", get(path, api)))
        found.append((f"{name} page {DEEP} by number", get(f"{path}{'&' if '?' in path else '?'}page={DEEP}", api)))
        cursor = deep_cursor(client, path, headers if api else None)
        if cursor is not None:
            found.append((f"{name} page {DEEP} by cursor", get(cursor, api)))
    return found


def timed(call: Callable[[], object], samples: int, budget: float) -> tuple[list[float], list[float]]:
    call()  # warm
    wall: list[float] = []
    cpu: list[float] = []
    started = time.perf_counter()
    while len(wall) < samples and (len(wall) < 3 or time.perf_counter() - started < budget):
        begun, spent = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - begun)
        cpu.append(time.process_time() - spent)
    return wall, cpu


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grown", required=True, help="a copy of a database grow.py grew")
    parser.add_argument("--baseline", help="the same faculty grown less far (e.g. 10k entries)")
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--budget", type=float, default=5.0, help="seconds a row, about")
    args = parser.parse_args()
    opened_ = [opened(url) for url in ([args.baseline] if args.baseline else []) + [args.grown]]
    print(" vs ".join(title for *_, title in opened_))
    tables = [dict(rows_of(client, headers)) for client, headers, _ in opened_]
    names = [name for name in tables[-1] if all(name in table for table in tables)]
    header = f"{'request':58s}" + "".join(f" {'median (p95), CPU':>28s} {'/page 1':>8s}" for _ in tables)
    print(header + (f" {'growth':>7s}" if len(tables) > 1 else ""))
    firsts: list[dict] = [{} for _ in tables]
    for name in names:
        found = []
        for table in tables:
            found.append(timed(table[name], args.samples, args.budget))
        line = f"{name:58s}"
        for n, (wall, cpu) in enumerate(found):
            median = statistics.median(wall)
            page = name.rsplit(" page ", 1)[0]
            if name.endswith("page 1"):
                firsts[n][page] = median
            ratio = f"{median / firsts[n][page]:7.2f}x" if " page " in name and page in firsts[n] else ""
            figure = f"{median * 1000:.1f} ({p95(wall) * 1000:.1f}), {statistics.median(cpu) * 1000:.1f} ms"
            line += f" {figure:>28s} {ratio:>8s}"
        if len(found) > 1:
            line += f" {statistics.median(found[-1][0]) / statistics.median(found[0][0]):6.2f}x"
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
