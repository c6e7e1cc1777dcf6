"""Pages and lists at demo scale: median and 95th percentile per request.

The baseline is ``GET /healthz`` on the same app (the whole stack and no query, so the
ratios say what the page itself costs), measured in turns with each page: one request to
``/healthz``, one to the page, and so on, so both meet the same machine (a neighbour's
load, the CPU's clock, what the caches hold) and each row is compared with the
``/healthz`` requests of its own turns. Each row gives the wall clock and the median CPU
time of the process (the test client runs the app in this process) and their ratios: on a
machine others are using, a longer request waits longer for a CPU, so the wall clock
overstates the ratios. The last line compares the mentor's page with issue 15's goal:
within 5x ``/healthz``.

    python tests/benchmarks/bench_pages.py [--requests 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import time

from common import describe, fresh_app

GOAL = 5.0  # issue 15: the mentor's page at demo scale within 5x /healthz


def timed(client, path: str, count: int, **kwargs) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU seconds of ``count`` requests."""
    samples, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, **kwargs)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, (path, response.status_code)
    return samples, cpu


Samples = tuple[list[float], list[float]]


def in_turns(client, path: str, count: int, **kwargs) -> tuple[Samples, Samples]:
    """``count`` requests to ``path``, each after one to ``/healthz``: (the page's samples,
    the baseline's samples), as ``timed`` gives them."""
    page: Samples = ([], [])
    baseline: Samples = ([], [])
    for _ in range(count):
        for samples, got in ((baseline, timed(client, "/healthz", 1)), (page, timed(client, path, 1, **kwargs))):
            samples[0].extend(got[0])
            samples[1].extend(got[1])
    return page, baseline


def median(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, _ = fresh_app(args.database_url, WTF_CSRF_ENABLED=False)

    from sqlalchemy import func, select

    from recognition.demo import builder
    from recognition.extensions import db
    from recognition.ledger.models import LedgerEntry
    from recognition.mentorships.models import Mentorship
    from recognition.people.models import Person

    with app.app_context():
        logins = {role: (email, password) for role, email, password in builder.load(2024)}
        people = db.session.scalar(select(func.count()).select_from(Person))
        entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        email, password = logins["mentor"]
        mentor = db.session.scalar(select(Person).where(Person.email == email))
        mentorship_id = db.session.scalar(select(Mentorship.id).where(Mentorship.mentor_id == mentor.id).limit(1))
        # The history page costs what the mentorship's history costs: the mentor's longest too.
        busiest_id = db.session.scalar(
            select(LedgerEntry.mentorship_id)
            .join(Mentorship, Mentorship.id == LedgerEntry.mentorship_id)
            .where(Mentorship.mentor_id == mentor.id)
            .group_by(LedgerEntry.mentorship_id)
            .order_by(func.count().desc(), LedgerEntry.mentorship_id)
            .limit(1)
        )
    print(f"demo: {people} people, {entries} ledger entries")

    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.status_code
    token = client.post("/api/v1/auth/tokens", json={"email": email, "password": password}).get_json()["token"]
    admin_email, admin_password = logins["admin"]
    admin_token = client.post(
        "/api/v1/auth/tokens", json={"email": admin_email, "password": admin_password}
    ).get_json()["token"]

    n = args.requests
    for path in ("/healthz", "/mentoring"):  # warm up: the first requests load templates
        timed(client, path, 20)
    pages = {
        "mentor page /mentoring": ("/mentoring", {}),
        f"mentorship history /mentorships/{mentorship_id}": (f"/mentorships/{mentorship_id}", {}),
        f"busiest mentorship's history /mentorships/{busiest_id}": (f"/mentorships/{busiest_id}", {}),
        "ledger list, mentor (API, 50 a page)": (
            "/api/v1/contributions",
            {"headers": {"Authorization": f"Bearer {token}"}},
        ),
        "ledger list, admin, whole department (API, 50 a page)": (
            "/api/v1/contributions",
            {"headers": {"Authorization": f"Bearer {admin_token}"}},
        ),
    }
    results = {name: in_turns(client, path, n, **kwargs) for name, (path, kwargs) in pages.items()}
    everything: Samples = ([], [])
    for _, baseline in results.values():
        everything[0].extend(baseline[0])
        everything[1].extend(baseline[1])
    print(
        f"{'GET /healthz (baseline, every turn)':60s} {describe(everything[0])};"
        f" CPU {median(everything[1]) * 1000:.2f} ms"
    )
    for name, ((samples, cpu), (base, base_cpu)) in results.items():
        print(
            f"{name:60s} {describe(samples)}  ({median(samples) / median(base):.1f}x its turns' /healthz);"
            f" CPU {median(cpu) * 1000:.2f} ms ({median(cpu) / median(base_cpu):.1f}x)"
        )
    (samples, cpu), (base, base_cpu) = results["mentor page /mentoring"]
    ratio, ratio_cpu = median(samples) / median(base), median(cpu) / median(base_cpu)
    print(
        f"mentor page: {ratio:.1f}x /healthz, {ratio_cpu:.1f}x in CPU time (goal: within {GOAL:g}x)"
        f"{'' if ratio_cpu <= GOAL else '  ABOVE THE GOAL'}"
    )


if __name__ == "__main__":
    main()
