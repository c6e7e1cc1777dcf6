"""What a day's ordinary changes cost on a grown department (``grow.py``; 5,000 faculty,
2M ledger entries): the daily checkpoint, and the dashboard's first view after the
roster changed, each against what the same run does without the change.

    python tests/benchmarks/bench_daily.py --grown URL [--appends 300]

``--grown`` names a copy of a grown database (``sqlite:////tmp/copy.sqlite3`` or a
PostgreSQL URL): the run writes to it (entries, a checkpoint, two mentorships, a person's
division), so give one you can throw away. It is migrated to the code's head first.

- **Checkpoint.** The scheduler's ``ledger_checkpoint`` job, as it runs each night: how
  long it takes, and how long of that it holds the append lock (every append waits that
  long). The first checkpoint of a ledger that has none is made first when there is
  none (it lists every entry), then ``--appends`` entries are appended and the next one
  is measured: the figure a deployment sees every day.
- **Dashboard after a roster change.** ``/metrics`` as the administrator: a warm view
  (the baseline: every snapshot fresh), then the first view after a mentorship is
  added, after a second one is added, and after a person moves to another division;
  each as a multiple of the warm view. The nightly snapshot job is run first, as a
  deployment's scheduler would have.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import grow
from common import fresh_app  # noqa: F401 (puts the project on the path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grown", required=True, metavar="URL", help="a copy of a grown database (it is written to)")
    parser.add_argument("--appends", type=int, default=300, help="entries appended before the measured checkpoint")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from recognition import create_app
    from recognition.clock import today
    from recognition.extensions import db
    from recognition.ledger import checkpoints
    from recognition.scheduler import runner

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": args.grown, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        backend = db.engine.dialect.name
        from recognition.ledger.models import LedgerEntry

        entries = db.session.scalar(select(func.max(LedgerEntry.seq))) or 0
        none_yet = checkpoints.latest() is None
    print(f"{backend}: {entries:,} entries")
    held: list[float] = []
    locking = checkpoints.lock_for_append

    def lock(*given, **named):
        held.append(time.perf_counter())
        return locking(*given, **named)

    checkpoints.lock_for_append = lock

    def checkpoint(label: str) -> None:
        held.clear()
        started = time.perf_counter()
        summary = runner.run(app, "ledger_checkpoint", today())
        ended = time.perf_counter()
        print(
            f"{label}: {summary}; {ended - started:.2f} s in all, the append lock held "
            f"{ended - held[0]:.3f} s ({(ended - held[0]) / (ended - started):.1%})"
        )

    if none_yet:
        checkpoint("the first checkpoint (it lists every entry)")
    _append(app, args.appends)
    checkpoint(f"the next night's checkpoint, {args.appends} entries later")
    print(runner.run(app, "metric_snapshots", today()))
    _dashboard(app)


def _append(app, count: int) -> None:
    from sqlalchemy import select

    from recognition.auth.service import load_actor
    from recognition.clock import utcnow
    from recognition.extensions import db
    from recognition.ledger import service
    from recognition.mentorships.models import Mentorship

    with app.app_context():
        actor = load_actor(db.session.scalar(select(Mentorship.mentor_id).order_by(Mentorship.id).limit(1)))
        for number in range(count):
            service.record(
                {
                    "kind": "other",
                    "occurred_on": utcnow().date(),
                    "minutes": 10,
                    "note": f"daily {number}",
                    "confirm_duplicate": True,
                },
                actor,
                utcnow(),
            )
            db.session.commit()


def _dashboard(app) -> None:
    from sqlalchemy import select, update

    from recognition.auth.models import RoleGrant
    from recognition.clock import utcnow
    from recognition.extensions import db
    from recognition.mentorships.models import Mentorship
    from recognition.people.models import Division, Person

    with app.app_context():
        admin = db.session.scalar(
            select(Person.email)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.role == "admin")
            .order_by(Person.id)
            .limit(1)
        )
    client = app.test_client()
    assert client.post("/login", data={"email": admin, "password": grow.PASSWORD}).status_code == 302

    def view() -> float:
        started = time.perf_counter()
        assert client.get("/metrics").status_code == 200
        return time.perf_counter() - started

    view()
    warm = min(view() for _ in range(3))
    print(f"/metrics as administrator, warm (every snapshot fresh): {warm * 1000:.0f} ms")

    def after(label: str, change) -> None:
        with app.app_context():
            change()
            db.session.commit()
        took = view()
        print(f"  first view after {label}: {took * 1000:.0f} ms ({took / warm:.1f}x warm)")

    def new_mentorship(offset: int):
        def change() -> None:
            people = db.session.scalars(select(Person.id).order_by(Person.id).limit(2).offset(100 + offset)).all()
            db.session.add(
                Mentorship(
                    mentor_id=people[0],
                    mentee_id=people[1],
                    kind="formal",
                    started_on=date(2020, 3, 1),
                    created_at=utcnow(),
                )
            )

        return change

    def division_move() -> None:
        person = db.session.scalar(select(Person).order_by(Person.id.desc()).limit(1))
        other = db.session.scalar(select(Division.id).where(Division.id != person.division_id).limit(1))
        db.session.execute(update(Person).where(Person.id == person.id).values(division_id=other))

    after("a mentorship added (begun in 2020)", new_mentorship(0))
    after("a second one added", new_mentorship(2))
    after("a person moved to another division", division_move)


if __name__ == "__main__":
    main()
