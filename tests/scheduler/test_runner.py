"""The scheduler with its real job store on the test database: what a start stores, that
a run missed while no scheduler ran happens once (not once per missed day) and for the
date it was due, that a restart leaves stored jobs alone, and the wrapper every run goes
through. Schedulers here are short-lived BackgroundSchedulers, shut down in each test."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect, select

from recognition import create_app
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.scheduler import JOB_TABLE, jobs, lock, runner
from recognition.scheduler.models import ScheduledNotice
from tests.conftest import app_config, dispose_engines

TORONTO = "America/Toronto"


class Probe:
    """A job that records each date it ran for, and writes a row to show it was committed."""

    def __init__(self):
        self.days: list[date] = []
        self.ran = threading.Event()

    def __call__(self, day: date) -> str:
        db.session.add(ScheduledNotice(kind="probe", subject_key="probe", due_on=day, sent_at=utcnow()))
        self.days.append(day)
        self.ran.set()
        return f"probed {day.isoformat()}"


@pytest.fixture
def probe(monkeypatch) -> Probe:
    """The registry holds one job, ``probe``, daily at 23:30 local time (04:30 or 03:30 UTC
    the next day, so a run dated by UTC would be a day off)."""
    made = Probe()
    monkeypatch.setattr(jobs, "JOBS", {"probe": jobs.Job("probe", made, {"hour": 23, "minute": 30}, "A probe.")})
    return made


@contextmanager
def scheduler_on(app, start: bool = True):
    """A BackgroundScheduler built as ``recognition scheduler`` builds its own, brought in
    line with the registry; yields it (started unless ``start`` is False) and the changes."""
    scheduler, store = runner.build(app, BackgroundScheduler)
    changes = runner.synchronise(scheduler, store, app)
    scheduler.start(paused=not start)
    try:
        yield scheduler, changes
    finally:
        scheduler.shutdown(wait=True)


def stored_next_run(app, job_id: str) -> datetime | None:
    job = runner.stored_jobs(app).get(job_id)
    return job.next_run_time if job else None


def local_now(app) -> datetime:
    from zoneinfo import ZoneInfo

    return utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo(app.config["SCHEDULER_TIMEZONE"]))


def test_a_start_stores_every_job_with_coalescing_and_no_misfire_limit(app):
    with scheduler_on(app, start=False) as (scheduler, changes):
        stored = {job.id: job for job in scheduler.get_jobs()}
    assert changes == [f"added {job_id}" for job_id in jobs.JOBS]
    assert stored.keys() == jobs.JOBS.keys()
    for job_id, job in stored.items():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None), job_id
        assert job.func_ref == "recognition.scheduler.runner:fire" and job.args == (job_id,)
        assert str(job.trigger.timezone) == TORONTO
        assert job.next_run_time > local_now(app)
    assert set(runner.stored_jobs(app)) == set(jobs.JOBS)  # in the app's own database


def test_a_run_missed_for_days_runs_once_on_start_for_the_date_it_was_due(app, probe):
    now = local_now(app)
    ten_days_ago = (now - timedelta(days=10)).replace(hour=23, minute=30, second=0, microsecond=0)
    with scheduler_on(app, start=False) as (scheduler, _):
        scheduler.modify_job("probe", next_run_time=ten_days_ago)  # the scheduler stopped ten days ago

    # A new start leaves the stored job (same trigger) alone, missed run time and all...
    with scheduler_on(app, start=False) as (_, changes):
        assert changes == []
        assert stored_next_run(app, "probe") == ten_days_ago
    # ...so once it runs, the job runs at once: once, for the last date it was due.
    with scheduler_on(app) as (scheduler, _):
        assert probe.ran.wait(20), "the missed run did not happen"
        time.sleep(0.3)  # a second run, were there one, would have been submitted with the first

    last_due = (
        now.date() if now.time() >= datetime.min.time().replace(hour=23, minute=30) else now.date() - timedelta(days=1)
    )
    assert probe.days == [last_due]
    assert stored_next_run(app, "probe") > now
    with app.app_context():  # the wrapper committed what the job wrote
        assert db.session.scalars(select(ScheduledNotice.due_on).where(ScheduledNotice.kind == "probe")).all() == [
            last_due
        ]


def test_a_changed_trigger_is_rescheduled_and_a_job_no_longer_in_the_registry_removed(app, probe, monkeypatch):
    with scheduler_on(app, start=False) as (scheduler, _):
        scheduler.add_job(runner.fire, "cron", hour=5, id="retired", args=("retired",))
        scheduler.modify_job("probe", next_run_time=local_now(app) - timedelta(days=3))

    app.config["SCHEDULER_TRIGGERS"] = {"probe": {"hour": 5, "minute": 15}}
    with scheduler_on(app, start=False) as (_, changes):
        assert changes == ["removed retired: no longer a job", "rescheduled probe: daily at 05:15"]
    stored = runner.stored_jobs(app)
    assert list(stored) == ["probe"]
    assert stored["probe"].next_run_time > local_now(app)  # from now: the old missed run is gone with its trigger
    assert stored["probe"].next_run_time.astimezone(stored["probe"].trigger.timezone).strftime("%H:%M") == "05:15"
    assert probe.days == []


def test_a_stored_job_with_other_settings_is_updated_keeping_its_next_run(app, probe):
    missed = local_now(app) - timedelta(days=2)
    with scheduler_on(app, start=False) as (scheduler, _):
        scheduler.modify_job("probe", coalesce=False, misfire_grace_time=60, next_run_time=missed)
    with scheduler_on(app, start=False) as (scheduler, changes):
        job = scheduler.get_job("probe")
    assert changes == ["updated probe"]
    assert (job.coalesce, job.misfire_grace_time, job.next_run_time) == (True, None, missed)


def test_a_failing_job_commits_nothing_and_says_why(app, monkeypatch):
    def broken(day: date) -> str:
        db.session.add(ScheduledNotice(kind="broken", subject_key="x", due_on=day, sent_at=utcnow()))
        db.session.flush()
        raise RuntimeError("the mail server is down")

    monkeypatch.setattr(jobs, "JOBS", {"broken": jobs.Job("broken", broken, {"hour": 6, "minute": 0}, "Breaks.")})
    with pytest.raises(RuntimeError, match="the mail server is down"):
        runner.run(app, "broken", date(2025, 5, 1))
    with app.app_context():
        assert db.session.scalars(select(ScheduledNotice)).all() == []


def test_two_runs_of_one_job_never_overlap(app, probe):
    """A run by hand waits while the scheduler's run of the same job holds its lock."""
    held = lock.for_app(app, "job-probe")
    assert held.acquire()
    worker = threading.Thread(target=runner.run, args=(app, "probe", date(2025, 5, 1)))
    try:
        worker.start()
        assert not probe.ran.wait(0.5)
    finally:
        held.release()
    worker.join(20)
    assert probe.days == [date(2025, 5, 1)]


def test_the_web_app_starts_no_scheduler_and_touches_no_job_store(app, client):
    assert client.get("/healthz").status_code == 200
    assert not any(thread.name.startswith("APScheduler") for thread in threading.enumerate())
    with app.app_context():
        assert not inspect(db.engine).has_table(JOB_TABLE)


def test_a_second_app_on_the_same_database_sees_the_stored_next_runs(app, probe, instance_path):
    with scheduler_on(app, start=False):
        pass
    other = create_app(app_config(app.config["DATABASE_URL"]))
    try:
        assert stored_next_run(other, "probe") == stored_next_run(app, "probe") is not None
    finally:
        dispose_engines(other)
