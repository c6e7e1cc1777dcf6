"""A yearly duty is done when its work is done, not when its trigger fired: the year-end
statements killed part-way are finished by the next scheduler start (before the next
trigger, and said so), a scheduler that stops hands the duty back rather than dropping
it, and killing the batch's parent stops its worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.clock import today
from recognition.credits import batch
from recognition.credits.models import Statement
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.scheduler import duties, schedule
from recognition.scheduler import runner as scheduler_runner
from recognition.scheduler.models import DutyRun

EARNERS = ("mentor", "other_mentor", "director", "other_director", "award_committee")
NEW_YEAR = date(2025, 1, 1)


class Killed(BaseException):
    """The process dying part-way: nothing in the batch catches it."""


@pytest.fixture
def earners(app, dept) -> list[int]:
    """Five people with credits in 2024: five statements for the 1 January 2025 run."""
    with app.app_context():
        for n, role in enumerate(EARNERS):
            ledger.record(
                {
                    "kind": "mentoring_preparation",
                    "occurred_on": date(2024, 3, 4 + n),
                    "minutes": 90,
                    "person_id": dept.ids[role],
                    "note": f"Prepared for a mentee's grant, {n}.",
                },
                load_actor(dept.ids["admin"]),
                datetime(2024, 3, 10, 12),
            )
        db.session.commit()
    return [dept.ids[role] for role in EARNERS]


def statements(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Statement))


def duty_row(app) -> tuple:
    with app.app_context():
        row = db.session.scalars(select(DutyRun).where(DutyRun.job_id == "year_end_statements")).one()
        return row.period, row.outcome, row.done, row.total


def dying_after(monkeypatch, stored: int, *, until: threading.Event | None = None):
    """The batch stores ``stored`` statements, then the next store is the process dying
    (or, with ``until``, waits for it and goes on)."""
    real = batch.service.store
    calls = {"n": 0, "dying": True}

    def store(prepared):
        calls["n"] += 1
        if calls["dying"] and calls["n"] > stored:
            if until is None:
                raise Killed()
            until.wait(timeout=10)
        return real(prepared)

    monkeypatch.setattr(batch.service, "store", store)
    return calls


def test_a_new_year_run_killed_part_way_is_finished_by_the_next_start_before_the_next_trigger(
    app, earners, monkeypatch, runner
):
    cli = runner
    calls = dying_after(monkeypatch, 2)
    with pytest.raises(Killed):
        scheduler_runner.run(app, "year_end_statements", NEW_YEAR)
    assert statements(app) == 2
    assert duty_row(app) == ("2025-01-01", "incomplete", 2, 5)

    listed = cli.invoke(args=["scheduler", "--list"])
    assert listed.exit_code == 0, listed.output
    assert "Unfinished duties" in listed.output and "year_end_statements for 2025-01-01" in listed.output
    assert "2 of 5 done" in listed.output

    calls["dying"] = False  # the restarted scheduler
    said: list[str] = []
    scheduler, store = scheduler_runner.build(app, BackgroundScheduler)
    scheduler_runner.synchronise(scheduler, store, app)
    finished = threading.Event()
    scheduler.add_listener(
        lambda event: event.job_id == "unfinished_duties_at_start" and finished.set(), EVENT_JOB_EXECUTED
    )
    scheduler_runner._catch_up_at_start(app, scheduler, said.append)
    scheduler.start()
    try:
        assert finished.wait(timeout=60), "the start did not finish the duty"
    finally:
        scheduler.shutdown(wait=True)

    assert said == [
        "Unfinished duty: year_end_statements for 2025-01-01: ended with work left, 2 of 5 done "
        "(Killed: ). Finishing it now."
    ]
    assert statements(app) == 5
    assert duty_row(app) == ("2025-01-01", "done", 3, 3)  # the rerun skipped the two issued
    # Finished now, not on the trigger's next date, which stays as the trigger says.
    now = datetime.now(UTC)
    assert scheduler_runner.stored_jobs(app)["year_end_statements"].next_run_time == schedule.triggers(app)[
        "year_end_statements"
    ].get_next_fire_time(None, now)
    assert "Unfinished duties" not in cli.invoke(args=["scheduler", "--list"]).output


def test_a_run_whose_process_died_is_finished_by_the_daily_job(app, earners, run_job):
    """kill -9 leaves the row as it was when the process died: running, part done."""
    with app.app_context():
        db.session.add(
            DutyRun(
                job_id="year_end_statements",
                period="2025-01-01",
                started_at=datetime(2025, 1, 1, 9),
                done=0,
                total=5,
                outcome="running",
            )
        )
        db.session.commit()
    summary = run_job("unfinished_duties", today())
    assert summary.startswith("year_end_statements for 2025-01-01: 2024: issued 5"), summary
    assert statements(app) == 5 and duty_row(app) == ("2025-01-01", "done", 5, 5)
    assert run_job("unfinished_duties", today()) == "no duty left unfinished"


def test_a_stopping_scheduler_hands_the_duty_back_and_the_next_start_finishes_it(app, earners, monkeypatch, run_job):
    app.config["SCHEDULER_STOP_WAIT_SECONDS"] = 0.05
    dying_after(monkeypatch, 1, until=duties.STOP)  # a long batch: the second statement takes until asked to stop
    results: list[str] = []
    in_flight = threading.Thread(
        target=lambda: results.append(scheduler_runner.run(app, "year_end_statements", NEW_YEAR))
    )
    in_flight.start()
    deadline = time.monotonic() + 30
    while duty_row_or_none(app) is None or duty_row(app)[2] < 1:  # the first statement is stored
        assert time.monotonic() < deadline
        time.sleep(0.02)
    said: list[str] = []
    scheduler_runner._let_in_flight_end(app, said.append)
    in_flight.join(timeout=30)

    assert not in_flight.is_alive() and not duties.STOP.is_set()
    assert said and "asking it to stop" in said[0]
    assert results and results[0].startswith("handed back (stopped after 2 of 5)")
    assert duty_row(app)[:3] == ("2025-01-01", "handed_back", 2)
    assert statements(app) == 2

    monkeypatch.undo()
    run_job("unfinished_duties", today())
    assert statements(app) == 5 and duty_row(app)[1] == "done"


def duty_row_or_none(app):
    with app.app_context():
        return db.session.scalar(select(DutyRun.id).where(DutyRun.job_id == "year_end_statements"))


def test_a_date_the_duty_cannot_run_for_leaves_nothing_owed(app, run_job):
    from recognition.errors import DomainError

    with pytest.raises(DomainError):
        run_job("year_end_statements", date(1949, 6, 1))
    assert duty_row_or_none(app) is None


# Killing the batch's parent ------------------------------------------------------------

WORKERS = """
import os, sys, time
from recognition import create_app
from recognition.credits import batch
from tests.conftest import app_config

app = create_app(app_config(sys.argv[1]))
with app.app_context():
    pool = batch._executor(2)
    pool.submit(os.getpid).result()
    print(" ".join(str(pid) for pid in pool._processes), flush=True)
    time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status waits to be read


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_killing_the_batch_parent_ends_its_workers(instance_path, tmp_path):
    """About processes, not databases: the workers are killed before they open one."""
    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    with subprocess.Popen(
        [sys.executable, "-c", WORKERS, url],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    ) as parent:
        killed_workers(parent)


def killed_workers(parent: subprocess.Popen) -> None:
    workers: list[int] = []
    try:
        line = parent.stdout.readline()
        workers = [int(pid) for pid in line.split()]
        assert len(workers) == 2, (line, parent.stderr.read() if parent.poll() is not None else "")
        assert all(alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers), "a worker outlived the batch's parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in workers:  # should the test fail, leave no orphan behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
